// Write and read patterns, one client following an explicit list of operations on a virtual clock.
// The cache node and the database are modelled as maps; what differs between patterns is who
// writes where, when the client is told "done", and what the cache does in the background
// (periodic flushes, refresh-ahead reloads, expiries). Background work that falls due before a
// client operation happens first, in time order.
import { TraceRecorder, type TraceEventBase } from "../../core/trace";
import type { Resolved, Scenario } from "./scenario";

interface Base extends TraceEventBase {
  readonly actor: "client" | "cache";
}

export type PatternEvent =
  | (Base & {
      readonly kind: "write";
      readonly key: string;
      readonly value: string;
      /** Where the write went before the client was told it is done. */
      readonly via: "cache" | "cache+database" | "database";
      readonly ackAtMs: number;
      /** Write-around with invalidation: the cached value the write removed (null: nothing cached). */
      readonly invalidated?: string | null;
    })
  | (Base & {
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
    })
  | (Base & { readonly kind: "refreshed"; readonly key: string; readonly value: string | null; readonly expiresAtMs: number; readonly startedAtMs: number; readonly oldExpiresAtMs?: number })
  | (Base & { readonly kind: "flush"; readonly entries: readonly (readonly [string, string])[]; readonly periodic: boolean; readonly writes: readonly number[] })
  | (Base & { readonly kind: "crash"; readonly dirty: readonly (readonly [string, string])[]; readonly lostWrites: readonly number[]; readonly cached: number })
  | (Base & { readonly kind: "expire"; readonly key: string; readonly value: string })
  | (Base & { readonly kind: "wait"; readonly ms: number });

export type MissCause = "cold" | "expired" | "crash" | "invalidated";

interface Entry {
  value: string;
  storedAtMs: number;
  expiresAtMs: number;
  dirty: boolean;
}

