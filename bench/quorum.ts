// Quorum lab benchmarks: simulated client operations per second (runs of the leaderless store,
// checked for linearizability and session guarantees), with random network delays, a crash, clock
// skew and both conflict modes; and one comparison cell through the pipeline. Prints figures; asserts nothing.
import { performance } from "node:perf_hooks";
import { createRng } from "../src/core/rng";
import { findSimulator } from "../src/engine/registry";
import { loadCell, runCell } from "../src/engine/pipeline";
import { simulateOnce } from "../src/sims/quorum/model";
import { judge } from "../src/sims/quorum/check";
import type { Resolved } from "../src/sims/quorum/scenario";

function workload(clients: number, opsEach: number): string {
  const lines: string[] = [];
  for (let c = 0; c < clients; c++)
    for (let i = 0; i < opsEach; i++)
      lines.push(`  - { at: ${i * 30 + c * 7}, client: c${c}, op: ${i % 3 === 0 ? "write" : "read"}, key: ${["k", "a", "b"][i % 3]}, value: ${c * 100 + i} }`);
  return `ops:\n${lines.join("\n")}\n`;
}

function perSecond(label: string, body: string, n: number): void {
  const setup = (loadCell(findSimulator("quorum")!, body).resolved as Resolved).run;
  for (let i = 0; i < 20; i++) judge(simulateOnce(setup, createRng(i))); // warm up
  let ops = 0;
  let events = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const run = simulateOnce(setup, createRng(i));
    ops += run.ops.length;
    events += run.events.length;
    judge(run);
  }
  const s = (performance.now() - t0) / 1000;
  const opsPerSecond = Math.round(ops / s).toLocaleString("en");
  console.log(
    `${label.padEnd(44)} ${opsPerSecond.padStart(9)} ops/s  ${Math.round(n / s)
      .toLocaleString("en")
      .padStart(6)} runs/s  (${(events / n).toFixed(0)} trace events per run)`,
  );
}

export function benchQuorum(): void {
  console.log("\n## Quorums: simulated client operations per second (run + linearizability and session checks)");
  const base = workload(4, 6);
  perSecond("N=3 R=2 W=2, lww, 24 ops", base, 2000);
  perSecond("N=3 R=2 W=2, version vectors, 24 ops", `conflicts: version-vectors\n${base}`, 2000);
  perSecond(
    "blocking read repair, a crash, skew, 24 ops",
    `readRepair: blocking\nclocks:\n  - { node: n2, skewMs: -50 }\nfaults:\n  - { type: crash, node: n1, atMs: 40, downMs: 100 }\n${base}`,
    2000,
  );
  perSecond("N=3 R=2 W=2, lww, 8 clients × 5 ops", workload(8, 5), 1000);
  const t0 = performance.now();
  const r = runCell({
    simulator: "quorum",
    source: `${base}compare:\n  - { readRepair: none }\n  - { readRepair: blocking }\n  - { r: 1, w: 1 }\n  - { conflicts: version-vectors }\n`,
    seed: 7,
  });
  if (!r.ok) throw new Error(r.error.message);
  console.log(`${"compare: 4 settings × 24 ops (pipeline)".padEnd(44)} ${(performance.now() - t0).toFixed(0).padStart(9)} ms`);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) benchQuorum();
