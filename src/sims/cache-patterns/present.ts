// Pictures of a caching run. Write patterns: the client, cache and database step by step, capped
// at maxDiagramEvents with the rest counted. Load scenarios: the events around the moment the
// findings are about, for the first strategy; the database load over time (one line per
// strategy, with the capacity); and a table per strategy.
import type { Verdict } from "../../core/verdict";
import type { Cell, ChartSpec, DiagramSpec, StateTable, TableSpec, Timeline } from "../../protocol/output";
import { SequenceDiagram } from "../../present/mermaid";
import { TimelineRecorder } from "../../present/timeline";
import { count, percent, round } from "../../present/prose";
import type { Presentation } from "../types";
import { stepNo, type CachePatternsResult } from "./model";
import type { LoadResult } from "./model/load";
import type { LoadRun } from "./model/load-report";
import { databaseWorkers } from "./model/load-run";
import type { GetEvent, LoadEvent } from "./model/load-trace";
import type { PatternEvent, PatternResult, ReadEvent, WriteEvent } from "./model/patterns";
import { r2 } from "./model/time";
import type { Resolved } from "./scenario";

const t = (x: number) => `t=${round(x, 1)}`;
const val = (v: string | null) => (v === null ? "not found" : v);
const pairs = (kv: readonly (readonly [string, string])[]) => kv.map(([k, v]) => `${k}=${v}`).join(", ");

// ------------------------------------------------------------------ write and read patterns

function writeArrows(d: SequenceDiagram, e: WriteEvent, n: string, hl: boolean): void {
  const label = `${n} write ${e.key}=${e.value} (${t(e.atMs)})`;
  if (e.via === "cache") {
    d.message("client", "cache", label, "call", hl);
    d.message("cache", "client", `ack at ${t(e.ackAtMs)}: dirty, not in the database yet`, "reply", hl);
  } else if (e.via === "cache+database") {
    d.message("client", "cache", label, "call", hl);
    d.message("cache", "database", `write ${e.key}=${e.value}`, "call", hl);
    d.message("database", "cache", "committed", "reply", hl);
    d.message("cache", "client", `ack at ${t(e.ackAtMs)}`, "reply", hl);
  } else {
    d.message("client", "database", label, "call", hl);
    d.message("database", "client", "committed", "reply", hl);
    if (e.invalidated !== undefined) {
      d.message("client", "cache", `delete ${e.key}`, "call", hl);
      d.message("cache", "client", e.invalidated === null ? "nothing cached" : `removed ${e.invalidated}`, "reply", hl);
    }
  }
}

function readArrows(d: SequenceDiagram, e: ReadEvent, n: string, hl: boolean): void {
  const stale = e.stale ? ` (stale: ${e.acked!.value} was acknowledged)` : "";
  const kind = e.stale ? "fault" : "reply";
  d.message("client", "cache", `${n} read ${e.key} (${t(e.atMs)})`, "call", hl);
  if (e.hit) {
    if (e.refresh) d.message("cache", "database", `reload ${e.key} in the background (past the refresh point)`, "async", hl);
    d.message("cache", "client", `hit ${val(e.value)}${stale}`, kind, hl);
    return;
  }
  d.message("cache", "database", `miss: load ${e.key}`, "call", hl);
  d.message("database", "cache", val(e.value), "reply", hl);
  d.message("cache", "client", `${val(e.value)}${e.expiresAtMs !== undefined ? `, cached until ${t(e.expiresAtMs)}` : ""}${stale}`, kind, hl);
}

function patternArrows(d: SequenceDiagram, e: PatternEvent, hl: boolean): void {
  const n = `${stepNo(e)}.`;
  switch (e.kind) {
    case "write":
      return writeArrows(d, e, n, hl);
    case "read":
      return readArrows(d, e, n, hl);
    case "refreshed": {
      const instead = e.oldExpiresAtMs !== undefined ? ` instead of ${t(e.oldExpiresAtMs)}` : "";
      d.message("database", "cache", `${n} ${e.key}=${val(e.value)} reloaded at ${t(e.atMs)}, now expires ${t(e.expiresAtMs)}${instead}`, "reply", hl);
      break;
    }
    case "flush":
      if (e.entries.length) d.message("cache", "database", `${n} ${e.periodic ? "periodic flush" : "flush"} at ${t(e.atMs)}: ${pairs(e.entries)}`, "call", hl);
      else d.note("cache", `${n} flush: nothing dirty`, hl);
      break;
    case "crash": {
      const lost = e.dirty.length ? `: dirty ${pairs(e.dirty)} lost` : ", nothing dirty";
      d.note(["cache", "database"], `${n} the cache node crashes at ${t(e.atMs)} and restarts empty${lost}`, hl || e.dirty.length > 0);
      break;
    }
    case "expire":
      d.note("cache", `${n} ${e.key}=${e.value} expires at ${t(e.atMs)}`, hl);
      break;
    case "wait":
      d.note("client", `${n} wait ${e.ms} ms`, hl);
      break;
  }
}

