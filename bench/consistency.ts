// Consistency checker benchmarks: the linearizability check on every history stored from Porcupine
// (Jepsen's etcd logs, Knossos's key-value logs), with the verdict each of Porcupine's tests
// asserts checked again here, including the two unpartitioned ten-client tests the unit tier
// leaves out. Porcupine reports no time per file; the only figures it gives are in comments of its
// tests (the unpartitioned ten-client key-value histories "take about 90 seconds" and "about 60
// seconds" in Go), quoted next to ours. Prints figures; asserts nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { checkLinearizable, parseEtcdLog, parseKvLog, type LinearizabilityResult, type ParsedHistory } from "../src/core/consistency";

const dir = join(import.meta.dirname, "..", "test", "oracles", "porcupine");

interface Expected {
  readonly linearizable: boolean;
  readonly test?: string;
  readonly tests?: readonly { readonly test: string; readonly partitioned: boolean }[];
}

/** What Porcupine's test file says about the time of a test, where it says anything. */
const PORCUPINE_SAYS: Readonly<Record<string, string>> = {
  TestKvNoPartition10ClientsOk: "about 90 s (comment in porcupine_test.go)",
  TestKvNoPartition10ClientsBad: "about 60 s (comment in porcupine_test.go)",
};

function load(file: string): ParsedHistory {
  const text = readFileSync(join(dir, file), "utf8");
  return file.startsWith("jepsen/") ? parseEtcdLog(text) : parseKvLog(text);
}

/** Median time of `runs` checks, and the last result. */
function time(h: ParsedHistory, partition: boolean, explain: boolean, runs: number): { ms: number; result: LinearizabilityResult } {
  const times: number[] = [];
  let result!: LinearizabilityResult;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = checkLinearizable(h.operations, { initial: h.initial, partition, explain, maxSteps: 100_000_000 });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, result };
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function benchEtcd(verdicts: Record<string, Expected>): { agree: number; total: number } {
  console.log("\n## Consistency: linearizability of Jepsen's etcd histories (median of 3 runs each, after a warm-up)");
  for (const file of Object.keys(verdicts).filter((f) => f.startsWith("jepsen/"))) time(load(file), true, true, 1); // warm up the JIT
  const rows = Object.entries(verdicts)
    .filter(([f]) => f.startsWith("jepsen/"))
    .map(([file, e]) => {
      const h = load(file);
      const { ms, result } = time(h, true, false, 3);
      const explained = e.linearizable ? 0 : time(h, true, true, 1).ms;
      return { file, ops: h.operations.length, ms, explained, steps: result.steps, agree: result.valid === e.linearizable };
    });
  const ms = rows.map((r) => r.ms);
  const largest = rows.reduce((a, b) => (b.ops > a.ops || (b.ops === a.ops && b.file > a.file) ? b : a));
  const slowest = rows.reduce((a, b) => (b.ms > a.ms ? b : a));
  const bad = rows.filter((r) => r.explained > 0).map((r) => r.explained);
  console.log(
    `${rows.length} histories (${Math.min(...rows.map((r) => r.ops))}–${largest.ops} operations), ${rows.filter((r) => r.agree).length} agree with Porcupine's tests`,
  );
  console.log(
    `check: median ${quantile(ms, 0.5).toFixed(2)} ms, 90th percentile ${quantile(ms, 0.9).toFixed(2)} ms, total ${ms.reduce((a, b) => a + b, 0).toFixed(0)} ms`,
  );
  console.log(`largest: ${largest.file} (${largest.ops} operations) ${largest.ms.toFixed(2)} ms, ${largest.steps} search steps`);
  console.log(
    `slowest: ${slowest.file} (${slowest.ops} operations) ${slowest.ms.toFixed(2)} ms, ${slowest.steps} search steps (${(slowest.steps / slowest.ms / 1000).toFixed(1)} M steps/s)`,
  );
  console.log(
    `with the explanation (witness shrinking), ${bad.length} non-linearizable histories: median ${quantile(bad, 0.5).toFixed(2)} ms, max ${Math.max(...bad).toFixed(2)} ms`,
  );
  console.log("Porcupine reports no time per etcd file (its README: 1,000x–10,000x faster than Knossos on these files).");
  return { agree: rows.filter((r) => r.agree).length, total: rows.length };
}

function benchKv(verdicts: Record<string, Expected>): { agree: number; total: number } {
  console.log("\n## Consistency: Knossos's key-value histories, every test Porcupine runs on them");
  console.log(
    `${"test".padEnd(32)} ${"file".padEnd(14)} ${"ops".padStart(5)} ${"keys".padStart(4)} ${"verdict".padStart(8)} ${"ours".padStart(10)}  Porcupine says`,
  );
  let agree = 0;
  let total = 0;
  for (const [file, e] of Object.entries(verdicts).filter(([f]) => f.startsWith("kv/"))) {
    const h = load(file);
    for (const t of e.tests ?? []) {
      const { ms, result } = time(h, t.partitioned, false, t.partitioned ? 3 : 1);
      total++;
      if (result.valid === e.linearizable) agree++;
      const keys = new Set(h.operations.map((o) => o.key)).size;
      console.log(
        `${t.test.padEnd(32)} ${file.padEnd(14)} ${String(h.operations.length).padStart(5)} ${String(t.partitioned ? keys : 1).padStart(4)} ${String(result.valid).padStart(8)} ${`${ms.toFixed(1)} ms`.padStart(10)}  ${PORCUPINE_SAYS[t.test] ?? "no figure"}${result.valid === e.linearizable ? "" : "  (DISAGREES)"}`,
      );
    }
  }
  return { agree, total };
}

export function benchConsistency(): void {
  const verdicts = (JSON.parse(readFileSync(join(dir, "verdicts.json"), "utf8")) as { histories: Record<string, Expected> }).histories;
  const etcd = benchEtcd(verdicts);
  const kv = benchKv(verdicts);
  console.log(`\nPorcupine's tests: ${etcd.agree + kv.agree} of ${etcd.total + kv.total} verdicts agree.`);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) benchConsistency();
