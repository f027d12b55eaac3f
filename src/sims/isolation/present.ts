// What a learner sees: the interleaving as a sequence diagram (waits, resumptions, errors and the
// anomaly's steps marked), the dependency graph with its cycle, the table's final state and row
// versions, and for comparisons and explorations a matrix and a chart per engine and level.
import type { Finding, Verdict } from "../../core/verdict";
import type { ChartSpec, DiagramSpec, TableSpec } from "../../protocol/output";
import { escapeText, SequenceDiagram } from "../../present/mermaid";
import type { Presentation } from "../types";
import { ANOMALIES, check, describeCycle, type Anomaly, type Cycle } from "./check";
import type { IsolationResult, TargetRun } from "./model";
import { failed, type TraceEvent } from "./run";

const DB = "database";

function rowsText(rows: readonly [number, number][]): string {
  return rows.length ? rows.map(([id, v]) => `${id} => ${v}`).join(", ") : "(no rows)";
}

function resultText(e: TraceEvent, sql: string): string {
  if (e.rows) return rowsText(e.rows);
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "OK";
  if (e.affected !== undefined) return `${verb} ${e.affected}`;
  return e.message ?? verb;
}

/** The steps whose statements make the dependencies of each anomaly's cycle (the one its finding names). */
function highlightedSteps(r: TargetRun): Set<number> {
  const shortest = new Map<Anomaly, Cycle>();
  for (const c of r.analysis.cycles) {
    const prev = shortest.get(c.anomaly);
    if (!prev || c.edges.length < prev.edges.length) shortest.set(c.anomaly, c);
  }
  return new Set([...shortest.values()].flatMap((c) => c.edges.flatMap((e) => e.steps)));
}

export function sequenceDiagram(r: TargetRun, title = `${r.target}: the interleaving`): DiagramSpec {
  const d = new SequenceDiagram({ maxLines: 90 });
  for (const e of r.run.events) if (e.step >= 0) d.participant(e.session);
  d.participant(DB);
  const marked = highlightedSteps(r);
  const wasBlocked = new Set(r.run.events.filter((e) => e.kind === "blocked" || e.kind === "queued").map((e) => `${e.session}@${e.step}@${e.sql}`));
  // Only a cycle statement's own arrow is marked (and, for one that waited, its resumption), so
  // each stands out on its own instead of one band covering everything between them.
  for (const e of r.run.events) {
    const hl = marked.has(e.step);
    const key = `${e.session}@${e.step}@${e.sql}`;
    switch (e.kind) {
      case "ok":
        d.message(e.session, DB, e.sql, "call", hl);
        d.message(DB, e.session, resultText(e, e.sql), "reply");
        break;
      case "blocked":
        d.message(e.session, DB, e.sql, "call", hl);
        // Plain words, no emoji: a machine without an emoji font would draw a box.
        d.note(e.session, `WAITS: ${(e.message ?? "waits").replace(/^waits for /, "")}${e.waitingFor?.length ? `, held by ${e.waitingFor.join(", ")}` : ""}`);
        break;
      case "queued":
        d.note(e.session, `queued behind its waiting statement: ${e.sql}`);
        break;
      case "resumed":
        d.message(DB, e.session, `resumes: ${resultText(e, e.sql)}`, "reply", hl);
        break;
      case "error":
        if (!wasBlocked.has(key)) d.message(e.session, DB, e.sql, "call", hl);
        d.message(DB, e.session, `ERROR: ${e.message}`, "fault", true);
        break;
      case "snapshot":
        d.note(e.session, e.message ?? "");
        break;
      case "notice":
        d.note(e.session === "" ? DB : e.session, `${e.step < 0 ? "" : `${e.sql}: `}${e.message ?? ""}`);
        break;
    }
  }
  const { text, omitted } = d.render();
  return { id: `sequence-${r.target}`, title, mermaid: text, ...(omitted ? { omittedEvents: omitted } : {}) };
}

/** The direct serialization graph: transactions as nodes, dependencies as labelled edges; cycles in red. */
export function dependencyDiagram(r: TargetRun): DiagramSpec | undefined {
  const edges = r.analysis.edges;
  if (edges.length === 0) return undefined;
  const cycleEdges = new Set(r.analysis.cycles.flatMap((c) => c.edges));
  const ids = new Map<string, string>();
  const node = (session: string) => {
    if (!ids.has(session)) ids.set(session, `t${ids.size}`);
    return ids.get(session)!;
  };
  const lines = ["flowchart LR"];
  const styled: number[] = [];
  edges.forEach((e, i) => {
    const label = escapeText(`${e.kind} ${e.predicate ? `pred. row ${e.row}` : `row ${e.row}`}`).replace(/\|/g, "#124;");
    lines.push(`  ${node(e.from.session)}(("${escapeText(e.from.session)}")) -->|"${label}"| ${node(e.to.session)}(("${escapeText(e.to.session)}"))`);
    if (cycleEdges.has(e)) styled.push(i);
  });
  if (styled.length) lines.push(`  linkStyle ${styled.join(",")} stroke:#d04040,stroke-width:3px`);
  const cycle = r.analysis.cycles[0];
  return { id: `graph-${r.target}`, title: cycle ? `Dependency cycle (${cycle.anomaly}): ${describeCycle(cycle)}` : "Dependencies between the committed transactions (no cycle)", mermaid: lines.join("\n") + "\n" };
}