/** A pattern event in words, for the timeline. */
function patternText(e: PatternEvent): string {
  switch (e.kind) {
    case "write": {
      if (e.via === "cache") return `write ${e.key}=${e.value}: acknowledged at ${t(e.ackAtMs)}, dirty in the cache only`;
      if (e.via === "cache+database") return `write ${e.key}=${e.value}: through the cache to the database, acknowledged at ${t(e.ackAtMs)}`;
      const removed = e.invalidated === undefined ? "" : e.invalidated === null ? ", nothing cached to delete" : `, cached ${e.invalidated} deleted`;
      return `write ${e.key}=${e.value}: to the database only${removed}, acknowledged at ${t(e.ackAtMs)}`;
    }
    case "read": {
      const stale = e.stale ? ` (stale: ${e.acked!.value} was acknowledged)` : "";
      if (e.hit) return `read ${e.key}: hit ${val(e.value)}${e.refresh ? ", past the refresh point: reload started" : ""}${stale}`;
      const cached = e.expiresAtMs !== undefined ? `, cached until ${t(e.expiresAtMs)}` : "";
      const loaded = e.value === null ? "the database has nothing" : `loaded ${e.value} from the database`;
      return `read ${e.key}: miss (${e.missCause ?? "cold"}), ${loaded}${cached}${stale}`;
    }
    case "refreshed":
      return `${e.key}=${val(e.value)} reloaded, now expires at ${t(e.expiresAtMs)}`;
    case "flush":
      return e.entries.length ? `${e.periodic ? "periodic flush" : "flush"}: ${pairs(e.entries)} written to the database` : "flush: nothing dirty";
    case "crash":
      return `the cache node crashes and restarts empty${e.dirty.length ? `: dirty ${pairs(e.dirty)} lost` : ", nothing dirty"}`;
    case "expire":
      return `${e.key}=${e.value} expires`;
    case "wait":
      return `wait ${e.ms} ms`;
  }
}

/** Every actor's state in a pattern run, folded from its trace: what the timeline's tables show. */
class PatternState {
  private readonly cache = new Map<string, { value: string; expiresAtMs: number; dirty: boolean }>();
  private readonly db = new Map<string, string>();
  private readonly acked = new Map<string, string>();
  /** Write-back: acknowledged writes not flushed yet. */
  private pending: [number, string, string][] = [];
  private readonly reloads = new Map<string, { startedAtMs: number; doneAtMs: number }>();
  private nextFlush: Cell = null;
  /** The tables an event may have changed since they were last asked for (only those are built again). */
  private readonly touched = new Set<string>();

  constructor(private readonly o: Resolved) {
    this.flushAt(0);
  }

  private flushAt(now: number): void {
    const iv = this.o.flushIntervalMs;
    const next = iv > 0 ? (Math.floor(now / iv) + 1) * iv : "none: only on flush";
    if (next !== this.nextFlush) this.touched.add("flush");
    this.nextFlush = next;
  }