export interface PatternResult {
  readonly mode: "explicit";
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

const r2 = (x: number) => Math.round(x * 100) / 100;

export function runPatterns(o: Resolved): PatternResult {
  const sc = o.scenario;
  const trace = new TraceRecorder<PatternEvent>();
  const db = new Map<string, string>();
  const cache = new Map<string, Entry>();
  const acked = new Map<string, { value: string; seq: number }>();
  let dirtyLog: number[] = [];
  const lostWrites: number[] = [];
  const refreshes: { key: string; startedAtMs: number; doneAtMs: number }[] = [];
  const removed = new Map<string, MissCause>();
  const writeLatencies: number[] = [];
  const readLatencies: number[] = [];
  let dbReads = 0;
  let dbWrites = 0;
  let nextFlush = sc === "write-back" && o.flushIntervalMs > 0 ? o.flushIntervalMs : Infinity;
  let now = 0;

  const flush = (at: number, periodic: boolean) => {
    const dirty = [...cache.entries()].filter(([, e]) => e.dirty).sort(([a], [b]) => (a < b ? -1 : 1));
    if (periodic && dirty.length === 0) return;
    for (const [k, e] of dirty) {
      db.set(k, e.value);
      e.dirty = false;
      e.expiresAtMs = at + o.ttlMs;
    }
    if (dirty.length) dbWrites++;
    trace.record({ atMs: r2(at), actor: "cache", kind: "flush", entries: dirty.map(([k, e]) => [k, e.value] as const), periodic, writes: dirtyLog });
    dirtyLog = [];
  };

  /** Run the background work due at or before `to`, earliest first. */
  const advance = (to: number) => {
    for (;;) {
      let at = Infinity;
      let what: "flush" | "refresh" | "expire" | undefined;
      let expKey: string | undefined;
      if (nextFlush <= to) [at, what] = [nextFlush, "flush"];
      for (const r of refreshes) if (r.doneAtMs <= to && r.doneAtMs < at) [at, what] = [r.doneAtMs, "refresh"];
      for (const [k, e] of cache) if (!e.dirty && e.expiresAtMs <= to && e.expiresAtMs < at) [at, what, expKey] = [e.expiresAtMs, "expire", k];
      if (!what) return;
      if (what === "flush") {
        flush(at, true);
        nextFlush += o.flushIntervalMs;
      } else if (what === "refresh") {
        const i = refreshes.findIndex((r) => r.doneAtMs === at);
        const r = refreshes.splice(i, 1)[0]!;
        const value = db.get(r.key) ?? null;
        const old = cache.get(r.key);
        if (value !== null) cache.set(r.key, { value, storedAtMs: at, expiresAtMs: at + o.ttlMs, dirty: false });
        trace.record({ atMs: r2(at), actor: "cache", kind: "refreshed", key: r.key, value, expiresAtMs: r2(at + o.ttlMs), startedAtMs: r2(r.startedAtMs), ...(old ? { oldExpiresAtMs: r2(old.expiresAtMs) } : {}) });
      } else {
        const e = cache.get(expKey!)!;
        cache.delete(expKey!);
        removed.set(expKey!, "expired");
        trace.record({ atMs: r2(at), actor: "cache", kind: "expire", key: expKey!, value: e.value });
      }
    }
  };

  const read = (key: string) => {
    const start = now;
    const e = cache.get(key);
    const last = acked.get(key);
    let value: string | null;
    let hit = false;
    let refresh = false;
    let expiresAtMs: number | undefined;
    let reply: number;
    if (e) {
      hit = true;
      value = e.value;
      reply = start + o.cacheLatencyMs;
      if (sc === "refresh-ahead" && start - e.storedAtMs >= o.refreshAheadFactor * o.ttlMs && !refreshes.some((r) => r.key === key)) {
        refresh = true;
        dbReads++;
        refreshes.push({ key, startedAtMs: start, doneAtMs: start + o.cacheLatencyMs / 2 + o.dbLatencyMs });
      }
    } else {
      // Every pattern here reads through: the cache loads the row itself on a miss.
      dbReads++;
      value = db.get(key) ?? null;
      reply = start + o.cacheLatencyMs + o.dbLatencyMs;
      if (value !== null) {
        expiresAtMs = reply + o.ttlMs;
        cache.set(key, { value, storedAtMs: reply, expiresAtMs, dirty: false });
      }
    }
    const stale = last !== undefined && value !== last.value;
    const missCause = hit ? undefined : removed.get(key) ?? "cold";
    if (!hit && value !== null) removed.delete(key);
    trace.record({ atMs: r2(start), actor: "client", kind: "read", key, hit, value, ...(last ? { acked: last } : {}), stale, ...(refresh ? { refresh } : {}), replyAtMs: r2(reply), ...(missCause ? { missCause } : {}), ...(expiresAtMs !== undefined ? { expiresAtMs: r2(expiresAtMs) } : {}) });
    readLatencies.push(reply - start);
    now = reply;
  };

  const write = (key: string, value: string) => {
    const start = now;
    let ack: number;
    let via: "cache" | "cache+database" | "database";
    let invalidated: string | null | undefined;
    if (sc === "write-back") {
      via = "cache";
      ack = start + o.cacheLatencyMs;
      cache.set(key, { value, storedAtMs: ack, expiresAtMs: Infinity, dirty: true });
      removed.delete(key);
    } else if (sc === "write-through") {
      via = "cache+database";
      ack = start + o.cacheLatencyMs + o.dbLatencyMs;
      db.set(key, value);
      dbWrites++;
      cache.set(key, { value, storedAtMs: ack, expiresAtMs: ack + o.ttlMs, dirty: false });
      removed.delete(key);
    } else {
      via = "database";
      ack = start + o.dbLatencyMs;
      db.set(key, value);
      dbWrites++;
      if (sc === "write-around" && o.invalidateOnWrite) {
        invalidated = cache.get(key)?.value ?? null;
        cache.delete(key);
        if (invalidated !== null) removed.set(key, "invalidated");
        ack += o.cacheLatencyMs;
      }
    }
    const ev = trace.record({ atMs: r2(start), actor: "client", kind: "write", key, value, via, ackAtMs: r2(ack), ...(invalidated !== undefined ? { invalidated } : {}) });
    acked.set(key, { value, seq: ev.seq });
    if (sc === "write-back") dirtyLog.push(ev.seq);
    writeLatencies.push(ack - start);
    now = ack;
  };

  for (const op of o.ops) {
    if (op.op === "wait") {
      trace.record({ atMs: r2(now), actor: "client", kind: "wait", ms: op.ms });
      now += op.ms;
      advance(now);
      continue;
    }
    advance(now);
    if (op.op === "read") read(op.key);
    else if (op.op === "write") write(op.key, op.value);
    else if (op.op === "flush") {
      if (sc === "write-back") flush(now, false);
      else trace.record({ atMs: r2(now), actor: "cache", kind: "flush", entries: [], periodic: false, writes: [] });
      now += sc === "write-back" ? o.dbLatencyMs : 0;
    } else {
      const dirty = [...cache.entries()].filter(([, e]) => e.dirty).map(([k, e]) => [k, e.value] as const);
      trace.record({ atMs: r2(now), actor: "cache", kind: "crash", dirty, lostWrites: dirtyLog, cached: cache.size });
      lostWrites.push(...dirtyLog);
      dirtyLog = [];
      for (const k of cache.keys()) removed.set(k, "crash");
      cache.clear();
      refreshes.length = 0;
    }
  }
  return {
    mode: "explicit",
    scenario: sc,
    events: trace.toArray(),
    database: db,
    cache: new Map([...cache].map(([k, e]) => [k, { value: e.value, dirty: e.dirty, expiresAtMs: e.expiresAtMs }])),
    lostWrites,
    endMs: r2(now),
    dbReads,
    dbWrites,
    writeLatencies,
    readLatencies,
  };
}
