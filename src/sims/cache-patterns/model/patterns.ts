// Write and read patterns, one client following an explicit list of operations on a virtual clock.
// The cache node and the database are modelled as maps; what differs between patterns is who
// writes where, when the client is told "done", and what the cache does in the background
// (periodic flushes, refresh-ahead reloads, expiries). Background work that falls due before a
// client operation happens first, in time order.
import { TraceRecorder, type TraceEventBase } from "../../../core/trace";
import type { Op, Resolved, Scenario } from "../scenario";
import { r2 } from "./time";

interface Base extends TraceEventBase {
  readonly actor: "client" | "cache";
}

export type WriteEvent = Base & {
  readonly kind: "write";
  readonly key: string;
  readonly value: string;
  /** Where the write went before the client was told it is done. */
  readonly via: "cache" | "cache+database" | "database";
  readonly ackAtMs: number;
  /** Write-around with invalidation: the cached value the write removed (null: nothing cached). */
  readonly invalidated?: string | null;
};

export type ReadEvent = Base & {
  readonly kind: "read";
  readonly key: string;
  readonly hit: boolean;
  /** The value returned (null: not found anywhere). */
  readonly value: string | null;
  /** The last acknowledged write of this key, when there was one. */
  readonly acked?: { readonly value: string; readonly seq: number };
  readonly stale: boolean;
  /** A hit that started a background reload (refresh-ahead). */
  readonly refresh?: boolean;
  readonly replyAtMs: number;
  /** Why a miss missed: never cached, expired, lost in a crash, or deleted by a write. */
  readonly missCause?: MissCause;
  /** Set on a miss: when the loaded value expires (undefined: nothing to cache). */
  readonly expiresAtMs?: number;
};

export type RefreshedEvent = Base & {
  readonly kind: "refreshed";
  readonly key: string;
  readonly value: string | null;
  readonly expiresAtMs: number;
  readonly startedAtMs: number;
  readonly oldExpiresAtMs?: number;
};

type Pairs = readonly (readonly [string, string])[];
export type FlushEvent = Base & { readonly kind: "flush"; readonly entries: Pairs; readonly periodic: boolean; readonly writes: readonly number[] };
export type CrashEvent = Base & { readonly kind: "crash"; readonly dirty: Pairs; readonly lostWrites: readonly number[]; readonly cached: number };
export type ExpireEvent = Base & { readonly kind: "expire"; readonly key: string; readonly value: string };
export type WaitEvent = Base & { readonly kind: "wait"; readonly ms: number };

export type PatternEvent = WriteEvent | ReadEvent | RefreshedEvent | FlushEvent | CrashEvent | ExpireEvent | WaitEvent;

export type MissCause = "cold" | "expired" | "crash" | "invalidated";

interface Entry {
  value: string;
  storedAtMs: number;
  expiresAtMs: number;
  dirty: boolean;
}

export interface PatternResult {
  readonly mode: "run";
  readonly scenario: Scenario;
  readonly events: readonly PatternEvent[];
  readonly database: ReadonlyMap<string, string>;
  readonly cache: ReadonlyMap<string, { readonly value: string; readonly dirty: boolean; readonly expiresAtMs: number }>;
  /** Write events whose value never reached the database before the cache lost it. */
  readonly lostWrites: readonly number[];
  readonly endMs: number;
  readonly dbReads: number;
  readonly dbWrites: number;
  readonly writeLatencies: readonly number[];
  readonly readLatencies: readonly number[];
}

/** What a read got: from the cache or loaded from the database, when the client has it, and what it started. */
interface Fetched {
  readonly hit: boolean;
  readonly value: string | null;
  readonly replyAtMs: number;
  readonly refresh: boolean;
  readonly expiresAtMs?: number;
}

/** One client's operations against one cache node and one database. */
class PatternRun {
  private readonly sc: Scenario;
  private readonly trace = new TraceRecorder<PatternEvent>();
  private readonly db = new Map<string, string>();
  private readonly cache = new Map<string, Entry>();
  /** The last acknowledged write of each key. */
  private readonly acked = new Map<string, { value: string; seq: number }>();
  /** Writes acknowledged but only in the cache (write-back), since the last flush. */
  private dirtyLog: number[] = [];
  private readonly lostWrites: number[] = [];
  private readonly refreshes: { key: string; startedAtMs: number; doneAtMs: number }[] = [];
  /** Why a key left the cache, for the next miss. */
  private readonly removed = new Map<string, MissCause>();
  private readonly writeLatencies: number[] = [];
  private readonly readLatencies: number[] = [];
  private dbReads = 0;
  private dbWrites = 0;
  private nextFlush: number;
  private now = 0;