  apply(e: PatternEvent): void {
    const t = this.touched;
    if (this.o.scenario === "write-back") this.flushAt(e.atMs);
    switch (e.kind) {
      case "write":
        this.acked.set(e.key, e.value);
        t.add("acked");
        if (e.via === "cache") {
          this.cache.set(e.key, { value: e.value, expiresAtMs: Infinity, dirty: true });
          this.pending.push([stepNo(e), e.key, e.value]);
          t.add("cache");
          t.add("pending");
          break;
        }
        this.db.set(e.key, e.value);
        t.add("db");
        if (e.via === "cache+database") this.cache.set(e.key, { value: e.value, expiresAtMs: r2(e.ackAtMs + this.o.ttlMs), dirty: false });
        else if (e.invalidated !== undefined) this.cache.delete(e.key);
        t.add("cache");
        break;
      case "read":
        if (e.refresh) {
          this.reloads.set(e.key, { startedAtMs: e.atMs, doneAtMs: r2(e.atMs + this.o.cacheLatencyMs / 2 + this.o.dbLatencyMs) });
          t.add("reloads");
        }
        if (!e.hit && e.value !== null && e.expiresAtMs !== undefined) {
          this.cache.set(e.key, { value: e.value, expiresAtMs: e.expiresAtMs, dirty: false });
          t.add("cache");
        }
        break;
      case "refreshed":
        this.reloads.delete(e.key);
        if (e.value !== null) this.cache.set(e.key, { value: e.value, expiresAtMs: e.expiresAtMs, dirty: false });
        t.add("reloads");
        t.add("cache");
        break;
      case "flush":
        for (const [k, v] of e.entries) {
          this.db.set(k, v);
          this.cache.set(k, { value: v, expiresAtMs: r2(e.atMs + this.o.ttlMs), dirty: false });
        }
        if (e.entries.length) this.pending = [];
        t.add("db");
        t.add("cache");
        t.add("pending");
        break;
      case "crash":
        this.cache.clear();
        this.reloads.clear();
        this.pending = [];
        t.add("cache");
        t.add("reloads");
        t.add("pending");
        break;
      case "expire":
        this.cache.delete(e.key);
        t.add("cache");
        break;
      case "wait":
        // Background work that falls due during the wait is the steps that follow.
        break;
    }
  }

  private table(name: string): StateTable | undefined {
    const sorted = (m: ReadonlyMap<string, unknown>) => {
      const keys = [...m.keys()];
      return keys.length > 1 ? keys.sort() : keys;
    };
    switch (name) {
      case "cache":
        return {
          name: "cache",
          columns: ["key", "value", "expires at (ms)", "dirty"],
          rows: sorted(this.cache).map((k) => {
            const c = this.cache.get(k)!;
            return [k, c.value, c.dirty ? "never while dirty" : c.expiresAtMs, c.dirty ? "yes: not in the database" : "no"];
          }),
        };
      case "db":
        return { name: "database", columns: ["key", "value"], rows: sorted(this.db).map((k) => [k, this.db.get(k)!]) };
      case "acked":
        return { name: "acknowledged to the client", columns: ["key", "last write"], rows: sorted(this.acked).map((k) => [k, this.acked.get(k)!]) };
      case "pending":
        if (this.o.scenario !== "write-back") return undefined;
        return {
          name: "write-back: dirty writes waiting for a flush",
          columns: ["write (step)", "key", "value"],
          rows: this.pending.map(([n, k, v]) => [n, k, v]),
        };
      case "flush":
        return this.o.scenario === "write-back" ? { name: "write-back: the next periodic flush", columns: ["at (ms)"], rows: [[this.nextFlush]] } : undefined;
      case "reloads":
        if (this.o.scenario !== "refresh-ahead") return undefined;
        return {
          name: "reloads in flight",
          columns: ["key", "started at (ms)", "returns at (ms)"],
          rows: sorted(this.reloads).map((k) => [k, this.reloads.get(k)!.startedAtMs, this.reloads.get(k)!.doneAtMs]),
        };
    }
    return undefined;
  }

  /** Every table, as the timeline starts. */
  all(): StateTable[] {
    this.touched.clear();
    return ["cache", "db", "acked", "pending", "flush", "reloads"].flatMap((n) => this.table(n) ?? []);
  }

  /** The tables the events since the last call may have changed. */
  changed(): StateTable[] {
    const out: StateTable[] = [];
    for (const n of this.touched) {
      const t = this.table(n);
      if (t) out.push(t);
    }
    this.touched.clear();
    return out;
  }
}

// ------------------------------------------------------------------ load scenarios

const SAID: Record<GetEvent["result"], string> = {
  hit: "hit",
  miss: "miss",
  stale: "expired, lock taken: stale copy",
  "not-found": "cached not-found",
  early: "hit, but XFetch draws an early recompute",
  refresh: "hit, past the refresh point: reload in the background",
};

