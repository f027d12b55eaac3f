import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { s, type Infer } from "../../../src/scenario/schema";
import { loadScenario } from "../../../src/scenario/load";
import { completionsAt, containerPath, hoverAt } from "../../../src/scenario/assist";
import { closest } from "../../../src/scenario/diagnostics";

const schema = s.object("A test scenario.", {
  strategy: s.field(
    s.enum({
      doc: "How writes reach the cache.",
      values: [
        { value: "lease", doc: "Leases." },
        { value: "versioned-cas", doc: "Versions." },
      ],
      default: "lease",
    }),
  ),
  ttlMs: s.field(s.integer({ doc: "Time to live.", min: 1, max: 1_000_000, default: 1000, unit: "ms" })),
  actors: s.required(
    s.array({
      doc: "Who acts.",
      minItems: 1,
      items: s.object("An actor.", {
        name: s.required(s.string({ doc: "Its name.", minLength: 1 })),
        reads: s.field(s.integer({ doc: "Reads.", default: 1, min: 0 })),
      }),
    }),
  ),
  steps: s.field(
    s.array({
      doc: "Order of steps.",
      items: s.ref({
        doc: "An actor name.",
        what: "actor",
        names: (root) => ((root as { actors?: { name?: string }[] })?.actors ?? []).map((a) => String(a?.name)),
      }),
      default: [],
    }),
  ),
  verbose: s.field(s.boolean({ doc: "Say more.", default: false })),
});
type Options = Infer<typeof schema>;

test("valid scenarios get their defaults and the inferred type", () => {
  const r = loadScenario<Options>("actors:\n  - name: r\n  - name: w\n    reads: 3\nsteps: [r, w, r]\n", schema);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.value, {
    strategy: "lease",
    ttlMs: 1000,
    actors: [
      { name: "r", reads: 1 },
      { name: "w", reads: 3 },
    ],
    steps: ["r", "w", "r"],
    verbose: false,
  });
});

test("errors point at the exact key or value, with did-you-mean", () => {
  const text = "strategy: leese\nttlMS: 5\nactors:\n  - name: r\nsteps: [r, x]\n";
  const r = loadScenario<Options>(text, schema);
  assert.equal(r.value, undefined);
  const byCode = Object.fromEntries(r.diagnostics.map((d) => [d.code, d]));
  assert.equal(text.slice(byCode["unknown-value"]!.range.start, byCode["unknown-value"]!.range.end), "leese");
  assert.equal(byCode["unknown-value"]!.fix, "lease");
  assert.equal(text.slice(byCode["unknown-key"]!.range.start, byCode["unknown-key"]!.range.end), "ttlMS");
  assert.match(byCode["unknown-key"]!.message, /Did you mean "ttlMs"/);
  assert.equal(text.slice(byCode["unknown-name"]!.range.start, byCode["unknown-name"]!.range.end), "x");
  assert.match(byCode["unknown-name"]!.message, /Unknown actor "x".*Defined: r/);
});

test("range, type, missing and duplicate keys", () => {
  const msgs = (t: string) =>
    loadScenario<Options>(t, schema)
      .diagnostics.map((d) => d.message)
      .join("\n");
  assert.match(msgs("ttlMs: 0\nactors: [{name: a}]"), /at least 1 ms, got 0/);
  assert.match(msgs("ttlMs: 1.5\nactors: [{name: a}]"), /whole number/);
  assert.match(msgs("ttlMs: fast\nactors: [{name: a}]"), /Expected a integer|Expected a.*got "fast"/);
  assert.match(msgs("strategy: lease"), /Missing required key "actors"/);
  assert.match(msgs("actors: [{name: a}]\nactors: [{name: b}]"), /given twice/);
  assert.match(msgs("actors: [{name: a}]\nverbose: yes"), /true or false/);
  assert.match(msgs("- a\n- b"), /Expected a mapping/);
  assert.match(msgs("actors: [{name: a}\n"), /./); // YAML syntax error is reported
  assert.equal(loadScenario("actors: [{name: a}\n", schema).diagnostics[0]!.code, "yaml-syntax");
});

test("alias bombs and custom tags are refused as data, never expanded or executed", () => {
  const bomb = "x0: &a [1,1,1,1,1,1,1,1,1]\nx1: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nx2: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nactors: [*c,*c,*c,*c,*c,*c,*c,*c,*c]";
  const r = loadScenario(bomb, schema);
  assert.equal(r.value, undefined);
  assert.match(r.diagnostics.map((d) => d.message).join(" "), /Excessive alias count/);
  const tagged = loadScenario("actors: !!js/function 'function(){}'\n", schema);
  assert.equal(tagged.value, undefined);
  assert.match(tagged.diagnostics.map((d) => d.message).join(" "), /Unresolved tag/);
});

