// What the checker looks for. Write patterns: acknowledged writes the cache lost (lost-writes) and
// reads that returned something other than the last acknowledged write (stale-read). Load
// scenarios: a database pushed past its capacity (db-overload), many queries for one key at once
// (stampede), requests for missing ids reaching the database (penetration), and many keys expiring
// together and reloading at once (avalanche). Findings name the events, numbered from 1 as in the
// diagram, and carry their trace positions so the diagram highlights them.
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import { ABSENT_PROBES, isAvalanche, type LoadEvent, type LoadResult, type LoadRun } from "./load";
import type { PatternEvent, PatternResult } from "./patterns";

export type CachePatternsResult = PatternResult | LoadResult;

/** Steps are numbered from 1 in the order they happened, as the diagram labels them. */
export const stepNo = (e: { readonly seq: number }): number => e.seq + 1;

const ms = (x: number) => `t=${Math.round(x * 10) / 10} ms`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const kv = (pairs: readonly (readonly [string, string])[]) => pairs.map(([k, v]) => `${k}=${v}`).join(", ");
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function ofKind<K extends PatternEvent["kind"]>(events: readonly PatternEvent[], kind: K): Extract<PatternEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<PatternEvent, { kind: K }> => e.kind === kind);
}

function lostWrites(r: PatternResult): Finding | undefined {
  if (r.lostWrites.length === 0) return undefined;
  const writes = r.lostWrites.map((seq) => r.events[seq] as Extract<PatternEvent, { kind: "write" }>);
  const crashes = ofKind(r.events, "crash").filter((c) => c.lostWrites.length > 0);
  const flushes = ofKind(r.events, "flush").filter((f) => f.entries.length > 0 && f.seq < crashes[0]!.seq);
  const lastFlush = flushes[flushes.length - 1];
  const crash = crashes[0]!;
  const list = writes.map((w) => `${w.key}=${w.value} (step ${stepNo(w)}, acknowledged at ${ms(w.ackAtMs)})`).join(", ");
  return {
    severity: "error",
    code: "lost-writes",
    title: `${plural(writes.length, "acknowledged write")} lost: ${writes.map((w) => `${w.key}=${w.value}`).join(", ")}`,
    explanation: `Under write-back the client is told "done" as soon as the cache has the value; the database only gets it at the next flush. ${lastFlush ? `The last flush was step ${stepNo(lastFlush)} at ${ms(lastFlush.atMs)}` : "No flush had happened yet"}. The cache node crashed at step ${stepNo(crash)} (${ms(crash.atMs)}) holding dirty entries ${kv(crash.dirty)}, so every write acknowledged since then was lost: ${list}.${crashes.length > 1 ? ` ${crashes.length - 1} more crash${crashes.length > 2 ? "es" : ""} lost more.` : ""} The database still has ${[...new Set(writes.map((w) => w.key))].map((k) => (r.database.has(k) ? `${k}=${r.database.get(k)}` : `no ${k}`)).join(", ")}.`,
    events: [...writes.map((w) => w.seq), ...crashes.map((c) => c.seq)],
  };
}

function staleReads(r: PatternResult): Finding[] {
  return ofKind(r.events, "read").filter((e) => e.stale).map((e) => {
    const w = r.events[e.acked!.seq] as Extract<PatternEvent, { kind: "write" }>;
    const got = e.value === null ? "nothing (not found)" : e.value;
    const why =
      r.lostWrites.includes(w.seq)
        ? `That write lived only in the cache and was lost in the crash, so the read ${e.hit ? "hit" : "missed and loaded"} ${got}.`
        : e.hit
          ? `The write went ${w.via === "database" ? "to the database only and left the cached copy alone" : "elsewhere"}, so the cache kept serving ${got}${r.scenario === "write-around" ? " (turn invalidateOnWrite on to delete it)" : " until its TTL runs out"}.`
          : `The database did not have it.`;
    return {
      severity: "error" as const,
      code: "stale-read",
      title: `Read of ${e.key} at step ${stepNo(e)} returned ${got}, not ${w.value}`,
      explanation: `At step ${stepNo(e)} the client read ${e.key} and got ${got}, although its write ${w.key}=${w.value} had been acknowledged at step ${stepNo(w)}. ${why}`,
      events: [w.seq, e.seq],
    };
  });
}

