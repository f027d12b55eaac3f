// Completions never change a value being typed, and "did you mean" counts a swap of two letters as
// one edit. Driven by real simulator schemas, where the defects were seen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { completionsAt } from "../../../src/scenario/assist";
import { closest, editDistance } from "../../../src/scenario/diagnostics";
import { withExpect } from "../../../src/scenario/expect";
import { loadScenario } from "../../../src/scenario/load";
import { findSimulator } from "../../../src/engine/registry";

const sharding = withExpect(findSimulator("sharding")!.schema);
const cacheAside = withExpect(findSimulator("cache-aside")!.schema);

/** Completions with the cursor at the "|" in the text. */
function at(text: string, schema = sharding, explicit = false) {
  const offset = text.indexOf("|");
  return completionsAt(text.replace("|", ""), offset, schema, { explicit });
}
const labels = (text: string, schema = sharding, explicit = false) => at(text, schema, explicit).items.map((i) => i.label);

test("edit distance: a swap of adjacent letters, a dropped letter and a doubled letter each cost one", () => {
  assert.equal(editDistance("rign", "ring"), 1); // swap
  assert.equal(editDistance("nodse", "nodes"), 1); // swap at the end
  assert.equal(editDistance("trategy", "strategy"), 1); // drop
  assert.equal(editDistance("keyys", "keys"), 1); // double
  assert.equal(editDistance("ring", "ring"), 0);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("abc", ""), 3);
  assert.equal(editDistance("kitten", "sitting"), 3); // plain edits still count as Levenshtein's
  assert.equal(editDistance("ca", "abc"), 3); // optimal string alignment: no edits inside a swapped pair
});

test("closest suggests after swaps, drops and doubles, and not for unrelated words", () => {
  const strategies = ["mod", "ring", "rendezvous", "jump", "bounded", "range", "directory"];
  assert.equal(closest("rign", strategies), "ring");
  assert.equal(closest("jmup", strategies), "jump");
  assert.equal(closest("boundd", strategies), "bounded");
  assert.equal(closest("rangee", strategies), "range");
  assert.equal(closest("directroy", strategies), "directory");
  assert.equal(closest("banana", strategies), undefined);
});

test("a misspelled value gets a fix, a swap included: strategy: rign → ring", () => {
  const text = "strategy: rign\n";
  const d = loadScenario(text, sharding).diagnostics.find((x) => x.code === "unknown-value")!;
  assert.equal(text.slice(d.range.start, d.range.end), "rign");
  assert.equal(d.fix, "ring");
  assert.match(d.message, /Did you mean "ring"\?/);
});

test("a number's default is never offered while a number is typed", () => {
  assert.deepEqual(labels("keys: 1|"), []);
  assert.deepEqual(labels("keys: 1000|"), []);
  assert.deepEqual(labels("keys: 1000|", sharding, true), []);
  assert.deepEqual(labels("keys: 10|00"), []);
});

test("a number's default is offered only on an empty value, when asked for, and typing filters it out", () => {
  assert.deepEqual(labels("keys: |"), [], "not on the trigger character after the colon");
  assert.deepEqual(labels("keys:|"), []);
  const asked = at("keys: |", sharding, true).items;
  assert.deepEqual(
    asked.map((i) => [i.label, i.detail]),
    [["10000", "default"]],
  );
  assert.equal(asked[0]!.filterText, "default", "digits typed next do not match it");
  assert.deepEqual(labels("keys: | # how many", sharding, true), ["10000"]);
});

test("choices complete a word, and nothing is offered once the word is a choice", () => {
  assert.deepEqual(labels("strategy: ri|"), ["mod", "ring", "rendezvous", "jump", "bounded", "range", "directory"]);
  assert.deepEqual(labels("strategy: ring|"), []);
  assert.deepEqual(labels("strategy: rin|g"), [], "the whole word counts, not only what is before the cursor");
  const mid = at("strategy: ri|ng");
  assert.deepEqual(mid.replace, { start: 10, end: 14 }, "accepting replaces the whole word");
});

test("accepting a key that holds a mapping or a list of mappings opens the block and does not re-open suggestions", () => {
  const changes = at("strategy: ring\ncha|").items.find((i) => i.label === "changes")!;
  assert.equal(changes.insertText, "changes:\n  - ");
  assert.equal(changes.retrigger, false);
  const expect = at("strategy: ring\nexp|").items.find((i) => i.label === "expect")!;
  assert.equal(expect.insertText, "expect:\n  ");
  assert.equal(expect.retrigger, false);
  const nested = at("changes:\n  - action: add\n    no|").items.find((i) => i.label === "node")!;
  assert.equal(nested.insertText, "node: ");
});

test("only keys whose values have choices re-open suggestions after them", () => {
  const items = Object.fromEntries(at("|").items.map((i) => [i.label, i]));
  assert.equal(items.keys!.insertText, "keys: ");
  assert.equal(items.keys!.retrigger, false, "a number: nothing to choose from");
  assert.equal(items.strategy!.insertText, "strategy: ");
  assert.equal(items.strategy!.retrigger, true);
  assert.equal(items.compare!.insertText, "compare: []");
  assert.equal(items.compare!.cursor, "compare: [".length);
  assert.equal(items.compare!.retrigger, true);
});

test("completing a key in front of its colon inserts the name only", () => {
  const mid = at("ke|ys: 1000");
  assert.equal(mid.items.find((i) => i.label === "keys")!.insertText, "keys");
  assert.deepEqual(mid.replace, { start: 0, end: 4 }, "the whole key is replaced, the value is kept");
  const r = at("str|: ring");
  assert.equal(r.items.find((i) => i.label === "strategy")!.insertText, "strategy");
  assert.deepEqual(r.replace, { start: 0, end: 3 });
});

test("names defined in the cell still complete in flow lists", () => {
  assert.deepEqual(labels("strategy: lease\nsteps: [reader, |", cacheAside), ["reader", "writer"]);
});
