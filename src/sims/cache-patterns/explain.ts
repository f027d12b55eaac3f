// The words learners read about a caching run: one function per finding code, and the verdict's
// summaries. Events are named by their step numbers in the diagram and times by the virtual clock
// (t=1004 ms), so the learner can find them there.
import { count, percent, round } from "../../present/prose";
import { stepNo } from "./model";
import type { LoadRun } from "./model/load-report";
import { ABSENT_PROBES } from "./model/load-report";
import type { CrashEvent, ExpireEvent, FlushEvent, ReadEvent, RefreshedEvent, WriteEvent } from "./model/patterns";
import type { Resolved } from "./scenario";

export interface Words {
  readonly title: string;
  readonly explanation: string;
}

/** A time on the virtual clock: "t=1004 ms". */
const at = (ms: number) => `t=${round(ms, 1)} ms`;
const pairs = (kv: readonly (readonly [string, string])[]) => kv.map(([k, v]) => `${k}=${v}`).join(", ");
const writes = (ws: readonly WriteEvent[]) => ws.map((w) => `${w.key}=${w.value}`).join(", ");

// ------------------------------------------------------------------ write and read patterns

/** lost-writes: write-back acknowledged writes that only the crashed cache held. */
export function lostWrites(
  lost: readonly WriteEvent[],
  crashes: readonly CrashEvent[],
  lastFlush: FlushEvent | undefined,
  database: ReadonlyMap<string, string>,
): Words {
  const crash = crashes[0]!;
  const listed = lost.map((w) => `${w.key}=${w.value} (step ${stepNo(w)}, acknowledged at ${at(w.ackAtMs)})`).join(", ");
  const flushed = lastFlush ? `The last flush was step ${stepNo(lastFlush)} at ${at(lastFlush.atMs)}` : "No flush had happened yet";
  const more = crashes.length > 1 ? ` ${count(crashes.length - 1, "more crash", "more crashes")} lost more.` : "";
  const still = [...new Set(lost.map((w) => w.key))].map((k) => (database.has(k) ? `${k}=${database.get(k)}` : `no ${k}`)).join(", ");
  return {
    title: `${count(lost.length, "acknowledged write")} lost: ${writes(lost)}`,
    explanation:
      `Under write-back the client is told "done" as soon as the cache has the value; the database only gets it at the next flush. ${flushed}. ` +
      `The cache node crashed at step ${stepNo(crash)} (${at(crash.atMs)}) holding dirty entries ${pairs(crash.dirty)}, ` +
      `so every write acknowledged since then was lost: ${listed}.${more} The database still has ${still}.`,
  };
}

/** Why a read missed the last acknowledged write: lost in a crash, left in the cache by a write around it, or never stored. */
function whyStale(read: ReadEvent, write: WriteEvent, lost: boolean, scenario: Resolved["scenario"], got: string): string {
  if (lost) return `That write lived only in the cache and was lost in the crash, so the read ${read.hit ? "hit" : "missed and loaded"} ${got}.`;
  if (!read.hit) return "The database did not have it.";
  const where = write.via === "database" ? "to the database only and left the cached copy alone" : "elsewhere";
  const until = scenario === "write-around" ? " (turn invalidateOnWrite on to delete it)" : " until its TTL runs out";
  return `The write went ${where}, so the cache kept serving ${got}${until}.`;
}

/** stale-read: a read that returned something other than the last acknowledged write of its key. */
export function staleRead(read: ReadEvent, write: WriteEvent, lost: boolean, scenario: Resolved["scenario"]): Words {
  const got = read.value === null ? "nothing (not found)" : read.value;
  const acked = `although its write ${write.key}=${write.value} had been acknowledged at step ${stepNo(write)}`;
  return {
    title: `Read of ${read.key} at step ${stepNo(read)} returned ${got}, not ${write.value}`,
    explanation: `At step ${stepNo(read)} the client read ${read.key} and got ${got}, ${acked}. ${whyStale(read, write, lost, scenario, got)}`,
  };
}

/** read-after-write-miss: write-around sent the write past the cache, so the next read paid a database round trip. */
export function readAfterWriteMiss(write: WriteEvent, read: ReadEvent): Words {
  const what = write.invalidated;
  const deleted = what === undefined ? "" : what === null ? " (nothing was cached to delete)" : ` and deleted the cached ${what}`;
  return {
    title: `The read of ${read.key} right after its write missed`,
    explanation:
      `The write at step ${stepNo(write)} went around the cache${deleted}, so the read at step ${stepNo(read)} missed ` +
      `and the cache loaded ${read.value} from the database: correct, but a database round trip instead of a cache hit.`,
  };
}

