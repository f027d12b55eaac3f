// Cache eviction: replay a request stream (generated or a CSV trace) through LRU, FIFO, LFU, CLOCK,
// ARC, 2Q, S3-FIFO, SIEVE, W-TinyLFU and Redis's sampled LRU and LFU, with libCacheSim's semantics.
import { defineSimulator } from "../types";
import { check } from "./check";
import { simulate, type EvictionResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved } from "./scenario";

export const eviction = defineSimulator<Options, Resolved, EvictionResult>({
  id: "eviction",
  title: "Cache eviction policies",
  description:
    "Replay requests through LRU, FIFO, LFU, CLOCK, ARC, 2Q, S3-FIFO, SIEVE, W-TinyLFU or Redis's sampled LRU/LFU " +
    "and compare miss ratios and miss-ratio curves.",
  schema,
  examples,
  resolve,
  run: simulate,
  check,
  present,
});