function patternInfo(r: PatternResult): Finding[] {
  const out: Finding[] = [];
  const reads = ofKind(r.events, "read");
  if (r.scenario === "write-around") {
    for (const e of reads) {
      const w = e.acked && (r.events[e.acked.seq] as Extract<PatternEvent, { kind: "write" }>);
      if (!w || e.hit || e.stale || (e.missCause !== "cold" && e.missCause !== "invalidated")) continue;
      const between = reads.some((x) => x.key === e.key && x.seq > w.seq && x.seq < e.seq);
      if (between) continue;
      out.push({
        severity: "info",
        code: "read-after-write-miss",
        title: `The read of ${e.key} right after its write missed`,
        explanation: `The write at step ${stepNo(w)} went around the cache${w.invalidated !== undefined ? (w.invalidated === null ? " (nothing was cached to delete)" : ` and deleted the cached ${w.invalidated}`) : ""}, so the read at step ${stepNo(e)} missed and the cache loaded ${e.value} from the database: correct, but a database round trip instead of a cache hit.`,
        events: [w.seq, e.seq],
      });
    }
  }
  if (r.scenario === "refresh-ahead") {
    for (const f of ofKind(r.events, "refreshed")) {
      const trigger = reads.filter((e) => e.refresh && e.key === f.key && e.seq < f.seq).pop();
      const after = f.oldExpiresAtMs !== undefined ? reads.filter((e) => e.key === f.key && e.seq > f.seq && e.atMs >= f.oldExpiresAtMs! && e.hit) : [];
      out.push({
        severity: "info",
        code: "refreshed-ahead",
        title: `${f.key} was reloaded before it expired`,
        explanation: `${trigger ? `The read at step ${stepNo(trigger)} came after the refresh point, so it got the cached value at once and the cache reloaded ${f.key} in the background` : `The cache reloaded ${f.key}`}; the new value was stored at step ${stepNo(f)} (${ms(f.atMs)})${f.oldExpiresAtMs !== undefined ? `, moving the expiry from ${ms(f.oldExpiresAtMs)} to ${ms(f.expiresAtMs)}` : ""}.${after.length ? ` The read at step ${stepNo(after[0]!)} (${ms(after[0]!.atMs)}) came after the old expiry and still hit.` : ""}`,
        events: [...(trigger ? [trigger.seq] : []), f.seq, ...(after[0] ? [after[0].seq] : [])],
      });
    }
  }
  for (const e of reads) {
    const exp = ofKind(r.events, "expire").filter((x) => x.key === e.key && x.seq < e.seq).pop();
    if (e.missCause === "expired" && exp && !e.stale) {
      out.push({ severity: "info", code: "expired-miss", title: `${e.key} expired, so the read at step ${stepNo(e)} missed`, explanation: `${e.key} expired at step ${stepNo(exp)} (${ms(exp.atMs)}); the read at step ${stepNo(e)} missed and the cache loaded it again from the database.`, events: [exp.seq, e.seq] });
    }
  }
  return out;
}

export function checkPatterns(r: PatternResult): Verdict {
  const lost = lostWrites(r);
  const findings = [...(lost ? [lost] : []), ...staleReads(r), ...patternInfo(r)];
  const reads = ofKind(r.events, "read").length;
  const writes = ofKind(r.events, "write").length;
  const bad = [lost ? `${plural(r.lostWrites.length, "acknowledged write")} lost` : "", findings.some((f) => f.code === "stale-read") ? `${plural(findings.filter((f) => f.code === "stale-read").length, "stale read")}` : ""].filter(Boolean).join(" and ");
  return verdictFrom(findings, `${r.scenario}: every acknowledged write is durable and every read returned the last write (${plural(writes, "write")}, ${plural(reads, "read")}).`, `${r.scenario}: ${bad}.`);
}

function queriesIn(trace: readonly LoadEvent[], pred: (e: Extract<LoadEvent, { kind: "query" }>) => boolean): number[] {
  return trace.filter((e): e is Extract<LoadEvent, { kind: "query" }> => e.kind === "query" && pred(e)).map((e) => e.seq);
}

