// "Replay this run": an exploration's finding carries the edit that turns its cell into a cell that
// replays the first run showing it. The edit keeps the author's comments. (That the replayed runs
// show their findings again, for every sample, is tested in test/unit/present/findings.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { replaySource } from "../../../src/scenario/edit";

test("the replayed cell keeps comments and order, drops the exploration's keys and expectations, and sets the run's", () => {
  const source = "# the dedup question\nexplore: 1000 # many seeds\ncompare: [dedup, no-dedup]\nrandom:\n  crash: 0.1\nexpect:\n  verdict: violated\n";
  const out = replaySource(source, { seed: 7, remove: ["explore", "compare"], set: { idempotent: false, steps: ["reader", "writer"] } });
  assert.equal(out, "# the dedup question\nrandom:\n  crash: 0.1\nidempotent: false\nsteps: [reader, writer]\n");
  assert.throws(() => replaySource("- a list\n", { seed: 1 }), /could not be read/);
  // A list the author wrote one item a line stays so (an isolation cell's steps, replayed in another order).
  const steps = replaySource("explore: all\nsteps:\n  - T1 begin\n  - T2 begin\n", {
    remove: ["explore"],
    set: { steps: ["T2 begin", "T1 begin"], level: "serializable" },
  });
  assert.equal(steps, "steps:\n  - T2 begin\n  - T1 begin\nlevel: serializable\n");
});
