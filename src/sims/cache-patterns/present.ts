// Pictures of a caching run. Write patterns: the client, cache and database step by step, capped
// at maxDiagramEvents with the rest counted. Load scenarios: the events around the moment the
// findings are about, for the first strategy; the database load over time (one line per
// strategy, with the capacity); and a table per strategy.
import type { Verdict } from "../../core/verdict";
import type { ChartSpec, DiagramSpec, TableSpec } from "../../protocol/output";
import { SequenceDiagram } from "../../present/mermaid";
import { count, percent, round } from "../../present/prose";
import type { Presentation } from "../types";
import { stepNo, type CachePatternsResult } from "./model";
import type { LoadResult } from "./model/load";
import type { LoadRun } from "./model/load-report";
import type { GetEvent, LoadEvent } from "./model/load-trace";
import type { PatternEvent, PatternResult, ReadEvent, WriteEvent } from "./model/patterns";
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

// ------------------------------------------------------------------ diagrams, tables, charts

function highlighted(verdict: Verdict): Set<number> {
  return new Set(verdict.findings.flatMap((f) => f.events ?? []));
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
}

function diagram<E extends { readonly seq: number }>(s: Sequence<E>): DiagramSpec {
  const d = new SequenceDiagram({ maxLines: 10_000 });
  for (const [p, shape] of s.participants) d.participant(p, shape);
  const span: [string, string] = [s.participants[0]![0], s.participants[s.participants.length - 1]![0]];
  d.note(span, s.caption);
  const shown = s.events.slice(0, s.max);
  for (const e of shown) s.draw(d, e, s.highlight.has(e.seq));
  const omitted = s.events.length - shown.length + s.extraOmitted;
  if (omitted > 0) d.note(span, `${count(omitted, "more event")} not shown`);
  return { id: s.id, title: s.title, mermaid: d.render().text, ...(omitted > 0 ? { omittedEvents: omitted } : {}) };
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

function presentPatterns(r: PatternResult, verdict: Verdict, max: number): Presentation {
  const reads = r.events.filter((e): e is ReadEvent => e.kind === "read");
  const participants: [string, "actor" | "participant"][] = [["client", "actor"], ["cache", "participant"], ["database", "participant"]];
  const sequence = diagram({
    id: "sequence", title: "Client, cache and database, step by step", events: r.events, extraOmitted: 0, max, participants,
    draw: patternArrows, highlight: highlighted(verdict), caption: `${r.scenario}, ${r.events.length} steps`,
  });
  return {
    title: `${r.scenario}: ${verdict.valid === true ? "no write lost, no stale read" : verdict.summary.replace(`${r.scenario}: `, "").replace(/\.$/, "")}`,
    diagrams: [sequence],
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
  const capacity = { name: "capacity", points: [{ x: 0, y: o.dbCapacity }, { x: Math.round((buckets * o.bucketMs) / 10) / 100, y: o.dbCapacity }] };
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
      "strategy", "requests", "DB queries", "peak DB load (q/s)", "largest herd", "misses", "stale served",
      ...(pen ? ["missing-id requests", "reaching the DB", "answered by filter"] : []), "p50 ms", "p99 ms", "max ms",
    ],
    rows: r.runs.map((run) => [
      run.strategy, run.requests, run.dbQueries, Math.round(run.peakDbLoad), run.largestHerd?.size ?? 0, run.misses, run.staleServed,
      ...(pen ? [run.absentRequests, run.absentDbQueries, run.filtered] : []), run.p50LatencyMs, run.p99LatencyMs, run.maxLatencyMs,
    ]),
  };
  const bloom = r.runs.find((run) => run.bloom)?.bloom;
  if (!bloom) return [table];
  return [table, {
    id: "bloom",
    title: "Bloom filter: measured against theory",
    columns: ["bits (m)", "hashes (k)", "ids (n)", "bits set", "false positives, theory", "measured", "probes", "false negatives"],
    rows: [[bloom.m, bloom.k, bloom.n, percent(bloom.fill), percent(bloom.theory, 3), percent(bloom.measured, 3), bloom.probes, bloom.falseNegatives]],
  }];
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
  const participants: [string, "actor" | "participant"][] = [["clients", "actor"], ["cache", "participant"], ["database", "participant"]];
  const sequence = diagram({
    id: "sequence",
    title: `${main.strategy}: clients, cache and database${focused ? " where the findings start" : " around the first database query"}`,
    events: main.trace, extraOmitted: main.totalEvents - main.trace.length, max: o.maxDiagramEvents, participants,
    draw: loadArrows, highlight: highlighted(verdict), caption: `${main.strategy}: ${from} (${r.arrivals} requests in all)`,
  });
  return {
    title: `${o.scenario}: ${r.runs.map((run) => run.strategy).join(" vs ")}, ${r.arrivals} requests over ${o.durationMs / 1000} s`,
    diagrams: [sequence],
    charts: [loadChart(r, o)],
    tables: loadTables(r, o),
    metrics: loadMetrics(r, o),
  };
}

export function present(result: CachePatternsResult, verdict: Verdict, o: Resolved): Presentation {
  return result.mode === "run" ? presentPatterns(result, verdict, o.maxDiagramEvents) : presentLoad(result, verdict, o);
}
