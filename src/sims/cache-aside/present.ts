// Pictures of a cache-aside run: the sequence of steps between reader, writer, cache and database
// with the race highlighted, and for random runs the stale rates per strategy.
import type { Verdict } from "../../core/verdict";
import type { ChartSpec, TableSpec } from "../../protocol/output";
import { SequenceDiagram } from "../../present/mermaid";
import type { Presentation } from "../types";
import { explainStaleEntry, stepNo } from "./check";
import { staleHits, type CacheAsideResult, type CacheEvent, type RunTrace } from "./model";

function arrows(d: SequenceDiagram, e: CacheEvent, hl: boolean): void {
  const n = `${stepNo(e)}.`;
  switch (e.kind) {
    case "get":
      d.message("reader", "cache", `${n} get k (read ${e.read})`, "call", hl);
      d.message("cache", "reader", e.hit ? `hit v${e.version}${e.version! < e.dbVersion ? (e.writeDone ? ` (stale: database has v${e.dbVersion})` : " (write still in progress)") : ""}` : `miss${e.lease !== undefined ? `, lease ${e.lease}` : ""}`, e.hit && e.writeDone && e.version! < e.dbVersion ? "fault" : "reply", hl);
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
      d.message("cache", "writer", `${e.removed !== undefined ? `removed v${e.removed}` : "nothing cached"}${e.invalidatedLeases ? `, ${e.invalidatedLeases} lease invalidated` : ""}`, "reply", hl);
      break;
    case "expire":
      d.note("cache", `${n} v${e.version} expires (TTL)`, hl);
      break;
  }
}

export function sequenceOf(trace: RunTrace, highlight: ReadonlySet<number>, caption: string): string {
  const d = new SequenceDiagram({ maxLines: 70 });
  for (const p of ["reader", "writer", "cache", "database"]) d.participant(p, p === "reader" || p === "writer" ? "actor" : "participant");
  d.note(["reader", "database"], caption);
  for (const e of trace.events) arrows(d, e, highlight.has(e.seq));
  const cached = trace.cache ? `cache v${trace.cache.version}${trace.cache.version < trace.dbVersion ? ` (stale until t=${trace.cache.expiresAtMs} ms)` : ""}` : "cache empty";
  d.note(["cache", "database"], `end: ${cached}, database v${trace.dbVersion}`, trace.cache !== undefined && trace.cache.version < trace.dbVersion);
  return d.render().text;
}

function highlighted(verdict: Verdict): Set<number> {
  return new Set(verdict.findings.flatMap((f) => f.events ?? []));
}

export function present(result: CacheAsideResult, verdict: Verdict): Presentation {
  if (result.mode === "explicit") {
    const t = result.trace;
    const staleReads = staleHits(t).length;
    const table: TableSpec = {
      id: "final-state",
      title: "After the last step",
      columns: ["", "version", "note"],
      rows: [
        ["database", t.dbVersion, "the truth"],
        ["cache", t.cache ? t.cache.version : null, t.cache ? `expires at t=${t.cache.expiresAtMs} ms` : "empty"],
      ],
    };
    return {
      title: `${result.strategy}: ${verdict.valid === true ? "no stale data" : "stale data"} after ${t.events.length} steps`,
      diagrams: [{ id: "sequence", title: "The interleaving, step by step", mermaid: sequenceOf(t, highlighted(verdict), `${result.strategy}, steps: ${result.steps.join(", ")}${result.leftover ? `, then ${result.leftover} more step${result.leftover === 1 ? "" : "s"} so every actor finishes` : ""}`) }],
      charts: [],
      tables: [table],
      metrics: { staleEntries: t.cache && t.cache.version < t.dbVersion ? 1 : 0, staleReads, steps: t.events.length },
    };
  }
  const chart: ChartSpec = {
    id: "stale-rates",
    title: `Stale data per strategy over ${result.stats[0]?.runs ?? 0} random interleavings`,
    kind: "bar",
    x: { label: "strategy", scale: "band" },
    y: { label: "share", percent: true },
    series: [
      { name: "runs ending with a stale entry", points: result.stats.map((s) => ({ x: s.strategy, y: s.staleRuns / s.runs })) },
      { name: "reads returning stale data", points: result.stats.map((s) => ({ x: s.strategy, y: s.reads ? s.staleReads / s.reads : 0 })) },
    ],
    caption: "Strategies that close the race keep both bars at zero.",
  };
  const table: TableSpec = {
    id: "per-strategy",
    title: "Per strategy",
    summary: true,
    columns: ["strategy", "runs", "runs ending stale", "reads", "stale reads"],
    rows: result.stats.map((s) => [s.strategy, s.runs, s.staleRuns, s.reads, s.staleReads]),
  };
  const main = result.stats[0]!;
  const shown = result.stats.find((s) => s.firstStale) ?? main;
  const trace = shown.firstStale?.trace ?? shown.example;
  const caption = shown.firstStale ? `${shown.strategy}: run ${shown.firstStale.run}, the first that ended stale` : `${shown.strategy}: run 1`;
  return {
    title: `${result.stats.map((s) => s.strategy).join(" vs ")}: ${main.runs} random interleavings`,
    diagrams: [{ id: "sequence", title: shown.firstStale ? "The first run that ended stale" : "The first run", mermaid: sequenceOf(trace, new Set(explainStaleEntry(trace)?.events ?? []), caption) }],
    charts: [chart],
    tables: [table],
    metrics: {
      runs: main.runs,
      staleRuns: main.staleRuns,
      staleEntryRate: main.staleRuns / main.runs,
      staleReadRate: main.reads ? main.staleReads / main.reads : 0,
    },
  };
}
