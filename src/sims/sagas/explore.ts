// Many runs, one seed each (drawn from the cell's seed), for each design on the same seeds:
// outcomes counted, finding codes tallied, and the first run of each outcome remembered so it can
// be replayed and drawn.
import type { Finding, ReplayValue, Verdict } from "../../core/verdict";
import { MAX_SEED, type Rng } from "../../core/rng";
import type { ChartSpec, TableSpec } from "../../protocol/output";

/** The cell keys that select a design, written into a replayed cell. */
export type DesignKeys = Readonly<Record<string, ReplayValue>>;

export interface Tally<C extends string> {
  readonly design: string;
  /** The cell keys that select this design (for replaying one of its runs). */
  readonly keys?: DesignKeys;
  readonly runs: number;
  readonly counts: Record<C, number>;
  /** How many runs showed each finding code. */
  readonly codes: Record<string, number>;
  /** The first run (1-based) and seed of each outcome. */
  readonly first: Partial<Record<C, { readonly run: number; readonly seed: number }>>;
  /** The first run (1-based) and seed showing each finding code. */
  readonly firstCode: Record<string, { readonly run: number; readonly seed: number }>;
}

export function explore<C extends string>(
  classes: readonly C[],
  designs: readonly { readonly name: string; readonly keys?: DesignKeys; readonly runOne: (seed: number) => { readonly outcome: C; readonly codes: readonly string[] } }[],
  runs: number,
  rng: Rng,
  progress: (f: number) => void,
): Tally<C>[] {
  const seeds = Array.from({ length: runs }, () => rng.int(0, MAX_SEED));
  const total = runs * designs.length;
  let done = 0;
  return designs.map((d) => {
    const counts = Object.fromEntries(classes.map((c) => [c, 0])) as Record<C, number>;
    const codes: Record<string, number> = {};
    const first: Partial<Record<C, { run: number; seed: number }>> = {};
    const firstCode: Record<string, { run: number; seed: number }> = {};
    seeds.forEach((seed, i) => {
      if (++done % 100 === 0) progress(done / total);
      const r = d.runOne(seed);
      counts[r.outcome]++;
      first[r.outcome] ??= { run: i + 1, seed };
      for (const c of new Set(r.codes)) {
        codes[c] = (codes[c] ?? 0) + 1;
        firstCode[c] ??= { run: i + 1, seed };
      }
    });
    return { design: d.name, ...(d.keys ? { keys: d.keys } : {}), runs, counts, codes, first, firstCode };
  });
}

/** An exploration's result: the tallies, and the first run that went wrong, replayed for its diagram. */
export interface Explored<C extends string, R> {
  readonly mode: "explore";
  readonly tallies: readonly Tally<C>[];
  readonly example?: { readonly design: string; readonly run: R; readonly index: number; readonly seed: number };
}

/**
 * Explores every design on the same seeds (`judge` turns one run into its outcome and error codes),
 * then replays the run `firstBad` picks from the first design where one went wrong.
 */
export function exploreDesigns<C extends string, O, R>(
  classes: readonly C[],
  designs: readonly { readonly name: string; readonly options: O; readonly keys?: DesignKeys }[],
  runs: number,
  rng: Rng,
  progress: (f: number) => void,
  simulate: (options: O, seed: number) => R,
  judge: (run: R) => { readonly outcome: C; readonly codes: readonly string[] },
  firstBad: (t: Tally<C>) => { readonly run: number; readonly seed: number } | undefined,
): Explored<C, R> {
  const tallies = explore(classes, designs.map((d) => ({ name: d.name, ...(d.keys ? { keys: d.keys } : {}), runOne: (seed: number) => judge(simulate(d.options, seed)) })), runs, rng, progress);
  for (const [i, t] of tallies.entries()) {
    const first = firstBad(t);
    if (first) return { mode: "explore", tallies, example: { design: t.design, run: simulate(designs[i]!.options, first.seed), index: first.run, seed: first.seed } };
  }
  return { mode: "explore", tallies };
}

/** Findings and a verdict for an exploration: one finding per design and code seen. */
export function exploreVerdict<C extends string>(tallies: readonly Tally<C>[], bad: readonly C[], what: string, describe: (code: string) => string): Verdict {
  const findings: Finding[] = [];
  for (const t of tallies) {
    for (const [code, count] of Object.entries(t.codes).sort((a, b) => b[1] - a[1])) {
      const firstBad = t.firstCode[code];
      findings.push({
        severity: "error",
        code,
        title: `${t.design}: ${code} in ${count} of ${t.runs} runs`,
        explanation: `${describe(code)} With ${t.design}, ${count} of ${t.runs} ${what} showed it.${firstBad ? ` The first run that shows it is run ${firstBad.run}, seed ${firstBad.seed}: replay it on its own to follow it step by step.` : ""}`,
        ...(firstBad ? { replay: { seed: firstBad.seed, remove: ["explore", "compare"], ...(t.keys ? { set: t.keys } : {}) } } : {}),
      });
    }
  }
  const clean = tallies.filter((t) => bad.every((c) => t.counts[c] === 0)).map((t) => t.design);
  const summary = `${tallies[0]?.runs ?? 0} seeded runs per design: ${tallies.map((t) => `${t.design} ${bad.map((c) => `${t.counts[c]} ${c}`).join(", ")}`).join("; ")}.${clean.length && clean.length < tallies.length ? ` Only ${clean.join(", ")} stayed clean.` : ""}`;
  return { valid: tallies.every((t) => bad.every((c) => t.counts[c] === 0)), summary, findings };
}

export function exploreChart<C extends string>(tallies: readonly Tally<C>[], classes: readonly C[], caption: string): ChartSpec {
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

export function exploreTable<C extends string>(tallies: readonly Tally<C>[], classes: readonly C[]): TableSpec {
  return {
    id: "outcomes",
    title: "Runs per outcome and design",
    summary: true,
    columns: ["design", "runs", ...classes, "findings (runs showing each)"],
    rows: tallies.map((t) => [t.design, t.runs, ...classes.map((c) => t.counts[c]), Object.entries(t.codes).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(", ") || "none"]),
  };
}

/** Runs per outcome (`<outcome> @ <design>`) and runs showing each finding code seen in any design (`<code> @ <design>`, 0 where absent). */
export function exploreMetrics<C extends string>(tallies: readonly Tally<C>[], classes: readonly C[]): Record<string, number> {
  const m: Record<string, number> = { runs: tallies[0]?.runs ?? 0 };
  for (const t of tallies) for (const c of classes) m[`${c} @ ${t.design}`] = t.counts[c];
  const codes = [...new Set(tallies.flatMap((t) => Object.keys(t.codes)))].filter((c) => !(classes as readonly string[]).includes(c)).sort();
  for (const t of tallies) for (const c of codes) m[`${c} @ ${t.design}`] = t.codes[c] ?? 0;
  const first = tallies[0];
  if (first) for (const c of classes) m[c] = first.counts[c];
  return m;
}
