// The mechanism of the isolation lab: a database with one table run the way PostgreSQL, MySQL/InnoDB
// or strict two-phase locking runs it (engine.ts, with heap.ts and plan.ts for PostgreSQL's tuples
// and plans, sql.ts for the statements), sessions playing an interleaving against it (run.ts), and
// many interleavings (explore.ts). It records what happened; check.ts says what that means.
import type { Rng } from "../../../core/rng";
import type { Resolved } from "../scenario";
import { explore, playInterleaving, type Exploration, type Judge, type TargetRun } from "./explore";

export type { Exploration, Interleaving, Judge, Outcome, TargetRun, TargetTally } from "./explore";
export { OUTCOMES } from "./explore";
export { failed, type RunResult, type TraceEvent, type TxnSummary } from "./run";
export type { DatabaseState } from "./engine";

export type IsolationResult =
  /** The steps in the given order, at one engine and level or at each of several. */
  | { readonly mode: "run" | "compare"; readonly runs: readonly TargetRun[] }
  /** Many interleavings of the steps, counted per engine and level. */
  | { readonly mode: "explore"; readonly explore: Exploration };

/** Runs a cell: the given interleaving at each target, or many of them, each judged by `judge`. */
export function simulate(resolved: Resolved, judge: Judge, rng: Rng, progress: (fraction: number) => void): IsolationResult {
  if (resolved.mode === "explore") return { mode: "explore", explore: explore(resolved, judge, rng, progress) };
  const inOrder = resolved.steps.map((_, i) => i);
  return { mode: resolved.mode, runs: resolved.targets.map((t) => playInterleaving(resolved, t, inOrder, true)) };
}
