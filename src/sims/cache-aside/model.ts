// The cache-aside mechanism: one key, a database row with a version, a cache entry with a TTL, a
// reader that reads through the cache and a writer that changes the row. Each strategy decides the
// writer's steps and what a cache write is allowed to do. Explicit runs follow a given interleaving
// step by step; random runs draw operation latencies from the seed on the virtual clock, and an
// exploration runs every strategy on the same seeds (src/core/explore.ts).
import { EventQueue } from "../../core/clock";
import { exploreCases, seedCases, type Judgement } from "../../core/explore";
import { createRng, type Rng } from "../../core/rng";
import { ScenarioError } from "../../core/errors";
import { TraceRecorder, type TraceEventBase } from "../../core/trace";
import type { Actor, Resolved, Strategy } from "./scenario";

interface Base extends TraceEventBase {
  readonly actor: Actor | "cache";
}

export type GetEvent = Base & {
  readonly kind: "get";
  readonly read: number;
  readonly hit: boolean;
  readonly version?: number;
  readonly dbVersion: number;
  readonly lease?: number;
  /** Whether the writer had finished all its steps: a read overlapping the write may return either version. */
  readonly writeDone: boolean;
};
export type LoadEvent = Base & { readonly kind: "load"; readonly read: number; readonly version: number };
export type SetEvent = Base & {
  readonly kind: "set";
  readonly read?: number;
  readonly version: number;
  readonly stored: boolean;
  readonly reason: string;
  readonly expiresAtMs?: number;
};
export type UpdateEvent = Base & { readonly kind: "update"; readonly version: number };
export type DeleteEvent = Base & { readonly kind: "delete"; readonly second: boolean; readonly removed?: number; readonly invalidatedLeases: number };
export type ExpireEvent = Base & { readonly kind: "expire"; readonly version: number };

export type CacheEvent = GetEvent | LoadEvent | SetEvent | UpdateEvent | DeleteEvent | ExpireEvent;

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

/** Steps are numbered from 1 in the order they happened, as the diagram labels them. */
export const stepNo = (e: CacheEvent): number => e.seq + 1;

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

  constructor(
    private readonly strategy: Strategy,
    private readonly reads: number,
    private readonly ttlMs: number,
  ) {
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
        const writeDone = this.writerOps.length === 0;
        this.trace.record({ atMs: at, actor: "reader", kind: "get", read: this.read, hit: true, version: entry.version, dbVersion: this.dbVersion, writeDone });
        this.finishRead();
        return;
      }
      this.lease = this.strategy === "lease" ? this.nextLease++ : undefined;
      if (this.lease !== undefined) this.validLeases.add(this.lease);
      const lease = this.lease !== undefined ? { lease: this.lease } : {};
      const writeDone = this.writerOps.length === 0;
      this.trace.record({ atMs: at, actor: "reader", kind: "get", read: this.read, hit: false, dbVersion: this.dbVersion, writeDone, ...lease });
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
      const reason = cur ? `newer than cached v${cur.version}` : "cache empty";
      this.trace.record({ ...base, stored: true, reason, expiresAtMs: e.expiresAtMs });
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
      const second = this.deletes++ > 0;
      this.trace.record({ atMs: at, actor: "writer", kind: "delete", second, ...(removed !== undefined ? { removed } : {}), invalidatedLeases });
    } else {
      const cur = this.live(at);
      const base = { atMs: at, actor: "writer" as const, kind: "set" as const, version: this.dbVersion };
      if (cur && cur.version >= this.dbVersion) this.trace.record({ ...base, stored: false, reason: `cache already holds v${cur.version}` });
      else {
        const e = this.store(this.dbVersion, at);
        const reason = cur ? `newer than cached v${cur.version}` : "cache empty";
        this.trace.record({ ...base, stored: true, reason, expiresAtMs: e.expiresAtMs });
      }
    }
  }

  finish(endMs: number): RunTrace {
    return { events: this.trace.toArray(), dbVersion: this.dbVersion, ...(this.cache ? { cache: this.cache } : {}), endMs };
  }
}

/** Follow an explicit interleaving, one millisecond per step; leftover steps run afterwards. */
export function runExplicit(options: Resolved, strategy: Strategy, steps: readonly Actor[]): { trace: RunTrace; leftover: number } {
  const world = new World(strategy, options.reads, options.ttlMs);
  let now = 0;
  let firstDeleteAt: number | undefined;
  const stepAt = (actor: Actor) => {
    now += 1;
    // The second delete of delayed-double-delete waits for its delay.
    if (actor === "writer" && world.nextOp("writer") === "delete" && firstDeleteAt !== undefined) {
      now = Math.max(now, firstDeleteAt + options.doubleDeleteDelayMs);
    }
    const op = world.step(actor, now);
    if (op === "delete" && firstDeleteAt === undefined) firstDeleteAt = now;
  };
  steps.forEach((actor, i) => {
    if (!world.nextOp(actor)) throw new ScenarioError(nothingLeft(i, actor, strategy));
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

/** The steps have to be played to know that one asks too much, so the model says so. */
function nothingLeft(i: number, actor: Actor, strategy: Strategy): string {
  const writerSteps = writerProgram(strategy).length;
  const costs = `Under ${strategy} the writer takes ${writerSteps} steps and each read takes 1 step on a hit or 3 on a miss.`;
  return `Step ${i + 1} (${actor}): the ${actor} has nothing left to do by then. ${costs}`;
}

function latency(rng: Rng, op: OpKind, options: Resolved): number {
  return rng.int(1, op === "load" || op === "update" ? options.dbLatencyMsMax : options.cacheLatencyMsMax);
}

/** One random interleaving: each operation takes effect a random latency after the previous one. */
export function runRandom(options: Resolved, strategy: Strategy, seed: number): RunTrace {
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
    if (actor === "writer" && next === "delete" && firstDeleteAt !== undefined) {
      delay = Math.max(delay, firstDeleteAt + options.doubleDeleteDelayMs - queue.nowMs);
    }
    queue.schedule(delay, actor);
  }
  return world.finish(queue.nowMs);
}

/** Whether the cache ends holding an older version than the database (before its TTL runs out). */
export function endsStale(trace: RunTrace): boolean {
  return trace.cache !== undefined && trace.cache.version < trace.dbVersion;
}

/**
 * Reads that returned an older version than the database's after the write had completed. A read
 * that overlaps the write (between the commit and the invalidation) may legitimately return
 * either version, so it is not counted: the fixes compared here target what outlives the write.
 */
export function staleHits(trace: RunTrace): GetEvent[] {
  return trace.events.filter((e): e is GetEvent => e.kind === "get" && e.hit && e.writeDone && e.version! < e.dbVersion);
}

function ofKind<K extends CacheEvent["kind"]>(events: readonly CacheEvent[], kind: K): Extract<CacheEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<CacheEvent, { kind: K }> => e.kind === kind);
}