test("property: no input makes the loader throw, and every diagnostic lies inside the text", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      const r = loadScenario(text, schema);
      for (const d of r.diagnostics) {
        assert.ok(d.range.start >= 0 && d.range.start <= Math.max(text.length, 1), JSON.stringify(d));
        assert.ok(d.message.length > 0);
      }
      assert.ok(r.value !== undefined || r.diagnostics.some((d) => d.severity === "error"));
    }),
    { numRuns: 1500 },
  );
  const yamlish = fc
    .array(
      fc.constantFrom(
        "actors:",
        "  - name: a",
        "  - name: ",
        "steps: [a, b]",
        "ttlMs: 10",
        "strategy: lease",
        "- x",
        "  reads: -1",
        ": :",
        "[",
        "{",
        "'",
        "&a",
        "*a",
        "!!str",
        "\t",
      ),
      { maxLength: 12 },
    )
    .map((ls) => ls.join("\n"));
  fc.assert(
    fc.property(yamlish, (text) => {
      const r = loadScenario(text, schema);
      assert.ok(r.value !== undefined || r.diagnostics.length > 0);
    }),
    { numRuns: 1500 },
  );
});

test("a ref's name list never crashes validation, whatever shape the cell has", () => {
  // Found by the property below: `actors` written as a mapping instead of a list.
  const r = loadScenario("steps: [a, b]\nactors:\n  reads: -1", schema);
  assert.equal(r.value, undefined);
  assert.match(r.diagnostics.map((d) => d.message).join("\n"), /Expected a list/);
  assert.match(r.diagnostics.map((d) => d.message).join("\n"), /Unknown actor "a"/);
});

test("closest suggests likely typos only", () => {
  assert.equal(closest("ttl", ["ttlMs", "steps"]), "ttlMs");
  assert.equal(closest("stepz", ["ttlMs", "steps"]), "steps");
  assert.equal(closest("banana", ["ttlMs", "steps"]), undefined);
});

test("container paths follow indentation, lists and compact lists", () => {
  const lines = ["actors:", "  - name: r", "    reads: 2", "  - name: w", "    ", "steps:", "- r", "top: 1"];
  assert.deepEqual(containerPath(lines, 0), []);
  assert.deepEqual(containerPath(lines, 1), ["actors", 0]);
  assert.deepEqual(containerPath(lines, 2), ["actors", 0]);
  assert.deepEqual(containerPath(["actors:", "  - name: r", "    "], 2), ["actors", 0]);
  assert.deepEqual(containerPath(lines, 6), ["steps", 0]);
  assert.deepEqual(containerPath(lines, 7), []);
});

test("completions offer missing keys, enum values and names defined in the cell", () => {
  const keys = completionsAt("strategy: lease\n", 16, schema).items.map((i) => i.label);
  assert.deepEqual(keys.sort(), ["actors", "steps", "ttlMs", "verbose"]);
  const values = completionsAt("strategy: ", 10, schema).items.map((i) => i.label);
  assert.deepEqual(values, ["lease", "versioned-cas"]);
  const partial = completionsAt("strategy: ver", 13, schema);
  assert.deepEqual(partial.replace, { start: 10, end: 13 });
  const text = "actors:\n  - name: reader\n  - name: writer\nsteps: [reader, ";
  assert.deepEqual(
    completionsAt(text, text.length, schema).items.map((i) => i.label),
    ["reader", "writer"],
  );
  const nested = "actors:\n  - name: r\n    ";
  assert.deepEqual(
    completionsAt(nested, nested.length, schema).items.map((i) => i.label),
    ["reads"],
  );
  const item = "actors:\n  - name: r\nsteps:\n  - ";
  assert.deepEqual(
    completionsAt(item, item.length, schema).items.map((i) => i.label),
    ["r"],
  );
});

test("hovers document keys with type, default and unit, and enum values", () => {
  const text = "strategy: lease\nttlMs: 5\n";
  const h = hoverAt(text, 18, schema)!;
  assert.match(h.markdown, /\*\*ttlMs\*\*: integer \(ms\), default 1000, 1 to 1000000/);
  assert.equal(text.slice(h.range.start, h.range.end), "ttlMs");
  assert.match(hoverAt(text, 12, schema)!.markdown, /`lease`: Leases\./);
  assert.equal(hoverAt(text, 25, schema), undefined);
});