function loadFindings(result: LoadResult, run: LoadRun, main: boolean): Finding[] {
  const o = result.options;
  const label = result.runs.length > 1 ? `${run.strategy}: ` : "";
  const trace = main ? run.trace : [];
  const out: Finding[] = [];
  if (run.peakDbLoad > o.dbCapacity) {
    const from = run.peakBucket * o.bucketMs;
    out.push({
      severity: "error",
      code: "db-overload",
      title: `${label}database load peaked at ${Math.round(run.peakDbLoad)} queries/s, capacity ${o.dbCapacity}/s`,
      explanation: `Between ${ms(from)} and ${ms(from + o.bucketMs)} the database received ${run.loadPerBucket[run.peakBucket]} queries, ${Math.round(run.peakDbLoad)} per second, more than the ${o.dbCapacity} per second it can serve (${result.workers} at once, ${o.dbLatencyMs} ms each). The excess queued: the longest wait was ${run.maxQueueMs} ms, and the slowest request took ${run.maxLatencyMs} ms (p99 ${run.p99LatencyMs} ms).`,
      events: queriesIn(trace, (e) => e.atMs >= from && e.atMs < from + o.bucketMs).slice(0, 50),
    });
  }
  const herd = run.largestHerd;
  if (herd && herd.size > o.herdLimit) {
    out.push({
      severity: "error",
      code: "stampede",
      title: `${label}${herd.size} queries for ${herd.key} at once`,
      explanation: `When ${herd.key} expired, requests kept missing until the first reload was stored, and each one queried the database itself: ${herd.size} queries for the same key were in flight between ${ms(herd.startMs)} and ${ms(herd.endMs)}, where one would have done. ${run.herds} reload episodes in all, ${run.dbQueries} queries.${run.strategy === "single-flight" ? ` Single-flight coalesces within one application server only; with ${o.servers} servers each can send its own query.` : ""}${run.strategy === "jitter" && o.keys === 1 ? " Jitter moves the expiry but cannot stop the herd on a single hot key." : ""}`,
      events: queriesIn(trace, (e) => e.key === herd.key && e.atMs >= herd.startMs && e.atMs <= herd.endMs).slice(0, 50),
    });
  }
  if (o.scenario === "penetration" && run.absentRequests > 0) {
    const share = run.absentDbQueries / run.absentRequests;
    if (share > o.penetrationLimit) {
      out.push({
        severity: "error",
        code: "penetration",
        title: `${label}${run.absentDbQueries} of ${run.absentRequests} requests for missing ids (${pct(share)}) reached the database`,
        explanation: `Requests for ids that do not exist find nothing in the cache${run.strategy === "negative-cache" ? " once their negative entry has expired" : ""}, go to the database, and ${run.strategy === "negative-cache" ? `leave a "not found" for ${o.negativeTtlMs} ms; with ${o.absentKeys} different missing ids most requests are for an id not asked about within that time` : "leave nothing behind to stop the next one"}. ${pct(share)} of them reached the database, above the ${pct(o.penetrationLimit)} allowed.`,
        events: queriesIn(trace, (e) => !e.found).slice(0, 20),
      });
    }
  }
  const perBucket = (o.dbCapacity * o.bucketMs) / 1000;
  if (o.scenario !== "penetration" && isAvalanche(o, run)) {
    const a = run.avalanche!;
    const peak = run.reloadPeak!;
    out.push({
      severity: "error",
      code: "avalanche",
      title: `${label}${a.keys} keys expired within ${o.bucketMs} ms and were reloaded`,
      explanation: `${a.keys} entries expired between ${ms(a.bucketStartMs)} and ${ms(a.bucketStartMs + o.bucketMs)}${run.strategy === "none" ? ", all loaded together with the same TTL" : ""}, and each was reloaded from the database on a miss. The reloads came together: ${peak.keys} reloads of expired keys started between ${ms(peak.bucketStartMs)} and ${ms(peak.bucketStartMs + o.bucketMs)}, more than the ${perBucket} queries the database can serve in ${o.bucketMs} ms.`,
      events: queriesIn(trace, (e) => e.atMs >= a.bucketStartMs).slice(0, 20),
    });
  }
  if (run.staleServed > 0) {
    out.push({ severity: "info", code: "served-stale", title: `${label}${run.staleServed} requests were served a stale copy`, explanation: `While one client held the lock and reloaded the key, ${run.staleServed} others got the expired copy at once instead of waiting. The value is at most one TTL old, which is the price of never queuing behind the reload.` });
  }
  if (run.bloom) {
    const b = run.bloom;
    out.push({
      severity: b.falseNegatives > 0 ? "error" : "info",
      code: "bloom-filter",
      title: `${label}Bloom filter: ${pct(b.measured)} false positives measured, ${pct(b.theory)} in theory`,
      explanation: `The filter holds ${b.n} ids in m=${b.m} bits with k=${b.k} hash functions (${pct(b.fill)} of the bits set). Of ${b.probes} ids never added, ${pct(b.measured)} were reported as maybe present, against (1 - e^(-kn/m))^k = ${pct(b.theory)}. ${b.absentPassing} of ${o.absentKeys > ABSENT_PROBES ? `the first ${ABSENT_PROBES} of ` : ""}the ${o.absentKeys} missing ids in this scenario pass it; ${run.filtered} requests were answered by the filter alone. It reported ${b.falseNegatives} existing ids as absent${b.falseNegatives === 0 ? ", as a Bloom filter never does" : ""}.`,
    });
  }
  return out;
}

export function checkLoad(result: LoadResult): Verdict {
  const findings = result.runs.flatMap((run, i) => loadFindings(result, run, i === 0));
  const main = result.runs[0]!;
  const bad = result.runs.filter((run) => findings.some((f) => f.severity === "error" && (result.runs.length === 1 || f.title.startsWith(`${run.strategy}: `))));
  const codes = (run: LoadRun) => [...new Set(loadFindings(result, run, false).filter((f) => f.severity === "error").map((f) => f.code))].join(", ");
  return verdictFrom(
    findings,
    `${result.runs.map((r) => r.strategy).join(", ")}: no overload, stampede, penetration or avalanche; peak database load ${Math.round(main.peakDbLoad)} queries/s of ${result.options.dbCapacity}.`,
    bad.map((r) => `${r.strategy}: ${codes(r)}`).join("; ") + ".",
  );
}

export function check(result: CachePatternsResult): Verdict {
  return result.mode === "explicit" ? checkPatterns(result) : checkLoad(result);
}
