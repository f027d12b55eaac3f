import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createRng } from "../../../src/core/rng";
import { findSimulator } from "../../../src/engine/registry";
import { runCell, loadCell } from "../../../src/engine/pipeline";
import { runSaga } from "../../../src/sims/saga/model";
import type { Resolved, Setup } from "../../../src/sims/saga/scenario";
import { sagaFindings } from "../../../src/sims/saga/check";
import type { RunOutput } from "../../../src/protocol/output";

function run(source: string, seed = 1): RunOutput {
  const r = runCell({ simulator: "saga", source, seed });
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}

/** One run's resolved options, as the pipeline hands them to the model. */
function options(source: string): Setup {
  const loaded = loadCell(findSimulator("saga")!, source);
  assert.equal(loaded.diagnostics.filter((d) => d.severity === "error").length, 0, JSON.stringify(loaded.diagnostics));
  return (loaded.resolved as Resolved).run;
}

/** The local transactions, compensations, failures, crashes and dedups of a run, in order. */
function story(source: string, seed = 1): string[] {
  return runSaga(options(source), createRng(seed))
    .events.filter((e) => ["commit", "compensate", "fail", "crash", "recover", "dedup"].includes(e.kind))
    .map((e) => `${e.actor}: ${e.text}`);
}

const codes = (o: RunOutput) => o.verdict.findings.map((f) => f.code);
const fixed = "network:\n  minDelayMs: 10\n  maxDelayMs: 10\n";

test("the standard flow completes: each step once, the customer charged once, one unit reserved", () => {
  const o = run("style: orchestration");
  assert.equal(o.verdict.valid, true);
  assert.equal(o.verdict.summary, "Saga 1 completed; balance 70, stock 9, all consistent.");
  assert.deepEqual(story("style: orchestration"), [
    "order: create order",
    "payment: charge 30 (balance 70)",
    "inventory: reserve 1 (stock 9)",
    "shipping: schedule shipment",
  ]);
  assert.deepEqual(o.tables[0]!.rows, [[1, "completed", "done", "done", "done", "done"]]);
  assert.equal(o.metrics.messages, 8);
  assert.match(o.diagrams[0]!.mermaid, /p0->>p2: charge 30\n/);
  assert.match(o.diagrams[0]!.mermaid, /p2-->>p0: payment done\n/);
});

test("payment fails: nothing was charged, only the order is rejected", () => {
  const src = "faults:\n  - type: step-fails\n    step: payment";
  const o = run(src);
  assert.equal(o.verdict.valid, true);
  assert.deepEqual(story(src), ["order: create order", "payment: payment fails: card declined; rolled back", "order: reject order"]);
  assert.equal(o.metrics.balance, 100);
  assert.equal(o.metrics.compensated, 1);
});

test("inventory (the pivot) fails: compensations run in reverse, refund then reject", () => {
  const src = "faults:\n  - type: step-fails\n    step: inventory";
  assert.deepEqual(story(src), [
    "order: create order",
    "payment: charge 30 (balance 70)",
    "inventory: inventory fails: item unavailable; rolled back",
    "payment: refund 30 by restoring 100 → balance 100",
    "order: reject order",
  ]);
  const o = run(src);
  assert.deepEqual(o.tables[0]!.rows, [[1, "compensated", "done, compensated", "done, compensated", "not run", "not run"]]);
  assert.match(o.diagrams[0]!.mermaid, /Note over p2: COMPENSATE refund 30/);
  assert.match(o.diagrams[0]!.mermaid, /Note over p3: FAILED inventory fails/);
});