  constructor(private readonly o: Resolved) {
    this.sc = o.scenario;
    this.nextFlush = this.sc === "write-back" && o.flushIntervalMs > 0 ? o.flushIntervalMs : Infinity;
  }

  run(): PatternResult {
    for (const op of this.o.ops) this.perform(op);
    const cache = new Map([...this.cache].map(([k, e]) => [k, { value: e.value, dirty: e.dirty, expiresAtMs: e.expiresAtMs }]));
    const { sc: scenario, db: database, lostWrites, dbReads, dbWrites, writeLatencies, readLatencies } = this;
    const events = this.trace.toArray();
    return { mode: "run", scenario, events, database, cache, lostWrites, endMs: r2(this.now), dbReads, dbWrites, writeLatencies, readLatencies };
  }

  private perform(op: Op): void {
    if (op.op === "wait") {
      this.trace.record({ atMs: r2(this.now), actor: "client", kind: "wait", ms: op.ms });
      this.now += op.ms;
      this.advance(this.now);
      return;
    }
    this.advance(this.now);
    if (op.op === "read") this.read(op.key);
    else if (op.op === "write") this.write(op.key, op.value);
    else if (op.op === "flush") this.clientFlush();
    else this.crash();
  }

  private flush(at: number, periodic: boolean): void {
    const dirty = [...this.cache.entries()].filter(([, e]) => e.dirty).sort(([a], [b]) => (a < b ? -1 : 1));
    if (periodic && dirty.length === 0) return;
    for (const [k, e] of dirty) {
      this.db.set(k, e.value);
      e.dirty = false;
      e.expiresAtMs = at + this.o.ttlMs;
    }
    if (dirty.length) this.dbWrites++;
    const entries = dirty.map(([k, e]) => [k, e.value] as const);
    this.trace.record({ atMs: r2(at), actor: "cache", kind: "flush", entries, periodic, writes: this.dirtyLog });
    this.dirtyLog = [];
  }

  private clientFlush(): void {
    if (this.sc === "write-back") this.flush(this.now, false);
    else this.trace.record({ atMs: r2(this.now), actor: "cache", kind: "flush", entries: [], periodic: false, writes: [] });
    this.now += this.sc === "write-back" ? this.o.dbLatencyMs : 0;
  }

  private crash(): void {
    const dirty = [...this.cache.entries()].filter(([, e]) => e.dirty).map(([k, e]) => [k, e.value] as const);
    this.trace.record({ atMs: r2(this.now), actor: "cache", kind: "crash", dirty, lostWrites: this.dirtyLog, cached: this.cache.size });
    this.lostWrites.push(...this.dirtyLog);
    this.dirtyLog = [];
    for (const k of this.cache.keys()) this.removed.set(k, "crash");
    this.cache.clear();
    this.refreshes.length = 0;
  }

  /** The earliest background work due at or before `to`: a periodic flush, a reload returning, or an expiry. */
  private due(to: number): { at: number; what?: "flush" | "refresh" | "expire"; key?: string } {
    let at = Infinity;
    let what: "flush" | "refresh" | "expire" | undefined;
    let key: string | undefined;
    if (this.nextFlush <= to) [at, what] = [this.nextFlush, "flush"];
    for (const r of this.refreshes) if (r.doneAtMs <= to && r.doneAtMs < at) [at, what] = [r.doneAtMs, "refresh"];
    for (const [k, e] of this.cache) if (!e.dirty && e.expiresAtMs <= to && e.expiresAtMs < at) [at, what, key] = [e.expiresAtMs, "expire", k];
    return { at, ...(what ? { what } : {}), ...(key !== undefined ? { key } : {}) };
  }

  /** Run the background work due at or before `to`, earliest first. */
  private advance(to: number): void {
    for (;;) {
      const { at, what, key } = this.due(to);
      if (!what) return;
      if (what === "flush") {
        this.flush(at, true);
        this.nextFlush += this.o.flushIntervalMs;
      } else if (what === "refresh") this.refreshed(at);
      else this.expire(at, key!);
    }
  }

  private refreshed(at: number): void {
    const i = this.refreshes.findIndex((r) => r.doneAtMs === at);
    const r = this.refreshes.splice(i, 1)[0]!;
    const value = this.db.get(r.key) ?? null;
    const old = this.cache.get(r.key);
    if (value !== null) this.cache.set(r.key, { value, storedAtMs: at, expiresAtMs: at + this.o.ttlMs, dirty: false });
    const moved = old ? { oldExpiresAtMs: r2(old.expiresAtMs) } : {};
    const expiresAtMs = r2(at + this.o.ttlMs);
    this.trace.record({ atMs: r2(at), actor: "cache", kind: "refreshed", key: r.key, value, expiresAtMs, startedAtMs: r2(r.startedAtMs), ...moved });
  }

