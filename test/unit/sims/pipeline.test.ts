// The pipeline's part in seeds without surprise (a one-off seed, reported with the cell's own) and
// in errors that list every problem, including a cell written for another simulator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseInfo } from "../../../src/notebook/format";
import { cellRequest, DEFAULT_SEED, loadCell, runCell } from "../../../src/engine/pipeline";
import { findSimulator } from "../../../src/engine/registry";

const RACE = "strategy: update-then-delete\nsteps: [reader, reader, writer, writer, reader]\nreads: 2\n";
const RANDOM = "strategy: update-then-delete\nexplore: 20\n";

function run(info: string, source: string, seed?: number) {
  const r = runCell(cellRequest(parseInfo(info), source, undefined, seed));
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return r.output;
}

test("a one-off seed replaces the cell's seed for that run, and the output names the cell's own seed", () => {
  assert.deepEqual(cellRequest(parseInfo("cache-aside seed=42"), RACE, undefined, 7), { simulator: "cache-aside", source: RACE, seed: 7, cellSeed: 42 });
  assert.deepEqual(cellRequest(parseInfo("cache-aside"), RACE, undefined, 7), { simulator: "cache-aside", source: RACE, seed: 7, cellSeed: DEFAULT_SEED });
  const out = run("cache-aside id=x seed=42", RANDOM, 7);
  assert.equal(out.seed, 7);
  assert.equal(out.cellSeed, 42);
  assert.equal(run("cache-aside", RANDOM, 7).cellSeed, 1, "a cell without seed= runs with 1");
});

test("without a one-off seed, or with the cell's own, the output has no cellSeed", () => {
  assert.deepEqual(cellRequest(parseInfo("cache-aside seed=42"), RACE), { simulator: "cache-aside", source: RACE, seed: 42 });
  assert.deepEqual(cellRequest(parseInfo("cache-aside seed=42"), RACE, undefined, 42), { simulator: "cache-aside", source: RACE, seed: 42 });
  assert.equal(run("cache-aside seed=42", RANDOM).cellSeed, undefined);
  assert.equal(run("cache-aside seed=42", RANDOM, 42).cellSeed, undefined);
  assert.equal(run("cache-aside", RANDOM, 1).cellSeed, undefined);
  assert.ok(!("cellSeed" in run("cache-aside", RANDOM)));
});

test("a run with a one-off seed is the run a cell pinned to that seed gives, byte for byte, apart from cellSeed", () => {
  const once = run("cache-aside id=x seed=42", RANDOM, 2699206679);
  const pinned = run("cache-aside id=x seed=2699206679", RANDOM);
  const { cellSeed, ...rest } = once;
  assert.equal(cellSeed, 42);
  assert.equal(JSON.stringify(rest), JSON.stringify(pinned));
});

test("an error lists every problem, each with its line and column in the cell", () => {
  const r = runCell(cellRequest(parseInfo("sharding"), "strategy: rign\nkeys: 0\nnodez: 3\n"));
  assert.ok(!r.ok);
  assert.equal(
    r.error.message,
    [
      "3 problems:",
      'Line 1, column 11: Unknown value "rign". Did you mean "ring"? Expected one of: mod, ring, rendezvous, jump, bounded, range, directory.',
      "Line 2, column 7: Must be at least 1, got 0.",
      'Line 3, column 1: Unknown key "nodez". Did you mean "nodes"?',
    ].join("\n"),
  );
  assert.deepEqual(
    r.error.problems!.map((p) => [p.line, p.column]),
    [
      [1, 11],
      [2, 7],
      [3, 1],
    ],
  );
  assert.deepEqual([r.error.line, r.error.column], [1, 11]);
  assert.doesNotMatch(r.error.message, /more problem/);
});

test("a single problem reads as one line", () => {
  const r = runCell(cellRequest(parseInfo("sharding"), "keys: 5\nstrategy: rign\n"));
  assert.ok(!r.ok);
  assert.equal(
    r.error.message,
    'Line 2, column 11: Unknown value "rign". Did you mean "ring"? Expected one of: mod, ring, rendezvous, jump, bounded, range, directory.',
  );
});

test("keys and values of another simulator: the problem names it, lists them, and each points to it", () => {
  const text = "strategy: lease\nsteps: [reader, writer, reader]\nreads: 2\n";
  const ds = loadCell(findSimulator("cache-patterns")!, text).diagnostics;
  const hint = ds.find((d) => d.code === "other-simulator")!;
  assert.equal(
    hint.message,
    "These keys and values belong to the `cache-aside` simulator: lease, steps, reads. Switch the cell to cache-aside (quick fix, or the cell's language picker).",
  );
  assert.equal(hint.simulator, "cache-aside");
  assert.equal(text.slice(hint.range.start, hint.range.end), "lease");
  const pointed = ds.filter((d) => d.code === "unknown-key" || d.code === "unknown-value");
  assert.equal(pointed.length, 3);
  for (const d of pointed) {
    assert.equal(d.simulator, "cache-aside");
    assert.equal(d.fix, undefined, "no misleading did-you-mean");
  }
  assert.match(
    pointed.find((d) => d.code === "unknown-key")!.message,
    /^Unknown key "steps" for the `cache-patterns` simulator; it belongs to `cache-aside`\.$/,
  );
  const r = runCell(cellRequest(parseInfo("cache-patterns"), text));
  assert.ok(!r.ok);
  assert.match(r.error.message, /^5 problems:\nLine 1, column 11: These keys and values belong to the `cache-aside` simulator/);
  assert.match(r.error.message, /Missing required key "scenario"/);
});

test("keys that no other simulator knows better get no simulator hint", () => {
  const ds = loadCell(findSimulator("sharding")!, "strategy: ring\nnodez: 3\n").diagnostics;
  assert.equal(
    ds.find((d) => d.code === "other-simulator"),
    undefined,
  );
  assert.equal(ds.find((d) => d.code === "unknown-key")!.fix, "nodes");
  assert.deepEqual(loadCell(findSimulator("cache-aside")!, RACE).diagnostics, []);
});