function loadArrows(d: SequenceDiagram, e: LoadEvent, hl: boolean): void {
  const n = `${stepNo(e)}.`;
  switch (e.kind) {
    case "get": {
      const who = `c${e.req}${e.retry ? ` retry ${e.retry}` : ""}`;
      d.message("clients", "cache", `${n} ${who}: get ${e.key} (${t(e.atMs)}) → ${SAID[e.result]}`, "call", hl);
      break;
    }
    case "filtered":
      d.note("clients", `${n} c${e.req}: Bloom filter says ${e.key} ${e.passed ? "may exist (a false positive)" : "does not exist"}`, hl);
      break;
    case "coalesced":
      d.note("clients", `${n} c${e.req} waits for the load of ${e.key} already in flight on server ${e.server + 1}`, hl);
      break;
    case "lock":
      d.message("clients", "cache", `${n} c${e.req}: SET lock:${e.key} NX`, "call", hl);
      d.message("cache", "clients", e.acquired ? "OK: this client reloads" : "taken: sleep and retry", e.acquired ? "reply" : "fault", hl);
      break;
    case "query": {
      const queued = e.startMs > e.atMs ? ` (queued ${round(e.startMs - e.atMs, 1)} ms)` : "";
      const who = e.req === null ? "refresh" : `c${e.req}`;
      const label = `${n} ${who}: query ${e.key} at ${t(e.atMs)}, answered ${t(e.doneMs)}${queued}${e.found ? "" : ": not found"}`;
      d.message(e.req === null ? "cache" : "clients", "database", label, "call", hl);
      break;
    }
    case "set":
      d.message("database", "cache", `${n} set ${e.key}${e.negative ? " = not found" : ""} at ${t(e.atMs)}, expires ${t(e.expiresAtMs)}`, "reply", hl);
      break;
    case "expire":
      d.note("cache", `${n} ${e.key}${e.negative ? " (not found)" : ""} expired at ${t(e.atMs)}`, hl);
      break;
    case "reply":
      // Hits and cached not-founds are said by their get.
      if (e.how === "hit" || e.how === "cached not-found") break;
      d.message("cache", "clients", `${n} c${e.req} gets ${e.key} after ${e.latencyMs} ms (${e.how})`, "reply", hl);
      break;
  }
}

/** A load event in words, for the timeline. */
function loadText(e: LoadEvent): string {
  switch (e.kind) {
    case "get":
      return `c${e.req}${e.retry ? ` (retry ${e.retry})` : ""}: get ${e.key} → ${SAID[e.result]}`;
    case "filtered":
      return `c${e.req}: the Bloom filter says ${e.key} ${e.passed ? "may exist (a false positive)" : "does not exist"}`;
    case "coalesced":
      return `c${e.req} waits for the load of ${e.key} already in flight on server ${e.server + 1}`;
    case "lock":
      return `c${e.req}: SET lock:${e.key} NX → ${e.acquired ? "OK: this client reloads" : "taken: sleep and retry"}`;
    case "query": {
      const queued = e.startMs > e.atMs ? `, queued ${round(e.startMs - e.atMs, 1)} ms` : "";
      return `${e.req === null ? "refresh" : `c${e.req}`}: query ${e.key}, answered at ${t(e.doneMs)}${queued}${e.found ? "" : ": not found"}`;
    }
    case "set":
      return `set ${e.key}${e.negative ? " = not found" : ""}, expires at ${t(e.expiresAtMs)}`;
    case "expire":
      return `${e.key}${e.negative ? " (not found)" : ""} expired at ${t(e.atMs)}`;
    case "reply":
      return `c${e.req} gets ${e.key} after ${e.latencyMs} ms (${e.how})`;
  }
}

/** Which participant of the diagram acts in a load event (clients are many; the diagram draws them as one). */
function loadActor(e: LoadEvent): string {
  if (e.kind === "query") return "database";
  return e.kind === "set" || e.kind === "expire" || e.kind === "reply" ? "cache" : "clients";
}

/** Rows a load timeline's tables keep at most. */
const LOAD_ROWS = 8;

/**
 * Every actor's state in the window a load run's trace keeps, folded from it: the keys the window
 * touches (what came before it is not traced, so a key is known from its first event on), the
 * database's queries in flight and queued, the locks held and the clients waiting.
 */
