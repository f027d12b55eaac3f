// The words learners read about a lock run: one function per finding code, and the verdict's
// summary. Clients, tokens and times are named as the diagram and the timeline show them.
import { count, duration, list } from "../../present/prose";
import type { Belief, LockResult, Write } from "./model";
import type { Resolved } from "./scenario";

export interface Words {
  readonly title: string;
  readonly explanation: string;
}

const span = (b: Belief): string => `from t=${b.fromMs} ms${b.toMs === undefined ? "" : ` to t=${b.toMs} ms`}`;

/** Why the two beliefs overlapped: a pause, or instances whose clocks ran fast. */
function cause(result: LockResult, r: Resolved, first: Belief): string {
  const pause = result.pauses.find((p) => p.client === first.client && p.fromMs >= first.fromMs);
  if (pause && pause.toMs - pause.fromMs >= r.ttlMs)
    return `${first.client} was paused ${duration(pause.toMs - pause.fromMs)} (t=${pause.fromMs}–${pause.toMs} ms), longer than its ${r.ttlMs} ms lease: the key expired while it could not notice, and it wrote on resuming without checking again.`;
  const fast = r.names.filter((_, i) => r.drift[i]! > 0);
  if (fast.length > 0)
    return `${list(fast)} ran fast (${list(fast.map((n) => `${r.drift[r.names.indexOf(n)]}%`))}) and expired ${first.client}'s key early, so another majority formed while ${first.client}'s validity, computed from its own clock, had not run out.`;
  return `${first.client}'s lease ended before it wrote.`;
}

function order(c1: string, w1: Write, c2: string, w2: Write): string {
  if (w1.atMs > w2.atMs)
    return `The storage accepted ${c2}'s write at t=${w2.atMs} ms and then ${c1}'s at t=${w1.atMs} ms: the stale holder's write came last and overwrote the newer one.`;
  return `The storage accepted ${c1}'s write at t=${w1.atMs} ms and ${c2}'s at t=${w2.atMs} ms, each made by a client that believed it was alone: mutual exclusion did not hold.`;
}

/** two-holders: two clients believed they held the lock at once, and the storage took both writes. */
export function twoHolders(result: LockResult, r: Resolved, first: Belief, second: Belief, w1: Write, w2: Write): Words {
  return {
    title: `${first.client} and ${second.client} both held the lock: ${first.client} wrote token ${w1.token} at t=${w1.atMs} ms, ${second.client} token ${w2.token} at t=${w2.atMs} ms`,
    explanation: `${first.client} believed it held the lock (token ${first.token}) ${span(first)}, and ${second.client} (token ${second.token}) ${span(second)}. ${cause(result, r, first)} ${order(first.client, w1, second.client, w2)} Fencing tokens checked by the storage refuse the older token once it has seen a newer one.`,
  };
}

/** fenced-write: the storage refused a write with an older token. */
export function fencedWrite(w: Write): Words {
  return {
    title: `The storage refused ${w.client}'s write with token ${w.token} at t=${w.atMs} ms: it had seen token ${w.lastToken}`,
    explanation: `${w.client} still believed it held the lock, but ${w.lastWriter} had written with token ${w.lastToken} since ${w.client} was granted token ${w.token}. The storage keeps the largest token it has accepted and refuses anything older, so the stale holder cannot overwrite the newer one: the lock alone cannot guarantee this, the storage's check does.`,
  };
}

/** lease-lost: a client found its lease over before writing and gave up. */
export function leaseLost(client: string, atMs: number, r: Resolved): Words {
  return {
    title: `${client} found its lease over at t=${atMs} ms and did not write`,
    explanation: `After ${r.workMs} ms of work, ${client}'s lease (${r.ttlMs} ms) had run out by its own clock, so it gave up instead of writing. Checking the lease before writing is right, but it only helps when nothing can stop the client between the check and the write.`,
  };
}

/** renewed: a watchdog extended a lease. */
export function renewed(client: string, n: number, r: Resolved): Words {
  return {
    title: `${client}'s watchdog extended its lease ${count(n, "time")}`,
    explanation: `While ${client} ran, a watchdog extended its key by ${r.ttlMs} ms every ${Math.floor(r.ttlMs / 3)} ms, checking the token first, so work longer than the lease stayed covered. The watchdog runs in the same process: a pause stops it too.`,
  };
}

/** never-acquired: a client gave up without getting the lock. */
export function neverAcquired(client: string, r: Resolved): Words {
  return {
    title: `${client} never got the lock`,
    explanation: `${client} tried ${count(r.maxAttempts, "time")}, ${r.retryMs} ms apart, and never found the lock free (or never reached a majority in time).`,
  };
}

/** The verdict's sentence. */
export function summary(result: LockResult): string {
  const w = result.writes;
  const acc = w.filter((x) => x.accepted).length;
  const holders = result.beliefs.map((b) => `${b.client} held token ${b.token} ${span(b)}`);
  return `${holders.length > 0 ? `${list(holders)}.` : "Nobody got the lock."} The storage accepted ${acc} of ${count(w.length, "write")}.`;
}
