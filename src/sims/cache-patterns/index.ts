// Caching patterns and their failure modes: write-back, write-through, write-around, read-through
// and refresh-ahead step by step; cache stampedes, penetration by missing ids and avalanches under
// load, each with the usual fixes compared on the same requests.
import { defineSimulator } from "../types";
import { check } from "./check";
import { simulate, type CachePatternsResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved } from "./scenario";

export const cachePatterns = defineSimulator<Options, Resolved, CachePatternsResult>({
  id: "cache-patterns",
  title: "Caching patterns and failure modes",
  description:
    "Write-back, write-through, write-around, read-through and refresh-ahead step by step; " +
    "stampedes, penetration and avalanches under load, with their fixes compared.",
  schema,
  examples,
  resolve,
  run: (resolved, ctx) => simulate(resolved, ctx.rng, (f) => ctx.progress(f)),
  check: (result, resolved) => check(result, resolved),
  present: (result, verdict, resolved) => present(result, verdict, resolved),
});
