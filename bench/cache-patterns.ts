// Caching patterns benchmark: how many simulated requests per second the load model processes
// (arrivals, cache lookups, database queue, trace), for a stampede under each protection and for
// an avalanche over 10,000 keys. Prints figures; asserts nothing.
import { performance } from "node:perf_hooks";
import { createRng } from "../src/core/rng";
import { drawArrivals } from "../src/sims/cache-patterns/model/arrivals";
import { runLoad } from "../src/sims/cache-patterns/model/load-run";
import { resolve, type Options, type Strategy } from "../src/sims/cache-patterns/scenario";
import type { ResolveContext } from "../src/sims/types";
import { lessonTimelines } from "./eviction";

const BASE = {
  strategy: "none",
  compare: [],
  absentKeys: 50,
  absentShare: 0.5,
  servers: 4,
  cacheLatencyMs: 1,
  bucketMs: 100,
  herdLimit: 5,
  penetrationLimit: 0.1,
  flushIntervalMs: 1000,
  invalidateOnWrite: true,
  refreshAheadFactor: 0.8,
  lockTtlMs: 1000,
  retryMs: 20,
  beta: 1,
  ttlJitter: 0.5,
  negativeTtlMs: 2000,
  maxDiagramEvents: 40,
} as const;

/** The bench's options are written here, so a problem with them is a plain error. */
const THROW: ResolveContext = {
  at: () => undefined,
  fail: (_path, message) => {
    throw new Error(message);
  },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function measure(overrides: Partial<Options> & Pick<Options, "scenario">, strategy: Strategy): { requests: number; perSecond: number; dbQueries: number } {
  const o = resolve({ ...BASE, ...overrides } as Options, THROW);
  const arrivals = drawArrivals(o, createRng(1));
  runLoad(o, strategy, arrivals, createRng(2)); // warm up
  const times: number[] = [];
  let dbQueries = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    dbQueries = runLoad(o, strategy, arrivals, createRng(2), 0).dbQueries;
    times.push(performance.now() - t0);
  }
  return { requests: arrivals.length, perSecond: arrivals.length / (median(times) / 1000), dbQueries };
}

function row(name: string, r: { requests: number; perSecond: number; dbQueries: number }, note = ""): string {
  return `${name.padEnd(34)} ${String(r.requests).padStart(9)} ${String(r.dbQueries).padStart(10)} ${(r.perSecond / 1e6).toFixed(2).padStart(8)}${note}`;
}

export function benchCachePatterns(): void {
  console.log("\n## Caching patterns: simulated requests per second (millions, median of 3, traced)");
  const stampede = { scenario: "stampede", rps: 20_000, durationMs: 10_000, ttlMs: 1000, dbCapacity: 2000 } as const;
  console.log(`${"run".padEnd(34)} ${"requests".padStart(9)} ${"DB queries".padStart(10)} ${"M req/s".padStart(8)}`);
  for (const s of ["none", "single-flight", "lock", "lock-stale", "xfetch", "jitter"] as const) {
    console.log(row(`stampede, 20k rps, ${s}`, measure(stampede, s)));
  }
  const avalanche = { scenario: "avalanche", keys: 10_000, rps: 20_000, durationMs: 10_000, ttlMs: 4000, dbCapacity: 5000 } as const;
  for (const s of ["none", "jitter"] as const) console.log(row(`avalanche, 10k keys, ${s}`, measure(avalanche, s)));
  const penetration = { scenario: "penetration", absentKeys: 1_000_000, rps: 20_000, durationMs: 10_000, keys: 100_000, dbCapacity: 20_000 } as const;
  const r = measure(penetration, "bloom-filter");
  console.log(row("penetration, Bloom filter", r, "  (includes building the filter and the 300,000 lookups of its report)"));
  lessonTimelines("caching-failures.dsnb");
}

if (process.argv[1] && import.meta.filename === process.argv[1]) benchCachePatterns();