class LoadState {
  private readonly keys = new Map<string, { state: string; expiresAtMs: number | null }>();
  private readonly queries: { who: string; key: string; atMs: number; startMs: number; doneMs: number }[] = [];
  private readonly locks = new Map<string, { holder: string; untilMs: number }>();
  private readonly waiting = new Map<number, { key: string; why: string }>();
  private readonly seen = { gets: 0, hits: 0, misses: 0, queries: 0 };
  private now = -Infinity;

  constructor(
    private readonly o: Resolved,
    private readonly strategy: string,
  ) {}

  private touch(key: string, state: string, expiresAtMs?: number | null): void {
    const old = this.keys.get(key);
    this.keys.delete(key);
    this.keys.set(key, { state, expiresAtMs: expiresAtMs !== undefined ? expiresAtMs : (old?.expiresAtMs ?? null) });
  }

  apply(e: LoadEvent): void {
    this.now = Math.max(this.now, e.atMs);
    switch (e.kind) {
      case "get": {
        this.seen.gets++;
        this.waiting.delete(e.req);
        const cached = e.result === "hit" || e.result === "early" || e.result === "refresh";
        if (cached) this.seen.hits++;
        if (e.result === "miss") this.seen.misses++;
        const state = e.result === "stale" ? "expired, stale copy served" : e.result === "not-found" ? "cached not-found" : cached ? "cached" : "missing";
        this.touch(e.key, state);
        break;
      }
      case "coalesced":
        this.waiting.set(e.req, { key: e.key, why: `the load in flight on server ${e.server + 1}` });
        break;
      case "lock":
        if (e.acquired) this.locks.set(e.key, { holder: `c${e.req}`, untilMs: r2(e.atMs + this.o.lockTtlMs) });
        else this.waiting.set(e.req, { key: e.key, why: `a retry in ${this.o.retryMs} ms (the lock is taken)` });
        break;
      case "query":
        this.seen.queries++;
        this.queries.push({ who: e.req === null ? "refresh" : `c${e.req}`, key: e.key, atMs: e.atMs, startMs: e.startMs, doneMs: e.doneMs });
        break;
      case "set":
        this.touch(e.key, e.negative ? "cached not-found" : "cached", e.expiresAtMs);
        this.locks.delete(e.key);
        break;
      case "expire":
        this.touch(e.key, "expired", e.atMs);
        break;
      case "reply":
        this.waiting.delete(e.req);
        break;
      case "filtered":
        break;
    }
  }

  tables(): StateTable[] {
    const now = this.now;
    for (let i = this.queries.length - 1; i >= 0; i--) if (this.queries[i]!.doneMs <= now) this.queries.splice(i, 1);
    for (const [k, l] of this.locks) if (l.untilMs <= now) this.locks.delete(k);
    const running = this.queries.filter((q) => q.startMs <= now).length;
    const keys = [...this.keys].reverse().slice(0, LOAD_ROWS);
    const out: StateTable[] = [
      {
        name: `cache: the keys this window touches (latest first, ${LOAD_ROWS} at most)`,
        columns: ["key", "state", "expires at (ms)"],
        rows: keys.map(([k, v]) => [k, v.state, v.expiresAtMs]),
      },
      {
        name: "database",
        columns: ["queries in flight", "running", "queued", "workers"],
        rows: [[this.queries.length, running, this.queries.length - running, databaseWorkers(this.o)]],
      },
      {
        name: `database queue (oldest first, ${LOAD_ROWS} at most)`,
        columns: ["from", "key", "submitted (ms)", "starts (ms)", "answered (ms)", "now"],
        rows: this.queries.slice(0, LOAD_ROWS).map((q): Cell[] => [q.who, q.key, q.atMs, q.startMs, q.doneMs, q.startMs <= now ? "running" : "queued"]),
      },
    ];
    if (this.strategy === "lock" || this.strategy === "lock-stale") {
      out.push({ name: "locks held", columns: ["key", "holder", "expires at (ms)"], rows: [...this.locks].map(([k, l]) => [k, l.holder, l.untilMs]) });
    }
    if (this.strategy === "single-flight" || this.strategy === "lock" || this.strategy === "lock-stale") {
      const rows = [...this.waiting].slice(0, LOAD_ROWS).map(([req, w]): Cell[] => [`c${req}`, w.key, w.why]);
      out.push({ name: `clients waiting (${LOAD_ROWS} at most)`, columns: ["client", "key", "waiting for"], rows });
    }
    out.push({
      name: "this window so far",
      columns: ["gets", "hits", "misses", "database queries"],
      rows: [[this.seen.gets, this.seen.hits, this.seen.misses, this.seen.queries]],
    });
    return out;
  }
}

