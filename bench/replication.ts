// Replication lab benchmarks: simulated client operations per second (a seeded workload on a leader
// and two lagging followers, run and then judged by the consistency checker), under each replication
// mode and read target, with a failover, and as a five-level Cosmos DB comparison cell. Prints
// figures; asserts nothing.
import { performance } from "node:perf_hooks";
import { createRng } from "../src/core/rng";
import { findSimulator } from "../src/engine/registry";
import { loadCell, runCell } from "../src/engine/pipeline";
import { simulate } from "../src/sims/replication/model";
import { runFindings } from "../src/sims/replication/check";
import type { Resolved } from "../src/sims/replication/scenario";

const CLUSTER =
  "followers:\n  - { name: f1, lagMs: 5, lagMaxMs: 60 }\n  - { name: f2, lagMs: 20, lagMaxMs: 120 }\nworkload: { clients: 4, ops: 25, keys: 3, gapMs: 10 }\n";

function perSecond(label: string, body: string, runs: number): void {
  const options = (loadCell(findSimulator("replication")!, body).resolved as Resolved).run;
  for (let i = 0; i < 20; i++) runFindings(simulate(options, createRng(i)), options); // warm up
  let ops = 0;
  let simulated = 0;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) {
    const run = simulate(options, createRng(i));
    ops += run.ops.length;
    simulated += performance.now();
    runFindings(run, options);
    simulated -= performance.now();
  }
  const total = (performance.now() - t0) / 1000;
  const checking = -simulated / 1000;
  console.log(
    `${label.padEnd(36)} ${Math.round(ops / (total - checking))
      .toLocaleString("en")
      .padStart(9)} ops/s simulated  ${Math.round(ops / total)
      .toLocaleString("en")
      .padStart(8)} ops/s simulated and checked  (${ops / runs} ops per run)`,
  );
}

function cell(label: string, body: string): void {
  const t0 = performance.now();
  const r = runCell({ simulator: "replication", source: body, seed: 7 });
  const ms = performance.now() - t0;
  if (!r.ok) throw new Error(r.error.message);
  console.log(`${label.padEnd(36)} ${ms.toFixed(0).padStart(8)} ms  (${r.output.verdict.summary.slice(0, 80)}…)`);
}

export function benchReplication(): void {
  console.log("\n## Replication: simulated client operations per second (4 clients × 25 operations, 2 followers)");
  perSecond("async, reads at any follower", `replication: async\nread: any\n${CLUSTER}`, 300);
  perSecond("semi-sync, caught-up reads", `replication: semi-sync\nread: caught-up\n${CLUSTER}`, 300);
  perSecond("sync, leader reads", `replication: sync\nread: leader\n${CLUSTER}`, 300);
  perSecond("async, leader crash and failover", `replication: async\nread: leader\ncrash: { atMs: 120 }\n${CLUSTER}`, 300);
  console.log("\n## Replication lab: cells through the pipeline");
  cell("five Cosmos DB levels compared", `${CLUSTER}compare: [strong, bounded-staleness, session, consistent-prefix, eventual]\n`);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) benchReplication();