/** How a run left the cache stale: the set that stored the old version, and what came before it. */
export interface StaleStory {
  /** The stale entry left in the cache. */
  readonly cached: Entry;
  /** The set that stored it. */
  readonly set: SetEvent;
  /** The reader's load of the version it stored. */
  readonly load?: LoadEvent;
  /** The writer's commit of a newer version. */
  readonly update?: UpdateEvent;
  /** Deletes of the key before the set. */
  readonly deletes: readonly DeleteEvent[];
}

/** The story behind a stale entry, when the run ends with one. */
export function staleStory(trace: RunTrace): StaleStory | undefined {
  if (!endsStale(trace)) return undefined;
  const cached = trace.cache!;
  const sets = ofKind(trace.events, "set").filter((s) => s.stored && s.version === cached.version);
  const set = sets[sets.length - 1];
  if (!set) return undefined;
  const load = ofKind(trace.events, "load")
    .filter((l) => l.read === set.read && l.seq < set.seq)
    .pop();
  const update = ofKind(trace.events, "update").find((u) => u.version > cached.version);
  const deletes = ofKind(trace.events, "delete").filter((d) => d.seq < set.seq);
  return { cached, set, ...(load ? { load } : {}), ...(update ? { update } : {}), deletes };
}

/** The positions of the story's steps in the trace, for highlighting. */
export function storyEvents(story: StaleStory): number[] {
  const { load, update, deletes, set } = story;
  return [load?.seq, update?.seq, ...deletes.map((d) => d.seq), set.seq].filter((n): n is number => n !== undefined);
}

/** Who took each step of a run, in order: the run as an explicit `steps:` list. */
export function actorOrder(trace: RunTrace): ("reader" | "writer")[] {
  return trace.events.flatMap((e) => (e.actor === "reader" || e.actor === "writer" ? [e.actor] : []));
}

/** How a random run ends: with the cache in step with the database, or holding an older version. */
export const OUTCOMES = ["in-step", "stale"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** One random run, judged for the exploration: its outcome, its reads and its stale reads. */
export function judge(trace: RunTrace): Judgement<Outcome> {
  const reads = trace.events.filter((e) => e.kind === "get").length;
  return { outcome: endsStale(trace) ? "stale" : "in-step", codes: [], measures: { reads, staleReads: staleHits(trace).length } };
}

/** One strategy over the explored interleavings. */
export interface StrategyRuns {
  readonly strategy: Strategy;
  readonly runs: number;
  /** Runs that ended with the cache holding an older version than the database. */
  readonly staleRuns: number;
  /** Cache hits that returned a version older than the database's at that moment. */
  readonly staleReads: number;
  readonly reads: number;
  /** The first run that ended stale, run again for the diagram and the explanation. */
  readonly firstStale?: { readonly run: number; readonly seed: number; readonly trace: RunTrace };
}

export type CacheAsideResult =
  | { readonly mode: "run"; readonly strategy: Strategy; readonly steps: readonly Actor[]; readonly trace: RunTrace; readonly leftover: number }
  | {
      readonly mode: "explore";
      readonly strategies: readonly StrategyRuns[];
      /** The first run of the first strategy, drawn when no run ended stale. */
      readonly example: RunTrace;
    };

/** Every strategy on the same seeds, counted; the first stale run of each is kept. */
export function explore(options: Resolved, rng: Rng, progress: (fraction: number) => void): CacheAsideResult {
  const seeds = seedCases(options.explore, rng);
  const designs = options.strategies.map((s) => ({ name: s, options: s }));
  const tallies = exploreCases(OUTCOMES, designs, seeds, (s, seed) => judge(runRandom(options, s, seed)), progress);
  const strategies = tallies.map((t, i): StrategyRuns => {
    const strategy = designs[i]!.options;
    const first = t.first.stale;
    const firstStale = first && { run: first.index, seed: first.value, trace: runRandom(options, strategy, first.value) };
    const counted = { strategy, runs: t.runs, staleRuns: t.counts.stale, staleReads: t.sums.staleReads ?? 0, reads: t.sums.reads ?? 0 };
    return { ...counted, ...(firstStale ? { firstStale } : {}) };
  });
  return { mode: "explore", strategies, example: runRandom(options, designs[0]!.options, seeds[0]!) };
}

export function simulate(options: Resolved, rng: Rng, progress: (fraction: number) => void): CacheAsideResult {
  if (!options.steps) return explore(options, rng, progress);
  const { trace, leftover } = runExplicit(options, options.strategy, options.steps);
  return { mode: "run", strategy: options.strategy, steps: options.steps, trace, leftover };
}
