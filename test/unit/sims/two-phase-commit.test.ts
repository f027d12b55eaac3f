import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { findSimulator } from "../../../src/engine/registry";
import { runCell } from "../../../src/engine/pipeline";
import type { RunOutput } from "../../../src/protocol/output";

function run(simulator: string, source: string, seed = 1): RunOutput {
  const r = runCell({ simulator, source, seed });
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}
const codes = (o: RunOutput) => o.verdict.findings.map((f) => f.code);
const notes = (o: RunOutput) => [...o.diagrams[0]!.mermaid.matchAll(/Note over (p\d+): ([^\n]*)/g)].map((m) => `${m[1]} ${m[2]}`);

test("2PC without faults: both participants prepare, the coordinator logs COMMIT, both commit and release their locks", () => {
  const o = run("two-phase-commit", "participants: [payment, inventory]\nrequests: 0");
  assert.equal(o.verdict.valid, true);
  assert.equal(o.verdict.summary, "Atomic: payment committed, inventory committed.");
  assert.equal(o.metrics.locksHeld, 0);
  assert.equal(o.metrics.committed, 2);
  assert.ok(notes(o).includes("p0 log decision COMMIT (every participant voted yes)"));
  assert.equal(notes(o).filter((n) => /COMMIT \(coordinator's decision\)#59; lock released/.test(n)).length, 2);
});

test("2PC: the coordinator crashes after PREPARE and never returns; both participants stay blocked holding their locks", () => {
  const o = run("two-phase-commit", "faults:\n  - type: crash\n    service: coordinator\n    after: prepare\n    downMs: 0");
  assert.deepEqual(codes(o), ["blocked"]);
  assert.equal(o.metrics.inDoubt, 2);
  assert.equal(o.metrics.locksHeld, 2);
  assert.equal(o.metrics.requestsWaiting, 6);
  assert.ok(o.metrics.blockedMs! > 9000, String(o.metrics.blockedMs));
  assert.deepEqual(
    o.tables[0]!.rows.map((r) => [r[0], r[1], r[4], r[5]]),
    [
      ["payment", "in doubt", true, 3],
      ["inventory", "in doubt", true, 3],
    ],
  );
  const f = o.verdict.findings[0]!;
  assert.match(f.explanation, /may neither commit nor abort on their own: only the coordinator knows the decision, and it crashed/);
  assert.match(o.diagrams[0]!.mermaid, /rect rgba\(230, 80, 80, 0\.22\)\n {4}Note over p0: CRASH#58; after prepare, stays down/);
  assert.match(o.diagrams[0]!.mermaid, /-xp0: decision\? \(lost#58; coordinator is down\)/);
  // Cooperative termination does not help: every participant voted yes, so no one knows more.
  const coop = run("two-phase-commit", "recovery: cooperative\nfaults:\n  - type: crash\n    service: coordinator\n    after: prepare\n    downMs: 0");
  assert.deepEqual(codes(coop), ["blocked"]);
  assert.match(coop.diagrams[0]!.mermaid, /don't know \(prepared too\)/);
});

test("2PC: a coordinator that comes back presumes abort (no decision in its log) and releases everyone", () => {
  const o = run("two-phase-commit", "requests: 0\nfaults:\n  - type: crash\n    service: coordinator\n    after: prepare\n    downMs: 500");
  assert.equal(o.verdict.valid, true);
  assert.deepEqual(codes(o), ["in-doubt"]);
  assert.equal(o.metrics.aborted, 2);
  assert.equal(o.metrics.locksHeld, 0);
  assert.ok(o.metrics.blockedMs! >= 2 * 450);
  assert.ok(notes(o).includes("p0 log has BEGIN but no decision#58; presume abort"));
});

test("2PC: a crash after logging COMMIT resends the decision on recovery; cooperative peers learn it from each other when one already has it", () => {
  const after = run("two-phase-commit", "requests: 0\nfaults:\n  - type: crash\n    service: coordinator\n    after: decision\n    downMs: 400");
  assert.equal(after.metrics.committed, 2);
  assert.ok(notes(after).includes("p0 log says COMMIT#58; tell the participants again"));
  const first = "requests: 0\nfaults:\n  - type: crash\n    service: coordinator\n    after: first-commit\n    downMs: 0";
  assert.deepEqual(codes(run("two-phase-commit", first)), ["blocked"]);
  const coop = run("two-phase-commit", `recovery: cooperative\n${first}`);
  assert.equal(coop.verdict.valid, true);
  assert.equal(coop.metrics.committed, 2);
  assert.match(coop.diagrams[0]!.mermaid, /COMMIT \(learnt from (payment|inventory)\)/);
});

test("2PC cooperative termination: a participant asked before it has voted aborts, and answers a PREPARE that comes later with NO", () => {
  // Seed 17 delivers inventory's question to payment before the coordinator's PREPARE reaches it.
  const o = run("two-phase-commit", "recovery: cooperative\ntimeoutMs: 20\nrequests: 0\nnetwork:\n  minDelayMs: 1\n  maxDelayMs: 60\n", 17);
  assert.equal(o.verdict.valid, true);
  assert.equal(o.metrics.aborted, 2);
  const mm = o.diagrams[0]!.mermaid;
  const abortedAlone = mm.indexOf("Note over p1: ROLLBACK not prepared yet#58; abort, so inventory may abort too");
  const prepare = mm.indexOf("p0->>p1: PREPARE");
  assert.ok(abortedAlone > 0 && prepare > abortedAlone, "payment aborted before the PREPARE arrived");
  assert.match(mm.slice(prepare), /^p0->>p1: PREPARE\n {2}p1-->>p0: NO\n/);
});

test("2PC: a participant votes no, everyone aborts; a heuristic abort after a yes vote breaks atomicity", () => {
  const no = run("two-phase-commit", "requests: 0\nfaults:\n  - type: vote-no\n    service: inventory");
  assert.equal(no.verdict.valid, true);
  assert.equal(no.metrics.aborted, 2);
  assert.ok(notes(no).some((n) => /log decision ABORT \(inventory voted no\)/.test(n)));
  const heur = run(
    "two-phase-commit",
    "requests: 0\nrecovery: heuristic-abort\nheuristicMs: 300\nfaults:\n  - type: crash\n    service: coordinator\n    after: first-commit\n    downMs: 0",
  );
  assert.deepEqual(codes(heur), ["atomicity", "in-doubt"]);
  assert.equal(heur.metrics.committed, 1);
  assert.equal(heur.metrics.aborted, 1);
  assert.match(heur.verdict.findings[0]!.explanation, /gave up waiting and aborted on its own \(a heuristic decision\)/);
});

test("2PC exploration: waiting blocks, deciding alone violates atomicity, and bad participant names are refused", () => {
  const o = run("two-phase-commit", "explore: 500\ncompare: [wait, heuristic-abort]\nrandom:\n  coordinatorCrash: 0.3\n  downMs: 0", 5);
  assert.equal(o.metrics["violated @ wait"], 0);
  assert.ok(o.metrics["blocked @ wait"]! > 50);
  assert.equal(o.metrics["blocked @ heuristic-abort"], 0);
  assert.ok(o.metrics["violated @ heuristic-abort"]! > 0);
  const bad = runCell({ simulator: "two-phase-commit", source: 'participants: ["a b"]' });
  assert.match((bad as { error: { message: string } }).error.message, /Participant names may use letters, digits/);
});

test("property: same seed, same output", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
      const tpc = "recovery: cooperative\nnetwork:\n  loss: 0.1\nrandom:\n  coordinatorCrash: 0.5\n  participantCrash: 0.2\n";
      assert.deepEqual(run("two-phase-commit", tpc, seed), run("two-phase-commit", tpc, seed));
    }),
    { numRuns: 50 },
  );
});

test("every example offered in the pickers runs and shows what its description promises", () => {
  const expected: Record<string, string[]> = {
    "everything goes well": [],
    "coordinator crashes after prepare": ["blocked"],
  };
  for (const ex of findSimulator("two-phase-commit")!.examples) {
    const o = run("two-phase-commit", ex.body);
    if (ex.name in expected) assert.deepEqual(codes(o), expected[ex.name], ex.name);
    else assert.equal(o.verdict.valid, false, ex.name); // the explorations compare a design that fails
  }
});

test("resolve: names and faults are checked once, before any run, on the value in the cell", () => {
  const message = (source: string) => {
    const r = runCell({ simulator: "two-phase-commit", source });
    assert.equal(r.ok, false, source);
    return (r as { error: { message: string } }).error.message;
  };
  assert.equal(
    message("faults:\n  - type: vote-no\n    service: coordinator\n"),
    "Line 3, column 14: vote-no: the coordinator does not vote; name a participant.",
  );
  assert.match(message("participants: [a, coordinator]\n"), /^Line 1, column 19: The participant name "coordinator" is taken/);
  assert.match(
    message("faults:\n  - type: crash\n    service: payment\n    after: decision\n"),
    /^Line 4, column 12: A participant can crash only after prepare/,
  );
  assert.match(message("explore: 500\nfaults:\n  - type: vote-no\n    service: coordinator\n"), /the coordinator does not vote/);
});

test("explore: a list of seeds runs exactly those seeds", () => {
  const o = run("two-phase-commit", "explore: [3, 4, 5, 6]\ncompare: [wait, heuristic-abort]\nrandom:\n  coordinatorCrash: 0.5\n  downMs: 0\n");
  assert.equal(o.metrics.runs, 4);
  const blocked = [3, 4, 5, 6].filter((seed) => codes(run("two-phase-commit", "random:\n  coordinatorCrash: 0.5\n  downMs: 0\n", seed)).includes("blocked"));
  assert.equal(o.metrics["blocked @ wait"], blocked.length);
});
