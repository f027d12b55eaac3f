// How an outbox run looks: the sequence diagram of its messages with the findings' events marked,
// a table of the orders at the end, and metrics; an exploration as a chart and table of outcomes
// per design, with the first run that went wrong drawn. The drawn run carries its timeline: after
// each step, the orders table, the outbox table (unsent or sent, and the rows the relay is
// publishing), what the order service holds in memory, the broker's queue and what the consumer
// shipped and recorded.
import type { Finding, Verdict } from "../../core/verdict";
import { exploreChart, exploreMetrics, exploreTable } from "../../present/explore";
import { worldSequence } from "../../present/network";
import { markBlame } from "../../present/timeline";
import type { DiagramSpec, StateTable, TableSpec, Timeline } from "../../protocol/output";
import type { Presentation } from "../types";
import { OUTBOX_CLASSES, usesOutbox, type OutboxResult, type OutboxRun, type OutboxState } from "./model";
import { BROKER, ORDER, RELAY, SHIPPING } from "./scenario";

/** The checker's findings about a run, for the run an exploration draws. */
export type FindingsOf = (run: OutboxRun) => readonly Finding[];

/** Rows kept in a state table at most; the rest are counted in a last row. */
const MAX_ROWS = 12;

function capped(rows: (readonly (string | number)[])[], width: number): (readonly (string | number)[])[] {
  if (rows.length <= MAX_ROWS) return rows;
  return [...rows.slice(0, MAX_ROWS - 1), [`… ${rows.length - MAX_ROWS + 1} more`, ...Array.from({ length: width - 1 }, () => "")]];
}

/** Every actor's state as small tables: the order database (orders, outbox), the order service's memory, the broker, the consumer. */
function stateTables(run: OutboxRun, s: OutboxState): StateTable[] {
  const tables: StateTable[] = [
    {
      name: "orders",
      columns: ["order", "stored at (ms)"],
      rows: capped(
        s.orders.map(([n, seq]) => [n, run.events[seq]?.atMs ?? ""]),
        2,
      ),
    },
  ];
  if (usesOutbox(run.design)) {
    const rows = s.outbox.map((r) => [r.order, r.row === "new" ? "unsent" : "sent", r.publishing ? "publishing" : "—"]);
    tables.push({ name: "outbox", columns: ["order", "row", "relay"], rows: capped(rows, 3) });
  } else {
    const rows = s.awaiting.map(([n, phase]) => [n, phase === "before-commit" ? "the broker's ack, then commit" : "the broker's ack"]);
    tables.push({ name: "order service (in memory)", columns: ["order", "waiting for"], rows: capped(rows, 2) });
  }
  tables.push({
    name: "broker queue",
    columns: ["delivery", "event"],
    rows: capped(
      s.queue.map(([d, n]) => [d, `OrderPlaced ${n}`]),
      2,
    ),
  });
  const orders = [...new Set([...s.shipped.map(([n]) => n), ...s.seen])].sort((a, b) => a - b);
  const times = new Map(s.shipped);
  const seen = new Set(s.seen);
  const rows = orders.map((n) => [n, `${times.get(n) ?? 0}×`, seen.has(n) ? "yes" : "—"]);
  tables.push({ name: "shipping", columns: ["order", "shipped", "event id recorded"], rows: capped(rows, 3) });
  return tables;
}

function diagram(run: OutboxRun, highlight: ReadonlySet<number>, caption: string, id: string, title: string): { spec: DiagramSpec; timeline?: Timeline } {
  const participants = [ORDER, ...(usesOutbox(run.design) ? [RELAY] : []), BROKER, SHIPPING];
  const lost = run.committed.some((c, i) => c !== undefined && run.shipped[i]!.length === 0);
  const order = (c: number | undefined, i: number) => `order ${i + 1} ${c === undefined ? "not stored" : "stored"}, shipped ${run.shipped[i]!.length}×`;
  const ending = `end: ${run.committed.map(order).join("; ")}`;
  return worldSequence(run.events, {
    id,
    title,
    participants,
    caption,
    highlight,
    hideLabels: new Set(["ack"]),
    ending,
    endingHighlighted: lost,
    ...(run.watched ? { watched: run.watched } : {}),
    tables: (s) => stateTables(run, s),
    endMs: run.endMs,
  });
}

function presentExplored(result: Extract<OutboxResult, { mode: "explore" }>, findingsOf: FindingsOf): Presentation {
  const ex = result.example;
  const findings = ex ? findingsOf(ex.run) : [];
  const title = ex ? `${ex.design}: run ${ex.at.index} (seed ${ex.at.value}), the first that went wrong` : "";
  const d = ex ? diagram(ex.run, new Set(findings.flatMap((f) => f.events ?? [])), `${ex.design}, seed ${ex.at.value}`, "first-problem", title) : undefined;
  return {
    title: `${result.tallies.map((t) => t.design).join(" vs ")}: ${result.tallies[0]?.runs ?? 0} seeded runs`,
    diagrams: d ? [d.spec] : [],
    // The replayed run's own findings blame its steps (the exploration's findings name no events).
    ...(d?.timeline ? { timeline: markBlame(d.timeline, { valid: false, summary: "", findings }) } : {}),
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
  const d = diagram(run, new Set(verdict.findings.flatMap((f) => f.events ?? [])), `design: ${run.design}`, "sequence", "The run, message by message");
  return {
    title: `${run.design}: ${verdict.valid === true ? "every order shipped exactly once" : [...new Set(verdict.findings.map((f) => f.code))].join(", ")}`,
    diagrams: [d.spec],
    ...(d.timeline ? { timeline: d.timeline } : {}),
    charts: [],
    tables: [ordersTable(run)],
    metrics: metrics(run, verdict),
  };
}
