// Pictures of a caching run. Write patterns: the client, cache and database step by step, capped
// at maxDiagramEvents with the rest counted. Load scenarios: the events around the first database
// query of the first strategy, the database load over time (one line per strategy, with the
// capacity), and a table per strategy.
import type { Verdict } from "../../core/verdict";
import type { ChartSpec, DiagramSpec, TableSpec } from "../../protocol/output";
import { SequenceDiagram } from "../../present/mermaid";
import type { Presentation } from "../types";
import { stepNo, type CachePatternsResult } from "./check";
import type { LoadEvent, LoadResult } from "./load";
import type { PatternEvent, PatternResult } from "./patterns";

const t = (x: number) => `t=${Math.round(x * 10) / 10}`;
const val = (v: string | null) => (v === null ? "not found" : v);

function patternArrows(d: SequenceDiagram, e: PatternEvent, hl: boolean): void {
  const n = `${stepNo(e)}.`;
  switch (e.kind) {
    case "write":
      if (e.via === "cache") {
        d.message("client", "cache", `${n} write ${e.key}=${e.value} (${t(e.atMs)})`, "call", hl);
        d.message("cache", "client", `ack at ${t(e.ackAtMs)}: dirty, not in the database yet`, "reply", hl);
      } else if (e.via === "cache+database") {
        d.message("client", "cache", `${n} write ${e.key}=${e.value} (${t(e.atMs)})`, "call", hl);
        d.message("cache", "database", `write ${e.key}=${e.value}`, "call", hl);
        d.message("database", "cache", "committed", "reply", hl);
        d.message("cache", "client", `ack at ${t(e.ackAtMs)}`, "reply", hl);
      } else {
        d.message("client", "database", `${n} write ${e.key}=${e.value} (${t(e.atMs)})`, "call", hl);
        d.message("database", "client", "committed", "reply", hl);
        if (e.invalidated !== undefined) {
          d.message("client", "cache", `delete ${e.key}`, "call", hl);
          d.message("cache", "client", e.invalidated === null ? "nothing cached" : `removed ${e.invalidated}`, "reply", hl);
        }
      }
      break;
    case "read":
      d.message("client", "cache", `${n} read ${e.key} (${t(e.atMs)})`, "call", hl);
      if (e.hit) {
        if (e.refresh) d.message("cache", "database", `reload ${e.key} in the background (past the refresh point)`, "async", hl);
        d.message("cache", "client", `hit ${val(e.value)}${e.stale ? ` (stale: ${e.acked!.value} was acknowledged)` : ""}`, e.stale ? "fault" : "reply", hl);
      } else {
        d.message("cache", "database", `miss: load ${e.key}`, "call", hl);
        d.message("database", "cache", val(e.value), "reply", hl);
        d.message("cache", "client", `${val(e.value)}${e.expiresAtMs !== undefined ? `, cached until ${t(e.expiresAtMs)}` : ""}${e.stale ? ` (stale: ${e.acked!.value} was acknowledged)` : ""}`, e.stale ? "fault" : "reply", hl);
      }
      break;
    case "refreshed":
      d.message("database", "cache", `${n} ${e.key}=${val(e.value)} reloaded at ${t(e.atMs)}, now expires ${t(e.expiresAtMs)}${e.oldExpiresAtMs !== undefined ? ` instead of ${t(e.oldExpiresAtMs)}` : ""}`, "reply", hl);
      break;
    case "flush":
      if (e.entries.length) d.message("cache", "database", `${n} ${e.periodic ? "periodic flush" : "flush"} at ${t(e.atMs)}: ${e.entries.map(([k, v]) => `${k}=${v}`).join(", ")}`, "call", hl);
      else d.note("cache", `${n} flush: nothing dirty`, hl);
      break;
    case "crash":
      d.note(["cache", "database"], `${n} the cache node crashes at ${t(e.atMs)} and restarts empty${e.dirty.length ? `: dirty ${e.dirty.map(([k, v]) => `${k}=${v}`).join(", ")} lost` : ", nothing dirty"}`, hl || e.dirty.length > 0);
      break;
    case "expire":
      d.note("cache", `${n} ${e.key}=${e.value} expires at ${t(e.atMs)}`, hl);
      break;
    case "wait":
      d.note("client", `${n} wait ${e.ms} ms`, hl);
      break;
  }
}

