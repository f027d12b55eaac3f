// Rate limiting benchmarks: decisions per second of every limiter on one key's arrivals (a steady
// stream with bursts), and one comparison cell through the pipeline. Prints figures; asserts nothing.
import { performance } from "node:perf_hooks";
import { runCell } from "../src/engine/pipeline";
import { ALGORITHMS, MODES } from "../src/sims/rate-limit/scenario";
import { makeLimiter, nginxLimitReq } from "../src/sims/rate-limit/model";

const N = 200_000;

/** Arrivals at about 20 a second with a burst of 10 every second. */
function arrivals(): number[] {
  const out: number[] = [];
  for (let i = 0, t = 0; out.length < N; i++) {
    t += 50;
    out.push(t);
    if (i % 20 === 0) for (let j = 0; j < 10; j++) out.push(t);
  }
  return out.slice(0, N);
}

function rate(label: string, n: number, f: () => void, unit = "requests/s"): void {
  f(); // warm up
  const t0 = performance.now();
  f();
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${label.padEnd(44)} ${Math.round(n / s)
      .toLocaleString("en")
      .padStart(12)} ${unit}`,
  );
}

export function benchRateLimit(): void {
  console.log("\n## Rate limiting (decisions per second, one key, 20 r/s with bursts of 10)");
  const times = arrivals();
  const p = { limit: 10, windowMs: 1000, capacity: 10, burst: 10, nodelay: false };
  for (const { value } of ALGORITHMS)
    rate(value, times.length, () => {
      const l = makeLimiter(value, p);
      for (const t of times) l.decide(t);
    });
  rate("nginxLimitReq (the pure function)", times.length, () => void nginxLimitReq(times, { ratePerSecond: 10, burst: 10, nodelay: true }));
  const cell = `compare: [${ALGORITHMS.map((a) => a.value).join(", ")}]\nlimit: 10\ndurationMs: 60000\nkeys:\n  - name: user\n    traffic: trickle\n    ratePerSecond: 40\n`;
  let requests = 0;
  rate(
    `compare cell, all ${ALGORITHMS.length} algorithms, through the pipeline`,
    1,
    () => {
      const r = runCell({ simulator: "rate-limit", source: cell, seed: 1 });
      if (r.ok) requests = r.output.metrics.requests ?? 0;
    },
    "cells/s",
  );
  console.log(`(that cell sends ${requests} requests through each algorithm)`);
  for (const { value } of MODES) {
    const body = `limit: 10\ndurationMs: 60000\ndistributed:\n  nodes: 3\n  mode: ${value}\n  latencyMs: 20\nkeys:\n  - name: user\n    traffic: steady\n    ratePerSecond: 40\n`;
    let n = 0;
    const t0 = performance.now();
    const r = runCell({ simulator: "rate-limit", source: body, seed: 1 });
    if (r.ok) n = r.output.metrics.requests ?? 0;
    const s = (performance.now() - t0) / 1000;
    console.log(
      `${`distributed ${value} × 3, whole cell`.padEnd(44)} ${Math.round(n / s)
        .toLocaleString("en")
        .padStart(12)} requests/s`,
    );
  }
}