test("a step after the pivot is retried until it succeeds, never compensated", () => {
  const src = "faults:\n  - type: step-fails\n    step: shipping\n    times: 2";
  const o = run(src);
  assert.equal(o.verdict.valid, true);
  assert.equal(o.metrics.completed, 1);
  assert.equal(o.metrics.retries, 2);
  assert.deepEqual(story(src).slice(-3), [
    "shipping: shipping fails (transient); rolled back",
    "shipping: shipping fails (transient); rolled back",
    "shipping: schedule shipment",
  ]);
  assert.match(o.diagrams[0]!.mermaid, /RETRY shipping is past the pivot#58; retry in 100 ms/);
});

test("the orchestrator crashes after the payment, resumes from its saga log, and the payment service recognises the repeat", () => {
  const src = "faults:\n  - type: crash\n    service: orchestrator\n    after: payment\n    downMs: 300";
  const o = run(src);
  assert.equal(o.verdict.valid, true);
  assert.equal(o.metrics.balance, 70);
  assert.equal(o.metrics.dedups, 1);
  assert.deepEqual(story(src).slice(1, 6), [
    "payment: charge 30 (balance 70)",
    "orchestrator: CRASH: after payment of saga 1, down 300 ms",
    "orchestrator: restarted",
    "payment: payment already done: same answer again",
    "inventory: reserve 1 (stock 9)",
  ]);
  assert.match(o.diagrams[0]!.mermaid, /saga log#58; resume at payment \(going forward\)/);
  // The reply arrived but was never logged: the log says "payment done" only after the repeat.
  const orchestratorLog = runSaga(options(src), createRng(1))
    .events.filter((e) => e.actor === "orchestrator" && ["log", "crash", "recover"].includes(e.kind))
    .map((e) => e.text);
  assert.deepEqual(orchestratorLog.slice(0, 6), [
    "saga log: started",
    "saga log: order done",
    "CRASH: after payment of saga 1, down 300 ms",
    "restarted",
    "saga log: resume at payment (going forward)",
    "saga log: payment done",
  ]);
  // Without deduplication the resumed saga charges the customer a second time.
  const naive = run(`idempotent: false\n${src}`);
  assert.deepEqual(codes(naive), ["double-charge"]);
  assert.equal(naive.metrics.balance, 40);
});

test("inventory receives the reserve request twice: deduplicated, or reserved twice", () => {
  const src = "faults:\n  - type: duplicate\n    step: inventory";
  const ok = run(src);
  assert.equal(ok.verdict.valid, true);
  assert.equal(ok.metrics.stock, 9);
  assert.match(ok.diagrams[0]!.mermaid, /reserve 1 \(duplicate delivery\)/);
  const naive = run(`idempotent: false\n${src}`);
  assert.deepEqual(codes(naive), ["duplicate-effect"]);
  assert.equal(naive.metrics.stock, 8);
  const f = naive.verdict.findings[0]!;
  const commits = runSaga(options(`idempotent: false\n${src}`), createRng(1))
    .events.filter((e) => e.kind === "commit" && e.actor === "inventory")
    .map((e) => e.seq);
  assert.deepEqual(f.events, commits);
  assert.equal(commits.length, 2);
  assert.match(f.explanation, /inventory took effect twice/);
  assert.match(naive.diagrams[0]!.mermaid, /rect rgba\(230, 80, 80, 0\.22\)\n {4}Note over p3: reserve 1 \(stock 9\)/);
});

test("a lost reply makes the orchestrator charge again: harmless with a deduplication key, a double charge without", () => {
  const src = "faults:\n  - type: lose-reply\n    step: payment";
  const ok = run(src);
  assert.equal(ok.verdict.valid, true);
  assert.equal(ok.metrics.balance, 70);
  assert.equal(ok.metrics.lost, 1);
  const naive = run(`idempotent: false\n${src}`);
  assert.deepEqual(codes(naive), ["double-charge"]);
  assert.equal(naive.verdict.findings[0]!.title, "The customer was charged twice for saga 1");
  assert.match(naive.diagrams[0]!.mermaid, /p2-xp0: payment done \(lost in the network\)/);
  assert.match(naive.diagrams[0]!.mermaid, /charge 30 \(attempt 2\)/);
});

test("a compensation that fails twice is retried with backoff until it succeeds", () => {
  const src = "faults:\n  - type: step-fails\n    step: inventory\n  - type: compensation-fails\n    step: payment\n    times: 2";
  const o = run(src);
  assert.equal(o.verdict.valid, true);
  assert.equal(o.metrics.retries, 2);
  assert.equal(o.metrics.balance, 100);
  assert.match(o.diagrams[0]!.mermaid, /retry in 100 ms[\s\S]*retry in 200 ms[\s\S]*refund 30 \(attempt 3\)/);
});

test("a service that stays silent: the orchestrator gives up after its attempts and compensates the uncertain step too", () => {
  const src = "faults:\n  - type: crash\n    service: payment\n    atMs: 25\n    downMs: 3000";
  const o = run(src);
  assert.equal(o.verdict.valid, true);
  assert.equal(o.metrics.compensated, 1);
  assert.match(o.diagrams[0]!.mermaid, /payment unanswered 4 times#59; compensate it \(it may have happened\)/);
  assert.match(o.diagrams[0]!.mermaid, /nothing to undo for payment/);
  // A receiver without memory refunds a charge it never made.
  const naive = run(`idempotent: false\n${src}`);
  assert.deepEqual(codes(naive), ["undo-without-effect"]);
  assert.equal(naive.metrics.balance, 130);
});

test("choreography: services react to events; a failure travels back and compensates in reverse", () => {
  const src = "style: choreography\nfaults:\n  - type: step-fails\n    step: inventory";
  const o = run(src);
  assert.equal(o.verdict.valid, true);
  assert.deepEqual(story(src), [
    "order: create order",
    "payment: charge 30 (balance 70)",
    "inventory: inventory fails: item unavailable; rolled back",
    "payment: refund 30 by restoring 100 → balance 100",
    "order: reject order",
  ]);
  assert.match(o.diagrams[0]!.mermaid, /p1-\)p2: payment done/);
  assert.doesNotMatch(o.diagrams[0]!.mermaid, /orchestrator/);
});

test("choreography: a crash between commit and publish loses the event without an outbox, not with one", () => {
  const crash = "style: choreography\nfaults:\n  - type: crash\n    service: payment\n    after: payment";
  const withOutbox = run(crash);
  assert.equal(withOutbox.verdict.valid, true);
  assert.equal(withOutbox.metrics.completed, 1);
  assert.match(withOutbox.diagrams[0]!.mermaid, /outbox#58; 1 event not yet acknowledged, publish again/);
  const without = run(`outbox: false\n${crash}`);
  assert.deepEqual(codes(without), ["saga-stuck"]);
  assert.equal(without.metrics.balance, 70);
  assert.match(without.verdict.findings[0]!.explanation, /saga 1 had order, payment in effect and no one left to move it on/);
});

const twoSagas = `sagas: 2\namount: 60\n${fixed}faults:\n  - type: step-fails\n    step: inventory\n    saga: 1\n`;

test("two sagas on one account: saga 2 is refused on saga 1's charge, which is then refunded (a dirty read)", () => {
  const o = run(twoSagas);
  assert.deepEqual(codes(o), ["dirty-read"]);
  const f = o.verdict.findings[0]!;
  assert.match(f.explanation, /saga 2's payment read a balance of 40, less than the 60 it needed/);
  assert.match(f.explanation, /60 of that had been taken by saga 1/);
  assert.deepEqual(
    o.tables[0]!.rows.map((r) => r[1]),
    ["compensated", "compensated"],
  );
  // A semantic lock makes saga 2 wait until saga 1 has compensated; then it succeeds.
  const locked = run(`countermeasure: semantic-lock\n${twoSagas}`);
  assert.equal(locked.verdict.valid, true);
  assert.deepEqual(
    locked.tables[0]!.rows.map((r) => r[1]),
    ["compensated", "completed"],
  );
  assert.equal(locked.metrics.balance, 40);
  assert.ok(locked.metrics.blockedMs! > 0);
  assert.match(locked.diagrams[0]!.mermaid, /WAIT S2 account pending for saga 1/);
  // Commutative updates do not help here: the refusal still rests on a value later undone.
  assert.deepEqual(codes(run(`countermeasure: commutative\n${twoSagas}`)), ["dirty-read"]);
});

test("two sagas both charge; the first one's compensation restores its before-image and wipes out the second charge (a lost update)", () => {
  const src = `sagas: 2\namount: 30\n${fixed}faults:\n  - type: step-fails\n    step: inventory\n    saga: 1\n`;
  const o = run(src);
  assert.deepEqual(codes(o), ["lost-update", "money-not-conserved"]);
  assert.equal(o.metrics.balance, 100);
  assert.match(o.verdict.findings[0]!.title, /Saga 1's compensation overwrote saga 2's change to the balance/);
  assert.match(o.verdict.findings[1]!.explanation, /leave 70; the account holds 100, so 30 appeared from nowhere/);
  for (const cm of ["commutative", "reread", "semantic-lock"]) {
    const fixedRun = run(`countermeasure: ${cm}\n${src}`);
    assert.equal(fixedRun.verdict.valid, true, cm);
    assert.equal(fixedRun.metrics.balance, 70, cm);
  }
  assert.match(run(`countermeasure: reread\n${src}`).diagrams[0]!.mermaid, /re-read 40, not the 70 written#58; add 30 instead of restoring 100/);
});

test("bad names and incomplete faults are reported clearly", () => {
  const bad = runCell({ simulator: "saga", source: 'steps:\n  - name: "end; click"\n' });
  assert.equal(bad.ok, false);
  assert.match((bad as { error: { message: string } }).error.message, /Step 1: step names may use letters, digits/);
  const typo = runCell({ simulator: "saga", source: "faults:\n  - type: step-fails\n    step: paymnet\n" });
  assert.match((typo as { error: { message: string } }).error.message, /Unknown step "paymnet"\. Did you mean "payment"\?/);
  const noWhen = runCell({ simulator: "saga", source: "faults:\n  - type: crash\n    service: payment\n" });
  assert.match((noWhen as { error: { message: string } }).error.message, /needs `after` \(a step\) or `atMs`/);
  const wrong = runCell({ simulator: "saga", source: "faults:\n  - type: crash\n    service: payment\n    after: inventory\n" });
  assert.match((wrong as { error: { message: string } }).error.message, /payment does not run step inventory/);
  const dup = runCell({ simulator: "saga", source: "steps:\n  - name: a\n  - name: a\n" });
  assert.match((dup as { error: { message: string } }).error.message, /Two steps are named "a"/);
  // Faults that could never fire are refused instead of being silently ignored.
  const message = (source: string) => {
    const r = runCell({ simulator: "saga", source });
    assert.equal(r.ok, false, source);
    return (r as { error: { message: string } }).error.message;
  };
  assert.match(message("faults:\n  - type: step-fails\n    step: payment\n    saga: 2\n"), /names saga 2, but only 1 saga runs/);
  assert.match(
    message("faults:\n  - type: compensation-fails\n    step: shipping\n"),
    /shipping comes after the pivot \(inventory\), so it is never compensated/,
  );
  assert.match(message("style: choreography\nfaults:\n  - type: duplicate\n    step: order\n"), /nothing asks order to run/);
  assert.match(message("style: choreography\nfaults:\n  - type: lose-reply\n    step: shipping\n"), /publishes no event/);
  assert.ok(runCell({ simulator: "saga", source: "style: choreography\nfaults:\n  - type: lose-reply\n    step: payment\n" }).ok);
});

test("a custom flow: its own steps, services and pivot", () => {
  const src =
    "steps:\n  - name: book-flight\n    service: airline\n  - name: book-hotel\n    service: hotel\n  - name: pay\n    service: bank\n    effect: money\n  - name: notify\n    service: mail\npivot: pay\nfaults:\n  - type: step-fails\n    step: pay\n";
  const o = run(src);
  assert.equal(o.verdict.valid, true);
  assert.deepEqual(story(src), [
    "airline: book-flight",
    "hotel: book-hotel",
    "bank: pay fails: card declined; rolled back",
    "hotel: undo book-hotel",
    "airline: undo book-flight",
  ]);
  assert.deepEqual(o.tables[0]!.columns, ["saga", "outcome", "book-flight", "book-hotel", "pay (pivot)", "notify"]);
});

const randomFaults = fc.record({
  style: fc.constantFrom("orchestration", "choreography"),
  loss: fc.constantFrom(0, 0.05, 0.2),
  duplicate: fc.constantFrom(0, 0.1, 0.3),
  stepFails: fc.constantFrom(0, 0.1, 0.3),
  crash: fc.constantFrom(0, 0.05, 0.2),
  compensationFails: fc.constantFrom(0, 0.3),
  reorder: fc.boolean(),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
});
const cell = (
  r: { style: string; loss: number; duplicate: number; stepFails: number; crash: number; compensationFails: number; reorder: boolean },
  extra = "",
) =>
  `style: ${r.style}\n${extra}network:\n  loss: ${r.loss}\n  duplicate: ${r.duplicate}\n  reorder: ${r.reorder}\nrandom:\n  stepFails: ${r.stepFails}\n  crash: ${r.crash}\n  compensationFails: ${r.compensationFails}\n`;

test("property: the same seed gives the same run, byte for byte", () => {
  fc.assert(
    fc.property(randomFaults, (r) => {
      const a = runCell({ simulator: "saga", source: cell(r, "idempotent: false\n"), seed: r.seed });
      const b = runCell({ simulator: "saga", source: cell(r, "idempotent: false\n"), seed: r.seed });
      assert.deepEqual(a, b);
    }),
    { numRuns: 60 },
  );
});

test("property: with idempotent receivers (and an outbox in choreography) every saga completes or compensates and every invariant holds, whatever the faults", () => {
  fc.assert(
    fc.property(randomFaults, fc.integer({ min: 1, max: 3 }), (r, sagas) => {
      const o = runSaga(options(cell(r, `sagas: ${sagas}\namount: 20\ncountermeasure: commutative\n`)), createRng(r.seed));
      const findings = sagaFindings(o);
      assert.deepEqual(
        findings.map((f) => f.code),
        [],
        JSON.stringify(r),
      );
      assert.ok(o.outcomes.every((x) => x !== undefined));
      // Money: the customer pays exactly for the completed orders.
      assert.equal(o.final.account, 100 - 20 * o.outcomes.filter((x) => x === "completed").length);
      assert.equal(o.final.stock, 10 - o.outcomes.filter((x) => x === "completed").length);
    }),
    { numRuns: 300 },
  );
});

test("property: without deduplication, duplicated messages lead to violations for some seeds, and each finding names events", () => {
  let violated = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const o = runSaga(options("idempotent: false\nnetwork:\n  duplicate: 0.3\n"), createRng(seed));
    const f = sagaFindings(o);
    if (f.length) violated++;
    for (const x of f) assert.ok((x.events ?? []).length > 0 && x.events!.every((s) => s >= 0 && s < o.events.length), x.code);
  }
  assert.ok(violated > 50, `${violated} of 200`);
});

test("property: without deduplication no receiver deduplicates; the orchestrator ignoring a late answer is not called deduplication", () => {
  let lateAnswers = 0;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (seed) => {
      const r = runSaga(options(`idempotent: false\nnetwork:\n  duplicate: 0.2\n  loss: 0.1\nrandom:\n  crash: 0.1\n  stepFails: 0.1\n`), createRng(seed));
      assert.deepEqual(
        r.events.filter((e) => e.kind === "dedup").map((e) => `${e.actor}: ${e.text}`),
        [],
      );
      lateAnswers += r.events.filter((e) => e.kind === "note" && e.text.includes("late answer ignored")).length;
    }),
    { numRuns: 200 },
  );
  assert.ok(lateAnswers > 0, "the runs include late answers the orchestrator ignored");
  const o = run("idempotent: false\nfaults:\n  - type: lose-reply\n    step: payment\n" + fixed);
  assert.doesNotMatch(o.diagrams[0]!.mermaid, /DEDUP/);
});

test("exploration: 1,000 seeds with and without deduplication, within a second or two, reporting progress", () => {
  const fractions: number[] = [];
  const t0 = performance.now();
  const r = runCell(
    {
      simulator: "saga",
      source: "explore: 1000\ncompare: [dedup, no-dedup]\nnetwork:\n  loss: 0.05\n  duplicate: 0.05\nrandom:\n  stepFails: 0.1\n  crash: 0.02\n",
      seed: 3,
    },
    (f) => fractions.push(f),
  );
  const ms = performance.now() - t0;
  assert.ok(r.ok);
  const o = r.output;
  assert.ok(ms < 5000, `${ms} ms`);
  assert.equal(o.metrics["violated @ dedup"], 0);
  assert.equal(o.metrics["stuck @ dedup"], 0);
  assert.ok(o.metrics["violated @ no-dedup"]! > 100);
  assert.equal(o.metrics["completed @ dedup"]! + o.metrics["compensated @ dedup"]!, 1000);
  assert.ok(fractions.length >= 10 && fractions.every((f, i) => f > 0 && f <= 1 && (i === 0 || f >= fractions[i - 1]!)));
  assert.deepEqual(
    o.charts[0]!.series.map((s) => s.name),
    ["dedup", "no-dedup"],
  );
  assert.deepEqual(
    o.charts[0]!.series[0]!.points.map((p) => p.x),
    ["completed", "compensated", "stuck", "violated"],
  );
  assert.equal(o.diagrams.length, 1);
  assert.match(o.diagrams[0]!.title, /^no-dedup: run \d+ \(seed \d+\), the first that went wrong$/);
  assert.equal(o.verdict.valid, false);
  assert.ok(codes(o).includes("double-charge"));
  // Runs showing each finding code, per design; 0 where a design never showed it.
  assert.equal(o.metrics["double-charge @ dedup"], 0);
  assert.ok(o.metrics["double-charge @ no-dedup"]! > 0);
  assert.equal(
    o.metrics["double-charge @ no-dedup"],
    o.verdict.findings
      .find((f) => f.code === "double-charge")!
      .title.match(/in (\d+) of 1000 runs/)!
      .slice(1)
      .map(Number)[0],
  );
});

test("service names from the notebook are checked before they reach a diagram", () => {
  // (Every lesson diagram is parsed with Mermaid by the command-line export test.)
  // Names are checked against a safe pattern; the only free text is escaped.
  const r = runCell({ simulator: "saga", source: 'steps:\n  - name: a\n    service: "x-->>y: hi"\n' });
  assert.equal(r.ok, false);
  assert.match((r as { error: { message: string } }).error.message, /service names may use letters, digits/);
});

test("every example offered in the pickers runs and shows what its description promises", () => {
  const expected: Record<string, string[]> = {
    "payment fails": [],
    "orchestrator crashes": [],
    "two sagas, one account": ["dirty-read"],
  };
  for (const ex of findSimulator("saga")!.examples) {
    const o = run(ex.body);
    if (ex.name in expected) assert.deepEqual(codes(o), expected[ex.name], ex.name);
    else assert.equal(o.verdict.valid, false, ex.name); // the explorations compare a design that fails
  }
});

test("resolve: a problem with what the options mean points at the value in the cell, before anything runs", () => {
  const at = (source: string) => {
    const r = runCell({ simulator: "saga", source });
    assert.equal(r.ok, false, source);
    const e = (r as { error: { line?: number; column?: number; message: string } }).error;
    return `${e.line}:${e.column} ${e.message}`;
  };
  assert.match(at("faults:\n  - type: step-fails\n    step: payment\n    saga: 2\n"), /^4:11 Line 4, column 11: The step-fails fault names saga 2/);
  assert.match(at("steps:\n  - name: a\n    service: orchestrator\n"), /^3:14 .*"orchestrator" is the coordinator's name/);
  assert.match(at("faults:\n  - type: crash\n    service: payment\n    after: inventory\n"), /^4:12 .*payment does not run step inventory/);
  // The editor shows the same problem, on the same value.
  const loaded = loadCell(findSimulator("saga")!, "steps:\n  - name: a\n    service: orchestrator\n");
  assert.deepEqual(
    loaded.diagnostics.map((d) => [d.code, d.range]),
    [["invalid", { start: 32, end: 44 }]],
  );
});

test("resolve: an exploration refuses a fault that could never fire in a design it compares, and only then", () => {
  const fault = "faults:\n  - type: duplicate\n    step: order\n";
  const both = runCell({ simulator: "saga", source: `explore: 10\ncompare: [orchestration, choreography]\n${fault}` });
  assert.match((both as { error: { message: string } }).error.message, /In choreography nothing asks order to run/);
  // Without `explore`, `compare` does not apply; with choreography not compared, the fault can fire in every design run.
  assert.ok(runCell({ simulator: "saga", source: `compare: [choreography]\n${fault}` }).ok);
  assert.ok(runCell({ simulator: "saga", source: `style: choreography\nexplore: 10\ncompare: [orchestration]\n${fault}` }).ok);
});

test("explore: a list of seeds runs exactly those seeds, and each finding replays one of them", () => {
  const o = run("explore: [5, 17, 99]\ncompare: [dedup, no-dedup]\nnetwork:\n  duplicate: 0.3\n");
  assert.equal(o.metrics.runs, 3);
  assert.equal(o.metrics["completed @ dedup"]! + o.metrics["compensated @ dedup"]!, 3);
  const replays = o.verdict.findings.map((f) => f.replay!);
  assert.ok(replays.length > 0);
  for (const [i, f] of o.verdict.findings.entries()) {
    assert.ok([5, 17, 99].includes(replays[i]!.seed!), JSON.stringify(replays[i]));
    assert.deepEqual(replays[i]!.set, { idempotent: false });
    assert.ok(codes(run("idempotent: false\nnetwork:\n  duplicate: 0.3\n", replays[i]!.seed)).includes(f.code), f.code);
  }
  // `explore: 0` no longer means one run: leaving `explore` out does.
  assert.equal(runCell({ simulator: "saga", source: "explore: 0\n" }).ok, false);
});
