// The caching mechanisms: write and read patterns followed step by step (patterns.ts), and load
// scenarios run for every strategy on the same requests (load.ts and the files it uses).
import type { Rng } from "../../../core/rng";
import { PATTERN_SCENARIOS, type Resolved } from "../scenario";
import { simulateLoad, type LoadResult } from "./load";
import { runPatterns, type PatternResult } from "./patterns";

/** One run of a pattern, or the strategies of a load scenario compared. */
export type CachePatternsResult = PatternResult | LoadResult;

/** Events are numbered from 1 in the order they happened, as the diagram labels them. */
export const stepNo = (e: { readonly seq: number }): number => e.seq + 1;

export function simulate(o: Resolved, rng: Rng, progress: (fraction: number) => void): CachePatternsResult {
  return PATTERN_SCENARIOS.includes(o.scenario) ? runPatterns(o) : simulateLoad(o, rng, progress);
}
