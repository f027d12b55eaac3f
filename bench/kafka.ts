// Kafka benchmarks: records simulated per second (a producer, three replicated partitions, a
// consumer group; the model alone, then with the checker), rebalances simulated per second (a group
// whose members keep joining, leaving and crashing, eager and cooperative), and whole cells through
// the pipeline for each example. Prints figures; asserts nothing.
import { performance } from "node:perf_hooks";
import { createRng } from "../src/core/rng";
import { findSimulator } from "../src/engine/registry";
import { loadCell, runCell } from "../src/engine/pipeline";
import { verdictOf } from "../src/sims/kafka/check";
import { simulate } from "../src/sims/kafka/model";
import { examples, type Resolved } from "../src/sims/kafka/scenario";

const setupOf = (body: string) => (loadCell(findSimulator("kafka")!, body).resolved as Resolved).run;
const fmt = (n: number) => Math.round(n).toLocaleString("en").padStart(10);

function records(label: string, body: string, runs: number): void {
  const o = setupOf(body);
  simulate(o, createRng(0)); // warm up
  let sent = 0;
  let modelMs = 0;
  const t0 = performance.now();
  for (let i = 1; i <= runs; i++) {
    const t = performance.now();
    const run = simulate(o, createRng(i));
    modelMs += performance.now() - t;
    sent += run.sent.length;
    verdictOf(run);
  }
  const totalMs = performance.now() - t0;
  console.log(`${label.padEnd(52)} ${fmt((sent / modelMs) * 1000)} records/s simulated ${fmt((sent / totalMs) * 1000)} records/s simulated and checked`);
}

function rebalances(label: string, body: string, runs: number): void {
  const o = setupOf(body);
  simulate(o, createRng(0));
  let count = 0;
  const t0 = performance.now();
  for (let i = 1; i <= runs; i++) count += simulate(o, createRng(i)).rebalances.length;
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(52)} ${fmt(count / s)} rebalances/s  (${(count / runs).toFixed(1)} per run)`);
}

/** A group of six whose members come and go every 100 ms. */
function churn(assignor: string): string {
  const faults: string[] = [];
  for (let i = 0; i < 6; i++) {
    const at = 100 + i * 100;
    faults.push(`  - { type: consumer-join, consumer: c${7 + i}, atMs: ${at} }`);
    faults.push(`  - { type: ${i % 2 ? "consumer-leave" : "consumer-crash"}, consumer: c${i + 1}, atMs: ${at + 50}${i % 2 ? "" : ", downMs: 200"} }`);
  }
  return `partitions: 12\nreplicationFactor: 1\nconsumers: 6\nassignor: ${assignor}\nsessionTimeoutMs: 60\nworkload: { records: 200, keys: 24, everyMs: 4 }\nuntilMs: 1500\nfaults:\n${faults.join("\n")}\n`;
}

export function benchKafka(): void {
  console.log("\n## Kafka (records and rebalances simulated per second; whole cells through the pipeline)");
  records(
    "2,000 records, 6 partitions x 3 replicas, 3 consumers",
    "partitions: 6\nconsumers: 3\nworkload: { records: 2000, keys: 50, everyMs: 3 }\nuntilMs: 8000\n",
    5,
  );
  records(
    "  … idempotent, network loss 1%, commit transactional",
    "partitions: 6\nconsumers: 3\nidempotence: true\ncommit: transactional\nnetwork: { loss: 0.01 }\nworkload: { records: 2000, keys: 50, everyMs: 3 }\nuntilMs: 8000\n",
    5,
  );
  rebalances("churning group of 6, range (eager)", churn("range"), 20);
  rebalances("churning group of 6, cooperative-sticky", churn("cooperative-sticky"), 20);
  for (const ex of examples) {
    runCell({ simulator: "kafka", source: ex.body, seed: 1 }); // warm up
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 300) {
      runCell({ simulator: "kafka", source: ex.body, seed: 1 });
      n++;
    }
    const s = (performance.now() - t0) / 1000;
    console.log(`${ex.name.padEnd(52)} ${fmt(n / s)} cells/s`);
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) benchKafka();