function loadArrows(d: SequenceDiagram, e: LoadEvent, hl: boolean): void {
  const n = `${stepNo(e)}.`;
  switch (e.kind) {
    case "get": {
      const said: Record<string, string> = { hit: "hit", miss: "miss", stale: "expired, lock taken: stale copy", "not-found": "cached not-found", early: "hit, but XFetch draws an early recompute", refresh: "hit, past the refresh point: reload in the background" };
      d.message("clients", "cache", `${n} c${e.req}${e.retry ? ` retry ${e.retry}` : ""}: get ${e.key} (${t(e.atMs)}) → ${said[e.result]}`, "call", hl);
      break;
    }
    case "filtered":
      d.note("clients", e.passed ? `${n} c${e.req}: Bloom filter says ${e.key} may exist (a false positive)` : `${n} c${e.req}: Bloom filter says ${e.key} does not exist`, hl);
      break;
    case "coalesced":
      d.note("clients", `${n} c${e.req} waits for the load of ${e.key} already in flight on server ${e.server + 1}`, hl);
      break;
    case "lock":
      d.message("clients", "cache", `${n} c${e.req}: SET lock:${e.key} NX`, "call", hl);
      d.message("cache", "clients", e.acquired ? "OK: this client reloads" : "taken: sleep and retry", e.acquired ? "reply" : "fault", hl);
      break;
    case "query":
      d.message(e.req === null ? "cache" : "clients", "database", `${n} ${e.req === null ? "refresh" : `c${e.req}`}: query ${e.key} at ${t(e.atMs)}, answered ${t(e.doneMs)}${e.startMs > e.atMs ? ` (queued ${Math.round((e.startMs - e.atMs) * 10) / 10} ms)` : ""}${e.found ? "" : ": not found"}`, "call", hl);
      break;
    case "set":
      d.message("database", "cache", `${n} set ${e.key}${e.negative ? " = not found" : ""} at ${t(e.atMs)}, expires ${t(e.expiresAtMs)}`, "reply", hl);
      break;
    case "expire":
      d.note("cache", `${n} ${e.key}${e.negative ? " (not found)" : ""} expired at ${t(e.atMs)}`, hl);
      break;
    case "reply":
      if (e.how !== "hit" && e.how !== "cached not-found") d.message("cache", "clients", `${n} c${e.req} gets ${e.key} after ${e.latencyMs} ms (${e.how})`, "reply", hl);
      break;
  }
}

function highlighted(verdict: Verdict): Set<number> {
  return new Set(verdict.findings.flatMap((f) => f.events ?? []));
}

function diagram<E extends { readonly seq: number }>(id: string, title: string, events: readonly E[], extraOmitted: number, max: number, participants: [string, "actor" | "participant"][], draw: (d: SequenceDiagram, e: E, hl: boolean) => void, hl: Set<number>, caption: string): DiagramSpec {
  const d = new SequenceDiagram({ maxLines: 10_000 });
  for (const [p, shape] of participants) d.participant(p, shape);
  d.note([participants[0]![0], participants[participants.length - 1]![0]], caption);
  const shown = events.slice(0, max);
  for (const e of shown) draw(d, e, hl.has(e.seq));
  const omitted = events.length - shown.length + extraOmitted;
  if (omitted > 0) d.note([participants[0]![0], participants[participants.length - 1]![0]], `${omitted} more event${omitted === 1 ? "" : "s"} not shown`);
  return { id, title, mermaid: d.render().text, ...(omitted > 0 ? { omittedEvents: omitted } : {}) };
}

function presentPatterns(r: PatternResult, verdict: Verdict, max: number): Presentation {
  const keys = [...new Set([...r.database.keys(), ...r.cache.keys(), ...r.events.flatMap((e) => ("key" in e ? [e.key] : []))])].sort();
  const table: TableSpec = {
    id: "final-state",
    title: "After the last operation",
    columns: ["key", "database", "cache", "note"],
    rows: keys.map((k) => {
      const c = r.cache.get(k);
      return [k, r.database.get(k) ?? null, c ? c.value : null, c ? (c.dirty ? "dirty: not in the database yet" : `expires at t=${c.expiresAtMs} ms`) : "not cached"];
    }),
  };
  const mean = (xs: readonly number[]) => (xs.length ? Math.round((xs.reduce((s, x) => s + x, 0) / xs.length) * 100) / 100 : 0);
  const reads = r.events.filter((e) => e.kind === "read");
  const stale = reads.filter((e) => e.kind === "read" && e.stale).length;
  return {
    title: `${r.scenario}: ${verdict.valid === true ? "no write lost, no stale read" : verdict.summary.replace(`${r.scenario}: `, "").replace(/\.$/, "")}`,
    diagrams: [diagram("sequence", "Client, cache and database, step by step", r.events, 0, max, [["client", "actor"], ["cache", "participant"], ["database", "participant"]], patternArrows, highlighted(verdict), `${r.scenario}, ${r.events.length} steps`)],
    charts: [],
    tables: [table],
    metrics: {
      lostWrites: r.lostWrites.length,
      staleReads: stale,
      reads: reads.length,
      hits: reads.filter((e) => e.kind === "read" && e.hit).length,
      misses: reads.filter((e) => e.kind === "read" && !e.hit).length,
      dbReads: r.dbReads,
      dbWrites: r.dbWrites,
      meanWriteLatencyMs: mean(r.writeLatencies),
      meanReadLatencyMs: mean(r.readLatencies),
      refreshes: r.events.filter((e) => e.kind === "refreshed").length,
    },
  };
}

