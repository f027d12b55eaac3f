// Sagas lab benchmarks: simulated saga runs per second (the standard order → payment → inventory →
// shipping flow under lost and duplicated messages, failing steps and crashes, run and checked), in
// both styles and with two concurrent sagas; and the time of 1,000-seed exploration cells for
// sagas, two-phase commit and the outbox. Prints figures; asserts nothing.
import { performance } from "node:perf_hooks";
import { createRng } from "../src/core/rng";
import { findSimulator } from "../src/engine/registry";
import { loadCell, runCell } from "../src/engine/pipeline";
import { runSaga } from "../src/sims/saga/model";
import { sagaFindings } from "../src/sims/saga/check";
import type { Resolved } from "../src/sims/saga/scenario";

const FAULTS = "network:\n  loss: 0.05\n  duplicate: 0.05\nrandom:\n  stepFails: 0.1\n  crash: 0.02\n  compensationFails: 0.1\n";

function perSecond(label: string, body: string, n: number): void {
  const options = (loadCell(findSimulator("saga")!, body).resolved as Resolved).run;
  for (let i = 0; i < 200; i++) sagaFindings(runSaga(options, createRng(i))); // warm up
  let events = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const run = runSaga(options, createRng(i));
    events += run.events.length;
    sagaFindings(run);
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${label.padEnd(40)} ${Math.round(n / s)
      .toLocaleString("en")
      .padStart(8)} runs/s  (${(events / n).toFixed(0)} trace events per run)`,
  );
}

function cell(label: string, simulator: string, body: string): void {
  const t0 = performance.now();
  const r = runCell({ simulator, source: body, seed: 7 });
  const ms = performance.now() - t0;
  if (!r.ok) throw new Error(r.error.message);
  console.log(`${label.padEnd(40)} ${ms.toFixed(0).padStart(8)} ms  (${r.output.verdict.summary.slice(0, 90)}…)`);
}

export function benchSagas(): void {
  console.log("\n## Sagas: simulated runs per second (run + check), standard flow with faults");
  perSecond("orchestration, dedup", `style: orchestration\n${FAULTS}`, 20_000);
  perSecond("choreography, dedup, outbox", `style: choreography\n${FAULTS}`, 20_000);
  perSecond("orchestration, no dedup", `idempotent: false\n${FAULTS}`, 20_000);
  perSecond("2 concurrent sagas, semantic lock", `sagas: 2\namount: 40\ncountermeasure: semantic-lock\n${FAULTS}`, 10_000);
  console.log("\n## Sagas lab: 1,000-seed exploration cells (through the cell pipeline)");
  cell("saga: explore 1000, dedup vs no-dedup", "saga", `explore: 1000\ncompare: [dedup, no-dedup]\n${FAULTS}`);
  cell("saga: explore 1000, one design", "saga", `explore: 1000\n${FAULTS}`);
  const crashes = "random:\n  coordinatorCrash: 0.3\n  downMs: 0\n";
  cell("two-phase-commit: explore 1000 × 3", "two-phase-commit", `explore: 1000\ncompare: [wait, cooperative, heuristic-abort]\n${crashes}`);
  cell("outbox: explore 1000 × 4", "outbox", "explore: 1000\ncompare: [dual-write, publish-first, outbox, outbox-dedup]\nrandom:\n  crash: 0.1\n");
}

if (process.argv[1] && import.meta.filename === process.argv[1]) benchSagas();
