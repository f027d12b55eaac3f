// What a learner reads about each finding of the two-phase commit simulator: one function per
// finding code, giving its title and explanation, and the one-line descriptions an exploration uses.
import type { TwoPcRun } from "./model";
import { COORDINATOR } from "./scenario";

export interface Words {
  readonly title: string;
  readonly explanation: string;
}

const seqs = (xs: readonly number[]) => `#${xs.join(", #")}`;
/** "its" for one participant, "their" for several. */
const their = (n: number) => (n > 1 ? "their" : "its");

/** Some participants committed and others aborted; `heuristic` are those that aborted on their own. */
export function atomicity(committed: readonly string[], aborted: readonly string[], heuristic: readonly string[]): Words {
  const why = heuristic.length
    ? `: ${heuristic.join(" and ")} gave up waiting and aborted on ${their(heuristic.length)} own (a heuristic decision), after voting yes, ` +
      `and the coordinator then decided to commit`
    : "";
  return {
    title: `Mixed outcome: ${committed.join(", ")} committed, ${aborted.join(", ")} aborted`,
    explanation:
      `The transaction is all or nothing, yet ${committed.join(" and ")} committed while ${aborted.join(" and ")} aborted${why}. ` +
      "Someone must now reconcile by hand.",
  };
}

/** Participants still in doubt at the end of the run, holding their locks. */
export function blocked(run: TwoPcRun, doubt: readonly string[]): Words {
  const many = doubt.length > 1;
  const votes = doubt.map((p) => `#${run.states[p]!.yesSeq}`).join(", ");
  const logged = run.decision ? ` (it logged ${run.decision.toUpperCase()})` : "";
  const coordinator = run.downServices.includes(COORDINATOR) ? "it crashed" : "its answer never arrived";
  const crashes = run.crashSeqs.length ? ` (${seqs(run.crashSeqs)})` : "";
  const waiting = `${run.requestsWaiting} other transaction${run.requestsWaiting === 1 ? " waits" : "s wait"}`;
  const cooperative =
    run.recovery === "cooperative" ? " Asking the other participants did not help: every one of them had voted yes too, so none knows more." : "";
  return {
    title: `${doubt.join(", ")} ${many ? "are" : "is"} still in doubt, holding ${many ? "their locks" : "its lock"}`,
    explanation:
      `${doubt.join(" and ")} voted yes (${votes}) and since then may neither commit nor abort on ${their(doubt.length)} own: ` +
      `only the coordinator knows the decision${logged}, and ${coordinator}${crashes}. ` +
      `At t=${run.endMs} ms the row${many ? "s stay" : " stays"} locked and ${waiting} behind ${many ? "them" : "it"}.${cooperative}`,
  };
}

/** Participants were in doubt for `blockedMs` in all in a run with a crash, and it was resolved. */
export function inDoubt(run: TwoPcRun, blockedMs: number): Words {
  return {
    title: `Participants were in doubt for ${blockedMs} ms in all`,
    explanation:
      `Every participant that voted yes was in doubt, holding its lock, from its vote until it learnt the decision: ${blockedMs} ms in all in this run, ` +
      `which had a crash (${seqs(run.crashSeqs)}) that can stretch that window. ` +
      `${run.requestWaitMs} ms were spent by other transactions waiting for those locks.`,
  };
}

/** Each finding code in a sentence, for an exploration's findings. */
export const EXPLORED: Readonly<Record<string, string>> = {
  blocked: "Participants stayed in doubt, holding their locks, until the end of the run.",
  atomicity: "Some participants committed and others aborted.",
  "in-doubt": "Participants waited in doubt for a while before learning the decision.",
};

/** The verdict's summary of an atomic run: each participant's state. */
export function atomic(run: TwoPcRun): string {
  return `Atomic: ${run.participants.map((p) => `${p} ${run.states[p]!.state === "prepared" ? "in doubt" : run.states[p]!.state}`).join(", ")}.`;
}
