// What must hold once a saga run comes to rest: every saga completed (each step took effect once)
// or fully compensated (each effect undone, nothing undone that never happened); the stored balance
// and stock agree with the effects that were applied (no update lost to a compensation); nobody was
// refused on a value that a saga later undid. Each finding names the events (trace seq numbers).
import { exploreVerdict, SEEDED, type CaseRef, type Judgement, type Tally } from "../../core/explore";
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import * as explain from "./explain";
import type { Imbalance, StepStory } from "./explain";
import type { Outcome, Resource, RunClass, SagaResult, SagaRun } from "./model";

function stuck(run: SagaRun, k: number): Finding {
  const lastEvents = run.events
    .filter((e) => e.saga === k + 1 && e.kind !== "send")
    .slice(-3)
    .map((e) => e.seq);
  return { severity: "error", code: "saga-stuck", ...explain.sagaStuck(run, k, lastEvents), events: lastEvents };
}

/** A step in effect more often than its saga's outcome allows, or less. */
function mismatch(s: StepStory): Finding {
  const events = [...s.effects, ...s.undos];
  if (s.net > s.expected) {
    if (s.run.steps[s.i]!.effect !== "money") return { severity: "error", code: "duplicate-effect", ...explain.duplicateEffect(s), events };
    if (s.expected === 1) return { severity: "error", code: "double-charge", ...explain.doubleCharge(s), events };
    return { severity: "error", code: "charged-after-compensation", ...explain.chargedAfterCompensation(s), events };
  }
  if (s.net < 0) return { severity: "error", code: "undo-without-effect", ...explain.undoWithoutEffect(s), events };
  return { severity: "error", code: "missing-effect", ...explain.missingEffect(s), events };
}

/** For a completed saga every step must be in effect exactly once, for a compensated one none. */
function stepFindings(run: SagaRun, k: number, outcome: Outcome): Finding[] {
  const expected = outcome === "completed" ? 1 : 0;
  const findings: Finding[] = [];
  run.steps.forEach((_, i) => {
    const applied = run.applied[k]![i]!;
    const undone = run.undone[k]![i]!;
    const net = applied - undone;
    if (net === expected) return;
    findings.push(mismatch({ run, k, i, outcome, applied, undone, net, expected, effects: run.effectEvents[k]![i]!, undos: run.undoEvents[k]![i]! }));
  });
  return findings;
}

/** The stored balance or stock against the effects applied; the compensations that overwrote others' changes. */
function conservation(run: SagaRun, res: Resource): Finding[] {
  const effect = res === "account" ? "money" : "stock";
  if (!run.steps.some((s) => s.effect === effect)) return [];
  const unit = res === "account" ? run.amount : run.quantity;
  let net = 0;
  for (let k = 0; k < run.outcomes.length; k++) {
    run.steps.forEach((st, i) => {
      if (st.effect === effect) net += run.applied[k]![i]! - run.undone[k]![i]!;
    });
  }
  const overwrites = run.overwrites.filter((o) => o.resource === res);
  const b: Imbalance = { run, res, expected: run.initial[res] - unit * net, actual: run.final[res], overwrites };
  if (b.actual === b.expected) return [];
  const lost: Finding[] = b.overwrites.map((o) => ({ severity: "error", code: "lost-update", ...explain.lostUpdate(run, o), events: [o.seq] }));
  const words = res === "account" ? explain.moneyNotConserved(b) : explain.stockNotConserved(b);
  const code = res === "account" ? "money-not-conserved" : "stock-not-conserved";
  return [...lost, { severity: "error", code, ...words, events: b.overwrites.map((o) => o.seq) }];
}

/** Decisions taken on values a saga later undid: a refusal that the undone effects would have avoided. */
function dirtyReads(run: SagaRun): Finding[] {
  const findings: Finding[] = [];
  for (const r of run.refusals) {
    if (r.step > run.pivot || run.outcomes[r.saga] !== "compensated") continue;
    const undone = r.holders.filter((h) => h.saga !== r.saga && run.outcomes[h.saga] === "compensated");
    const restored = undone.reduce((s, h) => s + h.delta, 0);
    if (undone.length === 0 || r.value + restored < r.needed) continue;
    const effect = r.resource === "account" ? "money" : "stock";
    const comps = undone.flatMap((h) => run.steps.flatMap((st, i) => (st.effect === effect ? run.undoEvents[h.saga]![i]! : [])));
    const events = [...undone.map((h) => h.seq), r.seq, ...comps];
    findings.push({ severity: "error", code: "dirty-read", ...explain.dirtyRead(run, r, undone, comps), events });
  }
  return findings;
}

export function sagaFindings(run: SagaRun): Finding[] {
  const perSaga = run.outcomes.flatMap((outcome, k) => (outcome === undefined ? [stuck(run, k)] : stepFindings(run, k, outcome)));
  return [...perSaga, ...conservation(run, "account"), ...conservation(run, "stock"), ...dirtyReads(run)];
}

export function classify(run: SagaRun, findings: readonly Finding[]): RunClass {
  if (findings.some((f) => f.severity === "error" && f.code !== "saga-stuck")) return "violated";
  if (findings.some((f) => f.code === "saga-stuck")) return "stuck";
  return run.outcomes.includes("compensated") ? "compensated" : "completed";
}

/** One explored run's outcome and the codes of its errors. */
export function judge(run: SagaRun): Judgement<RunClass> {
  const f = sagaFindings(run);
  return { outcome: classify(run, f), codes: f.filter((x) => x.severity === "error").map((x) => x.code) };
}

/** The run an exploration draws: the first that broke an invariant, or else the first stuck. */
export function firstProblem(t: Tally<RunClass, number>): CaseRef<number> | undefined {
  return t.first.violated ?? t.first.stuck;
}

export function check(result: SagaResult): Verdict {
  if (result.mode === "explore") return exploreVerdict(result.tallies, ["stuck", "violated"], "runs", (c) => explain.EXPLORED[c] ?? "", SEEDED);
  const findings = sagaFindings(result.run);
  const errors = findings.filter((f) => f.severity === "error").length;
  return verdictFrom(findings, explain.consistent(result.run), explain.problems(errors, [...new Set(findings.map((f) => f.code))]));
}
