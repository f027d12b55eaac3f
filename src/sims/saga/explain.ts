// What a learner reads about each finding of the saga simulator: one function per finding code,
// giving its title and explanation (naming the trace events behind it, with their times), and the
// one-line descriptions an exploration uses.
import { capitalize, count } from "../../present/prose";
import type { Overwrite, Refusal, Resource, SagaRun } from "./model";

export interface Words {
  readonly title: string;
  readonly explanation: string;
}

/** "#12 (t=40 ms)": a trace event as prose names it. */
const at = (run: SagaRun, seq: number) => `#${seq} (t=${run.events[seq]!.atMs} ms)`;
const list = (run: SagaRun, seqs: readonly number[]) => seqs.map((s) => at(run, s)).join(", ");
const times = (n: number) => (n === 1 ? "once" : n === 2 ? "twice" : `${n} times`);
const sagas = (ks: readonly number[]) => ks.map((x) => `saga ${x + 1}`).join(" and ");
const valueOf = (res: Resource) => (res === "account" ? "balance" : "stock");

/** Saga k neither completed nor compensated: what it had done, who is down, its last events. */
export function sagaStuck(run: SagaRun, k: number, lastEvents: readonly number[]): Words {
  const done = run.steps.filter((_, i) => run.applied[k]![i]! - run.undone[k]![i]! > 0).map((s) => s.name);
  const inEffect = done.length ? `${done.join(", ")} in effect` : "no step in effect";
  const where = run.quiesced
    ? `When the run came to rest, saga ${k + 1} had ${inEffect} and no one left to move it on.`
    : `When the run stopped at t=${run.endMs} ms (untilMs), saga ${k + 1} had ${inEffect} and was still being retried: ` +
      "raise untilMs or lower the fault rates to let it finish.";
  const downs = run.downServices;
  const down = downs.length ? ` ${downs.join(" and ")} ${downs.length > 1 ? "are" : "is"} still down.` : "";
  const last = lastEvents.map((s) => `${at(run, s)} ${run.events[s]!.actor}: ${run.events[s]!.text}`).join("; ");
  return { title: `Saga ${k + 1} neither completed nor compensated`, explanation: `${where}${down} Its last events: ${last}.` };
}

/** A step of saga k in effect a number of times its saga's outcome does not allow. */
export interface StepStory {
  readonly run: SagaRun;
  readonly k: number;
  readonly i: number;
  readonly outcome: "completed" | "compensated";
  readonly applied: number;
  readonly undone: number;
  /** Times in effect (applied − undone), and the times expected: 1 for a completed saga, 0 for a compensated one. */
  readonly net: number;
  readonly expected: number;
  readonly effects: readonly number[];
  readonly undos: readonly number[];
}

function story(s: StepStory): string {
  const st = s.run.steps[s.i]!;
  const effects = s.effects.length ? ` (${list(s.run, s.effects)})` : "";
  const undone = s.undone === 0 ? "never" : `${times(s.undone)} (${list(s.run, s.undos)})`;
  return `${st.name} took effect ${times(s.applied)}${effects} and was compensated ${undone}`;
}

/** The explanation of a step in effect more often than its saga's outcome allows. */
function tooOften(s: StepStory): string {
  const st = s.run.steps[s.i]!;
  const should = `${times(s.expected).replace("once", "exactly once")}${s.expected === 0 ? " (zero times)" : ""}`;
  const why = s.run.idempotent
    ? "The receiver deduplicates, so the extra effect came from a request it could not recognise."
    : `The ${st.service} service applies every request it receives: a request sent again after a lost answer, or delivered twice, ` +
      "or arriving after its compensation, takes effect again. " +
      "A deduplication key (saga and step) stored with the effect would have turned the repeat into a no-op.";
  return `${capitalize(`saga ${s.k + 1}`)} ${s.outcome}, so ${st.name} should be in effect ${should}; but ${story(s)}. ${why}`;
}

export function doubleCharge(s: StepStory): Words {
  return { title: `The customer was charged ${times(s.net)} for saga ${s.k + 1}`, explanation: tooOften(s) };
}

export function chargedAfterCompensation(s: StepStory): Words {
  return { title: `Saga ${s.k + 1} was compensated but the customer is still charged`, explanation: tooOften(s) };
}

export function duplicateEffect(s: StepStory): Words {
  return { title: `Saga ${s.k + 1}: ${s.run.steps[s.i]!.name} in effect ${s.net} times, ${s.expected} expected`, explanation: tooOften(s) };
}

export function undoWithoutEffect(s: StepStory): Words {
  const st = s.run.steps[s.i]!;
  const gift = st.effect === "money" ? `: the customer got ${-s.net * s.run.amount} they never paid` : "";
  const what = s.applied ? "had already been undone" : "never happened";
  return {
    title: `Saga ${s.k + 1}: ${st.name} compensated more often than it happened`,
    explanation:
      `Saga ${s.k + 1} ${s.outcome}, but ${story(s)}. A compensation ran for an effect that ${what}${gift}. ` +
      `An idempotent receiver remembers what it did and answers such a request with "nothing to undo".`,
  };
}

