// The three ways a cell runs: the given interleaving once, the same interleaving at several
// engines and levels, or many interleavings of the sessions' statements, counted per level.
import { ScenarioError } from "../../core/errors";
import type { Rng } from "../../core/rng";
import { analyze, type Analysis, type Anomaly } from "./check";
import type { Engine } from "./engine";
import { DEFAULT_LEVEL, failed, play, type RunResult, type Step } from "./run";
import { parseTarget, splitStep, type Options } from "./scenario";
import type { Level } from "./sql";

export interface TargetRun {
  readonly target: string;
  readonly engine: Engine;
  readonly level: Level;
  readonly run: RunResult;
  readonly analysis: Analysis;
}

export interface ExploreTally {
  readonly target: string;
  readonly runs: number;
  readonly serializable: number;
  readonly aborted: number;
  readonly blocked: number;
  readonly counts: Readonly<Partial<Record<Anomaly, number>>>;
  /** The first interleaving found for each anomaly, as step indexes into the given steps. */
  readonly examples: Readonly<Partial<Record<Anomaly, TargetRun>>>;
}

export interface IsolationResult {
  readonly mode: "run" | "compare" | "explore";
  readonly steps: readonly Step[];
  readonly runs: readonly TargetRun[];
  readonly explore?: { readonly space: number; readonly sampled: boolean; readonly tallies: readonly ExploreTally[] };
}

export function parseSteps(options: Options): Step[] {
  return options.steps.map((text, i) => {
    try {
      const { session, sql, statements } = splitStep(text);
      return { session, sql: sql.trim(), statements };
    } catch (err) {
      throw new ScenarioError(`Step ${i + 1}: ${(err as Error).message}`);
    }
  });
}

function targets(options: Options): { target: string; engine: Engine; level: Level }[] {
  if (options.compare.length) return [...new Set(options.compare)].map((t) => ({ target: t, ...parseTarget(t) }));
  const engine = options.engine;
  const level = options.level ?? DEFAULT_LEVEL[engine];
  return [{ target: `${engine}/${level}`, engine, level }];
}

function rowsOf(options: Options): [number, number][] {
  const seen = new Set<number>();
  return options.rows.map(([id, value]) => {
    if (seen.has(id!)) throw new ScenarioError(`rows: id ${id} appears twice; ids are the primary key.`);
    seen.add(id!);
    return [id!, value!];
  });
}

/** How many interleavings keep each session's statements in order: the multinomial coefficient. */
export function interleavingCount(lengths: readonly number[]): number {
  let total = 0;
  let count = 1;
  for (const n of lengths) {
    for (let k = 1; k <= n; k++) count = (count * (total + k)) / k;
    total += n;
  }
  return Math.round(count);
}

/** Every interleaving, in order (the first session's next step first), up to `limit`. */
function* allInterleavings(lengths: readonly number[], limit: number): Generator<number[]> {
  const total = lengths.reduce((s, n) => s + n, 0);
  const used = lengths.map(() => 0);
  const order: number[] = [];
  let produced = 0;
  function* rec(): Generator<number[]> {
    if (produced >= limit) return;
    if (order.length === total) {
      produced++;
      yield order.slice();
      return;
    }
    for (let s = 0; s < lengths.length; s++) {
      if (used[s]! >= lengths[s]!) continue;
      used[s]!++;
      order.push(s);
      yield* rec();
      order.pop();
      used[s]!--;
    }
  }
  yield* rec();
}

/** A uniformly random interleaving: pick the next session in proportion to what it has left. */
function randomInterleaving(lengths: readonly number[], rng: Rng): number[] {
  const left = lengths.slice();
  let remaining = left.reduce((s, n) => s + n, 0);
  const out: number[] = [];
  while (remaining > 0) {
    let pick = rng.int(0, remaining - 1);
    let s = 0;
    while (pick >= left[s]!) pick -= left[s++]!;
    out.push(s);
    left[s]!--;
    remaining--;
  }
  return out;
}

export function simulate(options: Options, rng: Rng, progress: (f: number) => void): IsolationResult {
  const steps = parseSteps(options);
  const rows = rowsOf(options);
  const list = targets(options);
  const once = (t: (typeof list)[number], s: readonly Step[]): TargetRun => {
    const run = play(t.engine, t.level, rows, s);
    return { ...t, run, analysis: analyze(run) };
  };
  if (!options.explore) {
    return { mode: options.compare.length ? "compare" : "run", steps, runs: list.map((t) => once(t, steps)) };
  }
  const sessions = [...new Set(steps.map((s) => s.session))];
  const bySession = sessions.map((name) => steps.filter((s) => s.session === name));
  const lengths = bySession.map((b) => b.length);
  const space = interleavingCount(lengths);
  const sampled = space > options.interleavings;
  const orders = sampled ? Array.from({ length: options.interleavings }, () => randomInterleaving(lengths, rng)) : [...allInterleavings(lengths, options.interleavings)];
  const tallies: ExploreTally[] = [];
  const total = orders.length * list.length;
  let done = 0;
  for (const t of list) {
    const counts: Partial<Record<Anomaly, number>> = {};
    const examples: Partial<Record<Anomaly, TargetRun>> = {};
    let serializable = 0;
    let aborted = 0;
    let blocked = 0;
    for (const order of orders) {
      const next = sessions.map(() => 0);
      const interleaved = order.map((s) => bySession[s]![next[s]!++]!);
      const r = once(t, interleaved);
      if (r.analysis.anomalies.length === 0) serializable++;
      for (const a of r.analysis.anomalies) {
        counts[a] = (counts[a] ?? 0) + 1;
        examples[a] ??= r;
      }
      if (r.run.summaries.some(failed)) aborted++;
      if (r.run.events.some((e) => e.kind === "blocked")) blocked++;
      if (++done % 200 === 0) progress(done / total);
    }
    tallies.push({ target: t.target, runs: orders.length, serializable, aborted, blocked, counts, examples });
  }
  return { mode: "explore", steps, runs: [], explore: { space, sampled, tallies } };
}
