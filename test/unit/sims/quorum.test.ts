import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { runCell } from "../../../src/engine/pipeline";
import { createRng } from "../../../src/core/rng";
import { checkLinearizable } from "../../../src/core/consistency";
import { loadCell } from "../../../src/engine/pipeline";
import { findSimulator } from "../../../src/engine/registry";
import { simulateOnce } from "../../../src/sims/quorum/model";
import { historyOf, judge } from "../../../src/sims/quorum/check";
import type { Resolved } from "../../../src/sims/quorum/scenario";
import type { RunOutput } from "../../../src/protocol/output";

function run(source: string, seed = 1): RunOutput {
  const r = runCell({ simulator: "quorum", source, seed });
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}
const codes = (o: RunOutput) => o.verdict.findings.map((f) => f.code);

const NEW_THEN_OLD = `network: { minDelayMs: 10, maxDelayMs: 10 }
readRepair: none
ops:
  - { at: 0, client: alice, op: write, value: 1, via: n1 }
  - { at: 20, client: bob, op: read, via: n1 }
  - { at: 90, client: carol, op: read, via: n3 }
faults:
  - { type: slow, node: n1, atMs: 0, forMs: 15, extraMs: 400 }
  - { type: crash, node: n1, atMs: 85, downMs: 1000 }
`;

