// Load scenarios: clients send Poisson-distributed requests through application servers to one
// cache node and a database, on a virtual clock. The database works on a fixed number of queries
// at once (its capacity times its latency) and queues the rest in arrival order, so a burst of
// misses makes every query slower, which keeps keys missing longer: the feedback loop that turns a
// burst into an outage. Every strategy of a comparison replays the same arrivals; what it may
// randomise (jitter, XFetch's draws) comes from its own generator forked from the seed.
import { EventQueue } from "../../core/clock";
import { createRng, MAX_SEED, type Rng } from "../../core/rng";
import type { TraceEventBase, WithoutSeq } from "../../core/trace";
import { BloomFilter, bloomFalsePositiveRate } from "./bloom";
import type { Resolved, Strategy } from "./scenario";

interface Base extends TraceEventBase {
  readonly actor: string;
}

export type GetResult = "hit" | "miss" | "stale" | "not-found" | "early" | "refresh";

export type LoadEvent =
  | (Base & { readonly kind: "get"; readonly req: number; readonly key: string; readonly result: GetResult; readonly server: number; readonly retry: number })
  | (Base & { readonly kind: "filtered"; readonly req: number; readonly key: string; readonly passed: boolean })
  | (Base & { readonly kind: "coalesced"; readonly req: number; readonly key: string; readonly server: number })
  | (Base & { readonly kind: "lock"; readonly req: number; readonly key: string; readonly acquired: boolean })
  | (Base & { readonly kind: "query"; readonly req: number | null; readonly key: string; readonly startMs: number; readonly doneMs: number; readonly found: boolean })
  | (Base & { readonly kind: "set"; readonly key: string; readonly expiresAtMs: number; readonly negative: boolean })
  | (Base & { readonly kind: "expire"; readonly key: string; readonly negative: boolean })
  | (Base & { readonly kind: "reply"; readonly req: number; readonly key: string; readonly latencyMs: number; readonly how: string });

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

export interface LoadResult {
  readonly mode: "load";
  readonly options: Resolved;
  readonly runs: readonly LoadRun[];
  readonly workers: number;
  readonly arrivals: number;
}

