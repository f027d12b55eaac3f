// The cache-aside stale-set race: a reader misses and loads the old value, a writer updates the
// database and deletes the key, the reader then caches the old value until its TTL. Compare the
// fixes on explicit interleavings and on many random ones.
import { defineSimulator } from "../types";
import { check } from "./check";
import { simulate, type CacheAsideResult } from "./model";
import { present } from "./present";
import { schema, type Options } from "./scenario";

export const cacheAside = defineSimulator<Options, Options, CacheAsideResult>({
  id: "cache-aside",
  title: "Cache-aside race",
  description: "A reader and a writer share a cached key; watch a stale value outlive the update, and compare the fixes.",
  schema,
  resolve: (options) => options,
  examples: [
    { name: "the classic race", description: "Reader misses and loads, writer updates and deletes, reader caches the old value.", body: "strategy: update-then-delete\nsteps: [reader, reader, writer, writer, reader]\n" },
    { name: "leases close the race", description: "The same interleaving with memcache-style leases.", body: "strategy: lease\nsteps: [reader, reader, writer, writer, reader]\n" },
    { name: "compare strategies", description: "Random interleavings for every strategy, charted.", body: "runs: 500\ncompare: [update-then-delete, delete-then-update, delayed-double-delete, lease, versioned-cas]\nreads: 3\n" },
  ],
  run: (options, ctx) => simulate(options, ctx.rng, (f) => ctx.progress(f)),
  check: (result) => check(result),
  present: (result, verdict) => present(result, verdict),
});