test("R + W > N: a read sees a write in progress, a later read from another quorum does not; the checker names both reads and their replicas", () => {
  const o = run(NEW_THEN_OLD);
  assert.equal(o.verdict.valid, false);
  assert.deepEqual(codes(o), ["new-then-old"]);
  const f = o.verdict.findings[0]!;
  assert.match(f.explanation, /bob's read k → 1 .* heard from n1 and n2/);
  assert.match(f.explanation, /carol's read k → nothing .* heard from n3 and n2/);
  assert.match(f.explanation, /still in progress/);
  assert.match(f.explanation, /linearizability checker agrees/);
  assert.equal(o.metrics.linearizable, 0);
  // The history gantt marks the write and both reads.
  const gantt = o.diagrams.find((d) => d.id === "history")!.mermaid;
  assert.equal((gantt.match(/:crit/g) ?? []).length, 3);
  assert.deepEqual(
    o.tables[0]!.rows.map((r) => [r[0], r[2], r[3]]),
    [
      ["bob", "1 @10", "n1, n2"],
      ["carol", "—", "n3, n2"],
    ],
  );
});

test("blocking read repair writes the newest version back before answering: the later read sees it, and the read pays for it", () => {
  const none = run(NEW_THEN_OLD);
  const o = run(NEW_THEN_OLD.replace("readRepair: none", "readRepair: blocking"));
  assert.equal(o.verdict.valid, true);
  assert.equal(o.metrics.linearizable, 1);
  assert.ok(o.metrics.readRepairs! >= 1);
  assert.ok(o.metrics.meanReadMs! > none.metrics.meanReadMs!);
  assert.equal(o.tables[0]!.rows[1]![2], "1 @10");
});

test("reads that begin after the write completed always see it when R + W > N", () => {
  const o = run(
    NEW_THEN_OLD.replace("at: 20, client: bob", "at: 500, client: bob")
      .replace("at: 90, client: carol", "at: 600, client: carol")
      .replace(/ {2}- \{ type: crash.*\n/, ""),
  );
  assert.equal(o.verdict.valid, true, o.verdict.summary);
});

const SKEW = `clocks:
  - { node: n2, skewMs: -100 }
ops:
  - { at: 0, client: alice, op: write, value: 1, via: n1 }
  - { at: 60, client: bob, op: write, value: 2, via: n2 }
  - { at: 150, client: carol, op: read }
`;

test("last-writer-wins with a clock behind: a later, acknowledged write is dropped everywhere, and the finding names the write, the clocks and the nodes", () => {
  const o = run(SKEW);
  assert.deepEqual(codes(o), ["lost-write-lww"]);
  const f = o.verdict.findings[0]!;
  assert.match(f.title, /bob's acknowledged write k = 2 was lost to clock skew/);
  assert.match(f.explanation, /coordinator n2, whose clock runs 100 ms behind/);
  assert.match(f.explanation, /dropped it silently/);
  assert.equal(o.metrics.lostWrites, 1);
  assert.equal(o.tables[0]!.rows[0]![2], "1 @19");
  assert.ok(o.diagrams[0]!.mermaid.includes("LWW#58; keeps k = 1 @19, drops 2 @-21 (older timestamp)"));
});

test("version vectors keep both writes as siblings and return them to the client, whose next write merges them", () => {
  const o = run(`conflicts: version-vectors\n${SKEW}`);
  assert.equal(o.verdict.valid, true);
  assert.deepEqual(codes(o), ["siblings"]);
  assert.equal(o.tables[0]!.rows[0]![2], "1 [n1:1] / 2 [n2:1]");
  const merged = run(`conflicts: version-vectors\n${SKEW}  - { at: 300, client: carol, op: write, value: 3 }\n  - { at: 500, client: carol, op: read }\n`);
  assert.deepEqual(
    merged.tables[0]!.rows.map((r) => r[2]),
    ["1 [n1:1] / 2 [n2:1]", "3 [n1:2, n2:1]"],
  );
});

const SLOPPY = `network: { minDelayMs: 10, maxDelayMs: 10 }
ops:
  - { at: 0, client: alice, op: write, value: 1, via: n3 }
  - { at: 300, client: bob, op: read, via: n1 }
  - { at: 600, client: carol, op: read, via: n1 }
faults:
  - { type: crash, node: n1, atMs: 0, downMs: 300 }
  - { type: crash, node: n2, atMs: 0, downMs: 300 }
`;

test("sloppy quorum: stand-ins acknowledge the write with hints, a read of the home replicas misses it, and hinted handoff delivers it after recovery", () => {
  const o = run(SLOPPY);
  assert.deepEqual(codes(o), ["sloppy-quorum-stale-read", "hinted-handoff"]);
  assert.match(o.verdict.findings[0]!.explanation, /acknowledged by n3 and n4, but n4 only stood in/);
  assert.match(o.verdict.findings[1]!.explanation, /n4 handed k back to n1 \(t=340 ms\) and n5 handed k back to n2/);
  assert.equal(o.metrics.handoffs, 2);
  assert.equal(o.metrics.hintsLeft, 0);
  // After the handoff, carol's read from the same replicas sees the write.
  assert.equal(o.tables[0]!.rows[1]![2], "1 @10");
  const finalRows = o.tables[1]!.rows;
  assert.deepEqual(
    finalRows.slice(0, 3).map((r) => r[2]),
    ["1 @10", "1 @10", "1 @10"],
  );
});

test("strict quorum: the same write fails instead, and the history stays linearizable", () => {
  const o = run(`sloppy: false\n${SLOPPY}`);
  assert.equal(o.verdict.valid, true);
  assert.deepEqual(codes(o), ["unavailable"]);
});

test("a node that stays down keeps its hints pending", () => {
  const o = run(SLOPPY.replace("{ type: crash, node: n1, atMs: 0, downMs: 300 }", "{ type: crash, node: n1, atMs: 0, downMs: 0 }"));
  assert.ok(codes(o).includes("hints-pending"));
  assert.equal(o.metrics.hintsLeft, 1);
});

test("anti-entropy repairs a replica that missed a write", () => {
  const src = `network: { minDelayMs: 10, maxDelayMs: 10 }\nsloppy: false\nantiEntropyMs: 200\nuntilMs: 1000\nops:\n  - { at: 0, client: alice, op: write, value: 1, via: n1 }\nfaults:\n  - { type: crash, node: n3, atMs: 0, downMs: 100 }\n`;
  const o = run(src);
  const final = o.tables.find((t) => t.id === "replicas")!.rows;
  assert.deepEqual(
    final.slice(0, 3).map((r) => r[2]),
    ["1 @10", "1 @10", "1 @10"],
  );
  assert.ok(o.diagrams[0]!.mermaid.includes("anti-entropy"));
});

test("a comparison marks its matrix as a summary and says which settings kept linearizability", () => {
  const o = run(`${NEW_THEN_OLD}compare:\n  - { readRepair: none }\n  - { readRepair: blocking }\n`);
  const m = o.tables.find((t) => t.id === "matrix")!;
  assert.equal(m.summary, true);
  assert.deepEqual(
    m.rows.map((r) => [r[0], r[3]]),
    [
      ["read repair none", "NO"],
      ["read repair blocking", "yes"],
    ],
  );
});

test("resolve refuses R or W above N, and a client named like a node", () => {
  assert.equal(runCell({ simulator: "quorum", source: "r: 4\nops:\n  - { at: 0, client: a, op: read }\n" }).ok, false);
  assert.equal(runCell({ simulator: "quorum", source: "ops:\n  - { at: 0, client: n1, op: read }\n" }).ok, false);
  assert.equal(runCell({ simulator: "quorum", source: "ops:\n  - { at: 0, client: a, op: write }\n" }).ok, false);
});

function setupOf(source: string): Resolved["run"] {
  return (loadCell(findSimulator("quorum")!, source).resolved as Resolved).run;
}

test("property: W = N, R = 1, no faults, writes one at a time: every history is linearizable", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 6 }), (seed, readTimes) => {
      const ops = [
        "  - { at: 0, client: w, op: write, value: 1 }",
        "  - { at: 0, client: w, op: write, value: 2 }",
        "  - { at: 0, client: w, op: write, value: 3 }",
        ...readTimes.map((t, i) => `  - { at: ${t}, client: r${i}, op: read }`),
      ];
      const o = setupOf(`n: 3\nr: 1\nw: 3\nnetwork: { minDelayMs: 1, maxDelayMs: 30 }\nops:\n${ops.join("\n")}\n`);
      const runResult = simulateOnce(o, createRng(seed));
      const { history } = historyOf(runResult);
      assert.equal(checkLinearizable(history).valid, true);
    }),
    { numRuns: 60 },
  );
});

test("property: with no clock skew, last-writer-wins never drops a write that began after another returned", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.array(fc.record({ at: fc.integer({ min: 0, max: 300 }), via: fc.integer({ min: 1, max: 5 }), client: fc.integer({ min: 0, max: 2 }) }), {
        minLength: 2,
        maxLength: 6,
      }),
      (seed, writes) => {
        const ops = writes.map((w, i) => `  - { at: ${w.at}, client: c${w.client}, op: write, value: ${i + 1}, via: n${w.via} }`);
        const o = setupOf(`network: { minDelayMs: 0, maxDelayMs: 40 }\nops:\n${ops.join("\n")}\n`);
        const j = judge(simulateOnce(o, createRng(seed)));
        assert.ok(!j.verdict.findings.some((f) => f.code === "lost-write-lww"));
      },
    ),
    { numRuns: 80 },
  );
});

test("the same cell and seed give the same output", () => {
  assert.equal(JSON.stringify(run(SLOPPY, 9)), JSON.stringify(run(SLOPPY, 9)));
});
