// The cache-aside mechanism: one key, a database row with a version, a cache entry with a TTL, a
// reader that reads through the cache and a writer that changes the row. Each strategy decides the
// writer's steps and what a cache write is allowed to do. Explicit runs follow a given interleaving
// step by step; random runs draw operation latencies from the seed on the virtual clock.
import { EventQueue } from "../../core/clock";
import { createRng, MAX_SEED, type Rng } from "../../core/rng";
import { ScenarioError } from "../../core/errors";
import { TraceRecorder, type TraceEventBase } from "../../core/trace";
import type { Actor, Options, Strategy } from "./scenario";

interface Base extends TraceEventBase {
  readonly actor: Actor | "cache";
}

export type CacheEvent =
  | (Base & {
      readonly kind: "get";
      readonly read: number;
      readonly hit: boolean;
      readonly version?: number;
      readonly dbVersion: number;
      readonly lease?: number;
      /** Whether the writer had finished all its steps: a read overlapping the write may return either version. */
      readonly writeDone: boolean;
    })
  | (Base & { readonly kind: "load"; readonly read: number; readonly version: number })
  | (Base & { readonly kind: "set"; readonly read?: number; readonly version: number; readonly stored: boolean; readonly reason: string; readonly expiresAtMs?: number })
  | (Base & { readonly kind: "update"; readonly version: number })
  | (Base & { readonly kind: "delete"; readonly second: boolean; readonly removed?: number; readonly invalidatedLeases: number })
  | (Base & { readonly kind: "expire"; readonly version: number });

export interface Entry {
  readonly version: number;
  readonly storedAtMs: number;
  readonly expiresAtMs: number;
}

export interface RunTrace {
  readonly events: readonly CacheEvent[];
  readonly dbVersion: number;
  /** The cache entry left when every actor is done (expired entries removed). */
  readonly cache?: Entry;
  readonly endMs: number;
}

type OpKind = "get" | "load" | "set" | "update" | "delete" | "set-versioned";

/** The writer's program under each strategy. */
export function writerProgram(strategy: Strategy): OpKind[] {
  switch (strategy) {
    case "update-then-delete":
    case "lease":
      return ["update", "delete"];
    case "delete-then-update":
      return ["delete", "update"];
    case "delayed-double-delete":
      return ["update", "delete", "delete"];
    case "versioned-cas":
      return ["update", "set-versioned"];
  }
}

/** The shared state and the effect of each operation at a given virtual time. */
class World {
  dbVersion = 1;
  cache: Entry | undefined;
  private nextLease = 1;
  private readonly validLeases = new Set<number>();
  private readonly trace = new TraceRecorder<CacheEvent>();
  // Reader state.
  private read = 0;
  private readerPhase: "get" | "load" | "set" | "done" = "get";
  private loaded = 0;
  private lease: number | undefined;
  // Writer state.
  private readonly writerOps: OpKind[];
  private deletes = 0;

  constructor(private readonly strategy: Strategy, private readonly reads: number, private readonly ttlMs: number) {
    this.writerOps = writerProgram(strategy);
  }

  nextOp(actor: Actor): OpKind | undefined {
    if (actor === "writer") return this.writerOps[0];
    return this.readerPhase === "done" ? undefined : this.readerPhase;
  }

  private live(at: number): Entry | undefined {
    if (this.cache && this.cache.expiresAtMs <= at) {
      this.trace.record({ atMs: this.cache.expiresAtMs, actor: "cache", kind: "expire", version: this.cache.version });
      this.cache = undefined;
    }
    return this.cache;
  }

  private store(version: number, at: number): Entry {
    this.cache = { version, storedAtMs: at, expiresAtMs: at + this.ttlMs };
    return this.cache;
  }

  /** Perform the actor's next operation at time `at`. */
  step(actor: Actor, at: number): OpKind {
    const op = this.nextOp(actor);
    if (!op) throw new Error(`${actor} has nothing left to do`);
    if (actor === "reader") this.readerStep(op, at);
    else this.writerStep(this.writerOps.shift()!, at);
    return op;
  }

