// How an exploration looks: a chart of the share of runs per outcome and design, a table of runs
// per outcome with the findings seen, and metrics a lesson's `expect:` can name.
import type { Tally } from "../core/explore";
import type { ChartSpec, TableSpec } from "../protocol/output";

export function exploreChart<C extends string, K>(tallies: readonly Tally<C, K>[], classes: readonly C[], caption: string): ChartSpec {
  return {
    id: "outcomes",
    title: `Outcomes over ${tallies[0]?.runs ?? 0} seeds, per design`,
    kind: "bar",
    x: { label: "outcome", scale: "band" },
    y: { label: "share of runs", percent: true },
    series: tallies.map((t) => ({ name: t.design, points: classes.map((c) => ({ x: c, y: t.runs ? t.counts[c] / t.runs : 0 })) })),
    caption,
  };
}

export function exploreTable<C extends string, K>(tallies: readonly Tally<C, K>[], classes: readonly C[]): TableSpec {
  return {
    id: "outcomes",
    title: "Runs per outcome and design",
    summary: true,
    columns: ["design", "runs", ...classes, "findings (runs showing each)"],
    rows: tallies.map((t) => [
      t.design,
      t.runs,
      ...classes.map((c) => t.counts[c]),
      Object.entries(t.codes)
        .sort((a, b) => b[1] - a[1])
        .map(([c, n]) => `${c} ${n}`)
        .join(", ") || "none",
    ]),
  };
}

/** Runs per outcome (`<outcome> @ <design>`) and runs showing each finding code seen in any design (`<code> @ <design>`, 0 where absent). */
export function exploreMetrics<C extends string, K>(tallies: readonly Tally<C, K>[], classes: readonly C[]): Record<string, number> {
  const m: Record<string, number> = { runs: tallies[0]?.runs ?? 0 };
  for (const t of tallies) for (const c of classes) m[`${c} @ ${t.design}`] = t.counts[c];
  const codes = [...new Set(tallies.flatMap((t) => Object.keys(t.codes)))].filter((c) => !(classes as readonly string[]).includes(c)).sort();
  for (const t of tallies) for (const c of codes) m[`${c} @ ${t.design}`] = t.codes[c] ?? 0;
  const first = tallies[0];
  if (first) for (const c of classes) m[c] = first.counts[c];
  return m;
}
