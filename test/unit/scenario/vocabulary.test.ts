// The shared vocabulary of cells: `explore:` takes a count, a list of seeds or (where runs can be
// listed) `all`; old spellings of keys and values are errors whose fixes rewrite them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadScenario } from "../../../src/scenario/load";
import { s } from "../../../src/scenario/schema";
import { exploreListed } from "../../../src/scenario/explore";
import { completionsAt } from "../../../src/scenario/assist";
import type { DiagnosticEdit } from "../../../src/core/errors";

const schema = s.object(
  "A cell.",
  {
    explore: s.field(exploreListed("Many runs.", 1000, "Every interleaving.")),
    steps: s.field(s.array({ doc: "Steps.", items: s.string({ doc: "A step." }), default: [] })),
  },
  { interleavings: { to: "explore" }, runs: { to: "explore" }, explore: { to: "explore", values: { true: "all" } } },
);

const load = (text: string) => loadScenario<{ explore?: unknown }>(text, schema);
const apply = (text: string, edits: readonly DiagnosticEdit[]) =>
  [...edits].sort((a, b) => b.range.start - a.range.start).reduce((t, e) => t.slice(0, e.range.start) + e.text + t.slice(e.range.end), text);

test("explore: a count, all, or a list of seeds; anything else names every form", () => {
  assert.equal(load("explore: 500\n").value!.explore, 500);
  assert.equal(load("explore: all\n").value!.explore, "all");
  assert.deepEqual(load("explore: [7, 42]\n").value!.explore, [7, 42]);
  assert.equal(load("steps: []\n").value!.explore, undefined);
  const bad = load("explore: some\n").diagnostics;
  assert.equal(bad.length, 1);
  assert.match(bad[0]!.message, /Expected integer or all or list of integer, got "some"/);
  assert.match(load("explore: 5000\n").diagnostics[0]!.message, /at most 1000/, "a count out of range says so");
  assert.match(load("explore: alll\n").diagnostics[0]!.message, /Did you mean "all"/);
});

test("old spellings are errors whose fixes rewrite them", () => {
  const cases: [string, string][] = [
    ["runs: 500\nsteps: []\n", "explore: 500\nsteps: []\n"],
    ["explore: true\n", "explore: all\n"],
    ["explore: true\ninterleavings: 200\nsteps: []\n", "explore: 200\nsteps: []\n"],
    ["interleavings: 200 # sampled\nexplore: true\n", "explore: 200\n"],
  ];
  for (const [before, after] of cases) {
    const d = load(before).diagnostics.filter((x) => x.code === "old-spelling");
    assert.ok(d.length >= 1, before);
    const first = d.find((x) => x.edits) ?? d[0]!;
    const fixed = first.edits ? apply(before, first.edits) : apply(before, [{ range: first.range, text: first.fix! }]);
    assert.equal(fixed, after, `${JSON.stringify(before)} is rewritten`);
    assert.deepEqual(load(fixed).diagnostics, [], "and the rewritten cell is valid");
    assert.equal(load(before).value, undefined, "an old spelling is never silently accepted");
  }
});

test("completion offers `all` for explore, and its docs list the forms", () => {
  const c = completionsAt("explore: ", 9, schema);
  assert.deepEqual(
    c.items.map((i) => i.label),
    ["all"],
  );
  const key = completionsAt("", 0, schema).items.find((i) => i.label === "explore")!;
  assert.match(key.documentation, /integer or all or list of integer/);
  assert.match(key.documentation, /`all`: Every interleaving/);
});