// ------------------------------------------------------------------ diagrams, tables, charts

function highlighted(verdict: Verdict): Set<number> {
  return new Set(verdict.findings.flatMap((f) => f.events ?? []));
}

/** How a sequence's events become timeline steps: each event's actor and words, and every actor's tables after it. */
interface Stepper<E> {
  readonly actor: (e: E) => string;
  readonly text: (e: E) => string;
  readonly apply: (e: E) => void;
  /** Every table, before the first event. */
  readonly initial: () => StateTable[];
  /** The tables the last event may have changed (the recorder keeps those that did). */
  readonly changed: () => StateTable[];
}

interface Sequence<E> {
  readonly id: string;
  readonly title: string;
  readonly events: readonly E[];
  /** Events of the run not in `events`, counted with those cut by `max`. */
  readonly extraOmitted: number;
  readonly max: number;
  readonly participants: readonly [string, "actor" | "participant"][];
  readonly draw: (d: SequenceDiagram, e: E, hl: boolean) => void;
  readonly highlight: ReadonlySet<number>;
  readonly caption: string;
  readonly steps: Stepper<E>;
}

/** The events as a sequence diagram and, one step per drawn event, a timeline (events past `max` are neither). */
function diagram<E extends { readonly seq: number; readonly atMs: number }>(s: Sequence<E>): { spec: DiagramSpec; timeline: Timeline } {
  const d = new SequenceDiagram({ maxLines: 10_000 });
  for (const [p, shape] of s.participants) d.participant(p, shape);
  const span: [string, string] = [s.participants[0]![0], s.participants[s.participants.length - 1]![0]];
  d.note(span, s.caption);
  const shown = s.events.slice(0, s.max);
  const rec = new TimelineRecorder(d, s.id, s.steps.initial());
  for (const e of shown) {
    s.steps.apply(e);
    rec.step({ atMs: e.atMs, actor: s.steps.actor(e), text: s.steps.text(e), seq: e.seq }, () => s.draw(d, e, s.highlight.has(e.seq)), s.steps.changed());
  }
  const omitted = s.events.length - shown.length + s.extraOmitted;
  if (omitted > 0) d.note(span, `${count(omitted, "more event")} not shown`);
  const { text, kinds } = d.render();
  return { spec: { id: s.id, title: s.title, mermaid: text, lineKinds: kinds, ...(omitted > 0 ? { omittedEvents: omitted } : {}) }, timeline: rec.build() };
}

function finalState(r: PatternResult): TableSpec {
  const keys = [...new Set([...r.database.keys(), ...r.cache.keys(), ...r.events.flatMap((e) => ("key" in e ? [e.key] : []))])].sort();
  return {
    id: "final-state",
    title: "After the last operation",
    columns: ["key", "database", "cache", "note"],
    rows: keys.map((k) => {
      const c = r.cache.get(k);
      const note = c ? (c.dirty ? "dirty: not in the database yet" : `expires at t=${c.expiresAtMs} ms`) : "not cached";
      return [k, r.database.get(k) ?? null, c ? c.value : null, note];
    }),
  };
}

const mean = (xs: readonly number[]) => (xs.length ? round(xs.reduce((s, x) => s + x, 0) / xs.length, 2) : 0);

