// The saga simulator: one run drawn as a sequence diagram with the checker's findings highlighted,
// or an exploration of many seeds per design, charted.
import { createRng, type Rng } from "../../core/rng";
import { verdictFrom, type Verdict } from "../../core/verdict";
import type { TableSpec } from "../../protocol/output";
import { defineSimulator, type Presentation } from "../types";
import { worldDiagram } from "../../present/network";
import { exploreDesigns, exploreVerdict, seedCases, SEEDED, type Explored } from "../../core/explore";
import { exploreChart, exploreMetrics, exploreTable } from "../../present/explore";
import { classify, sagaFindings, type RunClass } from "./saga-check";
import { flowOf, ORCHESTRATOR, runSaga, type SagaRun } from "./saga-model";
import { schema, type Design, type Options } from "./saga-scenario";

export const CLASSES: readonly RunClass[] = ["completed", "compensated", "stuck", "violated"];

export type SagaResult =
  | { readonly mode: "run"; readonly run: SagaRun }
  | Explored<RunClass, SagaRun>;

/** The cell key and value that a design stands for. */
export function designKeys(d: Design): { idempotent: boolean } | { style: Design } | { countermeasure: Design } {
  if (d === "dedup" || d === "no-dedup") return { idempotent: d === "dedup" };
  if (d === "orchestration" || d === "choreography") return { style: d };
  return { countermeasure: d };
}

export function withDesign(options: Options, d: Design): Options {
  return { ...options, ...designKeys(d) } as Options;
}

function describeDesign(o: Options): string {
  return `${o.style}, ${o.idempotent ? "dedup" : "no dedup"}${o.countermeasure !== "none" ? `, ${o.countermeasure}` : ""}`;
}

export function simulateSaga(options: Options, rng: Rng, progress: (f: number) => void): SagaResult {
  flowOf(options); // names checked before anything runs
  if (options.explore === 0) return { mode: "run", run: runSaga(options, rng) };
  const designs = options.compare.length ? [...new Set(options.compare)].map((d) => ({ name: d as string, options: withDesign(options, d), keys: designKeys(d) })) : [{ name: describeDesign(options), options }];
  return exploreDesigns(CLASSES, designs, seedCases(options.explore, rng), (o, seed) => runSaga(o, createRng(seed)), (run) => {
    const f = sagaFindings(run);
    return { outcome: classify(run, f), codes: f.filter((x) => x.severity === "error").map((x) => x.code) };
  }, (t) => t.first.violated ?? t.first.stuck, progress);
}

const CODE_WORDS: Record<string, string> = {
  "saga-stuck": "A saga neither completed nor compensated.",
  "double-charge": "The customer was charged more than once for one order.",
  "charged-after-compensation": "A charge took effect after its saga had been compensated.",
  "duplicate-effect": "A step took effect more than once.",
  "undo-without-effect": "A compensation undid something that never happened.",
  "missing-effect": "A saga completed with a step not in effect.",
  "lost-update": "A compensation overwrote another saga's change.",
  "money-not-conserved": "The balance disagrees with the charges and refunds applied.",
  "stock-not-conserved": "The stock disagrees with the reservations and releases applied.",
  "dirty-read": "A saga was refused on a value another saga later undid.",
};

export function checkSaga(result: SagaResult): Verdict {
  if (result.mode === "explore") return exploreVerdict(result.tallies, ["stuck", "violated"], "runs", (c) => CODE_WORDS[c] ?? "", SEEDED);
  const run = result.run;
  const findings = sagaFindings(run);
  const outcome = run.outcomes.map((o, k) => `saga ${k + 1} ${o ?? "stuck"}`).join(", ");
  return verdictFrom(findings, `${outcome[0]!.toUpperCase()}${outcome.slice(1)}; balance ${run.final.account}, stock ${run.final.stock}, all consistent.`, `${findings.filter((f) => f.severity === "error").length} problem${findings.filter((f) => f.severity === "error").length === 1 ? "" : "s"}: ${[...new Set(findings.map((f) => f.code))].join(", ")}.`);
}

function stepCell(run: SagaRun, k: number, i: number): string {
  const a = run.applied[k]![i]!;
  const u = run.undone[k]![i]!;
  if (a === 0 && u === 0) return "not run";
  const did = a === 0 ? "" : a === 1 ? "done" : `done ×${a}`;
  const undid = u === 0 ? "" : u === 1 ? "compensated" : `compensated ×${u}`;
  return [did, undid].filter(Boolean).join(", ");
}