function stepTable(r: TargetRun): TableSpec {
  const rows = r.run.events.filter((e) => e.kind !== "notice" || e.step >= 0).map((e) => [e.step >= 0 ? e.step + 1 : "end", e.step >= 0 ? e.during + 1 : "end", e.session, e.sql, e.kind, e.kind === "error" ? e.message ?? "" : e.kind === "blocked" ? `${e.message ?? ""} (${e.waitingFor?.join(", ") ?? ""})` : resultText(e, e.sql)]);
  return { id: `steps-${r.target}`, title: `What each statement did (${r.target})`, columns: ["step", "happened at step", "session", "statement", "outcome", "result"], rows };
}

function finalTable(r: TargetRun): TableSpec {
  return { id: `final-${r.target}`, title: `The table after the run (${r.target})`, columns: ["id", "value"], rows: r.run.finalRows.map(([id, v]) => [id, v]) };
}

function versionsTable(r: TargetRun): TableSpec {
  return { id: `versions-${r.target}`, title: "Row versions left in the table, oldest first (aborted versions are gone)", columns: ["id", "value", "written by", "writer's outcome"], rows: r.run.db.versions().map((v) => [v.id, v.value === null ? "(deleted)" : v.value, v.writer, v.status]) };
}

function txnTable(r: TargetRun): TableSpec {
  return { id: `txns-${r.target}`, title: "Transactions", columns: ["session", "level", "kind", "outcome", "error"], rows: r.run.summaries.map((t) => [t.session, t.level, t.implicit ? "autocommit" : "explicit", t.status, t.error ?? ""]) };
}

function outcome(r: TargetRun): string {
  const aborted = r.run.summaries.filter(failed).map((s) => `${s.session} aborted (${s.error})`);
  const waits = r.run.events.filter((e) => e.kind === "blocked").length;
  const parts = [...aborted];
  if (waits) parts.push(`${waits} wait${waits > 1 ? "s" : ""}`);
  return parts.join("; ") || "no waits, no errors";
}

function metricsFor(runs: readonly TargetRun[]): Record<string, number> {
  const m: Record<string, number> = {};
  const found = ANOMALIES.filter((a) => runs.some((r) => r.analysis.anomalies.includes(a.id)));
  for (const r of runs) {
    const suffix = runs.length > 1 ? ` @ ${r.target}` : "";
    m[`anomalies${suffix}`] = r.analysis.anomalies.length;
    // 1 or 0 for each anomaly any of the runs shows, so a lesson can expect one level to prevent it.
    for (const a of found) m[`${a.id}${suffix}`] = r.analysis.anomalies.includes(a.id) ? 1 : 0;
    m[`aborted${suffix}`] = r.run.summaries.filter(failed).length;
    m[`waits${suffix}`] = r.run.events.filter((e) => e.kind === "blocked").length;
  }
  return m;
}

export function verdictOf(result: IsolationResult): Verdict {
  if (result.mode === "run") return check(result.runs[0]!.run).verdict;
  if (result.mode === "compare") {
    const findings: Finding[] = [];
    for (const r of result.runs) {
      for (const f of r.analysis.findings) findings.push({ ...f, title: `${r.target}: ${f.title}` });
      if (r.analysis.anomalies.length === 0) findings.push({ severity: "info", code: "prevented", title: `${r.target}: serializable`, explanation: `At ${r.target} the committed history has no anomaly: ${outcome(r)}.` });
    }
    const bad = result.runs.filter((r) => r.analysis.anomalies.length > 0);
    const summary = bad.length === 0 ? `Every engine and level kept this interleaving serializable (${result.runs.map((r) => `${r.target}: ${outcome(r)}`).join("; ")}).` : `${bad.map((r) => `${r.target} let ${r.analysis.anomalies.join(", ")} through`).join("; ")}; ${result.runs.length - bad.length} of ${result.runs.length} prevented it.`;
    return { valid: bad.length === 0, summary, findings };
  }
  const ex = result.explore!;
  const findings: Finding[] = [];
  for (const t of ex.tallies) {
    for (const [a, n] of Object.entries(t.counts) as [Anomaly, number][]) {
      const example = t.examples[a];
      findings.push({ severity: "error", code: a, title: `${t.target}: ${a} in ${n} of ${t.runs} interleavings`, explanation: `${ANOMALIES.find((x) => x.id === a)!.name}. The first interleaving that shows it: ${example ? example.run.events.filter((e) => e.kind !== "queued" && e.step >= 0).map((e) => e.session).filter((s, i, arr) => i === 0 || arr[i - 1] !== s).join(" → ") : "?"}.${example?.analysis.cycles.find((c) => c.anomaly === a) ? ` Its cycle: ${describeCycle(example.analysis.cycles.find((c) => c.anomaly === a)!)}.` : ""}` });
    }
  }
  const clean = ex.tallies.filter((t) => Object.keys(t.counts).length === 0).map((t) => t.target);
  return { valid: findings.length === 0, summary: `${ex.sampled ? `${ex.tallies[0]?.runs ?? 0} random interleavings of ${ex.space}` : `All ${ex.space} interleavings`}: ${clean.length ? `${clean.join(", ")} kept every one serializable` : "no level kept every one serializable"}${findings.length ? `; ${ex.tallies.filter((t) => Object.keys(t.counts).length).map((t) => `${t.target}: ${t.runs - t.serializable} anomalous`).join(", ")}` : ""}.`, findings };
}

