// What an eviction run must show, and what is worth pointing out: the cache never held more than
// its capacity and every request was counted; beyond that, findings explain the numbers (the floor
// set by first requests, thrashing on a loop, a policy that admitted nothing at this size).
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import type { CacheRun, EvictionResult } from "./model";
import type { Options } from "./scenario";

export const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function missRatio(r: CacheRun): number {
  return r.misses / Math.max(1, r.hits + r.misses);
}

/** The smallest capacity at which a policy's structure can admit anything (objects mode). */
function admissionFloor(policy: string): { min: number; why: string } | undefined {
  if (policy === "w-tinylfu") return { min: 100, why: "its window LRU is 1% of the capacity, rounded down, and an object must fit the window to enter" };
  if (policy === "s3-fifo") return { min: 20, why: "its small FIFO is 10% of the capacity, rounded down, and libCacheSim admits a new object to it only when the object is smaller than the whole small queue" };
  if (policy === "2q") return { min: 4, why: "its A1in FIFO is 25% of the capacity, rounded down, and an object must fit A1in to enter" };
  return undefined;
}

export function check(result: EvictionResult, options: Options): Verdict {
  const findings: Finding[] = [];
  for (const r of result.runs) {
    if (r.hits + r.misses !== result.requests) findings.push({ severity: "error", code: "uncounted-requests", title: `${r.policy} at ${r.size}: ${r.hits + r.misses} requests counted of ${result.requests}`, explanation: "Every request is a hit or a miss; this run lost count of some." });
    if (r.peakOccupied > r.size) findings.push({ severity: "error", code: "over-capacity", title: `${r.policy} held ${r.peakOccupied} with a capacity of ${r.size}`, explanation: "A cache must evict before it inserts, so it never holds more than its capacity." });
    const floor = admissionFloor(r.policy);
    if (r.hits === 0 && floor && options.capacity === "objects" && r.size < floor.min) {
      findings.push({ severity: "warning", code: "nothing-admitted", title: `${r.policy} admitted nothing at ${r.size} objects`, explanation: `${r.policy} needs a capacity of at least ${floor.min} objects here: ${floor.why}. libCacheSim behaves the same way.` });
    }
  }
  const compulsory = result.distinctObjects / result.requests;
  findings.push({ severity: "info", code: "compulsory-misses", title: `${result.distinctObjects.toLocaleString("en-US")} distinct objects: no policy can miss less than ${pct(compulsory)}`, explanation: `The first request for each object misses in any cache that starts empty, so ${result.distinctObjects.toLocaleString("en-US")} of the ${result.requests.toLocaleString("en-US")} requests miss whatever the policy. Only the rest is the policy's to win or lose.` });
  if (options.workload === "loop") {
    for (const r of result.runs) {
      if (r.size < options.objects && missRatio(r) > 0.99) {
        findings.push({ severity: "warning", code: "thrashing", title: `${r.policy} at ${r.size}: ${pct(missRatio(r))} misses on a loop of ${options.objects}`, explanation: `The loop touches ${options.objects} objects in order and the cache holds ${r.size}. ${r.policy} evicts the object that has waited longest, which on a loop is exactly the one needed next, so every request after the first pass misses. A policy that keeps part of the loop and sacrifices the rest (even random eviction) hits on that part.` });
      }
    }
  }
  if (result.policies.length > 1) {
    for (const size of result.sizes) {
      const at = result.runs.filter((r) => r.size === size).sort((a, b) => missRatio(a) - missRatio(b));
      const best = at[0]!;
      const worst = at[at.length - 1]!;
      findings.push({ severity: "info", code: "best-policy", title: `At ${size.toLocaleString("en-US")}${options.capacity === "bytes" ? " bytes" : ""}: ${best.policy} misses least (${pct(missRatio(best))}), ${worst.policy} most (${pct(missRatio(worst))})`, explanation: `Ranked by miss ratio: ${at.map((r) => `${r.policy} ${pct(missRatio(r))}`).join(", ")}.` });
    }
  }
  return verdictFrom(findings, `Every request was counted and no cache exceeded its capacity (${result.requests.toLocaleString("en-US")} requests, ${result.runs.length} cache${result.runs.length === 1 ? "" : "s"}).`);
}