export function missingEffect(s: StepStory): Words {
  return { title: `Saga ${s.k + 1} completed without ${s.run.steps[s.i]!.name} in effect`, explanation: `Saga ${s.k + 1} ${s.outcome}, but ${story(s)}.` };
}

export function lostUpdate(run: SagaRun, o: Overwrite): Words {
  const what = valueOf(o.resource);
  const meanwhile = o.others.length
    ? `Meanwhile ${sagas(o.others)} had changed it too`
    : "The value had changed since that read (a repeated request took effect again)";
  return {
    title: o.others.length
      ? `Saga ${o.saga + 1}'s compensation overwrote ${sagas(o.others)}'s change to the ${what}`
      : `Saga ${o.saga + 1}'s compensation wrote back an old ${what}, undoing later changes`,
    explanation:
      `At ${at(run, o.seq)} saga ${o.saga + 1} undid its ${run.steps[o.step]!.name} by writing back the value it had read before its own change. ` +
      `${meanwhile}, so ${Math.abs(o.lost)} ${o.lost > 0 ? "was lost" : "appeared"}: ` +
      "a compensation must undo only its own effect (an increment, or a re-read before writing).",
  };
}

/** The stored value of `res` is `actual`, where the effects applied add up to `expected`. */
export interface Imbalance {
  readonly run: SagaRun;
  readonly res: Resource;
  readonly expected: number;
  readonly actual: number;
  readonly overwrites: readonly Overwrite[];
}

function notConserved({ run, res, expected, actual, overwrites }: Imbalance): Words {
  const effects = res === "account" ? "charges and refunds" : "reservations and releases";
  const holder = res === "account" ? "account holds" : "warehouse counts";
  const drift = `${Math.abs(actual - expected)} ${actual > expected ? "appeared from nowhere" : "vanished"}`;
  const n = overwrites.length;
  const restoring = `${n === 1 ? "a compensation" : `${n} compensations`} restoring an old value`;
  const cause = n
    ? ` The cause: ${restoring} (${list(
        run,
        overwrites.map((o) => o.seq),
      )}).`
    : "";
  return {
    title: `The ${valueOf(res)} is ${actual}, but the effects applied add up to ${expected}`,
    explanation: `Starting from ${run.initial[res]}, the ${effects} that took effect leave ${expected}; the ${holder} ${actual}, so ${drift}.${cause}`,
  };
}

export function moneyNotConserved(b: Imbalance): Words {
  return notConserved(b);
}

export function stockNotConserved(b: Imbalance): Words {
  return notConserved(b);
}

/** Saga r.saga was refused on a value that the sagas `undone` had taken and later gave back (`comps`). */
export function dirtyRead(run: SagaRun, r: Refusal, undone: Refusal["holders"], comps: readonly number[]): Words {
  const what = valueOf(r.resource);
  const taken = undone.map((h) => `${h.delta} of that had been taken by saga ${h.saga + 1} (${at(run, h.seq)})`).join(" and ");
  return {
    title: `Saga ${r.saga + 1} was refused on a ${what} that saga ${undone.map((h) => h.saga + 1).join(" and ")} later undid`,
    explanation:
      `At ${at(run, r.seq)} saga ${r.saga + 1}'s ${run.steps[r.step]!.name} read a ${what} of ${r.value}, less than the ${r.needed} it needed, ` +
      `and the saga was compensated. But ${taken}, which was later compensated (${list(run, comps)}): ` +
      "the refusal rested on a change that never became final. " +
      "Sagas have no isolation; a semantic lock (the value marked pending until its saga ends) makes the second saga wait instead.",
  };
}

/** Each finding code in a sentence, for an exploration's findings. */
export const EXPLORED: Readonly<Record<string, string>> = {
  "saga-stuck": "A saga neither completed nor compensated.",
  "double-charge": "The customer was charged more than once for one order.",
  "charged-after-compensation": "A charge took effect after its saga had been compensated.",
  "duplicate-effect": "A step took effect more than once.",
  "undo-without-effect": "A compensation undid something that never happened.",
  "missing-effect": "A saga completed with a step not in effect.",
  "lost-update": "A compensation overwrote another saga's change.",
  "money-not-conserved": "The balance disagrees with the charges and refunds applied.",
  "stock-not-conserved": "The stock disagrees with the reservations and releases applied.",
  "dirty-read": "A saga was refused on a value another saga later undid.",
};

/** The verdict's summary of a run without problems: each saga's outcome and the values at the end. */
export function consistent(run: SagaRun): string {
  const outcomes = run.outcomes.map((o, k) => `saga ${k + 1} ${o ?? "stuck"}`).join(", ");
  return `${capitalize(outcomes)}; balance ${run.final.account}, stock ${run.final.stock}, all consistent.`;
}

/** The verdict's summary of a run with problems: how many, and their codes. */
export function problems(errors: number, codes: readonly string[]): string {
  return `${count(errors, "problem")}: ${codes.join(", ")}.`;
}