/** refreshed-ahead: a background reload that moved the expiry, and the first read after the old expiry that still hit. */
export function refreshedAhead(f: RefreshedEvent, trigger: ReadEvent | undefined, after: ReadEvent | undefined): Words {
  const started = trigger
    ? `The read at step ${stepNo(trigger)} came after the refresh point, so it got the cached value at once and the cache reloaded ${f.key} in the background`
    : `The cache reloaded ${f.key}`;
  const moved = f.oldExpiresAtMs !== undefined ? `, moving the expiry from ${at(f.oldExpiresAtMs)} to ${at(f.expiresAtMs)}` : "";
  const hit = after ? ` The read at step ${stepNo(after)} (${at(after.atMs)}) came after the old expiry and still hit.` : "";
  return {
    title: `${f.key} was reloaded before it expired`,
    explanation: `${started}; the new value was stored at step ${stepNo(f)} (${at(f.atMs)})${moved}.${hit}`,
  };
}

/** expired-miss: a miss caused by the entry's TTL running out. */
export function expiredMiss(read: ReadEvent, expired: ExpireEvent): Words {
  return {
    title: `${read.key} expired, so the read at step ${stepNo(read)} missed`,
    explanation:
      `${read.key} expired at step ${stepNo(expired)} (${at(expired.atMs)}); ` +
      `the read at step ${stepNo(read)} missed and the cache loaded it again from the database.`,
  };
}

/** The verdict's sentences for a pattern run. */
export interface PatternCounts {
  readonly writes: number;
  readonly reads: number;
  readonly lostWrites: number;
  readonly staleReads: number;
}

export function patternSummary(scenario: string, counts: PatternCounts): { ok: string; bad: string } {
  const bad = [
    counts.lostWrites ? `${count(counts.lostWrites, "acknowledged write")} lost` : "",
    counts.staleReads ? count(counts.staleReads, "stale read") : "",
  ].filter(Boolean);
  const tally = `${count(counts.writes, "write")}, ${count(counts.reads, "read")}`;
  return {
    ok: `${scenario}: every acknowledged write is durable and every read returned the last write (${tally}).`,
    bad: `${scenario}: ${bad.join(" and ")}.`,
  };
}

// ------------------------------------------------------------------ load scenarios

/** db-overload: a bucket's load above the database's capacity, and what the queue cost. */
export function dbOverload(run: LoadRun, o: Resolved, workers: number, label: string): Words {
  const from = run.peakBucket * o.bucketMs;
  const perSecond = Math.round(run.peakDbLoad);
  const served = `more than the ${o.dbCapacity} per second it can serve (${workers} at once, ${o.dbLatencyMs} ms each)`;
  return {
    title: `${label}database load peaked at ${perSecond} queries/s, capacity ${o.dbCapacity}/s`,
    explanation:
      `Between ${at(from)} and ${at(from + o.bucketMs)} the database received ${run.loadPerBucket[run.peakBucket]} queries, ` +
      `${perSecond} per second, ${served}. ` +
      `The excess queued: the longest wait was ${run.maxQueueMs} ms, and the slowest request took ${run.maxLatencyMs} ms (p99 ${run.p99LatencyMs} ms).`,
  };
}

/** stampede: many queries for one key in flight together after it expired. */
export function stampede(run: LoadRun, o: Resolved, label: string): Words {
  const herd = run.largestHerd!;
  const coalesced = ` Single-flight coalesces within one application server only; with ${o.servers} servers each can send its own query.`;
  const servers = run.strategy === "single-flight" ? coalesced : "";
  const jitter = run.strategy === "jitter" && o.keys === 1 ? " Jitter moves the expiry but cannot stop the herd on a single hot key." : "";
  return {
    title: `${label}${herd.size} queries for ${herd.key} at once`,
    explanation:
      `When ${herd.key} expired, requests kept missing until the first reload was stored, and each one queried the database itself: ` +
      `${herd.size} queries for the same key were in flight between ${at(herd.startMs)} and ${at(herd.endMs)}, where one would have done. ` +
      `${run.herds} reload episodes in all, ${run.dbQueries} queries.${servers}${jitter}`,
  };
}

