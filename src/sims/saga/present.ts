// How a saga run looks: the sequence diagram with the checker's findings highlighted, each saga's
// steps when the run came to rest, the balance and stock, and metrics; an exploration of many seeds
// per design as a chart and table of outcomes, with the first run that went wrong drawn. The drawn
// run carries its timeline: after each step, the saga log, the account and stock with what each saga
// holds, every request the services processed (their deduplication records and what took effect)
// and, in choreography, the events not yet acknowledged.
import type { Finding, Verdict } from "../../core/verdict";
import { exploreChart, exploreMetrics, exploreTable } from "../../present/explore";
import { worldSequence } from "../../present/network";
import { markBlame } from "../../present/timeline";
import { count } from "../../present/prose";
import type { DiagramSpec, StateTable, TableSpec, Timeline } from "../../protocol/output";
import type { Presentation } from "../types";
import { CLASSES, resourceOf, type Phase, type SagaResult, type SagaRun, type SagaState } from "./model";
import { ORCHESTRATOR, type Setup } from "./scenario";

/** The checker's findings about a run, for the run an exploration draws. */
export type FindingsOf = (run: SagaRun) => readonly Finding[];

function effectWords(a: number, u: number): string {
  if (a === 0 && u === 0) return "not run";
  const did = a === 0 ? "" : a === 1 ? "done" : `done ×${a}`;
  const undid = u === 0 ? "" : u === 1 ? "compensated" : `compensated ×${u}`;
  return [did, undid].filter(Boolean).join(", ");
}

function stepCell(run: SagaRun, k: number, i: number): string {
  return effectWords(run.applied[k]![i]!, run.undone[k]![i]!);
}

/** Rows kept in a state table at most; the rest are counted in a last row. */
const MAX_ROWS = 12;

function capped(rows: (readonly (string | number)[])[], width: number): (readonly (string | number)[])[] {
  if (rows.length <= MAX_ROWS) return rows;
  return [...rows.slice(0, MAX_ROWS - 1), [`… ${rows.length - MAX_ROWS + 1} more`, ...Array.from({ length: width - 1 }, () => "")]];
}

const PHASE: Record<Phase, string> = {
  requested: "not started",
  forward: "going forward",
  compensating: "compensating",
  completed: "completed",
  compensated: "compensated",
};

/** Every actor's state as small tables: the saga log, the account and stock, the services' records, the events to publish. */
function stateTables(run: SagaRun, s: SagaState): StateTable[] {
  const tables: StateTable[] = [];
  if (run.style === "orchestration") {
    const rows = s.log.map((l, k) => [k + 1, l.phase === "forward" || l.phase === "compensating" ? run.steps[l.step]!.name : "—", PHASE[l.phase]] as const);
    tables.push({ name: "saga log", columns: ["saga", "step", "status"], rows: capped(rows, 3) });
  }
  const used = (["account", "stock"] as const).filter((r) => run.steps.some((st) => resourceOf(st.effect) === r));
  if (used.length) {
    const locking = run.countermeasure === "semantic-lock";
    const rows = used.map((r) => {
      const held = s.holding[r].map(([k, amount]) => `saga ${k + 1}: ${amount}`).join(", ") || "—";
      const lock = s.locks.find(([res]) => res === r);
      return [r === "account" ? "balance" : "stock", r === "account" ? s.account : s.stock, held, ...(locking ? [lock ? `saga ${lock[1] + 1}` : "—"] : [])];
    });
    tables.push({ name: "account and stock", columns: ["", "value", "taken by", ...(locking ? ["pending for"] : [])], rows });
  }
  // Grouped by service (steps in flow order), then saga.
  const records = new Map(s.records.map(([k, i, rec]) => [`${k}:${i}`, rec]));
  const processed: (readonly string[])[] = [];
  run.steps.forEach((st, i) =>
    s.applied.forEach((row, k) => {
      const a = row[i]!;
      const u = s.undone[k]![i]!;
      const rec = records.get(`${k}:${i}`);
      if (a === 0 && u === 0 && rec === undefined) return;
      processed.push([st.service, `saga ${k + 1} ${st.name}`, rec === undefined ? "—" : rec === "undone" ? "compensated" : rec, effectWords(a, u)]);
    }),
  );
  tables.push({ name: "processed requests", columns: ["service", "dedup key", "remembered", "took effect"], rows: capped(processed, 4) });
  if (run.style === "choreography") {
    const rows = s.pending.map((m) => [m.from, m.label, m.to]);
    tables.push({ name: "events not yet acknowledged", columns: ["publisher", "event", "to"], rows: capped(rows, 3) });
  }
  return tables;
}