function runDiagram(run: SagaRun, verdict: Verdict | undefined, caption: string) {
  const participants = [...(run.style === "orchestration" ? [ORCHESTRATOR] : []), ...new Set(run.steps.map((s) => s.service))];
  const highlight = new Set((verdict?.findings ?? sagaFindings(run)).flatMap((f) => f.events ?? []));
  const ending = `end: ${run.outcomes.map((o, k) => `saga ${k + 1} ${o ?? "stuck"}`).join(", ")}; balance ${run.final.account}, stock ${run.final.stock}`;
  return worldDiagram(run.events, { participants, caption, highlight, hideLabels: new Set(["ack"]), ending, endingHighlighted: run.outcomes.includes(undefined) });
}

export function presentSaga(result: SagaResult, verdict: Verdict, options: Options): Presentation {
  if (result.mode === "explore") {
    const ex = result.example;
    const diagrams = ex ? [{ id: "first-problem", title: `${ex.design}: run ${ex.at.index} (seed ${ex.at.value}), the first that went wrong`, ...((d) => ({ mermaid: d.text, ...(d.omitted ? { omittedEvents: d.omitted } : {}) }))(runDiagram(ex.run, undefined, `${ex.design}, seed ${ex.at.value}`)) }] : [];
    return {
      title: `${result.tallies.map((t) => t.design).join(" vs ")}: ${result.tallies[0]?.runs ?? 0} seeded runs`,
      diagrams,
      charts: [exploreChart(result.tallies, CLASSES, "A design that keeps the stuck and violated bars at zero holds up under these faults.")],
      tables: [exploreTable(result.tallies, CLASSES)],
      metrics: exploreMetrics(result.tallies, CLASSES),
    };
  }
  const run = result.run;
  const d = runDiagram(run, verdict, `${run.style}, ${run.idempotent ? "idempotent receivers" : "no deduplication"}${run.countermeasure !== "none" ? `, ${run.countermeasure}` : ""}; pivot: ${run.steps[run.pivot]!.name}`);
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
    rows: [["customer balance", run.initial.account, run.final.account], ["stock", run.initial.stock, run.final.stock]],
  };
  const errors = verdict.findings.filter((f) => f.severity === "error");
  return {
    title: `${options.sagas > 1 ? `${options.sagas} sagas` : "Saga"} (${run.style}): ${run.outcomes.map((o) => o ?? "stuck").join(", ")}${errors.length ? `, ${errors.length} problem${errors.length > 1 ? "s" : ""}` : ""}`,
    diagrams: [{ id: "sequence", title: "The run, message by message", mermaid: d.text, ...(d.omitted ? { omittedEvents: d.omitted } : {}) }],
    charts: [],
    tables: [sagas, values],
    metrics: {
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
    },
  };
}

export const saga = defineSimulator<Options, Options, SagaResult>({
  id: "saga",
  title: "Sagas",
  description: "Order, payment, inventory and shipping as a saga, orchestrated or choreographed, with crashes, lost and duplicated messages, retries, compensations and concurrent sagas.",
  schema,
  resolve: (options) => options,
  examples: [
    { name: "payment fails", description: "The card is declined; the order is rejected.", body: "style: orchestration\nfaults:\n  - type: step-fails\n    step: payment\n" },
    { name: "orchestrator crashes", description: "The orchestrator crashes after the payment and resumes from its saga log.", body: "faults:\n  - type: crash\n    service: orchestrator\n    after: payment\n    downMs: 300\n" },
    { name: "idempotent or not", description: "1,000 seeds with lost and duplicated messages, with and without deduplication.", body: "explore: 1000\ncompare: [dedup, no-dedup]\nnetwork:\n  loss: 0.05\n  duplicate: 0.05\nrandom:\n  stepFails: 0.1\n  crash: 0.02\n" },
    { name: "two sagas, one account", description: "A dirty read: the second saga is refused on a charge the first later refunds.", body: "sagas: 2\nbalance: 100\namount: 60\ncountermeasure: none\nnetwork:\n  minDelayMs: 10\n  maxDelayMs: 10\nfaults:\n  - type: step-fails\n    step: inventory\n    saga: 1\n" },
  ],
  run: (options, ctx) => simulateSaga(options, ctx.rng, (f) => ctx.progress(f)),
  check: (result) => checkSaga(result),
  present: (result, verdict, options) => presentSaga(result, verdict, options),
});