  private readerStep(op: OpKind, at: number): void {
    if (op === "get") {
      this.read++;
      const entry = this.live(at);
      if (entry) {
        this.trace.record({ atMs: at, actor: "reader", kind: "get", read: this.read, hit: true, version: entry.version, dbVersion: this.dbVersion, writeDone: this.writerOps.length === 0 });
        this.finishRead();
        return;
      }
      this.lease = this.strategy === "lease" ? this.nextLease++ : undefined;
      if (this.lease !== undefined) this.validLeases.add(this.lease);
      this.trace.record({ atMs: at, actor: "reader", kind: "get", read: this.read, hit: false, dbVersion: this.dbVersion, writeDone: this.writerOps.length === 0, ...(this.lease !== undefined ? { lease: this.lease } : {}) });
      this.readerPhase = "load";
    } else if (op === "load") {
      this.loaded = this.dbVersion;
      this.trace.record({ atMs: at, actor: "reader", kind: "load", read: this.read, version: this.loaded });
      this.readerPhase = "set";
    } else {
      this.readerSet(at);
      this.finishRead();
    }
  }

  private readerSet(at: number): void {
    const base = { atMs: at, actor: "reader" as const, kind: "set" as const, read: this.read, version: this.loaded };
    if (this.strategy === "lease") {
      const valid = this.lease !== undefined && this.validLeases.delete(this.lease);
      if (!valid) {
        this.trace.record({ ...base, stored: false, reason: `lease ${this.lease} was invalidated by a delete` });
        return;
      }
      const e = this.store(this.loaded, at);
      this.trace.record({ ...base, stored: true, reason: `lease ${this.lease} still valid`, expiresAtMs: e.expiresAtMs });
      return;
    }
    if (this.strategy === "versioned-cas") {
      const cur = this.live(at);
      if (cur && cur.version >= this.loaded) {
        this.trace.record({ ...base, stored: false, reason: `cache already holds v${cur.version}` });
        return;
      }
      const e = this.store(this.loaded, at);
      this.trace.record({ ...base, stored: true, reason: cur ? `newer than cached v${cur.version}` : "cache empty", expiresAtMs: e.expiresAtMs });
      return;
    }
    const e = this.store(this.loaded, at);
    this.trace.record({ ...base, stored: true, reason: "plain set", expiresAtMs: e.expiresAtMs });
  }

  private finishRead(): void {
    this.readerPhase = this.read >= this.reads ? "done" : "get";
    this.lease = undefined;
  }

  private writerStep(op: OpKind, at: number): void {
    if (op === "update") {
      this.dbVersion++;
      this.trace.record({ atMs: at, actor: "writer", kind: "update", version: this.dbVersion });
    } else if (op === "delete") {
      const removed = this.live(at)?.version;
      this.cache = undefined;
      const invalidatedLeases = this.validLeases.size;
      this.validLeases.clear();
      this.trace.record({ atMs: at, actor: "writer", kind: "delete", second: this.deletes++ > 0, ...(removed !== undefined ? { removed } : {}), invalidatedLeases });
    } else {
      const cur = this.live(at);
      const base = { atMs: at, actor: "writer" as const, kind: "set" as const, version: this.dbVersion };
      if (cur && cur.version >= this.dbVersion) this.trace.record({ ...base, stored: false, reason: `cache already holds v${cur.version}` });
      else {
        const e = this.store(this.dbVersion, at);
        this.trace.record({ ...base, stored: true, reason: cur ? `newer than cached v${cur.version}` : "cache empty", expiresAtMs: e.expiresAtMs });
      }
    }
  }

  finish(endMs: number): RunTrace {
    return { events: this.trace.toArray(), dbVersion: this.dbVersion, ...(this.cache ? { cache: this.cache } : {}), endMs };
  }
}

/** Follow an explicit interleaving, one millisecond per step; leftover steps run afterwards. */
export function runExplicit(options: Options, strategy: Strategy, steps: readonly Actor[]): { trace: RunTrace; leftover: number } {
  const world = new World(strategy, options.reads, options.ttlMs);
  let now = 0;
  let firstDeleteAt: number | undefined;
  const stepAt = (actor: Actor) => {
    now += 1;
    if (actor === "writer" && world.nextOp("writer") === "delete" && firstDeleteAt !== undefined) now = Math.max(now, firstDeleteAt + options.doubleDeleteDelayMs);
    const op = world.step(actor, now);
    if (op === "delete" && firstDeleteAt === undefined) firstDeleteAt = now;
  };
  steps.forEach((actor, i) => {
    if (!world.nextOp(actor)) throw new ScenarioError(`Step ${i + 1} (${actor}): the ${actor} has nothing left to do by then. Under ${strategy} the writer takes ${writerProgram(strategy).length} steps and each read takes 1 step on a hit or 3 on a miss.`);
    stepAt(actor);
  });
  let leftover = 0;
  for (const actor of ["reader", "writer"] as const) {
    while (world.nextOp(actor)) {
      stepAt(actor);
      leftover++;
    }
  }
  return { trace: world.finish(now), leftover };
}

