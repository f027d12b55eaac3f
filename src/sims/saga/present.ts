// How a saga run looks: the sequence diagram with the checker's findings highlighted, each saga's
// steps when the run came to rest, the balance and stock, and metrics; an exploration of many seeds
// per design as a chart and table of outcomes, with the first run that went wrong drawn.
import type { Finding, Verdict } from "../../core/verdict";
import { exploreChart, exploreMetrics, exploreTable } from "../../present/explore";
import { worldDiagram } from "../../present/network";
import { count } from "../../present/prose";
import type { TableSpec } from "../../protocol/output";
import type { Presentation } from "../types";
import { CLASSES, type SagaResult, type SagaRun } from "./model";
import { ORCHESTRATOR, type Setup } from "./scenario";

/** The checker's findings about a run, for the run an exploration draws. */
export type FindingsOf = (run: SagaRun) => readonly Finding[];

function stepCell(run: SagaRun, k: number, i: number): string {
  const a = run.applied[k]![i]!;
  const u = run.undone[k]![i]!;
  if (a === 0 && u === 0) return "not run";
  const did = a === 0 ? "" : a === 1 ? "done" : `done ×${a}`;
  const undid = u === 0 ? "" : u === 1 ? "compensated" : `compensated ×${u}`;
  return [did, undid].filter(Boolean).join(", ");
}

function runDiagram(run: SagaRun, findings: readonly Finding[], caption: string) {
  const participants = [...(run.style === "orchestration" ? [ORCHESTRATOR] : []), ...new Set(run.steps.map((s) => s.service))];
  const highlight = new Set(findings.flatMap((f) => f.events ?? []));
  const ending = `end: ${run.outcomes.map((o, k) => `saga ${k + 1} ${o ?? "stuck"}`).join(", ")}; balance ${run.final.account}, stock ${run.final.stock}`;
  const endingHighlighted = run.outcomes.includes(undefined);
  return worldDiagram(run.events, { participants, caption, highlight, hideLabels: new Set(["ack"]), ending, endingHighlighted });
}

function presentExplored(result: Extract<SagaResult, { mode: "explore" }>, findingsOf: FindingsOf): Presentation {
  const ex = result.example;
  const d = ex ? runDiagram(ex.run, findingsOf(ex.run), `${ex.design}, seed ${ex.at.value}`) : undefined;
  const title = ex ? `${ex.design}: run ${ex.at.index} (seed ${ex.at.value}), the first that went wrong` : "";
  return {
    title: `${result.tallies.map((t) => t.design).join(" vs ")}: ${result.tallies[0]?.runs ?? 0} seeded runs`,
    diagrams: d ? [{ id: "first-problem", title, mermaid: d.text, ...(d.omitted ? { omittedEvents: d.omitted } : {}) }] : [],
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
  const d = runDiagram(run, verdict.findings, caption);
  const errors = verdict.findings.filter((f) => f.severity === "error");
  const who = setup.sagas > 1 ? `${setup.sagas} sagas` : "Saga";
  return {
    title: `${who} (${run.style}): ${run.outcomes.map((o) => o ?? "stuck").join(", ")}${errors.length ? `, ${count(errors.length, "problem")}` : ""}`,
    diagrams: [{ id: "sequence", title: "The run, message by message", mermaid: d.text, ...(d.omitted ? { omittedEvents: d.omitted } : {}) }],
    charts: [],
    tables: tables(run),
    metrics: metrics(run, errors),
  };
}