function presentPatterns(r: PatternResult, verdict: Verdict, o: Resolved): Presentation {
  const reads = r.events.filter((e): e is ReadEvent => e.kind === "read");
  const participants: [string, "actor" | "participant"][] = [
    ["client", "actor"],
    ["cache", "participant"],
    ["database", "participant"],
  ];
  const state = new PatternState(o);
  const sequence = diagram({
    id: "sequence",
    title: "Client, cache and database, step by step",
    events: r.events,
    extraOmitted: 0,
    max: o.maxDiagramEvents,
    participants,
    draw: patternArrows,
    highlight: highlighted(verdict),
    caption: `${r.scenario}, ${r.events.length} steps`,
    steps: { actor: (e) => e.actor, text: patternText, apply: (e) => state.apply(e), initial: () => state.all(), changed: () => state.changed() },
  });
  return {
    title: `${r.scenario}: ${verdict.valid === true ? "no write lost, no stale read" : verdict.summary.replace(`${r.scenario}: `, "").replace(/\.$/, "")}`,
    diagrams: [sequence.spec],
    timeline: sequence.timeline,
    charts: [],
    tables: [finalState(r)],
    metrics: {
      lostWrites: r.lostWrites.length,
      staleReads: reads.filter((e) => e.stale).length,
      reads: reads.length,
      hits: reads.filter((e) => e.hit).length,
      misses: reads.filter((e) => !e.hit).length,
      dbReads: r.dbReads,
      dbWrites: r.dbWrites,
      meanWriteLatencyMs: mean(r.writeLatencies),
      meanReadLatencyMs: mean(r.readLatencies),
      refreshes: r.events.filter((e) => e.kind === "refreshed").length,
    },
  };
}

/** One line per strategy: queries per second in each bucket; long runs keep each group's peak. */
function loadChart(r: LoadResult, o: Resolved): ChartSpec {
  const buckets = Math.max(...r.runs.map((run) => run.loadPerBucket.length), Math.ceil(o.durationMs / o.bucketMs));
  const group = Math.max(1, Math.ceil(buckets / 400));
  const perSecond = 1000 / o.bucketMs;
  const points = (counts: readonly number[]) => {
    const out: { x: number; y: number }[] = [];
    for (let i = 0; i < buckets; i += group) {
      let peak = 0;
      for (let j = i; j < i + group && j < buckets; j++) peak = Math.max(peak, counts[j] ?? 0);
      out.push({ x: Math.round((i * o.bucketMs) / 10) / 100, y: peak * perSecond });
    }
    return out;
  };
  const capacity = {
    name: "capacity",
    points: [
      { x: 0, y: o.dbCapacity },
      { x: Math.round((buckets * o.bucketMs) / 10) / 100, y: o.dbCapacity },
    ],
  };
  return {
    id: "db-load",
    title: `Database load (queries per second, ${o.bucketMs} ms buckets${group > 1 ? `, peak of every ${group}` : ""})`,
    kind: "line",
    x: { label: "time (s)", scale: "linear" },
    y: { label: "queries/s" },
    series: [...r.runs.map((run) => ({ name: run.strategy, points: points(run.loadPerBucket) })), capacity],
    caption:
      o.scenario === "penetration"
        ? "Requests for missing ids that get past the cache arrive at the database at a steady rate."
        : "Spikes line up with expiries; a fix that works keeps its line under the capacity.",
  };
}

function loadTables(r: LoadResult, o: Resolved): TableSpec[] {
  const pen = o.scenario === "penetration";
  const table: TableSpec = {
    id: "per-strategy",
    title: "Per strategy, on the same requests",
    summary: true,
    columns: [
      "strategy",
      "requests",
      "DB queries",
      "peak DB load (q/s)",
      "largest herd",
      "misses",
      "stale served",
      ...(pen ? ["missing-id requests", "reaching the DB", "answered by filter"] : []),
      "p50 ms",
      "p99 ms",
      "max ms",
    ],
    rows: r.runs.map((run) => [
      run.strategy,
      run.requests,
      run.dbQueries,
      Math.round(run.peakDbLoad),
      run.largestHerd?.size ?? 0,
      run.misses,
      run.staleServed,
      ...(pen ? [run.absentRequests, run.absentDbQueries, run.filtered] : []),
      run.p50LatencyMs,
      run.p99LatencyMs,
      run.maxLatencyMs,
    ]),
  };
  const bloom = r.runs.find((run) => run.bloom)?.bloom;
  if (!bloom) return [table];
  return [
    table,
    {
      id: "bloom",
      title: "Bloom filter: measured against theory",
      columns: ["bits (m)", "hashes (k)", "ids (n)", "bits set", "false positives, theory", "measured", "probes", "false negatives"],
      rows: [[bloom.m, bloom.k, bloom.n, percent(bloom.fill), percent(bloom.theory, 3), percent(bloom.measured, 3), bloom.probes, bloom.falseNegatives]],
    },
  ];
}