/** One line per strategy: queries per second in each bucket; long runs keep each group's peak. */
function loadChart(r: LoadResult): ChartSpec {
  const o = r.options;
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
  return {
    id: "db-load",
    title: `Database load (queries per second, ${o.bucketMs} ms buckets${group > 1 ? `, peak of every ${group}` : ""})`,
    kind: "line",
    x: { label: "time (s)", scale: "linear" },
    y: { label: "queries/s" },
    series: [...r.runs.map((run) => ({ name: run.strategy, points: points(run.loadPerBucket) })), { name: "capacity", points: [{ x: 0, y: o.dbCapacity }, { x: Math.round((buckets * o.bucketMs) / 10) / 100, y: o.dbCapacity }] }],
    caption: o.scenario === "penetration" ? "Requests for missing ids that get past the cache arrive at the database at a steady rate." : "Spikes line up with expiries; a fix that works keeps its line under the capacity.",
  };
}

function presentLoad(r: LoadResult, verdict: Verdict): Presentation {
  const o = r.options;
  const main = r.runs[0]!;
  const pen = o.scenario === "penetration";
  const table: TableSpec = {
    id: "per-strategy",
    title: "Per strategy, on the same requests",
    summary: true,
    columns: ["strategy", "requests", "DB queries", "peak DB load (q/s)", "largest herd", "misses", "stale served", ...(pen ? ["missing-id requests", "reaching the DB", "answered by filter"] : []), "p50 ms", "p99 ms", "max ms"],
    rows: r.runs.map((run) => [run.strategy, run.requests, run.dbQueries, Math.round(run.peakDbLoad), run.largestHerd?.size ?? 0, run.misses, run.staleServed, ...(pen ? [run.absentRequests, run.absentDbQueries, run.filtered] : []), run.p50LatencyMs, run.p99LatencyMs, run.maxLatencyMs]),
  };
  const tables = [table];
  const bloom = r.runs.find((run) => run.bloom)?.bloom;
  if (bloom) {
    tables.push({
      id: "bloom",
      title: "Bloom filter: measured against theory",
      columns: ["bits (m)", "hashes (k)", "ids (n)", "bits set", "false positives, theory", "measured", "probes", "false negatives"],
      rows: [[bloom.m, bloom.k, bloom.n, `${(100 * bloom.fill).toFixed(1)}%`, `${(100 * bloom.theory).toFixed(3)}%`, `${(100 * bloom.measured).toFixed(3)}%`, bloom.probes, bloom.falseNegatives]],
    });
  }
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
    ...(pen ? { absentRequests: main.absentRequests, absentDbQueries: main.absentDbQueries, filtered: main.filtered, absentRounds: main.absentRounds, maxAbsentRounds: main.maxAbsentRounds } : {}),
    ...(main.bloom ? { bloomFpTheory: Math.round(main.bloom.theory * 1e6) / 1e6, bloomFpMeasured: main.bloom.measured, bloomFalseNegatives: main.bloom.falseNegatives } : {}),
    ...(main.strategy === "xfetch" ? { earlyRecomputes: main.earlyRecomputes } : {}),
    ...(main.strategy === "refresh-ahead" ? { refreshes: main.refreshes } : {}),
  };
  if (r.runs.length > 1) {
    for (const run of r.runs) {
      metrics[`${run.strategy}.dbQueries`] = run.dbQueries;
      metrics[`${run.strategy}.peakDbLoad`] = run.peakDbLoad;
      metrics[`${run.strategy}.largestHerd`] = run.largestHerd?.size ?? 0;
      metrics[`${run.strategy}.p99LatencyMs`] = run.p99LatencyMs;
      if (pen) metrics[`${run.strategy}.absentDbQueries`] = run.absentDbQueries;
      if (o.scenario === "avalanche") {
        metrics[`${run.strategy}.avalancheKeys`] = run.avalanche?.keys ?? 0;
        metrics[`${run.strategy}.reloadPeak`] = run.reloadPeak?.keys ?? 0;
      }
    }
  }
  const first = main.trace[0];
  const focused = verdict.findings.some((f) => (f.events?.length ?? 0) > 0);
  const caption = `${main.strategy}: ${first ? `from ${t(first.atMs)} ms, ${focused ? "where the highlighted findings start" : "around the first database query"}` : "no database query in the run"} (${r.arrivals} requests in all)`;
  return {
    title: `${o.scenario}: ${r.runs.map((run) => run.strategy).join(" vs ")}, ${r.arrivals} requests over ${o.durationMs / 1000} s`,
    diagrams: [diagram("sequence", `${main.strategy}: clients, cache and database${focused ? " where the findings start" : " around the first database query"}`, main.trace, main.totalEvents - main.trace.length, o.maxDiagramEvents, [["clients", "actor"], ["cache", "participant"], ["database", "participant"]], loadArrows, highlighted(verdict), caption)],
    charts: [loadChart(r)],
    tables,
    metrics,
  };
}

export function present(result: CachePatternsResult, verdict: Verdict, maxDiagramEvents: number): Presentation {
  return result.mode === "explicit" ? presentPatterns(result, verdict, maxDiagramEvents) : presentLoad(result, verdict);
}