function runDiagram(run: SagaRun, findings: readonly Finding[], caption: string, id: string, title: string): { spec: DiagramSpec; timeline?: Timeline } {
  const participants = [...(run.style === "orchestration" ? [ORCHESTRATOR] : []), ...new Set(run.steps.map((s) => s.service))];
  const highlight = new Set(findings.flatMap((f) => f.events ?? []));
  const ending = `end: ${run.outcomes.map((o, k) => `saga ${k + 1} ${o ?? "stuck"}`).join(", ")}; balance ${run.final.account}, stock ${run.final.stock}`;
  const endingHighlighted = run.outcomes.includes(undefined);
  return worldSequence(run.events, {
    id,
    title,
    participants,
    caption,
    highlight,
    hideLabels: new Set(["ack"]),
    ending,
    endingHighlighted,
    ...(run.watched ? { watched: run.watched } : {}),
    tables: (s) => stateTables(run, s),
    endMs: run.endMs,
  });
}

function presentExplored(result: Extract<SagaResult, { mode: "explore" }>, findingsOf: FindingsOf): Presentation {
  const ex = result.example;
  const title = ex ? `${ex.design}: run ${ex.at.index} (seed ${ex.at.value}), the first that went wrong` : "";
  const findings = ex ? findingsOf(ex.run) : [];
  const d = ex ? runDiagram(ex.run, findings, `${ex.design}, seed ${ex.at.value}`, "first-problem", title) : undefined;
  return {
    title: `${result.tallies.map((t) => t.design).join(" vs ")}: ${result.tallies[0]?.runs ?? 0} seeded runs`,
    diagrams: d ? [d.spec] : [],
    // The replayed run's own findings blame its steps (the exploration's findings name no events).
    ...(d?.timeline ? { timeline: markBlame(d.timeline, { valid: false, summary: "", findings }) } : {}),
    charts: [exploreChart(result.tallies, CLASSES, "A design that keeps the stuck and violated bars at zero holds up under these faults.")],
    tables: [exploreTable(result.tallies, CLASSES)],
    metrics: exploreMetrics(result.tallies, CLASSES),
  };
}

function tables(run: SagaRun): TableSpec[] {
  const sagas: TableSpec = {
    id: "sagas",
    title: "Each saga's steps when the run came to rest",
    columns: ["saga", "outcome", ...run.steps.map((s, i) => `${s.name}${i === run.pivot ? " (pivot)" : ""}`)],
    rows: run.outcomes.map((o, k) => [k + 1, o ?? "stuck", ...run.steps.map((_, i) => stepCell(run, k, i))]),
  };
  const values: TableSpec = {
    id: "values",
    title: "Balance and stock",
    columns: ["", "at the start", "at the end"],
    rows: [
      ["customer balance", run.initial.account, run.final.account],
      ["stock", run.initial.stock, run.final.stock],
    ],
  };
  return [sagas, values];
}

function metrics(run: SagaRun, errors: readonly Finding[]): Record<string, number> {
  return {
    completed: run.outcomes.filter((o) => o === "completed").length,
    compensated: run.outcomes.filter((o) => o === "compensated").length,
    stuck: run.outcomes.filter((o) => o === undefined).length,
    violations: errors.filter((f) => f.code !== "saga-stuck").length,
    balance: run.final.account,
    stock: run.final.stock,
    messages: run.stats.messages,
    lost: run.stats.lost,
    retries: run.stats.retries,
    dedups: run.stats.dedups,
    crashes: run.stats.crashes,
    blockedMs: run.stats.blockedMs,
    endMs: run.endMs,
  };
}

export function present(result: SagaResult, verdict: Verdict, setup: Setup, findingsOf: FindingsOf): Presentation {
  if (result.mode === "explore") return presentExplored(result, findingsOf);
  const run = result.run;
  const receivers = run.idempotent ? "idempotent receivers" : "no deduplication";
  const caption = `${run.style}, ${receivers}${run.countermeasure !== "none" ? `, ${run.countermeasure}` : ""}; pivot: ${run.steps[run.pivot]!.name}`;
  const d = runDiagram(run, verdict.findings, caption, "sequence", "The run, message by message");
  const errors = verdict.findings.filter((f) => f.severity === "error");
  const who = setup.sagas > 1 ? `${setup.sagas} sagas` : "Saga";
  return {
    title: `${who} (${run.style}): ${run.outcomes.map((o) => o ?? "stuck").join(", ")}${errors.length ? `, ${count(errors.length, "problem")}` : ""}`,
    diagrams: [d.spec],
    ...(d.timeline ? { timeline: d.timeline } : {}),
    charts: [],
    tables: tables(run),
    metrics: metrics(run, errors),
  };
}
