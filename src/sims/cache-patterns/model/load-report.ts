// The figures of one load run, worked out from its running totals once the last request is
// answered: latency percentiles, the peak database load, the largest herd, the busiest expiry and
// reload buckets, the rounds of lookups of missing ids, and the Bloom filter against its theory.
import type { Resolved, Strategy } from "../scenario";
import { bloomFalsePositiveRate, type BloomFilter } from "./bloom";
import type { FocusTrace, LoadEvent } from "./load-trace";
import { r2 } from "./time";

export interface Herd {
  readonly key: string;
  readonly size: number;
  readonly startMs: number;
  readonly endMs: number;
}

export interface BloomStats {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly theory: number;
  /** Share of 100,000 ids never added that the filter says it might contain. */
  readonly measured: number;
  readonly probes: number;
  /** Existing ids the filter said no to (must be 0). */
  readonly falseNegatives: number;
  /** Of the scenario's missing ids (the first ABSENT_PROBES), how many the filter lets through. */
  readonly absentPassing: number;
  readonly fill: number;
}

export interface LoadRun {
  readonly strategy: Strategy;
  readonly requests: number;
  readonly hits: number;
  readonly misses: number;
  readonly staleServed: number;
  readonly filtered: number;
  readonly cacheOps: number;
  readonly dbQueries: number;
  /** Queries started per bucket (index = floor(submit time / bucketMs)). */
  readonly loadPerBucket: readonly number[];
  readonly peakBucket: number;
  /** Highest bucket load, in queries per second. */
  readonly peakDbLoad: number;
  readonly herds: number;
  readonly largestHerd?: Herd;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly maxLatencyMs: number;
  readonly meanLatencyMs: number;
  readonly maxQueueMs: number;
  readonly absentRequests: number;
  readonly absentDbQueries: number;
  /** Lookups of a missing id with no other lookup of it in flight ("rounds"), over all ids. */
  readonly absentRounds: number;
  /** The most rounds for one missing id: with negative caching at most one per negative TTL. */
  readonly maxAbsentRounds: number;
  /** The largest number of reloads on a miss of keys whose entries expired in the same bucket. */
  readonly avalanche?: { readonly bucketStartMs: number; readonly keys: number };
  /** The most reloads of expired keys (one per key and expiry) that started in one bucket. */
  readonly reloadPeak?: { readonly bucketStartMs: number; readonly keys: number };
  readonly earlyRecomputes: number;
  readonly refreshes: number;
  readonly bloom?: BloomStats;
  /** The trace around the first database query (main strategy only). */
  readonly trace: readonly LoadEvent[];
  /** Events of the run not kept in `trace`. */
  readonly traceDropped: number;
  readonly totalEvents: number;
}

/** How many of the scenario's missing ids are checked against the Bloom filter for the report. */
export const ABSENT_PROBES = 100_000;

/** Counts a load run keeps as it goes. */
export interface LoadCounts {
  hits: number;
  misses: number;
  staleServed: number;
  filtered: number;
  cacheOps: number;
  dbQueries: number;
  maxQueueMs: number;
  absentRequests: number;
  absentDbQueries: number;
  earlyRecomputes: number;
  refreshes: number;
}

/** Everything a load run leaves behind, before the figures are worked out. */
export interface LoadTally {
  readonly strategy: Strategy;
  readonly requests: number;
  readonly counts: LoadCounts;
  /** Queries submitted per bucket. */
  readonly loadPerBucket: readonly number[];
  readonly herds: readonly Herd[];
  /** Each request's latency, by request number. */
  readonly latencies: Float64Array;
  /** Per missing id, its lookups that started with no other lookup of it in flight. */
  readonly absentLookups: ReadonlyMap<number, number>;
  /** Per bucket, the reloads of entries that expired in it. */
  readonly avalancheReloads: ReadonlyMap<number, number>;
  /** Per bucket, the reloads of expired entries that started in it. */
  readonly reloadsStarted: ReadonlyMap<number, number>;
  readonly bloom?: BloomFilter;
  readonly trace: FocusTrace;
  /** The name of key number i. */
  readonly name: (i: number) => string;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function latencyFigures(latencies: Float64Array) {
  const sorted = Float64Array.from(latencies).sort();
  const mean = latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length);
  return {
    p50LatencyMs: r2(percentile(sorted, 0.5)),
    p99LatencyMs: r2(percentile(sorted, 0.99)),
    maxLatencyMs: r2(sorted[sorted.length - 1] ?? 0),
    meanLatencyMs: r2(mean),
  };
}