/** The first strategy's figures, and with a comparison each strategy's as `strategy.name`. */
function loadMetrics(r: LoadResult, o: Resolved): Record<string, number> {
  const main = r.runs[0]!;
  const pen = o.scenario === "penetration";
  const metrics: Record<string, number> = {
    requests: main.requests,
    dbQueries: main.dbQueries,
    peakDbLoad: main.peakDbLoad,
    dbCapacity: o.dbCapacity,
    largestHerd: main.largestHerd?.size ?? 0,
    herds: main.herds,
    misses: main.misses,
    staleServed: main.staleServed,
    p50LatencyMs: main.p50LatencyMs,
    p99LatencyMs: main.p99LatencyMs,
    maxLatencyMs: main.maxLatencyMs,
    ...(o.scenario === "avalanche" ? { avalancheKeys: main.avalanche?.keys ?? 0, reloadPeak: main.reloadPeak?.keys ?? 0 } : {}),
    ...(pen ? { absentRequests: main.absentRequests, absentDbQueries: main.absentDbQueries, filtered: main.filtered } : {}),
    ...(pen ? { absentRounds: main.absentRounds, maxAbsentRounds: main.maxAbsentRounds } : {}),
    ...(main.bloom ? { bloomFpTheory: round(main.bloom.theory, 6), bloomFpMeasured: main.bloom.measured, bloomFalseNegatives: main.bloom.falseNegatives } : {}),
    ...(main.strategy === "xfetch" ? { earlyRecomputes: main.earlyRecomputes } : {}),
    ...(main.strategy === "refresh-ahead" ? { refreshes: main.refreshes } : {}),
  };
  if (r.runs.length > 1) for (const run of r.runs) Object.assign(metrics, strategyMetrics(run, o));
  return metrics;
}

function strategyMetrics(run: LoadRun, o: Resolved): Record<string, number> {
  const s = run.strategy;
  return {
    [`${s}.dbQueries`]: run.dbQueries,
    [`${s}.peakDbLoad`]: run.peakDbLoad,
    [`${s}.largestHerd`]: run.largestHerd?.size ?? 0,
    [`${s}.p99LatencyMs`]: run.p99LatencyMs,
    ...(o.scenario === "penetration" ? { [`${s}.absentDbQueries`]: run.absentDbQueries } : {}),
    ...(o.scenario === "avalanche" ? { [`${s}.avalancheKeys`]: run.avalanche?.keys ?? 0, [`${s}.reloadPeak`]: run.reloadPeak?.keys ?? 0 } : {}),
  };
}

function presentLoad(r: LoadResult, verdict: Verdict, o: Resolved): Presentation {
  const main = r.runs[0]!;
  const first = main.trace[0];
  const focused = verdict.findings.some((f) => (f.events?.length ?? 0) > 0);
  const where = focused ? "where the highlighted findings start" : "around the first database query";
  const from = first ? `from ${t(first.atMs)} ms, ${where}` : "no database query in the run";
  const participants: [string, "actor" | "participant"][] = [
    ["clients", "actor"],
    ["cache", "participant"],
    ["database", "participant"],
  ];
  const state = new LoadState(o, main.strategy);
  const sequence = diagram({
    id: "sequence",
    title: `${main.strategy}: clients, cache and database${focused ? " where the findings start" : " around the first database query"}`,
    events: main.trace,
    extraOmitted: main.totalEvents - main.trace.length,
    max: o.maxDiagramEvents,
    participants,
    draw: loadArrows,
    highlight: highlighted(verdict),
    caption: `${main.strategy}: ${from} (${r.arrivals} requests in all)`,
    steps: { actor: loadActor, text: loadText, apply: (e) => state.apply(e), initial: () => state.tables(), changed: () => state.tables() },
  });
  return {
    title: `${o.scenario}: ${r.runs.map((run) => run.strategy).join(" vs ")}, ${r.arrivals} requests over ${o.durationMs / 1000} s`,
    diagrams: [sequence.spec],
    timeline: sequence.timeline,
    charts: [loadChart(r, o)],
    tables: loadTables(r, o),
    metrics: loadMetrics(r, o),
  };
}

export function present(result: CachePatternsResult, verdict: Verdict, o: Resolved): Presentation {
  return result.mode === "run" ? presentPatterns(result, verdict, o) : presentLoad(result, verdict, o);
}