interface Arrival {
  readonly atMs: number;
  readonly key: number;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** How many of the scenario's missing ids are checked against the Bloom filter for the report. */
export const ABSENT_PROBES = 100_000;

export function keyName(o: Resolved, i: number): string {
  if (o.scenario === "stampede") return o.keys === 1 ? "hot" : `hot-${i}`;
  return o.scenario === "penetration" ? `id-${i}` : `key-${i}`;
}

/** Poisson arrivals at `rps` over the duration; keys uniform over existing ones, or a missing id with probability absentShare. */
export function drawArrivals(o: Resolved, rng: Rng): Arrival[] {
  const out: Arrival[] = [];
  let t = 0;
  for (;;) {
    t += (-Math.log(1 - rng.float()) * 1000) / o.rps;
    if (t >= o.durationMs) return out;
    const absent = o.scenario === "penetration" && rng.chance(o.absentShare);
    out.push({ atMs: r2(t), key: absent ? o.keys + rng.int(0, o.absentKeys - 1) : rng.int(0, o.keys - 1) });
  }
}

/** XFetch's test: recompute early when now - delta x beta x ln(u) >= expiry, for u uniform in (0, 1]. */
export function xfetchRecompute(nowMs: number, deltaMs: number, beta: number, expiresAtMs: number, u: number): boolean {
  return nowMs - deltaMs * beta * Math.log(u) >= expiresAtMs;
}

export function databaseWorkers(o: Pick<Resolved, "dbCapacity" | "dbLatencyMs">): number {
  return Math.max(1, Math.round((o.dbCapacity * o.dbLatencyMs) / 1000));
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Keeps a few events before the first database query at or after `fromMs`, and up to `cap` from it on. */
class FocusTrace {
  readonly events: LoadEvent[] = [];
  private readonly before: LoadEvent[] = [];
  private triggered = false;
  dropped = 0;
  total = 0;
  constructor(private readonly lead: number, private readonly cap: number, private readonly fromMs: number | undefined) {}

  record(e: WithoutSeq<LoadEvent>): void {
    this.total++;
    if (this.fromMs === undefined) return;
    if (!this.triggered) {
      if (e.kind !== "query" || e.atMs < this.fromMs) {
        this.before.push(e as LoadEvent);
        if (this.before.length > this.lead) {
          this.before.shift();
          this.dropped++;
        }
        return;
      }
      this.triggered = true;
      for (const b of this.before) this.push(b);
    }
    if (this.events.length < this.cap) this.push(e as LoadEvent);
    else this.dropped++;
  }

  private push(e: LoadEvent): void {
    this.events.push({ ...e, seq: this.events.length } as LoadEvent);
  }
}

interface Entry {
  negative: boolean;
  storedAtMs: number;
  expiresAtMs: number;
  /** Until when a stale copy may still be served (lock-stale); equals expiresAtMs otherwise. */
  hardExpiresAtMs: number;
  /** How long the load that produced it took (XFetch's delta). */
  deltaMs: number;
  /** The bucket in which it expired, once it has (for avalanche accounting). */
  expiredBucket?: number;
}

type Purpose = "miss" | "early" | "refresh" | "lock" | "flight";

type Ev =
  | { t: "arrive"; req: number; retry: number }
  | { t: "db-done"; key: number; req: number | null; startMs: number; submitMs: number; purpose: Purpose };

/** One strategy on the given arrivals; with `focusFromMs`, the trace starts at the first query from then on. */
export function runLoad(o: Resolved, strategy: Strategy, arrivals: readonly Arrival[], rng: Rng, focusFromMs?: number): LoadRun {
  const workers = databaseWorkers(o);
  const free = new Float64Array(workers);
  const queue = new EventQueue<Ev>();
  const trace = new FocusTrace(6, 400, focusFromMs);
  const cache = new Map<number, Entry>();
  const locks = new Map<number, number>(); // key -> lock expiry
  const flights = Array.from({ length: o.servers }, () => new Map<number, number[]>());
  const refreshing = new Set<number>();
  const inflight = new Map<number, { count: number; size: number; startMs: number }>();
  const herdsDone: Herd[] = [];
  const loadPerBucket: number[] = [];
  const latencies = new Float64Array(arrivals.length);
  const absentLookups = new Map<number, number>();
  const avalancheReloads = new Map<number, number>();
  const reloadsStarted = new Map<number, number>();
  const bloom = strategy === "bloom-filter" ? new BloomFilter(o.bloomBits, o.bloomHashes) : undefined;
  if (bloom) for (let i = 0; i < o.keys; i++) bloom.add(keyName(o, i));
  let hits = 0, misses = 0, staleServed = 0, filtered = 0, cacheOps = 0, dbQueries = 0, maxQueueMs = 0;
  let absentRequests = 0, absentDbQueries = 0, earlyRecomputes = 0, refreshes = 0;
  const exists = (k: number) => k < o.keys;
  const name = (k: number) => keyName(o, k);
  const ttlFor = () => (strategy === "jitter" ? o.ttlMs * (1 + rng.float() * o.ttlJitter) : o.ttlMs);
  const bucketOf = (t: number) => Math.floor(t / o.bucketMs);

  const store = (k: number, at: number, deltaMs: number) => {
    const negative = !exists(k);
    if (negative && strategy !== "negative-cache") return;
    const ttl = negative ? o.negativeTtlMs : ttlFor();
    const e: Entry = { negative, storedAtMs: at, expiresAtMs: at + ttl, hardExpiresAtMs: at + ttl * (strategy === "lock-stale" ? 2 : 1), deltaMs };
    cache.set(k, e);
    trace.record({ atMs: r2(at), actor: "cache", kind: "set", key: name(k), expiresAtMs: r2(e.expiresAtMs), negative });
  };

  // The cache starts warm with every existing key.
  for (let k = 0; k < o.keys; k++) {
    const at = strategy === "staggered-warmup" ? -o.warmupMs * (1 - (k + 0.5) / o.keys) : 0;
    const ttl = ttlFor();
    cache.set(k, { negative: false, storedAtMs: at, expiresAtMs: at + ttl, hardExpiresAtMs: at + ttl * (strategy === "lock-stale" ? 2 : 1), deltaMs: o.dbLatencyMs });
  }

  /** The live entry at time t, dropping (and tracing) one that expired. */
  const lookup = (k: number, t: number): Entry | undefined => {
    const e = cache.get(k);
    if (!e) return undefined;
    if (e.expiresAtMs <= t && e.expiredBucket === undefined) {
      // The first request to find the entry expired: count it as a reload of that expiry bucket.
      e.expiredBucket = bucketOf(Math.max(0, e.expiresAtMs));
      trace.record({ atMs: r2(Math.max(0, e.expiresAtMs)), actor: "cache", kind: "expire", key: name(k), negative: e.negative });
      if (!e.negative) {
        avalancheReloads.set(e.expiredBucket, (avalancheReloads.get(e.expiredBucket) ?? 0) + 1);
        reloadsStarted.set(bucketOf(t), (reloadsStarted.get(bucketOf(t)) ?? 0) + 1);
      }
    }
    if (e.hardExpiresAtMs <= t) {
      cache.delete(k);
      return undefined;
    }
    return e;
  };

  const submit = (k: number, req: number | null, at: number, purpose: Purpose) => {
    let w = 0;
    for (let i = 1; i < workers; i++) if (free[i]! < free[w]!) w = i;
    const start = Math.max(at, free[w]!);
    const done = start + o.dbLatencyMs;
    free[w] = done;
    maxQueueMs = Math.max(maxQueueMs, start - at);
    dbQueries++;
    const b = bucketOf(at);
    while (loadPerBucket.length <= b) loadPerBucket.push(0);
    loadPerBucket[b]!++;
    const f = inflight.get(k);
    if (f) {
      f.count++;
      f.size++;
    } else inflight.set(k, { count: 1, size: 1, startMs: at });
    if (!exists(k)) absentDbQueries++;
    trace.record({ atMs: r2(at), actor: "database", kind: "query", req: req === null ? null : req + 1, key: name(k), startMs: r2(start), doneMs: r2(done), found: exists(k) });
    queue.scheduleAt(done, { t: "db-done", key: k, req, startMs: start, submitMs: at, purpose });
  };

  const reply = (req: number, at: number, how: string) => {
    const a = arrivals[req]!;
    latencies[req] = at - a.atMs;
    if (how === "hit" || how === "cached not-found") return; // the get already says so
    trace.record({ atMs: r2(at), actor: "cache", kind: "reply", req: req + 1, key: name(a.key), latencyMs: r2(at - a.atMs), how });
  };

  arrivals.forEach((a, i) => queue.scheduleAt(a.atMs, { t: "arrive", req: i, retry: 0 }));

  for (let ev = queue.pop(); ev; ev = queue.pop()) {
    const t = queue.nowMs;
    const p = ev.payload;
    if (p.t === "db-done") {
      const k = p.key;
      const f = inflight.get(k)!;
      if (--f.count === 0) {
        inflight.delete(k);
        // Herds are counted on keys that exist; missing ids are penetration's business.
        if (exists(k)) herdsDone.push({ key: name(k), size: f.size, startMs: r2(f.startMs), endMs: r2(t) });
      }
      store(k, t, t - p.submitMs);
      if (p.purpose === "refresh") refreshing.delete(k);
      if (p.purpose === "lock") locks.delete(k);
      if (p.purpose === "flight") {
        const s = p.req! % o.servers;
        for (const w of flights[s]!.get(k) ?? []) reply(w, t + o.cacheLatencyMs / 2, w === p.req ? "loaded" : "shared load");
        flights[s]!.delete(k);
      } else if (p.req !== null) reply(p.req, t + o.cacheLatencyMs / 2, p.purpose === "early" ? "recomputed early" : "loaded");
      continue;
    }
    const req = p.req;
    const a = arrivals[req]!;
    const k = a.key;
    const server = req % o.servers;
    const actor = `client ${req + 1}`;
    if (p.retry === 0 && !exists(k)) absentRequests++;
    if (bloom && p.retry === 0) {
      const maybe = bloom.mightContain(name(k));
      if (!maybe) {
        filtered++;
        trace.record({ atMs: r2(t), actor, kind: "filtered", req: req + 1, key: name(k), passed: false });
        latencies[req] = 0;
        continue;
      }
      // A missing id the filter lets through is one of its false positives.
      if (!exists(k)) trace.record({ atMs: r2(t), actor, kind: "filtered", req: req + 1, key: name(k), passed: true });
    }
    cacheOps++;
    const at = t + o.cacheLatencyMs / 2; // the cache sees the request half a round trip later
    const e = lookup(k, at);
    const get = (result: GetResult) => trace.record({ atMs: r2(at), actor, kind: "get", req: req + 1, key: name(k), result, server, retry: p.retry });
    if (e && at < e.expiresAtMs) {
      if (strategy === "xfetch" && !e.negative && xfetchRecompute(at, e.deltaMs, o.beta, e.expiresAtMs, 1 - rng.float())) {
        earlyRecomputes++;
        get("early");
        submit(k, req, at + o.cacheLatencyMs / 2, "early");
        continue;
      }
      if (strategy === "refresh-ahead" && !e.negative && at - e.storedAtMs >= o.refreshAheadFactor * (e.expiresAtMs - e.storedAtMs) && !refreshing.has(k)) {
        refreshing.add(k);
        refreshes++;
        get("refresh");
        submit(k, null, at, "refresh");
      } else get(e.negative ? "not-found" : "hit");
      hits++;
      reply(req, at + o.cacheLatencyMs / 2, e.negative ? "cached not-found" : "hit");
      continue;
    }
    // A miss: the entry is absent, or expired (lock-stale may still hold a stale copy).
    const staleCopy = e !== undefined && at < e.hardExpiresAtMs;
    if (strategy === "lock" || strategy === "lock-stale") {
      cacheOps++;
      const lockAt = at + o.cacheLatencyMs;
      const held = (locks.get(k) ?? -Infinity) > lockAt;
      if (staleCopy && held) {
        get("stale");
        staleServed++;
        hits++;
        reply(req, at + o.cacheLatencyMs / 2 + o.cacheLatencyMs, "stale copy");
        continue;
      }
      get("miss");
      if (p.retry === 0) misses++;
      trace.record({ atMs: r2(lockAt), actor, kind: "lock", req: req + 1, key: name(k), acquired: !held });
      if (held) {
        queue.scheduleAt(lockAt + o.cacheLatencyMs / 2 + o.retryMs, { t: "arrive", req, retry: p.retry + 1 });
        continue;
      }
      locks.set(k, lockAt + o.lockTtlMs);
      submit(k, req, lockAt + o.cacheLatencyMs / 2, "lock");
      continue;
    }
    get("miss");
    misses++;
    if (!exists(k)) absentLookups.set(k, (absentLookups.get(k) ?? 0) + (inflight.has(k) ? 0 : 1));
    if (strategy === "single-flight") {
      const waiting = flights[server]!.get(k);
      if (waiting) {
        waiting.push(req);
        trace.record({ atMs: r2(at), actor, kind: "coalesced", req: req + 1, key: name(k), server });
        continue;
      }
      flights[server]!.set(k, [req]);
      submit(k, req, at + o.cacheLatencyMs / 2, "flight");
      continue;
    }
    submit(k, req, at + o.cacheLatencyMs / 2, "miss");
  }

  const sorted = Float64Array.from(latencies).sort();
  let peakBucket = 0;
  loadPerBucket.forEach((n, i) => {
    if (n > loadPerBucket[peakBucket]!) peakBucket = i;
  });
  const herdList = herdsDone;
  const largestHerd = herdList.reduce<Herd | undefined>((best, h) => (!best || h.size > best.size ? h : best), undefined);
  const busiest = (counts: ReadonlyMap<number, number>) => {
    let best: { bucketStartMs: number; keys: number } | undefined;
    for (const [b, n] of counts) if (!best || n > best.keys || (n === best.keys && b * o.bucketMs < best.bucketStartMs)) best = { bucketStartMs: b * o.bucketMs, keys: n };
    return best;
  };
  const avalanche = busiest(avalancheReloads);
  const reloadPeak = busiest(reloadsStarted);
  let bloomStats: BloomStats | undefined;
  if (bloom) {
    const probes = 100_000;
    let fp = 0;
    for (let i = 0; i < probes; i++) if (bloom.mightContain(`probe-${i}`)) fp++;
    let fn = 0;
    for (let i = 0; i < o.keys; i++) if (!bloom.mightContain(name(i))) fn++;
    let passing = 0;
    for (let i = 0; i < Math.min(o.absentKeys, ABSENT_PROBES); i++) if (bloom.mightContain(name(o.keys + i))) passing++;
    bloomStats = { m: bloom.m, k: bloom.k, n: bloom.size, theory: bloomFalsePositiveRate(bloom.m, bloom.k, bloom.size), measured: fp / probes, probes, falseNegatives: fn, absentPassing: passing, fill: bloom.fill() };
  }
  let absentRounds = 0;
  let maxAbsentRounds = 0;
  for (const n of absentLookups.values()) {
    absentRounds += n;
    maxAbsentRounds = Math.max(maxAbsentRounds, n);
  }
  const mean = latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length);
  return {
    strategy,
    requests: arrivals.length,
    hits,
    misses,
    staleServed,
    filtered,
    cacheOps,
    dbQueries,
    loadPerBucket,
    peakBucket,
    peakDbLoad: ((loadPerBucket[peakBucket] ?? 0) * 1000) / o.bucketMs,
    herds: herdList.length,
    ...(largestHerd ? { largestHerd } : {}),
    p50LatencyMs: r2(percentile(sorted, 0.5)),
    p99LatencyMs: r2(percentile(sorted, 0.99)),
    maxLatencyMs: r2(sorted[sorted.length - 1] ?? 0),
    meanLatencyMs: r2(mean),
    maxQueueMs: r2(maxQueueMs),
    absentRequests,
    absentDbQueries,
    absentRounds,
    maxAbsentRounds,
    ...(avalanche ? { avalanche } : {}),
    ...(reloadPeak ? { reloadPeak } : {}),
    earlyRecomputes,
    refreshes,
    ...(bloomStats ? { bloom: bloomStats } : {}),
    trace: trace.events,
    traceDropped: trace.dropped,
    totalEvents: trace.total,
  };
}

/**
 * An avalanche: more keys expired in one bucket than the database serves in a bucket, and their
 * reloads (of these or other expired keys) also arrived faster than that. Keys that expire
 * together but are asked for rarely reload one by one, which is no avalanche.
 */
export function isAvalanche(o: Pick<Resolved, "dbCapacity" | "bucketMs">, run: Pick<LoadRun, "avalanche" | "reloadPeak">): boolean {
  const perBucket = (o.dbCapacity * o.bucketMs) / 1000;
  return run.avalanche !== undefined && run.avalanche.keys > 1 && run.avalanche.keys > perBucket && (run.reloadPeak?.keys ?? 0) > perBucket;
}

/** Where the diagram should look: the worst herd, the avalanche, the peak load, or else the start. */
export function focusOf(o: Resolved, run: LoadRun): number {
  const herd = run.largestHerd && run.largestHerd.size > o.herdLimit ? run.largestHerd.startMs : undefined;
  const avalanche = isAvalanche(o, run) ? run.avalanche!.bucketStartMs : undefined;
  const peak = run.peakDbLoad > o.dbCapacity ? run.peakBucket * o.bucketMs : undefined;
  return (o.scenario === "avalanche" ? avalanche ?? peak ?? herd : herd ?? avalanche ?? peak) ?? 0;
}

export function simulateLoad(o: Resolved, rng: Rng, progress: (fraction: number) => void): LoadResult {
  const arrivals = drawArrivals(o, rng.fork());
  const strategySeed = rng.int(0, MAX_SEED);
  const runs = o.strategies.map((s, i) => {
    progress(i / o.strategies.length);
    const run = runLoad(o, s, arrivals, createRng(strategySeed));
    // The main strategy runs again, traced around the moment the checker will talk about.
    return i === 0 ? runLoad(o, s, arrivals, createRng(strategySeed), focusOf(o, run)) : run;
  });
  return { mode: "load", options: o, runs, workers: databaseWorkers(o), arrivals: arrivals.length };
}
