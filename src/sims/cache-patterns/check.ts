// What the checker looks for. Write patterns: acknowledged writes the cache lost (lost-writes) and
// reads that returned something other than the last acknowledged write (stale-read), with notes on
// misses after a write, reloads ahead of expiry and expiries. Load scenarios: a database pushed
// past its capacity (db-overload), many queries for one key at once (stampede), requests for
// missing ids reaching the database (penetration), and many keys expiring together and reloading at
// once (avalanche), with notes on stale copies served and the Bloom filter. Findings carry the
// trace positions of their events so the diagram highlights them; the words are in explain.ts.
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import * as explain from "./explain";
import type { CachePatternsResult } from "./model";
import { isAvalanche, type LoadResult } from "./model/load";
import type { LoadRun } from "./model/load-report";
import type { LoadEvent, QueryEvent } from "./model/load-trace";
import type { PatternEvent, PatternResult, ReadEvent, WriteEvent } from "./model/patterns";
import type { Resolved } from "./scenario";

function ofKind<K extends PatternEvent["kind"]>(events: readonly PatternEvent[], kind: K): Extract<PatternEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<PatternEvent, { kind: K }> => e.kind === kind);
}

// ------------------------------------------------------------------ write and read patterns

function lostWrites(r: PatternResult): Finding | undefined {
  if (r.lostWrites.length === 0) return undefined;
  const writes = r.lostWrites.map((seq) => r.events[seq] as WriteEvent);
  const crashes = ofKind(r.events, "crash").filter((c) => c.lostWrites.length > 0);
  const flushes = ofKind(r.events, "flush").filter((f) => f.entries.length > 0 && f.seq < crashes[0]!.seq);
  const words = explain.lostWrites(writes, crashes, flushes[flushes.length - 1], r.database);
  return { severity: "error", code: "lost-writes", ...words, events: [...writes.map((w) => w.seq), ...crashes.map((c) => c.seq)] };
}

function staleReads(r: PatternResult): Finding[] {
  return ofKind(r.events, "read")
    .filter((e) => e.stale)
    .map((e) => {
      const w = r.events[e.acked!.seq] as WriteEvent;
      const words = explain.staleRead(e, w, r.lostWrites.includes(w.seq), r.scenario);
      return { severity: "error" as const, code: "stale-read", ...words, events: [w.seq, e.seq] };
    });
}

/** Write-around: the first read of a key after its write, when it missed because the write skipped the cache. */
function readAfterWriteMisses(r: PatternResult, reads: readonly ReadEvent[]): Finding[] {
  const out: Finding[] = [];
  for (const e of reads) {
    const w = e.acked && (r.events[e.acked.seq] as WriteEvent);
    if (!w || e.hit || e.stale || (e.missCause !== "cold" && e.missCause !== "invalidated")) continue;
    const between = reads.some((x) => x.key === e.key && x.seq > w.seq && x.seq < e.seq);
    if (between) continue;
    out.push({ severity: "info", code: "read-after-write-miss", ...explain.readAfterWriteMiss(w, e), events: [w.seq, e.seq] });
  }
  return out;
}

/** Refresh-ahead: each background reload, the read that started it and the first read after the old expiry that hit. */
function refreshedAhead(r: PatternResult, reads: readonly ReadEvent[]): Finding[] {
  return ofKind(r.events, "refreshed").map((f) => {
    const trigger = reads.filter((e) => e.refresh && e.key === f.key && e.seq < f.seq).pop();
    const after = f.oldExpiresAtMs !== undefined ? reads.find((e) => e.key === f.key && e.seq > f.seq && e.atMs >= f.oldExpiresAtMs! && e.hit) : undefined;
    const events = [...(trigger ? [trigger.seq] : []), f.seq, ...(after ? [after.seq] : [])];
    return { severity: "info", code: "refreshed-ahead", ...explain.refreshedAhead(f, trigger, after), events };
  });
}

function expiredMisses(r: PatternResult, reads: readonly ReadEvent[]): Finding[] {
  const out: Finding[] = [];
  for (const e of reads) {
    const exp = ofKind(r.events, "expire")
      .filter((x) => x.key === e.key && x.seq < e.seq)
      .pop();
    if (e.missCause !== "expired" || !exp || e.stale) continue;
    out.push({ severity: "info", code: "expired-miss", ...explain.expiredMiss(e, exp), events: [exp.seq, e.seq] });
  }
  return out;
}

