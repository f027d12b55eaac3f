// What must hold once a two-phase commit run ends: every participant committed or every one aborted
// (atomicity), and none is left in doubt holding its lock (blocked). A run that had a crash and
// kept participants in doubt for a while is worth a warning even when it ended well.
import { exploreVerdict, SEEDED, type CaseRef, type Judgement, type Tally } from "../../core/explore";
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import * as explain from "./explain";
import type { PState, TwoPcClass, TwoPcResult, TwoPcRun } from "./model";

const inState = (run: TwoPcRun, state: PState["state"]) => run.participants.filter((p) => run.states[p]!.state === state);

export function twoPcFindings(run: TwoPcRun): Finding[] {
  const findings: Finding[] = [];
  const committed = inState(run, "committed");
  const aborted = inState(run, "aborted");
  const doubt = inState(run, "prepared");
  if (committed.length && aborted.length) {
    const heuristic = aborted.filter((p) => run.states[p]!.heuristic);
    const events = [...committed, ...aborted].map((p) => run.states[p]!.decidedSeq!).filter((x) => x !== undefined);
    findings.push({ severity: "error", code: "atomicity", ...explain.atomicity(committed, aborted, heuristic), events });
  }
  if (doubt.length) {
    const events = [...doubt.map((p) => run.states[p]!.yesSeq!), ...run.crashSeqs];
    findings.push({ severity: "error", code: "blocked", ...explain.blocked(run, doubt), events });
  }
  const blockedMs = run.participants.reduce((n, p) => n + run.states[p]!.blockedMs, 0);
  if (!doubt.length && run.crashSeqs.length && blockedMs > 0) {
    findings.push({ severity: "warning", code: "in-doubt", ...explain.inDoubt(run, blockedMs), events: run.crashSeqs });
  }
  return findings;
}

export function classify2pc(run: TwoPcRun, findings: readonly Finding[]): TwoPcClass {
  if (findings.some((f) => f.code === "atomicity")) return "violated";
  if (findings.some((f) => f.code === "blocked")) return "blocked";
  return run.participants.every((p) => run.states[p]!.state === "committed") ? "committed" : "aborted";
}

/** One explored run's outcome and the codes of its errors. */
export function judge(run: TwoPcRun): Judgement<TwoPcClass> {
  const f = twoPcFindings(run);
  return { outcome: classify2pc(run, f), codes: f.filter((x) => x.severity === "error").map((x) => x.code) };
}

/** The run an exploration draws: the first that broke atomicity, or else the first left blocked. */
export function firstProblem(t: Tally<TwoPcClass, number>): CaseRef<number> | undefined {
  return t.first.violated ?? t.first.blocked;
}

export function check(result: TwoPcResult): Verdict {
  if (result.mode === "explore") return exploreVerdict(result.tallies, ["blocked", "violated"], "runs", (c) => explain.EXPLORED[c] ?? "", SEEDED);
  const findings = twoPcFindings(result.run);
  const errors = findings.filter((f) => f.severity === "error").map((f) => f.title);
  return verdictFrom(findings, explain.atomic(result.run), `${errors.join("; ")}.`);
}
