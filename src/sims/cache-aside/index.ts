// The cache-aside stale-set race: a reader misses and loads the old value, a writer updates the
// database and deletes the key, the reader then caches the old value until its TTL. Compare the
// fixes on explicit interleavings and on many random ones.
import { defineSimulator } from "../types";
import { check } from "./check";
import { simulate, type CacheAsideResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved } from "./scenario";

export const cacheAside = defineSimulator<Options, Resolved, CacheAsideResult>({
  id: "cache-aside",
  title: "Cache-aside race",
  description: "A reader and a writer share a cached key; watch a stale value outlive the update, and compare the fixes.",
  schema,
  examples,
  resolve,
  run: (resolved, ctx) => simulate(resolved, ctx.rng, (f) => ctx.progress(f)),
  check: (result) => check(result),
  present: (result, verdict) => present(result, verdict),
});
