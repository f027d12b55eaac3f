// What an eviction run must show, and what is worth pointing out: the cache never held more than
// its capacity and every request was counted; beyond that, findings explain the numbers (the floor
// set by first requests, thrashing on a loop, a policy that admitted nothing at this size).
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import * as explain from "./explain";
import { missRatio, type EvictionResult } from "./model";
import type { PolicyName, Resolved } from "./scenario";

/**
 * The smallest capacity at which a policy's structure can admit anything (objects mode): its
 * admission queue is a fraction of the capacity, rounded down (explain.ts says why for each).
 */
function admissionFloor(policy: PolicyName): number | undefined {
  if (policy === "w-tinylfu") return 100;
  if (policy === "s3-fifo") return 20;
  if (policy === "2q") return 4;
  return undefined;
}

export function check(result: EvictionResult, resolved: Resolved): Verdict {
  const findings: Finding[] = [];
  for (const r of result.runs) {
    if (r.hits + r.misses !== result.requests) {
      findings.push({ severity: "error", code: "uncounted-requests", ...explain.uncountedRequests(r, result.requests) });
    }
    if (r.peakOccupied > r.size) findings.push({ severity: "error", code: "over-capacity", ...explain.overCapacity(r) });
    const floor = admissionFloor(r.policy);
    if (r.hits === 0 && floor !== undefined && resolved.capacity === "objects" && r.size < floor) {
      findings.push({ severity: "warning", code: "nothing-admitted", ...explain.nothingAdmitted(r, floor) });
    }
  }
  findings.push({ severity: "info", code: "compulsory-misses", ...explain.compulsoryMisses(result) });
  if (resolved.workload === "loop") {
    for (const r of result.runs) {
      if (r.size < resolved.objects && missRatio(r) > 0.99) {
        findings.push({ severity: "warning", code: "thrashing", ...explain.thrashing(r, resolved.objects) });
      }
    }
  }
  if (result.policies.length > 1) {
    for (const size of result.sizes) {
      const ranked = result.runs.filter((r) => r.size === size).sort((a, b) => missRatio(a) - missRatio(b));
      findings.push({ severity: "info", code: "best-policy", ...explain.bestPolicy(size, ranked, resolved.capacity === "bytes") });
    }
  }
  return verdictFrom(findings, explain.allCounted(result));
}