export function present(result: IsolationResult, _verdict: Verdict): Presentation {
  if (result.mode === "compare") return comparison(result.runs);
  if (result.mode === "explore") return exploration(result);
  const r = result.runs[0]!;
  const graph = dependencyDiagram(r);
  return {
    title: `${r.target}: ${r.analysis.anomalies.length ? r.analysis.anomalies.join(", ") : "serializable"}`,
    diagrams: [sequenceDiagram(r), ...(graph ? [graph] : [])],
    charts: [],
    tables: [stepTable(r), finalTable(r), versionsTable(r), txnTable(r)],
    metrics: metricsFor([r]),
  };
}

/** The matrix of a comparison, shown first: one column per anomaly some level let through, in words. */
function matrixTable(runs: readonly TargetRun[]): TableSpec {
  const shown = ANOMALIES.filter((a) => runs.some((r) => r.analysis.anomalies.includes(a.id)));
  return {
    id: "matrix",
    title: "The same interleaving at each engine and level",
    summary: true,
    columns: ["engine/level", "anomalies", ...shown.map((a) => a.id), "what happened", "final table"],
    rows: runs.map((r) => [r.target, r.analysis.anomalies.length ? r.analysis.anomalies.join(", ") : "none", ...shown.map((a) => (r.analysis.anomalies.includes(a.id) ? "allowed" : "prevented")), outcome(r), rowsText(r.run.finalRows)]),
  };
}

function comparison(runs: readonly TargetRun[]): Presentation {
  return {
    title: `${runs.length} engines and levels: ${runs.filter((r) => r.analysis.anomalies.length).length} let an anomaly through`,
    diagrams: runs.map((r) => sequenceDiagram(r, `${r.target}: ${r.analysis.anomalies.length ? r.analysis.anomalies.join(", ") : "serializable"} (${outcome(r)})`)),
    charts: [],
    tables: [matrixTable(runs)],
    metrics: metricsFor(runs),
  };
}

function exploration(result: IsolationResult): Presentation {
  const ex = result.explore!;
  const found = ANOMALIES.filter((a) => ex.tallies.some((t) => t.counts[a.id]));
  const chart: ChartSpec = {
    id: "explore",
    title: `Share of interleavings ending in each anomaly (${ex.sampled ? `${ex.tallies[0]?.runs ?? 0} drawn at random from ${ex.space}` : `all ${ex.space}`})`,
    kind: "bar",
    x: { label: "outcome", scale: "band" },
    y: { label: "interleavings", percent: true },
    series: ex.tallies.map((t) => ({ name: t.target, points: [{ x: "serializable", y: t.serializable / t.runs }, ...found.map((a) => ({ x: a.id, y: (t.counts[a.id] ?? 0) / t.runs }))] })),
    caption: "One interleaving can show several anomalies, so the bars of a level may add up to more than 100%.",
  };
  const table: TableSpec = {
    id: "explore",
    title: "Interleavings per outcome",
    summary: true,
    columns: ["engine/level", "interleavings", "serializable", ...found.map((a) => a.id), "with an abort", "with a wait"],
    rows: ex.tallies.map((t) => [t.target, t.runs, t.serializable, ...found.map((a) => t.counts[a.id] ?? 0), t.aborted, t.blocked]),
  };
  const examples: DiagramSpec[] = [];
  for (const t of ex.tallies) {
    const first = found.find((a) => t.examples[a.id]);
    if (first && examples.length < 3) examples.push(sequenceDiagram(t.examples[first.id]!, `${t.target}: an interleaving that ends in ${first.id}`));
  }
  const metrics: Record<string, number> = {};
  for (const t of ex.tallies) {
    metrics[`serializable @ ${t.target}`] = t.serializable;
    metrics[`anomalous @ ${t.target}`] = t.runs - t.serializable;
    for (const a of found) metrics[`${a.id} @ ${t.target}`] = t.counts[a.id] ?? 0;
  }
  return { title: `Explored ${ex.sampled ? `${ex.tallies[0]?.runs ?? 0} of ${ex.space}` : `all ${ex.space}`} interleavings at ${ex.tallies.length} engine${ex.tallies.length > 1 ? "s and levels" : " and level"}`, diagrams: examples, charts: [chart], tables: [table], metrics };
}
