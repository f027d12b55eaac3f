// Exported pages carry every combination of a cell's choice knobs when there are few enough: the
// cell's own values first, numbers left as they are, none beyond the cap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { knobVariants, MAX_VARIANTS } from "../../../src/engine/variants";
import type { Knob } from "../../../src/protocol/output";

const choice = (key: string, choices: string[], value: string): Knob => ({ key, doc: key, kind: "choice", choices, value });

test("every combination of the choice knobs and switches, the cell's own first, each written into the cell", () => {
  const knobs: Knob[] = [
    choice("strategy", ["a", "b"], "b"),
    { key: "fast", doc: "", kind: "switch", value: false },
    { key: "reads", doc: "", kind: "number", min: 1, max: 9, value: 2 },
  ];
  const v = knobVariants("strategy: b # keep\nreads: 2\n", knobs);
  assert.deepEqual(
    v.map((x) => x.values),
    [
      { strategy: "b", fast: false },
      { strategy: "a", fast: true },
      { strategy: "a", fast: false },
      { strategy: "b", fast: true },
    ],
  );
  assert.equal(v[0]!.source, "strategy: b # keep\nreads: 2\n", "the cell's own text, untouched");
  assert.equal(v[1]!.source, "strategy: a # keep\nreads: 2\nfast: true\n");
});

test("no variants without choice knobs, or beyond the cap", () => {
  assert.deepEqual(knobVariants("x: 1\n", []), []);
  assert.deepEqual(knobVariants("x: 1\n", [{ key: "x", doc: "", kind: "number", value: 1 }]), []);
  const many = [choice("a", ["1", "2", "3", "4", "5"], "1"), choice("b", ["1", "2", "3", "4"], "1")];
  assert.ok(5 * 4 > MAX_VARIANTS);
  assert.deepEqual(knobVariants("", many), []);
});
