// One strategy on a load scenario's requests. Clients send their requests through application
// servers to one cache node and a database, on a virtual clock. The database works on a fixed
// number of queries at once (its capacity times its latency) and queues the rest in arrival order,
// so a burst of misses makes every query slower, which keeps keys missing longer: the feedback loop
// that turns a burst into an outage. What the strategy randomises (jitter, XFetch's draws) comes
// from the generator it is given.
import { EventQueue } from "../../../core/clock";
import type { Rng } from "../../../core/rng";
import type { Resolved, Strategy } from "../scenario";
import type { Arrival } from "./arrivals";
import { keyName } from "./arrivals";
import { BloomFilter } from "./bloom";
import { FocusTrace, type GetResult } from "./load-trace";
import { loadReport, type Herd, type LoadCounts, type LoadRun } from "./load-report";
import { r2 } from "./time";

/** XFetch's test: recompute early when now - delta x beta x ln(u) >= expiry, for u uniform in (0, 1]. */
export function xfetchRecompute(nowMs: number, deltaMs: number, beta: number, expiresAtMs: number, u: number): boolean {
  return nowMs - deltaMs * beta * Math.log(u) >= expiresAtMs;
}

/** How many queries the database works on at once: its capacity times its latency. */
export function databaseWorkers(o: Pick<Resolved, "dbCapacity" | "dbLatencyMs">): number {
  return Math.max(1, Math.round((o.dbCapacity * o.dbLatencyMs) / 1000));
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

type Ev = { t: "arrive"; req: number; retry: number } | { t: "db-done"; key: number; req: number | null; startMs: number; submitMs: number; purpose: Purpose };

type Arrive = Extract<Ev, { t: "arrive" }>;
type DbDone = Extract<Ev, { t: "db-done" }>;

/** A request as the cache handles it: who sent it, for which key, and when the cache sees it. */
interface Request {
  readonly req: number;
  readonly retry: number;
  readonly k: number;
  readonly server: number;
  readonly actor: string;
  /** The cache sees the request half a round trip after it was sent. */
  readonly at: number;
}

class LoadSim {
  private readonly half: number;
  private readonly free: Float64Array;
  private readonly queue = new EventQueue<Ev>();
  private readonly trace: FocusTrace;
  private readonly cache = new Map<number, Entry>();
  /** Key -> lock expiry. */
  private readonly locks = new Map<number, number>();
  /** Per server, key -> the requests waiting for its load in flight. */
  private readonly flights: Map<number, number[]>[];
  private readonly refreshing = new Set<number>();
  private readonly inflight = new Map<number, { count: number; size: number; startMs: number }>();
  private readonly herds: Herd[] = [];
  private readonly loadPerBucket: number[] = [];
  private readonly latencies: Float64Array;
  private readonly absentLookups = new Map<number, number>();
  private readonly avalancheReloads = new Map<number, number>();
  private readonly reloadsStarted = new Map<number, number>();
  private readonly bloom?: BloomFilter;
  private readonly c: LoadCounts = {
    hits: 0,
    misses: 0,
    staleServed: 0,
    filtered: 0,
    cacheOps: 0,
    dbQueries: 0,
    maxQueueMs: 0,
    absentRequests: 0,
    absentDbQueries: 0,
    earlyRecomputes: 0,
    refreshes: 0,
  };

  constructor(
    private readonly o: Resolved,
    private readonly strategy: Strategy,
    private readonly arrivals: readonly Arrival[],
    private readonly rng: Rng,
    focusFromMs: number | undefined,
  ) {
    this.half = o.cacheLatencyMs / 2;
    this.free = new Float64Array(databaseWorkers(o));
    this.trace = new FocusTrace(6, 400, focusFromMs);
    this.flights = Array.from({ length: o.servers }, () => new Map<number, number[]>());
    this.latencies = new Float64Array(arrivals.length);
    if (strategy === "bloom-filter") {
      this.bloom = new BloomFilter(o.bloomBits, o.bloomHashes);
      for (let i = 0; i < o.keys; i++) this.bloom.add(this.name(i));
    }
  }

  run(): LoadRun {
    this.warm();
    this.arrivals.forEach((a, i) => this.queue.scheduleAt(a.atMs, { t: "arrive", req: i, retry: 0 }));
    for (let ev = this.queue.pop(); ev; ev = this.queue.pop()) {
      const p = ev.payload;
      if (p.t === "db-done") this.dbDone(p, this.queue.nowMs);
      else this.arrive(p, this.queue.nowMs);
    }
    const { strategy, arrivals, c: counts, loadPerBucket, herds, latencies, absentLookups, avalancheReloads, reloadsStarted, bloom, trace } = this;
    const tally = { strategy, requests: arrivals.length, counts, loadPerBucket, herds, latencies, absentLookups, avalancheReloads, reloadsStarted, trace };
    return loadReport(this.o, { ...tally, ...(bloom ? { bloom } : {}), name: (i) => this.name(i) });
  }

  private exists(k: number): boolean {
    return k < this.o.keys;
  }

  private name(k: number): string {
    return keyName(this.o, k);
  }

  private ttl(): number {
    return this.strategy === "jitter" ? this.o.ttlMs * (1 + this.rng.float() * this.o.ttlJitter) : this.o.ttlMs;
  }

  private bucketOf(t: number): number {
    return Math.floor(t / this.o.bucketMs);
  }

  /** The cache starts warm with every existing key. */
  private warm(): void {
    const o = this.o;
    for (let k = 0; k < o.keys; k++) {
      const at = this.strategy === "staggered-warmup" ? -o.warmupMs * (1 - (k + 0.5) / o.keys) : 0;
      const ttl = this.ttl();
      const hardExpiresAtMs = at + ttl * (this.strategy === "lock-stale" ? 2 : 1);
      this.cache.set(k, { negative: false, storedAtMs: at, expiresAtMs: at + ttl, hardExpiresAtMs, deltaMs: o.dbLatencyMs });
    }
  }

  private store(k: number, at: number, deltaMs: number): void {
    const negative = !this.exists(k);
    if (negative && this.strategy !== "negative-cache") return;
    const ttl = negative ? this.o.negativeTtlMs : this.ttl();
    const e: Entry = { negative, storedAtMs: at, expiresAtMs: at + ttl, hardExpiresAtMs: at + ttl * (this.strategy === "lock-stale" ? 2 : 1), deltaMs };
    this.cache.set(k, e);
    this.trace.record({ atMs: r2(at), actor: "cache", kind: "set", key: this.name(k), expiresAtMs: r2(e.expiresAtMs), negative });
  }

  /** The live entry at time t, dropping (and tracing) one that expired. */
  private lookup(k: number, t: number): Entry | undefined {
    const e = this.cache.get(k);
    if (!e) return undefined;
    if (e.expiresAtMs <= t && e.expiredBucket === undefined) {
      // The first request to find the entry expired: count it as a reload of that expiry bucket.
      e.expiredBucket = this.bucketOf(Math.max(0, e.expiresAtMs));
      this.trace.record({ atMs: r2(Math.max(0, e.expiresAtMs)), actor: "cache", kind: "expire", key: this.name(k), negative: e.negative });
      if (!e.negative) {
        this.avalancheReloads.set(e.expiredBucket, (this.avalancheReloads.get(e.expiredBucket) ?? 0) + 1);
        this.reloadsStarted.set(this.bucketOf(t), (this.reloadsStarted.get(this.bucketOf(t)) ?? 0) + 1);
      }
    }
    if (e.hardExpiresAtMs <= t) {
      this.cache.delete(k);
      return undefined;
    }
    return e;
  }

  /** A query for key k submitted at `at`: the least busy worker takes it, after what it is already doing. */
  private submit(k: number, req: number | null, at: number, purpose: Purpose): void {
    const free = this.free;
    let w = 0;
    for (let i = 1; i < free.length; i++) if (free[i]! < free[w]!) w = i;
    const start = Math.max(at, free[w]!);
    const done = start + this.o.dbLatencyMs;
    free[w] = done;
    this.c.maxQueueMs = Math.max(this.c.maxQueueMs, start - at);
    this.c.dbQueries++;
    const b = this.bucketOf(at);
    while (this.loadPerBucket.length <= b) this.loadPerBucket.push(0);
    this.loadPerBucket[b]!++;
    const f = this.inflight.get(k);
    if (f) {
      f.count++;
      f.size++;
    } else this.inflight.set(k, { count: 1, size: 1, startMs: at });
    const found = this.exists(k);
    if (!found) this.c.absentDbQueries++;
    const client = req === null ? null : req + 1;
    this.trace.record({ atMs: r2(at), actor: "database", kind: "query", req: client, key: this.name(k), startMs: r2(start), doneMs: r2(done), found });
    this.queue.scheduleAt(done, { t: "db-done", key: k, req, startMs: start, submitMs: at, purpose });
  }

  private reply(req: number, at: number, how: string): void {
    const a = this.arrivals[req]!;
    this.latencies[req] = at - a.atMs;
    if (how === "hit" || how === "cached not-found") return; // the get already says so
    this.trace.record({ atMs: r2(at), actor: "cache", kind: "reply", req: req + 1, key: this.name(a.key), latencyMs: r2(at - a.atMs), how });
  }

  private dbDone(p: DbDone, t: number): void {
    const k = p.key;
    const f = this.inflight.get(k)!;
    if (--f.count === 0) {
      this.inflight.delete(k);
      // Herds are counted on keys that exist; missing ids are penetration's business.
      if (this.exists(k)) this.herds.push({ key: this.name(k), size: f.size, startMs: r2(f.startMs), endMs: r2(t) });
    }
    this.store(k, t, t - p.submitMs);
    if (p.purpose === "refresh") this.refreshing.delete(k);
    if (p.purpose === "lock") this.locks.delete(k);
    if (p.purpose === "flight") {
      const flight = this.flights[p.req! % this.o.servers]!;
      for (const w of flight.get(k) ?? []) this.reply(w, t + this.half, w === p.req ? "loaded" : "shared load");
      flight.delete(k);
    } else if (p.req !== null) this.reply(p.req, t + this.half, p.purpose === "early" ? "recomputed early" : "loaded");
  }

  private get(r: Request, result: GetResult): void {
    const { at, actor, req, k, server, retry } = r;
    this.trace.record({ atMs: r2(at), actor, kind: "get", req: req + 1, key: this.name(k), result, server, retry });
  }

  /** A request reaches the cache: the Bloom filter may answer first; then a hit, or a miss the strategy handles. */
  private arrive(p: Arrive, t: number): void {
    const req = p.req;
    const k = this.arrivals[req]!.key;
    const actor = `client ${req + 1}`;
    if (p.retry === 0 && !this.exists(k)) this.c.absentRequests++;
    if (this.bloom && p.retry === 0 && this.filtered(req, k, actor, t)) return;
    this.c.cacheOps++;
    const r: Request = { req, retry: p.retry, k, server: req % this.o.servers, actor, at: t + this.half };
    const e = this.lookup(k, r.at);
    if (e && r.at < e.expiresAtMs) this.hit(r, e);
    else if (this.strategy === "lock" || this.strategy === "lock-stale") this.lockMiss(r, e !== undefined && r.at < e.hardExpiresAtMs);
    else this.miss(r);
  }

  /** Whether the Bloom filter answers "no" on its own; a missing id it lets through is one of its false positives. */
  private filtered(req: number, k: number, actor: string, t: number): boolean {
    if (!this.bloom!.mightContain(this.name(k))) {
      this.c.filtered++;
      this.trace.record({ atMs: r2(t), actor, kind: "filtered", req: req + 1, key: this.name(k), passed: false });
      this.latencies[req] = 0;
      return true;
    }
    if (!this.exists(k)) this.trace.record({ atMs: r2(t), actor, kind: "filtered", req: req + 1, key: this.name(k), passed: true });
    return false;
  }

  private hit(r: Request, e: Entry): void {
    const { o, strategy } = this;
    // XFetch draws only on hits of entries that exist, in the order they come.
    if (strategy === "xfetch" && !e.negative && xfetchRecompute(r.at, e.deltaMs, o.beta, e.expiresAtMs, 1 - this.rng.float())) {
      this.c.earlyRecomputes++;
      this.get(r, "early");
      this.submit(r.k, r.req, r.at + this.half, "early");
      return;
    }
    if (strategy === "refresh-ahead" && !e.negative && this.pastRefreshPoint(r.at, e) && !this.refreshing.has(r.k)) {
      this.refreshing.add(r.k);
      this.c.refreshes++;
      this.get(r, "refresh");
      this.submit(r.k, null, r.at, "refresh");
    } else this.get(r, e.negative ? "not-found" : "hit");
    this.c.hits++;
    this.reply(r.req, r.at + this.half, e.negative ? "cached not-found" : "hit");
  }

  private pastRefreshPoint(at: number, e: Entry): boolean {
    return at - e.storedAtMs >= this.o.refreshAheadFactor * (e.expiresAtMs - e.storedAtMs);
  }

  /** A miss under a lock: serve the stale copy while someone reloads, wait and retry, or take the lock and reload. */
  private lockMiss(r: Request, staleCopy: boolean): void {
    const { o } = this;
    this.c.cacheOps++;
    const lockAt = r.at + o.cacheLatencyMs;
    const held = (this.locks.get(r.k) ?? -Infinity) > lockAt;
    if (staleCopy && held) {
      this.get(r, "stale");
      this.c.staleServed++;
      this.c.hits++;
      this.reply(r.req, r.at + this.half + o.cacheLatencyMs, "stale copy");
      return;
    }
    this.get(r, "miss");
    if (r.retry === 0) this.c.misses++;
    this.trace.record({ atMs: r2(lockAt), actor: r.actor, kind: "lock", req: r.req + 1, key: this.name(r.k), acquired: !held });
    if (held) {
      this.queue.scheduleAt(lockAt + this.half + o.retryMs, { t: "arrive", req: r.req, retry: r.retry + 1 });
      return;
    }
    this.locks.set(r.k, lockAt + o.lockTtlMs);
    this.submit(r.k, r.req, lockAt + this.half, "lock");
  }

  /** A miss without a lock: query the database, or (single-flight) wait for this server's query in flight. */
  private miss(r: Request): void {
    const k = r.k;
    this.get(r, "miss");
    this.c.misses++;
    if (!this.exists(k)) this.absentLookups.set(k, (this.absentLookups.get(k) ?? 0) + (this.inflight.has(k) ? 0 : 1));
    if (this.strategy !== "single-flight") {
      this.submit(k, r.req, r.at + this.half, "miss");
      return;
    }
    const flight = this.flights[r.server]!;
    const waiting = flight.get(k);
    if (waiting) {
      waiting.push(r.req);
      this.trace.record({ atMs: r2(r.at), actor: r.actor, kind: "coalesced", req: r.req + 1, key: this.name(k), server: r.server });
      return;
    }
    flight.set(k, [r.req]);
    this.submit(k, r.req, r.at + this.half, "flight");
  }
}

/** One strategy on the given arrivals; with `focusFromMs`, the trace starts at the first query from then on. */
export function runLoad(o: Resolved, strategy: Strategy, arrivals: readonly Arrival[], rng: Rng, focusFromMs?: number): LoadRun {
  return new LoadSim(o, strategy, arrivals, rng, focusFromMs).run();
}
