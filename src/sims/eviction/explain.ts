// What the eviction lab's findings say to a learner: one function per finding code, each giving the
// title and the explanation, and the verdict's summary sentence.
import { count, percent } from "../../present/prose";
import { missRatio, type CacheRun, type EvictionResult } from "./model";
import type { PolicyName } from "./scenario";

export interface Explained {
  readonly title: string;
  readonly explanation: string;
}

const thousands = (n: number) => n.toLocaleString("en-US");

/** Why a policy admits nothing below its smallest capacity (see admissionFloor in check.ts). */
const FLOOR_WHY: Partial<Record<PolicyName, string>> = {
  "w-tinylfu": "its window LRU is 1% of the capacity, rounded down, and an object must fit the window to enter",
  "s3-fifo":
    "its small FIFO is 10% of the capacity, rounded down, and libCacheSim admits a new object to it only when the object is smaller " +
    "than the whole small queue",
  "2q": "its A1in FIFO is 25% of the capacity, rounded down, and an object must fit A1in to enter",
};

export function uncountedRequests(r: CacheRun, requests: number): Explained {
  return {
    title: `${r.policy} at ${r.size}: ${r.hits + r.misses} requests counted of ${requests}`,
    explanation: "Every request is a hit or a miss; this run lost count of some.",
  };
}

export function overCapacity(r: CacheRun): Explained {
  return {
    title: `${r.policy} held ${r.peakOccupied} with a capacity of ${r.size}`,
    explanation: "A cache must evict before it inserts, so it never holds more than its capacity.",
  };
}

export function nothingAdmitted(r: CacheRun, min: number): Explained {
  return {
    title: `${r.policy} admitted nothing at ${r.size} objects`,
    explanation: `${r.policy} needs a capacity of at least ${min} objects here: ${FLOOR_WHY[r.policy]}. libCacheSim behaves the same way.`,
  };
}

export function compulsoryMisses(result: EvictionResult): Explained {
  const distinct = thousands(result.distinctObjects);
  return {
    title: `${distinct} distinct objects: no policy can miss less than ${percent(result.distinctObjects / result.requests, 2)}`,
    explanation:
      `The first request for each object misses in any cache that starts empty, so ${distinct} of the ${thousands(result.requests)} requests ` +
      "miss whatever the policy. Only the rest is the policy's to win or lose.",
  };
}

export function thrashing(r: CacheRun, objects: number): Explained {
  return {
    title: `${r.policy} at ${r.size}: ${percent(missRatio(r), 2)} misses on a loop of ${objects}`,
    explanation:
      `The loop touches ${objects} objects in order and the cache holds ${r.size}. ${r.policy} evicts the object that has waited longest, ` +
      "which on a loop is exactly the one needed next, so every request after the first pass misses. " +
      "A policy that keeps part of the loop and sacrifices the rest (even random eviction) hits on that part.",
  };
}

/** `ranked`: the runs at one size, fewest misses first. */
export function bestPolicy(size: number, ranked: readonly CacheRun[], bytes: boolean): Explained {
  const best = ranked[0]!;
  const worst = ranked[ranked.length - 1]!;
  const ratio = (r: CacheRun) => percent(missRatio(r), 2);
  return {
    title: `At ${thousands(size)}${bytes ? " bytes" : ""}: ${best.policy} misses least (${ratio(best)}), ${worst.policy} most (${ratio(worst)})`,
    explanation: `Ranked by miss ratio: ${ranked.map((r) => `${r.policy} ${ratio(r)}`).join(", ")}.`,
  };
}

/** The verdict's sentence when every invariant held. */
export function allCounted(result: EvictionResult): string {
  return `Every request was counted and no cache exceeded its capacity (${thousands(result.requests)} requests, ${count(result.runs.length, "cache")}).`;
}
