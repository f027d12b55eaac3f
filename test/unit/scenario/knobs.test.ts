// Knobs: the options a schema marks as knobs, with their forms and the run's values; the lesson's
// value where the cell differs from it; turning one rewrites the YAML and keeps the author's comments.
import { test } from "node:test";
import assert from "node:assert/strict";
import { s } from "../../../src/scenario/schema";
import { knobsOf } from "../../../src/engine/knobs";
import { setOption } from "../../../src/scenario/edit";

const schema = s.object("A cell.", {
  strategy: s.knob(
    s.enum({
      doc: "How.",
      values: [
        { value: "a", doc: "A." },
        { value: "b", doc: "B." },
      ],
      default: "a",
    }),
  ),
  size: s.knob(s.integer({ doc: "How big.", min: 1, max: 100, default: 10, unit: "objects" })),
  fast: s.knob(s.boolean({ doc: "Quickly.", default: false })),
  steps: s.field(s.array({ doc: "Not a knob.", items: s.string({ doc: "x" }), default: [] })),
  name: s.field(s.string({ doc: "Not a knob either.", default: "n" })),
});

test("knobs: every option marked as one, with its form and this run's value; the lesson's where it differs", () => {
  const knobs = knobsOf(schema, { strategy: "b", size: 10, fast: true, steps: [], name: "n" }, { strategy: "a", size: 10, fast: false });
  assert.deepEqual(knobs, [
    { key: "strategy", doc: "How.", kind: "choice", choices: ["a", "b"], value: "b", lessonValue: "a" },
    { key: "size", doc: "How big.", kind: "number", min: 1, max: 100, integer: true, unit: "objects", value: 10 },
    { key: "fast", doc: "Quickly.", kind: "switch", value: true, lessonValue: false },
  ]);
  assert.deepEqual(
    knobsOf(schema, { strategy: "a", size: 5, fast: false }).map((k) => "lessonValue" in k),
    [false, false, false],
    "no lesson known: nothing differs",
  );
});

test("a knob can be offered only in the cells it applies to", () => {
  const when = s.object("A cell.", {
    strategy: s.knob(s.enum({ doc: "How.", values: [{ value: "a", doc: "A." }], default: "a" }), (o) => (o.compare as unknown[]).length === 0),
    compare: s.field(s.array({ doc: "Several.", items: s.string({ doc: "x" }), default: [] })),
  });
  assert.deepEqual(
    knobsOf(when, { strategy: "a", compare: [] }).map((k) => k.key),
    ["strategy"],
  );
  assert.deepEqual(knobsOf(when, { strategy: "a", compare: ["a"] }), [], "compare wins over strategy: no knob");
  const some = s.object("A cell.", {
    mode: s.knob(s.enum({ doc: "Mode.", values: ["x", "y", "z"].map((value) => ({ value, doc: value })), default: "x" }), (o) => (o.file ? true : ["x", "y"])),
    file: s.field(s.string({ doc: "A file." })),
  });
  assert.deepEqual(knobsOf(some, { mode: "x" })[0]!.choices, ["x", "y"], "only the choices that work without a file");
  assert.deepEqual(knobsOf(some, { mode: "z" })[0]!.choices, ["x", "y", "z"], "the cell's own value is always among them");
  assert.deepEqual(knobsOf(some, { mode: "x", file: "f" })[0]!.choices, ["x", "y", "z"]);
  const ranged = s.object("A cell.", {
    r: s.knob(s.integer({ doc: "Replies.", min: 1, max: 5, default: 2 }), (o) => ({ max: o.n as number })),
    n: s.field(s.integer({ doc: "Replicas.", min: 1, max: 5, default: 3 })),
  });
  const [r] = knobsOf(ranged, { r: 2, n: 3 });
  assert.deepEqual([r!.min, r!.max], [1, 3], "a number knob turns within the cell's own range");
});

test("turning a knob rewrites one option and keeps comments and order", () => {
  const before = "# the race\nstrategy: a # try b\nsteps: [reader, writer]\n";
  assert.equal(setOption(before, "strategy", "b"), "# the race\nstrategy: b # try b\nsteps: [reader, writer]\n");
  assert.equal(setOption(before, "size", 20), "# the race\nstrategy: a # try b\nsteps: [reader, writer]\nsize: 20\n");
  assert.equal(setOption("", "size", 20), "size: 20\n");
  assert.throws(() => setOption("- a list\n", "size", 1), /could not be read/);
});
