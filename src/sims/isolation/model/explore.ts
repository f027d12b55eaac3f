// Many interleavings of the same steps: each session keeps the order of its own statements, and
// the sessions are shuffled together, every way (`explore: all`, or a count at least as large as
// their number), or at random from the cell's seed or from given seeds. Each interleaving is played
// at every engine and level and judged by the checker handed in (the model knows no anomalies),
// through the shared exploration helper; the first interleaving of each finding is played again
// for its diagram and its replay.
import { exploreCases, type Design, type Judgement, type Tally } from "../../../core/explore";
import { createRng, type Rng } from "../../../core/rng";
import { sessionLengths, type ExploreSpec, type Resolved, type Step, type TargetRef } from "../scenario";
import { failed, play, type RunResult } from "./run";

/** An interleaving: the cell's step indexes in the order they run. */
export type Interleaving = readonly number[];

/** Interleavings with no anomaly, and the others. */
export const OUTCOMES = ["serializable", "anomalous"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** One engine and level, run on one interleaving of the steps. */
export interface TargetRun extends TargetRef {
  readonly run: RunResult;
}

/** One engine and level over the explored interleavings. */
export interface TargetTally extends TargetRef {
  /** Counts per outcome, interleavings per anomaly code, and `aborted` and `blocked` interleavings summed. */
  readonly tally: Tally<Outcome, Interleaving>;
  /** The first interleaving showing each anomaly code, played again. */
  readonly examples: Readonly<Record<string, TargetRun>>;
}

export interface Exploration {
  /** How many interleavings the steps have. */
  readonly space: number;
  /** Whether the interleavings were drawn at random rather than all listed. */
  readonly sampled: boolean;
  readonly tallies: readonly TargetTally[];
}

/** The anomaly codes a run shows: what the checker finds (the model does not judge). */
export type Judge = (run: RunResult) => readonly string[];

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

/** Orders of sessions, as the exploration asks for them: all of them, or drawn at random. */
function sessionOrders(spec: ExploreSpec, space: number, lengths: readonly number[], rng: Rng): { orders: number[][]; sampled: boolean } {
  if (spec === "all") return { orders: [...allInterleavings(lengths, space)], sampled: false };
  if (typeof spec !== "number") return { orders: spec.map((seed) => randomInterleaving(lengths, createRng(seed))), sampled: true };
  if (space > spec) return { orders: Array.from({ length: spec }, () => randomInterleaving(lengths, rng)), sampled: true };
  return { orders: [...allInterleavings(lengths, spec)], sampled: false };
}

/** Session orders as the cell's step indexes: each session's steps in their own order. */
function stepOrders(steps: readonly Step[], orders: readonly (readonly number[])[]): Interleaving[] {
  const sessions = [...new Set(steps.map((s) => s.session))];
  const bySession = sessions.map((name) => steps.flatMap((s, i) => (s.session === name ? [i] : [])));
  return orders.map((order) => {
    const next = sessions.map(() => 0);
    return order.map((s) => bySession[s]![next[s]!++]!);
  });
}

/** Plays the steps in the order of an interleaving; `traced` keeps the state after each event (runs shown step by step). */
export function playInterleaving(resolved: Resolved, t: TargetRef, order: Interleaving, traced = false): TargetRun {
  return {
    ...t,
    run: play(
      t.engine,
      t.level,
      resolved.rows,
      order.map((i) => resolved.steps[i]!),
      traced,
    ),
  };
}

function judgement(run: RunResult, judge: Judge): Judgement<Outcome> {
  const codes = judge(run);
  const aborted = run.summaries.some(failed) ? 1 : 0;
  const blocked = run.events.some((e) => e.kind === "blocked") ? 1 : 0;
  return { outcome: codes.length === 0 ? "serializable" : "anomalous", codes, measures: { aborted, blocked } };
}

/** Every engine and level on the same interleavings, counted; the first of each anomaly played again. */
export function explore(resolved: Resolved, judge: Judge, rng: Rng, progress: (fraction: number) => void): Exploration {
  const { spec, space } = resolved.explore!;
  const { orders, sampled } = sessionOrders(spec, space, sessionLengths(resolved.steps), rng);
  const cases = stepOrders(resolved.steps, orders);
  const designs: Design<TargetRef>[] = resolved.targets.map((t) => ({ name: t.target, options: t, keys: { engine: t.engine, level: t.level } }));
  const tallies = exploreCases(OUTCOMES, designs, cases, (t, order) => judgement(playInterleaving(resolved, t, order).run, judge), progress);
  return {
    space,
    sampled,
    tallies: tallies.map((tally, i) => {
      const t = resolved.targets[i]!;
      const examples = Object.fromEntries(Object.entries(tally.firstCode).map(([code, at]) => [code, playInterleaving(resolved, t, at.value, true)]));
      return { ...t, tally, examples };
    }),
  };
}
