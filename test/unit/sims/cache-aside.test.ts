import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import mermaid from "mermaid";
import { loadCell, runCell } from "../../../src/engine/pipeline";
import { findSimulator } from "../../../src/engine/registry";
import { seedCases } from "../../../src/core/explore";
import { createRng } from "../../../src/core/rng";
import { replaySource } from "../../../src/scenario/edit";
import { STRATEGIES } from "../../../src/sims/cache-aside/scenario";
import type { RunOutput } from "../../../src/protocol/output";
import { assertGolden } from "../../support/golden";

const golden = join(import.meta.dirname, "golden", "cache-aside");

function run(source: string, seed = 1): RunOutput {
  const r = runCell({ simulator: "cache-aside", source, seed });
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}

const classic = "steps: [reader, reader, writer, writer, reader]";
const codes = (o: RunOutput) => o.verdict.findings.map((f) => f.code);

test("the classic race leaves the old value cached under plain cache-aside, and the checker tells the story", () => {
  const o = run(`strategy: update-then-delete\n${classic}\nreads: 2`);
  assert.equal(o.verdict.valid, false);
  assert.deepEqual(codes(o), ["stale-entry", "stale-read"]);
  const stale = o.verdict.findings[0]!;
  assert.match(stale.explanation, /loaded v1 from the database at step 2, then the writer committed v2 at step 3, then the key was deleted at step 4, /);
  assert.match(stale.explanation, /, then the key was deleted at step 4, then at step 5 the reader stored the v1/);
  assert.match(stale.explanation, /until the TTL expires at t=60005 ms/);
  assert.deepEqual(stale.events, [1, 2, 3, 4]);
  assert.match(o.verdict.findings[1]!.explanation, /step 6, after the writer had finished, the reader's read 2 hit the cache and got v1/);
  assert.equal(o.metrics.staleEntries, 1);
  assert.equal(o.metrics.staleReads, 1);
  // The heading counts every step the diagram numbers, the leftover one included, and the caption
  // says what that leftover step is.
  assert.equal(o.title, "update-then-delete: stale data after 6 steps");
  assert.match(o.diagrams[0]!.mermaid, /steps#58; reader, reader, writer, writer, reader, then 1 more step so every actor finishes/);
});

test("each fix on the same interleaving: leases and versioned CAS refuse the old value", () => {
  const lease = run(`strategy: lease\n${classic}`);
  assert.equal(lease.verdict.valid, true);
  assert.match(lease.diagrams[0]!.mermaid, /refused#58; lease 1 was invalidated by a delete/);
  const cas = run(`strategy: versioned-cas\n${classic}`);
  assert.equal(cas.verdict.valid, true);
  assert.match(cas.diagrams[0]!.mermaid, /refused#58; cache already holds v2/);
  // The writer's versioned set is its second step; the reader's set is refused after it.
  assert.deepEqual(cas.tables[0]!.rows, [
    ["database", 2, "the truth"],
    ["cache", 2, "expires at t=60004 ms"],
  ]);
});

test("delete-then-update still races: a reader that misses between the delete and the update caches the old value", () => {
  const o = run("strategy: delete-then-update\nsteps: [writer, reader, reader, reader, writer]");
  assert.equal(o.verdict.valid, false);
  assert.match(o.verdict.findings[0]!.explanation, /^The key was deleted at step 1, then the reader loaded v1/);
  // The same strategy is fine when the reader comes after the whole write.
  assert.equal(run("strategy: delete-then-update\nsteps: [writer, writer, reader, reader, reader]").verdict.valid, true);
});

test("delayed double delete removes an old value set inside the delay, but not one set after it", () => {
  const inside = run("strategy: delayed-double-delete\nsteps: [reader, reader, writer, writer, reader, writer]");
  assert.equal(inside.verdict.valid, true);
  assert.match(inside.diagrams[0]!.mermaid, /delete k again/);
  const after = run("strategy: delayed-double-delete\nsteps: [reader, reader, writer, writer, writer, reader]");
  assert.equal(after.verdict.valid, false);
  assert.deepEqual(codes(after), ["stale-entry"]);
});

test("a step for an actor with nothing left is an error naming the step", () => {
  const r = runCell({ simulator: "cache-aside", source: "strategy: lease\nsteps: [writer, writer, writer]" });
  assert.equal(r.ok, false);
  assert.match((r as { error: { message: string } }).error.message, /Step 3 \(writer\): the writer has nothing left to do/);
  const typo = runCell({ simulator: "cache-aside", source: "strategy: leese" });
  assert.match((typo as { error: { message: string } }).error.message, /^Line 1, column 11: Unknown value "leese"\. Did you mean "lease"\?/);
});

test("random interleavings: leases and versioned CAS never end stale; plain cache-aside and delete-then-update do", () => {
  const o = run("explore: 500\ncompare: [update-then-delete, delete-then-update, delayed-double-delete, lease, versioned-cas]\nreads: 3", 7);
  const rows = Object.fromEntries(o.tables[0]!.rows.map((r) => [r[0], r]));
  assert.equal(rows["lease"]![2], 0);
  assert.equal(rows["versioned-cas"]![2], 0);
  assert.equal(rows["lease"]![4], 0);
  assert.equal(rows["versioned-cas"]![4], 0);
  assert.ok((rows["update-then-delete"]![2] as number) > 0);
  assert.ok((rows["delete-then-update"]![2] as number) > (rows["update-then-delete"]![2] as number), "deleting first leaves a wider window");
  assert.equal(o.charts[0]!.series.length, 2);
  assert.equal(o.charts[0]!.y.percent, true);
  assert.equal(o.metrics.runs, 500);
  // Across many seeds the fixes hold, and a short double-delete delay lets races through.
  for (let seed = 1; seed <= 20; seed++) {
    const fixes = run("explore: 100\ncompare: [lease, versioned-cas]\nreads: 2", seed);
    assert.equal(fixes.verdict.valid, true, `seed ${seed}`);
  }
  // A delay shorter than a slow cache write lets some races through; a longer one closes them here.
  const short = run("explore: 500\nstrategy: delayed-double-delete\ndoubleDeleteDelayMs: 5\ncacheLatencyMsMax: 50", 3);
  assert.ok((short.metrics.staleRuns as number) > 0);
  const long = run("explore: 500\nstrategy: delayed-double-delete\ndoubleDeleteDelayMs: 200\ncacheLatencyMsMax: 50", 3);
  assert.equal(long.metrics.staleRuns, 0);
});

test("explore: a count of runs (500 when a cell has no steps) or a list of seeds, which replays the runs a count drew", () => {
  assert.equal(run("strategy: lease").metrics.runs, 500);
  const counted = run("explore: 30\ncompare: [update-then-delete, delete-then-update]", 5);
  const seeds = seedCases(30, createRng(5));
  const listed = run(`explore: [${seeds.join(", ")}]\ncompare: [update-then-delete, delete-then-update]`, 99);
  assert.deepEqual(listed.tables, counted.tables, "the same seeds give the same runs, whatever the cell's seed");
  assert.deepEqual(listed.metrics, counted.metrics);
  // Steps win over explore: the cell follows them.
  assert.equal(run(`explore: 20\n${classic}`).metrics.steps, 5);
});

test("the old spelling `runs:` is an error whose quick fix rewrites it as `explore:`", () => {
  const text = "strategy: lease\nruns: 20\n";
  const d = loadCell(findSimulator("cache-aside")!, text).diagnostics.find((x) => x.code === "old-spelling")!;
  assert.match(d.message, /"runs" is now called "explore"/);
  const fixed = [...d.edits!].sort((a, b) => b.range.start - a.range.start).reduce((t, e) => t.slice(0, e.range.start) + e.text + t.slice(e.range.end), text);
  assert.equal(fixed, "strategy: lease\nexplore: 20\n");
  const r = runCell({ simulator: "cache-aside", source: text });
  assert.equal(r.ok, false, "an old spelling is never silently accepted");
});

test("over many runs, a stale entry replays its first run as explicit steps, which ends stale again", () => {
  const source = "explore: 200\ncompare: [lease, delete-then-update]\n";
  const f = run(source).verdict.findings.find((x) => x.code === "stale-entry")!;
  assert.match(f.title, /^delete-then-update: \d+ of 200 runs/);
  assert.deepEqual(f.replay!.remove, ["explore", "compare"]);
  assert.equal(f.replay!.set!.strategy, "delete-then-update");
  const again = run(replaySource(source, f.replay!));
  assert.deepEqual(codes(again).slice(0, 1), ["stale-entry"]);
  assert.equal(again.metrics.staleEntries, 1);
});

test("property: the same scenario and seed give byte-identical output", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...STRATEGIES.map((s) => s.value)), fc.boolean(), (seed, strategy, random) => {
      const src = random ? `strategy: ${strategy}\nexplore: 20\nreads: 2` : `strategy: ${strategy}\n${classic}`;
      assert.equal(JSON.stringify(run(src, seed)), JSON.stringify(run(src, seed)));
      assert.equal(run(src, seed).seed, seed);
    }),
    { numRuns: 60 },
  );
});

test("golden diagrams, and every diagram parses with Mermaid", async () => {
  const cases: [string, string][] = [
    ["classic-race", `strategy: update-then-delete\n${classic}`],
    ["lease", `strategy: lease\n${classic}`],
    ["delete-then-update", "strategy: delete-then-update\nsteps: [writer, reader, reader, reader, writer]"],
    ["random", "explore: 50\nstrategy: delete-then-update"],
  ];
  for (const [name, src] of cases) {
    const text = run(src, 3).diagrams[0]!.mermaid;
    await mermaid.parse(text);
    const file = join(golden, `${name}.mmd`);
    assertGolden(file, text);
  }
});