/** The bucket with the most, the earliest on a tie. */
function busiest(counts: ReadonlyMap<number, number>, bucketMs: number): { bucketStartMs: number; keys: number } | undefined {
  let best: { bucketStartMs: number; keys: number } | undefined;
  for (const [b, n] of counts) {
    if (!best || n > best.keys || (n === best.keys && b * bucketMs < best.bucketStartMs)) best = { bucketStartMs: b * bucketMs, keys: n };
  }
  return best;
}

/** The filter measured: false positives over ids never added, false negatives, and the scenario's missing ids it lets through. */
function bloomReport(bloom: BloomFilter, o: Resolved, name: (i: number) => string): BloomStats {
  const probes = 100_000;
  let fp = 0;
  for (let i = 0; i < probes; i++) if (bloom.mightContain(`probe-${i}`)) fp++;
  let fn = 0;
  for (let i = 0; i < o.keys; i++) if (!bloom.mightContain(name(i))) fn++;
  let passing = 0;
  for (let i = 0; i < Math.min(o.absentKeys, ABSENT_PROBES); i++) if (bloom.mightContain(name(o.keys + i))) passing++;
  const theory = bloomFalsePositiveRate(bloom.m, bloom.k, bloom.size);
  return { m: bloom.m, k: bloom.k, n: bloom.size, theory, measured: fp / probes, probes, falseNegatives: fn, absentPassing: passing, fill: bloom.fill() };
}

function absentRounds(lookups: ReadonlyMap<number, number>): { absentRounds: number; maxAbsentRounds: number } {
  let rounds = 0;
  let most = 0;
  for (const n of lookups.values()) {
    rounds += n;
    most = Math.max(most, n);
  }
  return { absentRounds: rounds, maxAbsentRounds: most };
}

export function loadReport(o: Resolved, t: LoadTally): LoadRun {
  const c = t.counts;
  let peakBucket = 0;
  t.loadPerBucket.forEach((n, i) => {
    if (n > t.loadPerBucket[peakBucket]!) peakBucket = i;
  });
  const largestHerd = t.herds.reduce<Herd | undefined>((best, h) => (!best || h.size > best.size ? h : best), undefined);
  const avalanche = busiest(t.avalancheReloads, o.bucketMs);
  const reloadPeak = busiest(t.reloadsStarted, o.bucketMs);
  const bloom = t.bloom && bloomReport(t.bloom, o, t.name);
  return {
    strategy: t.strategy,
    requests: t.requests,
    ...{ hits: c.hits, misses: c.misses, staleServed: c.staleServed, filtered: c.filtered, cacheOps: c.cacheOps, dbQueries: c.dbQueries },
    loadPerBucket: t.loadPerBucket,
    peakBucket,
    peakDbLoad: ((t.loadPerBucket[peakBucket] ?? 0) * 1000) / o.bucketMs,
    herds: t.herds.length,
    ...(largestHerd ? { largestHerd } : {}),
    ...latencyFigures(t.latencies),
    maxQueueMs: r2(c.maxQueueMs),
    absentRequests: c.absentRequests,
    absentDbQueries: c.absentDbQueries,
    ...absentRounds(t.absentLookups),
    ...(avalanche ? { avalanche } : {}),
    ...(reloadPeak ? { reloadPeak } : {}),
    earlyRecomputes: c.earlyRecomputes,
    refreshes: c.refreshes,
    ...(bloom ? { bloom } : {}),
    trace: t.trace.events,
    traceDropped: t.trace.dropped,
    totalEvents: t.trace.total,
  };
}
