// The words learners read about a rate-limiting run: one function per finding code, and the
// verdict's summary. Requests are named by their numbers in the diagram and the decisions table.
import { count, duration, list, percent } from "../../present/prose";
import type { AlgorithmRun, KeyTotals } from "./model";
import type { Resolved } from "./scenario";

export interface Words {
  readonly title: string;
  readonly explanation: string;
}

const passedOf = (k: KeyTotals): number => k.accepted + k.delayed;

/** Request numbers as runs: 1–5, 7–11. */
export function ranges(seqs: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seqs.length;) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j]! + 1) j++;
    parts.push(i === j ? `${seqs[i]}` : `${seqs[i]}–${seqs[j]}`);
    i = j + 1;
  }
  return list(parts);
}

/** boundary-burst: more than the limit passed inside one window length. */
export function boundaryBurst(run: AlgorithmRun, r: Resolved): Words {
  const { count: n, fromMs, seqs } = run.busiest;
  const to = fromMs + r.windowMs;
  const times = `${n === 2 * r.limit ? "twice" : `${Math.round((n / r.limit) * 10) / 10}×`} the limit`;
  const boundary = Math.ceil((fromMs + 1) / r.windowMs) * r.windowMs;
  const across =
    run.algorithm === "fixed-window" && boundary < to
      ? ` The span straddles the boundary at t=${boundary} ms: the window ${boundary - r.windowMs}–${boundary} ms and the window ${boundary}–${boundary + r.windowMs} ms each counted no more than ${r.limit}, but together they passed ${n}.`
      : "";
  return {
    title: `${run.algorithm}: ${n} requests passed within ${r.windowMs} ms (t=${fromMs}–${to} ms), ${times} of ${r.limit}`,
    explanation: `Requests ${ranges([...seqs].sort((a, b) => a - b))} passed between t=${fromMs} ms and t=${to} ms, one window length, against a limit of ${r.limit} per ${r.windowMs} ms.${across}`,
  };
}

/** unfair: a key that sent less had a smaller share passed than a key that sent more. */
export function unfair(run: AlgorithmRun, light: KeyTotals, heavy: KeyTotals): Words {
  const ls = percent(passedOf(light) / light.sent);
  const hs = percent(passedOf(heavy) / heavy.sent);
  return {
    title: `${run.algorithm}: ${light.key} got ${ls} through, ${heavy.key} ${hs}`,
    explanation: `${light.key} sent ${count(light.sent, "request")} and ${heavy.key} sent ${heavy.sent}, yet ${light.key} had ${light.rejected} rejected (${ls} passed) while ${heavy.key} had ${hs} passed: one limiter shared between keys serves whoever asks first and most.`,
  };
}

/** queue-delay: requests passed late instead of being rejected. */
export function queueDelay(run: AlgorithmRun): Words {
  const mean = Math.round(run.totalDelayMs / run.delayed);
  return {
    title: `${run.algorithm}: ${count(run.delayed, "request")} waited, up to ${duration(run.maxDelayMs)}`,
    explanation: `Instead of rejecting, ${run.algorithm} held ${count(run.delayed, "request")} until its turn: ${mean} ms on average, ${run.maxDelayMs} ms at most. The client sees no error, only latency.`,
  };
}

/** over-admission: the nodes together passed more than the limit in one of the limiter's windows. */
export function overAdmission(run: AlgorithmRun, r: Resolved): Words {
  const peak = run.peak!;
  const n = r.distributed.nodes;
  const why = run.algorithm.startsWith("local")
    ? `each of the ${n} nodes allowed the whole limit on its own, so together they allow up to ${n * r.limit}`
    : run.algorithm.startsWith("central-racy")
      ? `a node reads the count with GET and raises it with INCR a round trip (${r.distributed.latencyMs} ms) later; requests whose GET landed in between all read the same count and all passed`
      : `each node counted its own requests and learned the others' only every ${r.distributed.syncMs} ms, so between syncs every node spent the same remaining allowance`;
  return {
    title: `${run.algorithm}: ${peak.count} requests passed in one window, ${Math.round((peak.count / r.limit) * 10) / 10}× the limit of ${r.limit}`,
    explanation: `Requests ${ranges(peak.seqs)} passed in the same ${r.windowMs} ms window: ${why}.`,
  };
}

/** never-expires: a node died between INCR and EXPIRE, and the key kept its count for ever. */
export function neverExpires(run: AlgorithmRun, r: Resolved): Words {
  const ne = run.neverExpires!;
  const after = run.outcomes.filter((o) => o.atMs > ne.atMs && o.key === ne.key);
  const rejected = after.filter((o) => o.decision === "rejected").length;
  return {
    title: `${run.algorithm}: the counter for ${ne.key} never expires`,
    explanation: `Request ${ne.seq} (t=${ne.atMs} ms) created the key with INCR, and its node died before sending EXPIRE. The key has no TTL, so its count never resets: once it reached ${r.limit}, every request was rejected (${rejected} of the ${after.length} after it). Doing INCR and PEXPIRE in one script, or SET with NX and PX first, closes the gap.`,
  };
}

/** The verdict's sentences. */
export function summary(runs: readonly AlgorithmRun[], r: Resolved): { ok: string; bad: string } {
  const over = runs.filter((x) => x.busiest.count > r.limit).map((x) => x.algorithm);
  const held =
    over.length === 0
      ? `No algorithm passed more than ${count(r.limit, "request")} in any ${r.windowMs} ms.`
      : `${list(over)} passed more than ${r.limit} in one window length.`;
  const totals = runs.map((x) => `${x.algorithm} passed ${x.accepted + x.delayed} of ${x.outcomes.length}`).join(", ");
  return { ok: `${totals}. ${held}`, bad: held };
}