export function checkPatterns(r: PatternResult): Verdict {
  const reads = ofKind(r.events, "read");
  const lost = lostWrites(r);
  const stale = staleReads(r);
  const info = [
    ...(r.scenario === "write-around" ? readAfterWriteMisses(r, reads) : []),
    ...(r.scenario === "refresh-ahead" ? refreshedAhead(r, reads) : []),
    ...expiredMisses(r, reads),
  ];
  const counts = { writes: ofKind(r.events, "write").length, reads: reads.length, lostWrites: lost ? r.lostWrites.length : 0, staleReads: stale.length };
  const { ok, bad } = explain.patternSummary(r.scenario, counts);
  return verdictFrom([...(lost ? [lost] : []), ...stale, ...info], ok, bad);
}

// ------------------------------------------------------------------ load scenarios

/** The positions of the traced queries that match, for highlighting. */
function queriesIn(trace: readonly LoadEvent[], pred: (e: QueryEvent) => boolean): number[] {
  return trace.filter((e): e is QueryEvent => e.kind === "query" && pred(e)).map((e) => e.seq);
}

/** The error findings of one strategy's run; only the first strategy's trace is kept, so only its findings point into it. */
function loadErrors(result: LoadResult, o: Resolved, run: LoadRun, label: string, trace: readonly LoadEvent[]): Finding[] {
  const out: Finding[] = [];
  if (run.peakDbLoad > o.dbCapacity) {
    const from = run.peakBucket * o.bucketMs;
    const events = queriesIn(trace, (e) => e.atMs >= from && e.atMs < from + o.bucketMs).slice(0, 50);
    out.push({ severity: "error", code: "db-overload", ...explain.dbOverload(run, o, result.workers, label), events });
  }
  const herd = run.largestHerd;
  if (herd && herd.size > o.herdLimit) {
    const events = queriesIn(trace, (e) => e.key === herd.key && e.atMs >= herd.startMs && e.atMs <= herd.endMs).slice(0, 50);
    out.push({ severity: "error", code: "stampede", ...explain.stampede(run, o, label), events });
  }
  if (o.scenario === "penetration" && run.absentRequests > 0 && run.absentDbQueries / run.absentRequests > o.penetrationLimit) {
    out.push({ severity: "error", code: "penetration", ...explain.penetration(run, o, label), events: queriesIn(trace, (e) => !e.found).slice(0, 20) });
  }
  if (o.scenario !== "penetration" && isAvalanche(o, run)) {
    const events = queriesIn(trace, (e) => e.atMs >= run.avalanche!.bucketStartMs).slice(0, 20);
    out.push({ severity: "error", code: "avalanche", ...explain.avalanche(run, o, label), events });
  }
  return out;
}

function loadFindings(result: LoadResult, o: Resolved, run: LoadRun, main: boolean): Finding[] {
  const label = result.runs.length > 1 ? `${run.strategy}: ` : "";
  const out = loadErrors(result, o, run, label, main ? run.trace : []);
  if (run.staleServed > 0) out.push({ severity: "info", code: "served-stale", ...explain.servedStale(run, label) });
  if (run.bloom) out.push({ severity: run.bloom.falseNegatives > 0 ? "error" : "info", code: "bloom-filter", ...explain.bloomFilter(run, o, label) });
  return out;
}

export function checkLoad(result: LoadResult, o: Resolved): Verdict {
  const perRun = result.runs.map((run, i) => loadFindings(result, o, run, i === 0));
  const failing = result.runs.flatMap((run, i) => {
    const codes = [...new Set(perRun[i]!.filter((f) => f.severity === "error").map((f) => f.code))];
    return codes.length > 0 ? [{ strategy: run.strategy, codes }] : [];
  });
  const { ok, bad } = explain.loadSummary(result.runs, o, failing);
  return verdictFrom(perRun.flat(), ok, bad);
}

export function check(result: CachePatternsResult, o: Resolved): Verdict {
  return result.mode === "run" ? checkPatterns(result) : checkLoad(result, o);
}
