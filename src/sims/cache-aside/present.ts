// Pictures of a cache-aside run: the sequence of steps between reader, writer, cache and database
// with the race highlighted, and for explorations the stale rates per strategy.
import type { Verdict } from "../../core/verdict";
import type { ChartSpec, DiagramSpec, StateTable, TableSpec, Timeline } from "../../protocol/output";
import { SequenceDiagram } from "../../present/mermaid";
import { TimelineRecorder } from "../../present/timeline";
import { count } from "../../present/prose";
import type { Presentation } from "../types";
import { staleHits, staleStory, stepNo, storyEvents, type CacheAsideResult, type CacheEvent, type GetEvent, type RunTrace, type StrategyRuns } from "./model";

type Explored = Extract<CacheAsideResult, { mode: "explore" }>;

/** What the cache answers a get: a hit (stale or not, or during the write), or a miss with its lease. */
function getReply(e: GetEvent): string {
  if (!e.hit) return `miss${e.lease !== undefined ? `, lease ${e.lease}` : ""}`;
  if (e.version! >= e.dbVersion) return `hit v${e.version}`;
  return `hit v${e.version}${e.writeDone ? ` (stale: database has v${e.dbVersion})` : " (write still in progress)"}`;
}

function deleteReply(e: Extract<CacheEvent, { kind: "delete" }>): string {
  const removed = e.removed !== undefined ? `removed v${e.removed}` : "nothing cached";
  return `${removed}${e.invalidatedLeases ? `, ${e.invalidatedLeases} lease invalidated` : ""}`;
}

function arrows(d: SequenceDiagram, e: CacheEvent, hl: boolean): void {
  const n = `${stepNo(e)}.`;
  switch (e.kind) {
    case "get":
      d.message("reader", "cache", `${n} get k (read ${e.read})`, "call", hl);
      d.message("cache", "reader", getReply(e), e.hit && e.writeDone && e.version! < e.dbVersion ? "fault" : "reply", hl);
      break;
    case "load":
      d.message("reader", "database", `${n} read k`, "call", hl);
      d.message("database", "reader", `v${e.version}`, "reply", hl);
      break;
    case "set":
      d.message(e.actor, "cache", `${n} set k = v${e.version}${e.actor === "writer" ? " if newer" : ""}`, "call", hl);
      d.message("cache", e.actor, e.stored ? `stored (${e.reason})` : `refused: ${e.reason}`, e.stored ? "reply" : "fault", hl);
      break;
    case "update":
      d.message("writer", "database", `${n} update k = v${e.version}`, "call", hl);
      d.message("database", "writer", "committed", "reply", hl);
      break;
    case "delete":
      d.message("writer", "cache", `${n} delete k${e.second ? " again" : ""}`, "call", hl);
      d.message("cache", "writer", deleteReply(e), "reply", hl);
      break;
    case "expire":
      d.note("cache", `${n} v${e.version} expires (TTL)`, hl);
      break;
  }
}

/** What each actor holds after a step: the fold of the trace the timeline's state tables show. */
interface Held {
  readonly cache?: { readonly version: number; readonly expiresAtMs: number };
  readonly db: number;
  readonly read: number;
  readonly loaded?: number;
  readonly lease?: number;
}

function after(h: Held, e: CacheEvent): Held {
  switch (e.kind) {
    case "get":
      return { ...h, read: e.read, loaded: undefined, lease: e.lease };
    case "load":
      return { ...h, loaded: e.version };
    case "set":
      return e.stored ? { ...h, cache: { version: e.version, expiresAtMs: e.expiresAtMs ?? 0 } } : h;
    case "update":
      return { ...h, db: e.version };
    case "delete":
    case "expire":
      return { ...h, cache: undefined };
  }
}

function tablesOf(h: Held): StateTable[] {
  return [
    { name: "cache", columns: ["key", "version", "expires at (ms)"], rows: h.cache ? [["k", `v${h.cache.version}`, h.cache.expiresAtMs]] : [] },
    { name: "database", columns: ["key", "version"], rows: [["k", `v${h.db}`]] },
    { name: "reader", columns: ["read", "loaded", "lease"], rows: [[h.read || "—", h.loaded !== undefined ? `v${h.loaded}` : "—", h.lease ?? "—"]] },
  ];
}

/** A step's words: what was asked, and what came back. */
function stepText(e: CacheEvent): string {
  switch (e.kind) {
    case "get":
      return `get k (read ${e.read}): ${getReply(e)}`;
    case "load":
      return `read k from the database: v${e.version}`;
    case "set":
      return `set k = v${e.version}: ${e.stored ? `stored (${e.reason})` : `refused (${e.reason})`}`;
    case "update":
      return `update k = v${e.version}: committed`;
    case "delete":
      return `delete k${e.second ? " again" : ""}: ${deleteReply(e)}`;
    case "expire":
      return `v${e.version} expires (TTL)`;
  }
}

