// What must hold once a saga run comes to rest: every saga completed (each step took effect once)
// or fully compensated (each effect undone, nothing undone that never happened); the stored balance
// and stock agree with the effects that were applied (no update lost to a compensation); nobody was
// refused on a value that a saga later undid. Each finding names the events (trace seq numbers).
import type { Finding } from "../../core/verdict";
import type { SagaRun } from "./saga-model";

const at = (run: SagaRun, seq: number) => `#${seq} (t=${run.events[seq]!.atMs} ms)`;
const list = (run: SagaRun, seqs: readonly number[]) => seqs.map((s) => at(run, s)).join(", ");
const times = (n: number) => (n === 1 ? "once" : n === 2 ? "twice" : `${n} times`);

export function sagaFindings(run: SagaRun): Finding[] {
  const findings: Finding[] = [];
  const n = run.outcomes.length;
  const tag = (k: number) => `saga ${k + 1}`;
  for (let k = 0; k < n; k++) {
    const outcome = run.outcomes[k];
    if (outcome === undefined) {
      const own = run.events.filter((e) => e.saga === k + 1 && e.kind !== "send");
      const lastEvents = own.slice(-3).map((e) => e.seq);
      const done = run.steps.filter((_, i) => run.applied[k]![i]! - run.undone[k]![i]! > 0).map((s) => s.name);
      const down = run.downServices.length ? ` ${run.downServices.join(" and ")} ${run.downServices.length > 1 ? "are" : "is"} still down.` : "";
      findings.push({
        severity: "error",
        code: "saga-stuck",
        title: `Saga ${k + 1} neither completed nor compensated`,
        explanation: `${run.quiesced ? `When the run came to rest, ${tag(k)} had ${done.length ? `${done.join(", ")} in effect` : "no step in effect"} and no one left to move it on.` : `When the run stopped at t=${run.endMs} ms (untilMs), ${tag(k)} had ${done.length ? `${done.join(", ")} in effect` : "no step in effect"} and was still being retried: raise untilMs or lower the fault rates to let it finish.`}${down} Its last events: ${lastEvents.map((s) => `${at(run, s)} ${run.events[s]!.actor}: ${run.events[s]!.text}`).join("; ")}.`,
        events: lastEvents,
      });
      continue;
    }
    const expected = outcome === "completed" ? 1 : 0;
    run.steps.forEach((st, i) => {
      const applied = run.applied[k]![i]!;
      const undone = run.undone[k]![i]!;
      const net = applied - undone;
      if (net === expected) return;
      const effects = run.effectEvents[k]![i]!;
      const undos = run.undoEvents[k]![i]!;
      const story = `${st.name} took effect ${times(applied)}${effects.length ? ` (${list(run, effects)})` : ""} and was compensated ${undone === 0 ? "never" : `${times(undone)} (${list(run, undos)})`}`;
      if (net > expected) {
        const money = st.effect === "money";
        const code = money ? (expected === 1 ? "double-charge" : "charged-after-compensation") : "duplicate-effect";
        findings.push({
          severity: "error",
          code,
          title: money ? (expected === 1 ? `The customer was charged ${times(net)} for saga ${k + 1}` : `Saga ${k + 1} was compensated but the customer is still charged`) : `Saga ${k + 1}: ${st.name} in effect ${net} times, ${expected} expected`,
          explanation: `${tag(k)[0]!.toUpperCase()}${tag(k).slice(1)} ${outcome}, so ${st.name} should be in effect ${times(expected).replace("once", "exactly once")}${expected === 0 ? " (zero times)" : ""}; but ${story}. ${run.idempotent ? "The receiver deduplicates, so the extra effect came from a request it could not recognise." : `The ${st.service} service applies every request it receives: a request sent again after a lost answer, or delivered twice, or arriving after its compensation, takes effect again. A deduplication key (saga and step) stored with the effect would have turned the repeat into a no-op.`}`,
          events: [...effects, ...undos],
        });
      } else {
        const code = net < 0 ? "undo-without-effect" : "missing-effect";
        findings.push({
          severity: "error",
          code,
          title: net < 0 ? `Saga ${k + 1}: ${st.name} compensated more often than it happened` : `Saga ${k + 1} completed without ${st.name} in effect`,
          explanation: `${tag(k)[0]!.toUpperCase()}${tag(k).slice(1)} ${outcome}, but ${story}.${net < 0 ? ` A compensation ran for an effect that ${applied ? "had already been undone" : "never happened"}${st.effect === "money" ? `: the customer got ${-net * run.amount} they never paid` : ""}. An idempotent receiver remembers what it did and answers such a request with "nothing to undo".` : ""}`,
          events: [...effects, ...undos],
        });
      }
    });
  }
  // The stored values against the effects applied.
  for (const res of ["account", "stock"] as const) {
    const effect = res === "account" ? "money" : "stock";
    const unit = res === "account" ? run.amount : run.quantity;
    let net = 0;
    for (let k = 0; k < n; k++) run.steps.forEach((st, i) => {
      if (st.effect === effect) net += run.applied[k]![i]! - run.undone[k]![i]!;
    });
    if (!run.steps.some((s) => s.effect === effect)) continue;
    const expected = run.initial[res] - unit * net;
    const actual = run.final[res];
    if (actual === expected) continue;
    const overwrites = run.overwrites.filter((o) => o.resource === res);
    for (const o of overwrites) {
      findings.push({
        severity: "error",
        code: "lost-update",
        title: o.others.length ? `Saga ${o.saga + 1}'s compensation overwrote ${o.others.map((x) => `saga ${x + 1}`).join(" and ")}'s change to the ${res === "account" ? "balance" : "stock"}` : `Saga ${o.saga + 1}'s compensation wrote back an old ${res === "account" ? "balance" : "stock"}, undoing later changes`,
        explanation: `At ${at(run, o.seq)} saga ${o.saga + 1} undid its ${run.steps[o.step]!.name} by writing back the value it had read before its own change. ${o.others.length ? `Meanwhile ${o.others.map((x) => `saga ${x + 1}`).join(" and ")} had changed it too` : "The value had changed since that read (a repeated request took effect again)"}, so ${Math.abs(o.lost)} ${o.lost > 0 ? "was lost" : "appeared"}: a compensation must undo only its own effect (an increment, or a re-read before writing).`,
        events: [o.seq],
      });
    }
    findings.push({
      severity: "error",
      code: res === "account" ? "money-not-conserved" : "stock-not-conserved",
      title: `The ${res === "account" ? "balance" : "stock"} is ${actual}, but the effects applied add up to ${expected}`,
      explanation: `Starting from ${run.initial[res]}, the ${res === "account" ? "charges and refunds" : "reservations and releases"} that took effect leave ${expected}; the ${res === "account" ? "account holds" : "warehouse counts"} ${actual}, so ${Math.abs(actual - expected)} ${actual > expected ? "appeared from nowhere" : "vanished"}.${overwrites.length ? ` The cause: ${overwrites.length === 1 ? "a compensation" : `${overwrites.length} compensations`} restoring an old value (${list(run, overwrites.map((o) => o.seq))}).` : ""}`,
      events: overwrites.map((o) => o.seq),
    });
  }
  // Decisions taken on values a saga later undid.
  for (const r of run.refusals) {
    if (r.step > run.pivot || run.outcomes[r.saga] !== "compensated") continue;
    const undone = r.holders.filter((h) => h.saga !== r.saga && run.outcomes[h.saga] === "compensated");
    const restored = undone.reduce((s, h) => s + h.delta, 0);
    if (undone.length === 0 || r.value + restored < r.needed) continue;
    const comps = undone.flatMap((h) => run.steps.flatMap((st, i) => ((r.resource === "account" ? st.effect === "money" : st.effect === "stock") ? run.undoEvents[h.saga]![i]! : [])));
    const what = r.resource === "account" ? "balance" : "stock";
    findings.push({
      severity: "error",
      code: "dirty-read",
      title: `Saga ${r.saga + 1} was refused on a ${what} that saga ${undone.map((h) => h.saga + 1).join(" and ")} later undid`,
      explanation: `At ${at(run, r.seq)} saga ${r.saga + 1}'s ${run.steps[r.step]!.name} read a ${what} of ${r.value}, less than the ${r.needed} it needed, and the saga was compensated. But ${undone.map((h) => `${h.delta} of that had been taken by saga ${h.saga + 1} (${at(run, h.seq)})`).join(" and ")}, which was later compensated (${list(run, comps)}): the refusal rested on a change that never became final. Sagas have no isolation; a semantic lock (the value marked pending until its saga ends) makes the second saga wait instead.`,
      events: [...undone.map((h) => h.seq), r.seq, ...comps],
    });
  }
  return findings;
}

export type RunClass = "completed" | "compensated" | "stuck" | "violated";

export function classify(run: SagaRun, findings: readonly Finding[]): RunClass {
  if (findings.some((f) => f.severity === "error" && f.code !== "saga-stuck")) return "violated";
  if (findings.some((f) => f.code === "saga-stuck")) return "stuck";
  return run.outcomes.includes("compensated") ? "compensated" : "completed";
}