/** penetration: requests for ids that do not exist reaching the database. */
export function penetration(run: LoadRun, o: Resolved, label: string): Words {
  const reached = percent(run.absentDbQueries / run.absentRequests);
  const negative = run.strategy === "negative-cache";
  const leave = negative
    ? `leave a "not found" for ${o.negativeTtlMs} ms; with ${o.absentKeys} different missing ids most requests are for an id not asked about within that time`
    : "leave nothing behind to stop the next one";
  return {
    title: `${label}${run.absentDbQueries} of ${run.absentRequests} requests for missing ids (${reached}) reached the database`,
    explanation:
      `Requests for ids that do not exist find nothing in the cache${negative ? " once their negative entry has expired" : ""}, ` +
      `go to the database, and ${leave}. ` +
      `${reached} of them reached the database, above the ${percent(o.penetrationLimit)} allowed.`,
  };
}

/** avalanche: many keys expiring in one bucket, and their reloads arriving together. */
export function avalanche(run: LoadRun, o: Resolved, label: string): Words {
  const a = run.avalanche!;
  const peak = run.reloadPeak!;
  const perBucket = (o.dbCapacity * o.bucketMs) / 1000;
  const together = run.strategy === "none" ? ", all loaded together with the same TTL" : "";
  return {
    title: `${label}${a.keys} keys expired within ${o.bucketMs} ms and were reloaded`,
    explanation:
      `${a.keys} entries expired between ${at(a.bucketStartMs)} and ${at(a.bucketStartMs + o.bucketMs)}${together}, ` +
      "and each was reloaded from the database on a miss. " +
      `The reloads came together: ${peak.keys} reloads of expired keys started between ${at(peak.bucketStartMs)} and ${at(peak.bucketStartMs + o.bucketMs)}, ` +
      `more than the ${perBucket} queries the database can serve in ${o.bucketMs} ms.`,
  };
}

/** served-stale: lock-stale answered with the expired copy while one client reloaded. */
export function servedStale(run: LoadRun, label: string): Words {
  return {
    title: `${label}${run.staleServed} requests were served a stale copy`,
    explanation:
      `While one client held the lock and reloaded the key, ${run.staleServed} others got the expired copy at once instead of waiting. ` +
      "The value is at most one TTL old, which is the price of never queuing behind the reload.",
  };
}

/** bloom-filter: the filter's false positives measured against theory, and what it stopped. */
export function bloomFilter(run: LoadRun, o: Resolved, label: string): Words {
  const b = run.bloom!;
  const first = o.absentKeys > ABSENT_PROBES ? `the first ${ABSENT_PROBES} of ` : "";
  const never = b.falseNegatives === 0 ? ", as a Bloom filter never does" : "";
  return {
    title: `${label}Bloom filter: ${percent(b.measured)} false positives measured, ${percent(b.theory)} in theory`,
    explanation:
      `The filter holds ${b.n} ids in m=${b.m} bits with k=${b.k} hash functions (${percent(b.fill)} of the bits set). ` +
      `Of ${b.probes} ids never added, ${percent(b.measured)} were reported as maybe present, against (1 - e^(-kn/m))^k = ${percent(b.theory)}. ` +
      `${b.absentPassing} of ${first}the ${o.absentKeys} missing ids in this scenario pass it; ${run.filtered} requests were answered by the filter alone. ` +
      `It reported ${b.falseNegatives} existing ids as absent${never}.`,
  };
}

/** The verdict's sentences for a load scenario: every strategy clean, or each failing one with its codes. */
export interface Failing {
  readonly strategy: string;
  /** The codes of its error findings. */
  readonly codes: readonly string[];
}

export function loadSummary(runs: readonly LoadRun[], o: Resolved, failing: readonly Failing[]): { ok: string; bad: string } {
  const peak = `peak database load ${Math.round(runs[0]!.peakDbLoad)} queries/s of ${o.dbCapacity}`;
  return {
    ok: `${runs.map((r) => r.strategy).join(", ")}: no overload, stampede, penetration or avalanche; ${peak}.`,
    bad: failing.map((f) => `${f.strategy}: ${f.codes.join(", ")}`).join("; ") + ".",
  };
}
