// Text renderings of a run for hosts without our renderer: a Markdown fallback (a mermaid fence
// and result tables, which GitHub and VS Code's own Markdown renderer draw) and a plain summary.
import type { Cell, ChartSpec, RunOutput, TableSpec } from "../protocol/output";

/** Escape text for a Markdown table cell or paragraph: no HTML, no table breaks, no emphasis surprises. */
export function escapeMarkdown(text: string): string {
  return text.replace(/\r\n|\r|\n/g, " ").replace(/[\\`*_{}[\]()#+!|<>~&]/g, (c) => (c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "&" ? "&amp;" : `\\${c}`));
}

/**
 * Findings and summaries are written in a small Markdown subset (`code`, *emphasis*): keep it, but
 * never let a notebook string become HTML or break the paragraph.
 */
export function inlineMarkdown(text: string): string {
  return text.replace(/\r\n|\r|\n/g, " ").replace(/[<>&]/g, (c) => (c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&amp;"));
}

function cellText(value: Cell): string {
  if (value === null) return "";
  if (typeof value === "number") return formatNumber(value);
  return escapeMarkdown(String(value));
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(1) : Math.abs(n) >= 1 ? n.toFixed(3).replace(/0+$/, "").replace(/\.$/, "") : n.toPrecision(3);
}

export function markdownTable(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const head = `| ${columns.map(escapeMarkdown).join(" | ")} |`;
  const rule = `| ${columns.map(() => "---").join(" | ")} |`;
  return [head, rule, ...rows.map((r) => `| ${r.map(cellText).join(" | ")} |`)].join("\n");
}

function tableMarkdown(t: TableSpec): string {
  return `**${escapeMarkdown(t.title)}**\n\n${markdownTable(t.columns, t.rows)}`;
}

/** A chart as a table: one row per x value, one column per series. */
export function chartAsTable(chart: ChartSpec): TableSpec {
  const xs: (string | number)[] = [];
  for (const s of chart.series) for (const p of s.points) if (!xs.includes(p.x)) xs.push(p.x);
  const fmt = (y: number | undefined): Cell => (y === undefined ? null : chart.y.percent ? `${(y * 100).toFixed(1)}%` : y);
  return {
    id: chart.id,
    title: chart.title,
    columns: [chart.x.label, ...chart.series.map((s) => s.name)],
    rows: xs.map((x) => [x, ...chart.series.map((s) => fmt(s.points.find((p) => p.x === x)?.y))]),
  };
}

function verdictLine(out: RunOutput): string {
  const mark = out.verdict.valid === true ? "✅ Passed" : out.verdict.valid === false ? "❌ Violated" : "❔ Undecided";
  return `${mark}: ${inlineMarkdown(out.verdict.summary)}`;
}

export function toMarkdown(out: RunOutput): string {
  const parts: string[] = [`### ${escapeMarkdown(out.title)}`, `*${escapeMarkdown(out.simulatorTitle)}, seed ${out.seed}*`, verdictLine(out)];
  for (const f of out.verdict.findings) parts.push(`- **${escapeMarkdown(f.title)}** (\`${f.code.replace(/`/g, "")}\`): ${inlineMarkdown(f.explanation)}`);
  if (out.expectations?.length) {
    const held = out.expectations.filter((e) => e.ok).length;
    parts.push(
      `**Expectations: ${held} of ${out.expectations.length} held**\n\n` +
        out.expectations.map((e) => `- ${e.ok ? "✅" : "❌"} ${escapeMarkdown(e.expectation)}${e.ok ? "" : ` (got: ${escapeMarkdown(e.actual)})`}`).join("\n"),
    );
  }
  for (const d of out.diagrams) parts.push(`**${escapeMarkdown(d.title)}**\n\n\`\`\`mermaid\n${d.mermaid.trimEnd()}\n\`\`\``);
  for (const t of out.tables) parts.push(tableMarkdown(t));
  for (const c of out.charts) parts.push(tableMarkdown(chartAsTable(c)));
  return parts.join("\n\n") + "\n";
}

export function toPlainText(out: RunOutput): string {
  const lines = [`${out.title} (${out.simulatorTitle}, seed ${out.seed})`];
  const mark = out.verdict.valid === true ? "PASS" : out.verdict.valid === false ? "FAIL" : "UNKNOWN";
  lines.push(`${mark}: ${out.verdict.summary}`);
  for (const f of out.verdict.findings) lines.push(`  - [${f.severity}] ${f.title}: ${f.explanation}`);
  for (const e of out.expectations ?? []) lines.push(`  ${e.ok ? "ok" : "NOT OK"}: expected ${e.expectation}${e.ok ? "" : `, got ${e.actual}`}`);
  const metrics = Object.entries(out.metrics);
  if (metrics.length) lines.push(metrics.map(([k, v]) => `${k}=${formatNumber(v)}`).join(", "));
  return lines.join("\n") + "\n";
}