  private expire(at: number, key: string): void {
    const e = this.cache.get(key)!;
    this.cache.delete(key);
    this.removed.set(key, "expired");
    this.trace.record({ atMs: r2(at), actor: "cache", kind: "expire", key, value: e.value });
  }

  /** A hit (refresh-ahead may start a reload) or, as every pattern here reads through, a load by the cache. */
  private fetch(key: string, start: number): Fetched {
    const { o } = this;
    const e = this.cache.get(key);
    if (e) {
      const late = start - e.storedAtMs >= o.refreshAheadFactor * o.ttlMs;
      const refresh = this.sc === "refresh-ahead" && late && !this.refreshes.some((r) => r.key === key);
      if (refresh) {
        this.dbReads++;
        this.refreshes.push({ key, startedAtMs: start, doneAtMs: start + o.cacheLatencyMs / 2 + o.dbLatencyMs });
      }
      return { hit: true, value: e.value, replyAtMs: start + o.cacheLatencyMs, refresh };
    }
    this.dbReads++;
    const value = this.db.get(key) ?? null;
    const replyAtMs = start + o.cacheLatencyMs + o.dbLatencyMs;
    if (value === null) return { hit: false, value, replyAtMs, refresh: false };
    const expiresAtMs = replyAtMs + o.ttlMs;
    this.cache.set(key, { value, storedAtMs: replyAtMs, expiresAtMs, dirty: false });
    return { hit: false, value, replyAtMs, refresh: false, expiresAtMs };
  }

  private read(key: string): void {
    const start = this.now;
    const last = this.acked.get(key);
    const { hit, value, replyAtMs: reply, refresh, expiresAtMs } = this.fetch(key, start);
    const stale = last !== undefined && value !== last.value;
    const missCause = hit ? undefined : (this.removed.get(key) ?? "cold");
    if (!hit && value !== null) this.removed.delete(key);
    this.trace.record({
      atMs: r2(start),
      actor: "client",
      kind: "read",
      key,
      hit,
      value,
      ...(last ? { acked: last } : {}),
      stale,
      ...(refresh ? { refresh } : {}),
      replyAtMs: r2(reply),
      ...(missCause ? { missCause } : {}),
      ...(expiresAtMs !== undefined ? { expiresAtMs: r2(expiresAtMs) } : {}),
    });
    this.readLatencies.push(reply - start);
    this.now = reply;
  }

  /** Where the write goes under the scenario, and when the client is told it is done. */
  private store(key: string, value: string, start: number): { via: WriteEvent["via"]; ack: number; invalidated?: string | null } {
    const { o } = this;
    if (this.sc === "write-back") {
      const ack = start + o.cacheLatencyMs;
      this.cache.set(key, { value, storedAtMs: ack, expiresAtMs: Infinity, dirty: true });
      this.removed.delete(key);
      return { via: "cache", ack };
    }
    this.db.set(key, value);
    this.dbWrites++;
    if (this.sc === "write-through") {
      const ack = start + o.cacheLatencyMs + o.dbLatencyMs;
      this.cache.set(key, { value, storedAtMs: ack, expiresAtMs: ack + o.ttlMs, dirty: false });
      this.removed.delete(key);
      return { via: "cache+database", ack };
    }
    if (this.sc !== "write-around" || !o.invalidateOnWrite) return { via: "database", ack: start + o.dbLatencyMs };
    const invalidated = this.cache.get(key)?.value ?? null;
    this.cache.delete(key);
    if (invalidated !== null) this.removed.set(key, "invalidated");
    return { via: "database", ack: start + o.dbLatencyMs + o.cacheLatencyMs, invalidated };
  }

  private write(key: string, value: string): void {
    const start = this.now;
    const { via, ack, invalidated } = this.store(key, value, start);
    const removed = invalidated !== undefined ? { invalidated } : {};
    const ev = this.trace.record({ atMs: r2(start), actor: "client", kind: "write", key, value, via, ackAtMs: r2(ack), ...removed });
    this.acked.set(key, { value, seq: ev.seq });
    if (this.sc === "write-back") this.dirtyLog.push(ev.seq);
    this.writeLatencies.push(ack - start);
    this.now = ack;
  }
}

export function runPatterns(o: Resolved): PatternResult {
  return new PatternRun(o).run();
}
