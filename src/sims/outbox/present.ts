// How an outbox run looks: the sequence diagram of its messages with the findings' events marked,
// a table of the orders at the end, and metrics; an exploration as a chart and table of outcomes
// per design, with the first run that went wrong drawn.
import type { Finding, Verdict } from "../../core/verdict";
import { exploreChart, exploreMetrics, exploreTable } from "../../present/explore";
import { worldDiagram } from "../../present/network";
import type { TableSpec } from "../../protocol/output";
import type { Presentation } from "../types";
import { OUTBOX_CLASSES, usesOutbox, type OutboxResult, type OutboxRun } from "./model";
import { BROKER, ORDER, RELAY, SHIPPING } from "./scenario";

/** The checker's findings about a run, for the run an exploration draws. */
export type FindingsOf = (run: OutboxRun) => readonly Finding[];

function diagram(run: OutboxRun, highlight: ReadonlySet<number>, caption: string) {
  const participants = [ORDER, ...(usesOutbox(run.design) ? [RELAY] : []), BROKER, SHIPPING];
  const lost = run.committed.some((c, i) => c !== undefined && run.shipped[i]!.length === 0);
  const order = (c: number | undefined, i: number) => `order ${i + 1} ${c === undefined ? "not stored" : "stored"}, shipped ${run.shipped[i]!.length}×`;
  const ending = `end: ${run.committed.map(order).join("; ")}`;
  return worldDiagram(run.events, { participants, caption, highlight, hideLabels: new Set(["ack"]), ending, endingHighlighted: lost });
}

function presentExplored(result: Extract<OutboxResult, { mode: "explore" }>, findingsOf: FindingsOf): Presentation {
  const ex = result.example;
  const d = ex ? diagram(ex.run, new Set(findingsOf(ex.run).flatMap((f) => f.events ?? [])), `${ex.design}, seed ${ex.at.value}`) : undefined;
  const title = ex ? `${ex.design}: run ${ex.at.index} (seed ${ex.at.value}), the first that went wrong` : "";
  return {
    title: `${result.tallies.map((t) => t.design).join(" vs ")}: ${result.tallies[0]?.runs ?? 0} seeded runs`,
    diagrams: d ? [{ id: "first-problem", title, mermaid: d.text }] : [],
    charts: [exploreChart(result.tallies, OUTBOX_CLASSES, "Only the outbox with a deduplicating consumer keeps every run at exactly once.")],
    tables: [exploreTable(result.tallies, OUTBOX_CLASSES)],
    metrics: exploreMetrics(result.tallies, OUTBOX_CLASSES),
  };
}

function ordersTable(run: OutboxRun): TableSpec {
  const row = (c: number | undefined, i: number) => (c === undefined ? "none" : run.unsent[i] ? "unsent" : "sent");
  return {
    id: "orders",
    title: "Orders at the end",
    columns: ["order", "stored", "outbox row", "shipped"],
    rows: run.committed.map((c, i) => [i + 1, c !== undefined, run.design.startsWith("outbox") ? row(c, i) : "no outbox", run.shipped[i]!.length]),
  };
}

function metrics(run: OutboxRun, verdict: Verdict): Record<string, number> {
  const codes = (code: string) => verdict.findings.filter((f) => f.code === code).length;
  return {
    stored: run.committed.filter((c) => c !== undefined).length,
    shipments: run.shipped.reduce((n, x) => n + x.length, 0),
    lost: codes("lost-event"),
    ghosts: codes("ghost-event"),
    duplicates: codes("duplicate-processing"),
    unsent: run.unsent.filter(Boolean).length,
    published: run.stats.published,
    deliveries: run.stats.deliveries,
    skipped: run.stats.skipped,
    crashes: run.crashes.length,
    endMs: run.endMs,
  };
}

export function present(result: OutboxResult, verdict: Verdict, findingsOf: FindingsOf): Presentation {
  if (result.mode === "explore") return presentExplored(result, findingsOf);
  const run = result.run;
  const d = diagram(run, new Set(verdict.findings.flatMap((f) => f.events ?? [])), `design: ${run.design}`);
  return {
    title: `${run.design}: ${verdict.valid === true ? "every order shipped exactly once" : [...new Set(verdict.findings.map((f) => f.code))].join(", ")}`,
    diagrams: [{ id: "sequence", title: "The run, message by message", mermaid: d.text, ...(d.omitted ? { omittedEvents: d.omitted } : {}) }],
    charts: [],
    tables: [ordersTable(run)],
    metrics: metrics(run, verdict),
  };
}
