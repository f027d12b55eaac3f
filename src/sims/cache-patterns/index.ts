// Caching patterns and their failure modes: write-back, write-through, write-around, read-through
// and refresh-ahead step by step; cache stampedes, penetration by missing ids and avalanches under
// load, each with the usual fixes compared on the same requests.
import { defineSimulator } from "../types";
import { check, type CachePatternsResult } from "./check";
import { simulateLoad } from "./load";
import { runPatterns } from "./patterns";
import { present } from "./present";
import { EXPLICIT_SCENARIOS, resolveOptions, schema, type Options } from "./scenario";

export const cachePatterns = defineSimulator<Options, Options, CachePatternsResult>({
  id: "cache-patterns",
  title: "Caching patterns and failure modes",
  description: "Write-back, write-through, write-around, read-through and refresh-ahead step by step; stampedes, penetration and avalanches under load, with their fixes compared.",
  schema,
  resolve: (options) => options,
  examples: [
    { name: "write-back loses writes", description: "The cache node dies before its next flush: the writes it acknowledged since the last one are gone.", body: "scenario: write-back\nops: [write a 1, write b 2, wait 1000, write a 3, write c 4, crash, read a, read c]\n" },
    { name: "stampede and its fixes", description: "A hot key expires under 1000 requests per second; compare the protections.", body: "scenario: stampede\ncompare: [none, single-flight, lock, lock-stale, xfetch, jitter]\n" },
    { name: "penetration by missing ids", description: "Requests for ids that do not exist, with negative caching and a Bloom filter.", body: "scenario: penetration\ncompare: [none, negative-cache, bloom-filter]\n" },
    { name: "avalanche", description: "A thousand keys loaded together expire together; jitter and a staggered warm-up spread them.", body: "scenario: avalanche\ncompare: [none, jitter, staggered-warmup, refresh-ahead]\n" },
  ],
  run: (options, ctx) => {
    const o = resolveOptions(options);
    return EXPLICIT_SCENARIOS.includes(o.scenario) ? runPatterns(o) : simulateLoad(o, ctx.rng, (f) => ctx.progress(f));
  },
  check: (result) => check(result),
  present: (result, verdict, options) => present(result, verdict, options.maxDiagramEvents),
});
