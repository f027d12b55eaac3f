// Load scenarios: every strategy of a comparison runs on the same request arrivals, drawn from the
// seed; what a strategy randomises (jitter, XFetch's draws) comes from one generator seeded from
// the cell's seed, the same for each strategy. The first strategy runs again, traced around the
// moment the checker will talk about.
import { createRng, MAX_SEED, type Rng } from "../../../core/rng";
import type { Resolved } from "../scenario";
import { drawArrivals } from "./arrivals";
import type { LoadRun } from "./load-report";
import { databaseWorkers, runLoad } from "./load-run";

export interface LoadResult {
  readonly mode: "compare";
  /** One run per strategy, in the order of `compare`. */
  readonly runs: readonly LoadRun[];
  /** Queries the database works on at once. */
  readonly workers: number;
  readonly arrivals: number;
}

/**
 * An avalanche: more keys expired in one bucket than the database serves in a bucket, and their
 * reloads (of these or other expired keys) also arrived faster than that. Keys that expire
 * together but are asked for rarely reload one by one, which is no avalanche.
 */
export function isAvalanche(o: Pick<Resolved, "dbCapacity" | "bucketMs">, run: Pick<LoadRun, "avalanche" | "reloadPeak">): boolean {
  const perBucket = (o.dbCapacity * o.bucketMs) / 1000;
  return run.avalanche !== undefined && run.avalanche.keys > 1 && run.avalanche.keys > perBucket && (run.reloadPeak?.keys ?? 0) > perBucket;
}

/** Where the diagram should look: the worst herd, the avalanche, the peak load, or else the start. */
export function focusOf(o: Resolved, run: LoadRun): number {
  const herd = run.largestHerd && run.largestHerd.size > o.herdLimit ? run.largestHerd.startMs : undefined;
  const avalanche = isAvalanche(o, run) ? run.avalanche!.bucketStartMs : undefined;
  const peak = run.peakDbLoad > o.dbCapacity ? run.peakBucket * o.bucketMs : undefined;
  return (o.scenario === "avalanche" ? (avalanche ?? peak ?? herd) : (herd ?? avalanche ?? peak)) ?? 0;
}

export function simulateLoad(o: Resolved, rng: Rng, progress: (fraction: number) => void): LoadResult {
  const arrivals = drawArrivals(o, rng.fork());
  const strategySeed = rng.int(0, MAX_SEED);
  const runs = o.strategies.map((s, i) => {
    progress(i / o.strategies.length);
    const run = runLoad(o, s, arrivals, createRng(strategySeed));
    // The main strategy runs again, traced around the moment the checker will talk about.
    return i === 0 ? runLoad(o, s, arrivals, createRng(strategySeed), focusOf(o, run)) : run;
  });
  return { mode: "compare", runs, workers: databaseWorkers(o), arrivals: arrivals.length };
}