function latency(rng: Rng, op: OpKind, options: Options): number {
  return rng.int(1, op === "load" || op === "update" ? options.dbLatencyMsMax : options.cacheLatencyMsMax);
}

/** One random interleaving: each operation takes effect a random latency after the previous one. */
export function runRandom(options: Options, strategy: Strategy, seed: number): RunTrace {
  const rng = createRng(seed);
  const world = new World(strategy, options.reads, options.ttlMs);
  const queue = new EventQueue<Actor>();
  let firstDeleteAt: number | undefined;
  for (const actor of ["reader", "writer"] as const) queue.scheduleAt(rng.int(0, options.startJitterMs) + latency(rng, world.nextOp(actor)!, options), actor);
  for (let ev = queue.pop(); ev; ev = queue.pop()) {
    const actor = ev.payload;
    const op = world.step(actor, queue.nowMs);
    if (op === "delete" && firstDeleteAt === undefined) firstDeleteAt = queue.nowMs;
    const next = world.nextOp(actor);
    if (!next) continue;
    let delay = latency(rng, next, options);
    if (actor === "reader" && next === "get") delay += rng.int(0, options.readGapMsMax);
    if (actor === "writer" && next === "delete" && firstDeleteAt !== undefined) delay = Math.max(delay, firstDeleteAt + options.doubleDeleteDelayMs - queue.nowMs);
    queue.schedule(delay, actor);
  }
  return world.finish(queue.nowMs);
}

export interface StrategyStats {
  readonly strategy: Strategy;
  readonly runs: number;
  /** Runs that ended with the cache holding an older version than the database. */
  readonly staleRuns: number;
  /** Cache hits that returned a version older than the database's at that moment. */
  readonly staleReads: number;
  readonly reads: number;
  /** The first run that ended stale, for the diagram and the explanation. */
  readonly firstStale?: { readonly run: number; readonly seed: number; readonly trace: RunTrace };
  readonly example: RunTrace;
}

export type CacheAsideResult =
  | { readonly mode: "explicit"; readonly strategy: Strategy; readonly steps: readonly Actor[]; readonly trace: RunTrace; readonly leftover: number }
  | { readonly mode: "random"; readonly strategy: Strategy; readonly stats: readonly StrategyStats[] };

/** Whether the cache ends holding an older version than the database (before its TTL runs out). */
export function endsStale(trace: RunTrace): boolean {
  return trace.cache !== undefined && trace.cache.version < trace.dbVersion;
}

/**
 * Reads that returned an older version than the database's after the write had completed. A read
 * that overlaps the write (between the commit and the invalidation) may legitimately return
 * either version, so it is not counted: the fixes compared here target what outlives the write.
 */
export function staleHits(trace: RunTrace): CacheEvent[] {
  return trace.events.filter((e) => e.kind === "get" && e.hit && e.writeDone && e.version! < e.dbVersion);
}

export function simulate(options: Options, rng: Rng, progress: (fraction: number) => void): CacheAsideResult {
  const strategy = options.strategy;
  if (options.steps && options.steps.length > 0) {
    const { trace, leftover } = runExplicit(options, strategy, options.steps);
    return { mode: "explicit", strategy, steps: options.steps, trace, leftover };
  }
  const strategies = options.compare.length > 0 ? [...new Set(options.compare)] : [strategy];
  const seeds = Array.from({ length: options.runs }, () => rng.int(0, MAX_SEED));
  const stats = strategies.map((s, si) => {
    let staleRuns = 0;
    let staleReads = 0;
    let reads = 0;
    let firstStale: StrategyStats["firstStale"];
    let example: RunTrace | undefined;
    seeds.forEach((seed, run) => {
      if (run % 64 === 0) progress((si * seeds.length + run) / (strategies.length * seeds.length));
      const trace = runRandom(options, s, seed);
      example ??= trace;
      reads += trace.events.filter((e) => e.kind === "get").length;
      staleReads += staleHits(trace).length;
      if (endsStale(trace)) {
        staleRuns++;
        firstStale ??= { run: run + 1, seed, trace };
      }
    });
    return { strategy: s, runs: seeds.length, staleRuns, staleReads, reads, ...(firstStale ? { firstStale } : {}), example: example! };
  });
  return { mode: "random", strategy, stats };
}
