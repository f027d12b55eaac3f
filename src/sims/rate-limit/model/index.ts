// The rate-limiting model: the same arrivals through each algorithm, one limiter per key (or one
// shared), and what each admitted: decisions, delays, and the most requests passed in any window.
import type { Rng } from "../../../core/rng";
import type { Algorithm, Mode, Resolved } from "../scenario";
import { runMode, type CounterStep, type DistributedRun } from "./distributed";
import { makeLimiter, type Decision, type Limiter, type LimiterState } from "./limiters";
import { arrivals, type Request } from "./traffic";

export type { Decision, LimiterState } from "./limiters";
export type { Request } from "./traffic";
export type { CounterStep } from "./distributed";
export { nginxLimitReq } from "./nginx";
export { haproxyHttpReqRate } from "./haproxy";
export { makeLimiter } from "./limiters";

export interface Outcome {
  readonly seq: number;
  readonly key: string;
  readonly atMs: number;
  readonly decision: Decision;
  readonly delayMs: number;
  /** The deciding limiter's state after the request. */
  readonly state: LimiterState;
}

export interface KeyTotals {
  readonly key: string;
  readonly sent: number;
  readonly accepted: number;
  readonly delayed: number;
  readonly rejected: number;
}

export interface Busiest {
  /** Most requests passed on (at their pass time, after any delay) in any span of windowMs. */
  readonly count: number;
  readonly fromMs: number;
  /** The requests in that span. */
  readonly seqs: readonly number[];
}

export interface AlgorithmRun {
  /** The algorithm, or for distributed limiting the mode and the node count ("local × 3"). */
  readonly algorithm: string;
  /** Distributed: the most requests passed in one of the limiter's own windows, across all nodes. */
  readonly peak?: Busiest;
  readonly neverExpires?: DistributedRun["neverExpires"];
  /** Distributed: the requests passed in each of the limiter's own windows, in the order the windows began. */
  readonly windows?: readonly LimiterWindow[];
  /** The central counter: every GET, INCR, PEXPIRE and expiry at the store, in the order it ran them. */
  readonly steps?: readonly CounterStep[];
  readonly outcomes: readonly Outcome[];
  readonly accepted: number;
  readonly delayed: number;
  readonly rejected: number;
  readonly perKey: readonly KeyTotals[];
  readonly busiest: Busiest;
  readonly maxDelayMs: number;
  readonly totalDelayMs: number;
}

export interface LimiterWindow {
  /** The window: "node/key@n" for local limiters, "key@n" for sync, "key#n" for the nth incarnation of the central key. */
  readonly id: string;
  readonly seqs: readonly number[];
}

export interface RateLimitResult {
  readonly requests: readonly Request[];
  readonly runs: readonly AlgorithmRun[];
}

/** The span of windowMs (from a pass time) holding the most passed requests. */
export function busiestWindow(passed: readonly { seq: number; atMs: number }[], windowMs: number): Busiest {
  const sorted = [...passed].sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
  let best: Busiest = { count: 0, fromMs: 0, seqs: [] };
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]!.atMs - sorted[lo]!.atMs >= windowMs) lo++;
    if (hi - lo + 1 > best.count) best = { count: hi - lo + 1, fromMs: sorted[lo]!.atMs, seqs: sorted.slice(lo, hi + 1).map((p) => p.seq) };
  }
  return best;
}

function totals(keys: readonly string[], outcomes: readonly Outcome[]): KeyTotals[] {
  return keys.map((key) => {
    const mine = outcomes.filter((o) => o.key === key);
    const n = (d: Decision) => mine.filter((o) => o.decision === d).length;
    return { key, sent: mine.length, accepted: n("accepted"), delayed: n("delayed"), rejected: n("rejected") };
  });
}

/** The passed requests grouped by the limiter window they counted in (window ids of the distributed modes). */
function windowsOf(outcomes: readonly Outcome[], windowIds: readonly string[]): LimiterWindow[] {
  const by = new Map<string, number[]>();
  outcomes.forEach((o, i) => {
    if (o.decision === "rejected") return;
    const list = by.get(windowIds[i]!) ?? [];
    list.push(o.seq);
    by.set(windowIds[i]!, list);
  });
  return [...by].map(([id, seqs]) => ({ id, seqs }));
}

/** The most passed requests counted in one limiter window. */
function peakOf(outcomes: readonly Outcome[], windows: readonly LimiterWindow[]): Busiest {
  let best: Busiest = { count: 0, fromMs: 0, seqs: [] };
  for (const { seqs } of windows) if (seqs.length > best.count) best = { count: seqs.length, fromMs: outcomes[seqs[0]! - 1]!.atMs, seqs };
  return best;
}

export function runDistributed(mode: Mode, r: Resolved, requests: readonly Request[]): AlgorithmRun {
  const run = runMode(mode, r, requests);
  const outcomes: Outcome[] = requests.map((q, i) => ({ seq: q.seq, key: q.key, atMs: q.atMs, delayMs: 0, ...run.admissions[i]! }));
  const label = `${mode}${mode === "local" ? ` ${r.algorithm}` : ""} × ${r.distributed.nodes}`;
  const windows = windowsOf(
    outcomes,
    run.admissions.map((a) => a.windowId),
  );
  return {
    ...summarise(label, outcomes, r),
    peak: peakOf(outcomes, windows),
    windows,
    ...(run.neverExpires ? { neverExpires: run.neverExpires } : {}),
    ...(run.steps ? { steps: run.steps } : {}),
  };
}

export function runAlgorithm(algorithm: Algorithm, r: Resolved, requests: readonly Request[]): AlgorithmRun {
  const limiters = new Map<string, Limiter>();
  const limiterFor = (key: string): Limiter => {
    const id = r.shared ? "" : key;
    let l = limiters.get(id);
    if (!l) limiters.set(id, (l = makeLimiter(algorithm, r)));
    return l;
  };
  const outcomes: Outcome[] = requests.map((q) => ({ seq: q.seq, key: q.key, atMs: q.atMs, ...limiterFor(q.key).decide(q.atMs) }));
  return summarise(algorithm, outcomes, r);
}

function summarise(algorithm: string, outcomes: readonly Outcome[], r: Resolved): AlgorithmRun {
  const passed = outcomes.filter((o) => o.decision !== "rejected").map((o) => ({ seq: o.seq, atMs: o.atMs + o.delayMs }));
  const count = (d: Decision) => outcomes.filter((o) => o.decision === d).length;
  const delays = outcomes.map((o) => o.delayMs);
  return {
    algorithm,
    outcomes,
    accepted: count("accepted"),
    delayed: count("delayed"),
    rejected: count("rejected"),
    perKey: totals(
      r.keys.map((k) => k.name),
      outcomes,
    ),
    busiest: busiestWindow(passed, r.windowMs),
    maxDelayMs: Math.max(0, ...delays),
    totalDelayMs: delays.reduce((a, b) => a + b, 0),
  };
}

export function simulate(r: Resolved, rng: Rng): RateLimitResult {
  const requests = arrivals(r, rng);
  if (r.modes.length > 0) return { requests, runs: r.modes.map((m) => runDistributed(m, r, requests)) };
  return { requests, runs: r.algorithms.map((a) => runAlgorithm(a, r, requests)) };
}
