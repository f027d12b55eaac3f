// Eviction benchmarks: requests per second for each policy on a 1,000,000-request Zipf(1.0) trace
// over 100,000 objects at 1,000 and 10,000 objects of capacity, with the memory each cache's arrays
// take; the miss-ratio-curve cell of 6 policies × 8 sizes; and a 10,000,000-request CSV trace
// streamed from disk (peak memory shows it is never held whole). Prints figures; asserts nothing.
import { performance } from "node:perf_hooks";
import { mkdtempSync, rmSync, openSync, writeSync, closeSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "../src/core/rng";
import { createCache, POLICY_IDS } from "../src/sims/eviction/policies";
import { generated } from "../src/sims/eviction/model/workload";
import { readFileSync } from "node:fs";
import { loadCell, runCell } from "../src/engine/pipeline";
import { readNotebook, scenarioCells } from "../src/engine/notebook";
import { findSimulator } from "../src/engine/registry";
import { folderFiles } from "../src/host/node/files";

function zipfTrace(requests: number, objects: number): Int32Array {
  const src = generated({ kind: "zipf", objects, requests, zipfAlpha: 1, scanLength: 0, scanEvery: 0, shifts: 1, sizes: { min: 1, max: 1 } }, createRng(42));
  const ids = new Int32Array(requests);
  const chunk = new Int32Array(65536);
  const sizes = new Float64Array(65536);
  let at = 0;
  for (let n = src.fill(chunk, sizes); n > 0; n = src.fill(chunk, sizes)) {
    ids.set(chunk.subarray(0, n), at);
    at += n;
  }
  return ids;
}

/** Heap and typed-array memory in use (with --expose-gc, measured after a collection). */
function footprint(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export function benchEviction(): void {
  const ids = zipfTrace(1_000_000, 100_000);
  console.log("\n## Eviction: requests per second (millions), 1,000,000 Zipf(1.0) requests over 100,000 objects");
  console.log(
    `${"policy".padEnd(11)} ${"size 1,000".padStart(11)} ${"size 10,000".padStart(12)} ${"miss 1k".padStart(8)} ${"miss 10k".padStart(9)} ${"memory".padStart(8)}${globalThis.gc ? "" : " (run with --expose-gc for exact memory)"}`,
  );
  for (const policy of POLICY_IDS) {
    const figures: string[] = [];
    const misses: string[] = [];
    let arrays = 0;
    for (const size of [1000, 10_000]) {
      let best = Infinity;
      let missRatio = 0;
      for (let rep = 0; rep < 3; rep++) {
        globalThis.gc?.();
        const before = footprint();
        const cache = createCache(policy, size, { seed: 1 });
        let miss = 0;
        const t0 = performance.now();
        for (let i = 0; i < ids.length; i++) if (!cache.get(ids[i]!, 1)) miss++;
        best = Math.min(best, performance.now() - t0);
        missRatio = miss / ids.length;
        globalThis.gc?.();
        arrays = Math.max(arrays, footprint() - before);
        if (cache.occupied() < 0) console.log("unreachable");
      }
      figures.push((ids.length / best / 1000).toFixed(1));
      misses.push((100 * missRatio).toFixed(2) + "%");
    }
    console.log(
      `${policy.padEnd(11)} ${figures[0]!.padStart(11)} ${figures[1]!.padStart(12)} ${misses[0]!.padStart(8)} ${misses[1]!.padStart(9)} ${((arrays / 1048576).toFixed(1) + " MB").padStart(8)}`,
    );
  }

  console.log("\n## Eviction: a miss-ratio-curve cell, 6 policies × 8 sizes over 1,000,000 requests");
  const cell =
    "workload: zipf\nobjects: 100000\nrequests: 1000000\ncacheSizes: [100, 300, 1000, 3000, 10000, 30000, 60000, 90000]\ncompare: [lru, fifo, sieve, s3-fifo, arc, w-tinylfu]\n";
  let t0 = performance.now();
  let progressCalls = 0;
  const r = runCell({ simulator: "eviction", source: cell }, () => progressCalls++);
  console.log(`${r.ok ? "ok" : "failed"} in ${(performance.now() - t0).toFixed(0)} ms, ${progressCalls} progress reports`);

  console.log("\n## Eviction: a 10,000,000-request CSV trace over 100,000 objects streamed from disk (LRU and S3-FIFO at 10,000)");
  const dir = mkdtempSync(join(tmpdir(), "dsnb-bench-"));
  try {
    const fd = openSync(join(dir, "big.csv"), "w");
    const zipf = zipfTrace(1_000_000, 100_000);
    for (let block = 0; block < 10; block++) {
      const lines: string[] = [];
      for (let i = 0; i < zipf.length; i++) lines.push(String(zipf[(i + block * 99_991) % zipf.length]! * 7));
      writeSync(fd, lines.join("\n") + "\n");
    }
    closeSync(fd);
    const fileMb = statSync(join(dir, "big.csv")).size / 1048576;
    // The same cell over the first million requests and over all ten: streaming shows as the same
    // peak memory for both (it grows with distinct objects, not with the length of the trace).
    for (const limit of [1_000_000, 0]) {
      globalThis.gc?.();
      const heapBefore = footprint();
      let peak = heapBefore;
      t0 = performance.now();
      const big = runCell(
        {
          simulator: "eviction",
          source: `workload: trace\ntrace:\n  file: big.csv\n  limit: ${limit}\ncacheSize: 10000\ncompare: [lru, s3-fifo]\n`,
          baseDir: dir,
        },
        () => {
          globalThis.gc?.();
          peak = Math.max(peak, footprint());
        },
        folderFiles,
      );
      const ms = performance.now() - t0;
      const n = big.ok ? big.output.metrics.requests! : 0;
      console.log(
        `${big.ok ? `${n.toLocaleString("en-US")} requests` : big.error.message} of a ${fileMb.toFixed(0)} MB file in ${(ms / 1000).toFixed(1)} s (${(n / ms / 1000).toFixed(1)} M requests/s parsed and replayed through both); live heap and buffers peaked ${((peak - heapBefore) / 1048576).toFixed(1)} MB above the start`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  lessonTimelines("caching-eviction.dsnb");
}

/**
 * The timelines of a lesson's cells: steps, the output's JSON size (budget: 1 MB), and how much of
 * the cell's time goes to present(), which draws the diagrams and builds the timeline: an upper
 * bound on the timeline's own cost (budget: a fifth of the cell). Medians after 3 warm-up runs.
 */
export function lessonTimelines(notebook: string): void {
  const dir = join(import.meta.dirname, "..", "samples");
  console.log(`\n## Timelines of ${notebook}: steps, output size, present() within the whole cell (medians, ms)`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  let largest = 0;
  for (const c of scenarioCells(readNotebook(new Uint8Array(readFileSync(join(dir, notebook)))), dir)) {
    const sim = findSimulator(c.request.simulator)!;
    const first = runCell(c.request, undefined, folderFiles);
    if (!first.ok) continue;
    const bytes = JSON.stringify(first.output).length;
    largest = Math.max(largest, bytes);
    const cell: number[] = [];
    const present: number[] = [];
    const started = performance.now();
    for (let r = 0; r < 3 + 5 || (r < 60 && performance.now() - started < 300); r++) {
      let t0 = performance.now();
      runCell(c.request, undefined, folderFiles);
      const total = performance.now() - t0;
      const loaded = loadCell(sim, c.request.source);
      const result = sim.run(loaded.resolved, {
        seed: first.output.seed,
        rng: createRng(first.output.seed),
        progress: () => {},
        files: folderFiles(c.request.baseDir),
      });
      const verdict = sim.check(result, loaded.resolved);
      t0 = performance.now();
      sim.present(result, verdict, loaded.resolved);
      if (r >= 3) {
        cell.push(total);
        present.push(performance.now() - t0);
      }
    }
    const [p, t] = [median(present), median(cell)];
    const steps = first.output.timeline?.steps.length ?? 0;
    console.log(
      `${(c.info.id ?? "").padEnd(26)} ${String(steps).padStart(4)} steps ${(bytes / 1024).toFixed(1).padStart(7)} KB   present ${p.toFixed(2).padStart(7)} of ${t.toFixed(2).padStart(8)} (${((100 * p) / t).toFixed(0)}%)`,
    );
  }
  console.log(`largest output: ${(largest / 1024).toFixed(1)} KB`);
}
