// What the rate-limiting checker reports for each algorithm: more than the limit inside one window
// length (the boundary burst), unfairness between keys, and the delay a queue added.
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import { boundaryBurst, neverExpires, overAdmission, queueDelay, summary, unfair } from "./explain";
import type { AlgorithmRun, KeyTotals, RateLimitResult } from "./model";
import type { Resolved } from "./scenario";

const shareOf = (k: KeyTotals): number => (k.sent === 0 ? 1 : (k.accepted + k.delayed) / k.sent);

/** The lightest key treated worst, against the heaviest treated best, when the gap is wide. */
function unfairPair(run: AlgorithmRun): [KeyTotals, KeyTotals] | undefined {
  let found: [KeyTotals, KeyTotals] | undefined;
  let gap = 0.1;
  for (const light of run.perKey)
    for (const heavy of run.perKey) {
      if (light.sent === 0 || light.sent > heavy.sent || shareOf(heavy) - shareOf(light) <= gap) continue;
      gap = shareOf(heavy) - shareOf(light);
      found = [light, heavy];
    }
  return found;
}

/** Findings name requests by number; only the algorithm the diagram shows marks them (the numbers are the same in every run). */
function runFindings(run: AlgorithmRun, r: Resolved, shown: boolean): Finding[] {
  const out: Finding[] = [];
  const ev = (seqs: readonly number[]) => (shown ? { events: seqs } : {});
  if (run.busiest.count > r.limit) out.push({ severity: "warning", code: "boundary-burst", ...boundaryBurst(run, r), ...ev(run.busiest.seqs) });
  if (run.peak && run.peak.count > r.limit) out.push({ severity: "error", code: "over-admission", ...overAdmission(run, r), ...ev(run.peak.seqs) });
  if (run.neverExpires) out.push({ severity: "error", code: "never-expires", ...neverExpires(run, r), ...ev([run.neverExpires.seq]) });
  const pair = unfairPair(run);
  if (pair) {
    const lost = run.outcomes.filter((o) => o.key === pair[0].key && o.decision === "rejected").map((o) => o.seq);
    out.push({ severity: "warning", code: "unfair", ...unfair(run, ...pair), ...ev(lost) });
  }
  if (run.delayed > 0) {
    const waited = run.outcomes.filter((o) => o.decision === "delayed").map((o) => o.seq);
    out.push({ severity: "info", code: "queue-delay", ...queueDelay(run), ...ev(waited) });
  }
  return out;
}

export function check(result: RateLimitResult, r: Resolved): Verdict {
  const { ok } = summary(result.runs, r);
  const findings = result.runs.flatMap((run, i) => runFindings(run, r, i === 0));
  const errors = findings.filter((f) => f.severity === "error").map((f) => f.title);
  return verdictFrom(findings, ok, `${errors.join("; ")}.`);
}