/** The run as a sequence diagram and, step by step, a timeline with every actor's state. */
export function sequenceOf(trace: RunTrace, highlight: ReadonlySet<number>, caption: string, title: string): { spec: DiagramSpec; timeline: Timeline } {
  const d = new SequenceDiagram({ maxLines: 70 });
  for (const p of ["reader", "writer", "cache", "database"]) d.participant(p, p === "reader" || p === "writer" ? "actor" : "participant");
  d.note(["reader", "database"], caption);
  let held: Held = { db: 1, read: 0 };
  const rec = new TimelineRecorder(d, "sequence", tablesOf(held));
  for (const e of trace.events) {
    held = after(held, e);
    rec.step({ atMs: e.atMs, actor: e.actor, text: stepText(e), seq: e.seq }, () => arrows(d, e, highlight.has(e.seq)), tablesOf(held));
  }
  const stale = trace.cache !== undefined && trace.cache.version < trace.dbVersion;
  const cached = trace.cache ? `cache v${trace.cache.version}${stale ? ` (stale until t=${trace.cache.expiresAtMs} ms)` : ""}` : "cache empty";
  d.note(["cache", "database"], `end: ${cached}, database v${trace.dbVersion}`, stale);
  const { text, kinds } = d.render();
  return { spec: { id: "sequence", title, mermaid: text, lineKinds: kinds }, timeline: rec.build() };
}

function highlighted(verdict: Verdict): Set<number> {
  return new Set(verdict.findings.flatMap((f) => f.events ?? []));
}

function presentRun(result: Extract<CacheAsideResult, { mode: "run" }>, verdict: Verdict): Presentation {
  const t = result.trace;
  const table: TableSpec = {
    id: "final-state",
    title: "After the last step",
    columns: ["", "version", "note"],
    rows: [
      ["database", t.dbVersion, "the truth"],
      ["cache", t.cache ? t.cache.version : null, t.cache ? `expires at t=${t.cache.expiresAtMs} ms` : "empty"],
    ],
  };
  const leftover = result.leftover ? `, then ${count(result.leftover, "more step")} so every actor finishes` : "";
  const caption = `${result.strategy}, steps: ${result.steps.join(", ")}${leftover}`;
  const drawn = sequenceOf(t, highlighted(verdict), caption, "The interleaving, step by step");
  return {
    timeline: drawn.timeline,
    title: `${result.strategy}: ${verdict.valid === true ? "no stale data" : "stale data"} after ${t.events.length} steps`,
    diagrams: [drawn.spec],
    charts: [],
    tables: [table],
    metrics: { staleEntries: t.cache && t.cache.version < t.dbVersion ? 1 : 0, staleReads: staleHits(t).length, steps: t.events.length },
  };
}

function staleChart(strategies: readonly StrategyRuns[]): ChartSpec {
  return {
    id: "stale-rates",
    title: `Stale data per strategy over ${strategies[0]?.runs ?? 0} random interleavings`,
    kind: "bar",
    x: { label: "strategy", scale: "band" },
    y: { label: "share", percent: true },
    series: [
      { name: "runs ending with a stale entry", points: strategies.map((s) => ({ x: s.strategy, y: s.staleRuns / s.runs })) },
      { name: "reads returning stale data", points: strategies.map((s) => ({ x: s.strategy, y: s.reads ? s.staleReads / s.reads : 0 })) },
    ],
    caption: "Strategies that close the race keep both bars at zero.",
  };
}

/** The first stale run of the first strategy that had one, or else the first run. */
function exampleDiagram(result: Explored) {
  const main = result.strategies[0]!;
  const shown = result.strategies.find((s) => s.firstStale) ?? main;
  const first = shown.firstStale;
  const trace = first?.trace ?? result.example;
  const story = staleStory(trace);
  const caption = first ? `${shown.strategy}: run ${first.run}, the first that ended stale` : `${shown.strategy}: run 1`;
  const title = first ? "The first run that ended stale" : "The first run";
  return sequenceOf(trace, new Set(story ? storyEvents(story) : []), caption, title);
}

function presentExplore(result: Explored): Presentation {
  const table: TableSpec = {
    id: "per-strategy",
    title: "Per strategy",
    summary: true,
    columns: ["strategy", "runs", "runs ending stale", "reads", "stale reads"],
    rows: result.strategies.map((s) => [s.strategy, s.runs, s.staleRuns, s.reads, s.staleReads]),
  };
  const main = result.strategies[0]!;
  const example = exampleDiagram(result);
  return {
    title: `${result.strategies.map((s) => s.strategy).join(" vs ")}: ${main.runs} random interleavings`,
    diagrams: [example.spec],
    timeline: example.timeline,
    charts: [staleChart(result.strategies)],
    tables: [table],
    metrics: {
      runs: main.runs,
      staleRuns: main.staleRuns,
      staleEntryRate: main.staleRuns / main.runs,
      staleReadRate: main.reads ? main.staleReads / main.reads : 0,
    },
  };
}

export function present(result: CacheAsideResult, verdict: Verdict): Presentation {
  return result.mode === "run" ? presentRun(result, verdict) : presentExplore(result);
}
