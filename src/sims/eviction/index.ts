// Cache eviction: replay a request stream (generated or a CSV trace) through LRU, FIFO, LFU, CLOCK,
// ARC, 2Q, S3-FIFO, SIEVE, W-TinyLFU and Redis's sampled LRU and LFU, with libCacheSim's semantics.
import { defineSimulator } from "../types";
import { check } from "./check";
import { simulate, type EvictionResult } from "./model";
import { present } from "./present";
import { schema, type Options } from "./scenario";

export const eviction = defineSimulator<Options, Options, EvictionResult>({
  id: "eviction",
  title: "Cache eviction policies",
  description: "Replay requests through LRU, FIFO, LFU, CLOCK, ARC, 2Q, S3-FIFO, SIEVE, W-TinyLFU or Redis's sampled LRU/LFU and compare miss ratios and miss-ratio curves.",
  schema,
  resolve: (options) => options,
  examples: [
    { name: "compare policies on Zipf", description: "Eight policies on the same Zipf(1) requests.", body: "workload: zipf\nobjects: 10000\nrequests: 100000\ncacheSize: 500\ncompare: [lru, fifo, clock, sieve, s3-fifo, arc, 2q, w-tinylfu]\n" },
    { name: "miss-ratio curve", description: "Miss ratio against cache size for several policies.", body: "workload: zipf\nobjects: 20000\nrequests: 200000\ncacheSizes: [20, 60, 200, 600, 2000, 6000]\ncompare: [lru, fifo, sieve, s3-fifo, arc, w-tinylfu]\n" },
    { name: "scans through a hot set", description: "A scan flushes LRU; scan-resistant policies keep the hot set.", body: "workload: scan\nobjects: 2000\nrequests: 200000\nscanLength: 5000\nscanEvery: 20000\ncacheSize: 1000\ncompare: [lru, s3-fifo, arc, 2q]\n" },
    { name: "replay a CSV trace", description: "Stream requests from a CSV file next to the notebook.", body: "workload: trace\ntrace:\n  file: requests.csv\n  idColumn: 1\n  sizeColumn: 0\ncacheSizes: [100, 1000, 10000]\ncompare: [lru, sieve, s3-fifo]\n" },
  ],
  run: (options, ctx) => simulate(options, ctx),
  check: (result, options) => check(result, options),
  present: (result, verdict, options) => present(result, verdict, options),
});
