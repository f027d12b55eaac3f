import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateExpectations, splitExpect, withExpect } from "../../../src/scenario/expect";
import { loadScenario } from "../../../src/scenario/load";
import { s } from "../../../src/scenario/schema";
import { completionsAt } from "../../../src/scenario/assist";

const base = s.object("Demo.", { n: s.field(s.integer({ doc: "A number.", default: 1 })) });

test("every schema gains the same expect key, validated like the rest", () => {
  const schema = withExpect(base);
  assert.equal(withExpect(base), schema, "cached");
  const ok = loadScenario<Record<string, unknown>>(
    "n: 2\nexpect:\n  verdict: violated\n  findings: [stale-entry]\n  metrics:\n    - name: rate\n      max: 0.5\n",
    schema,
  );
  assert.deepEqual(ok.diagnostics, []);
  const { options, expect } = splitExpect(ok.value!);
  assert.deepEqual(options, { n: 2 });
  assert.deepEqual(expect, { verdict: "violated", findings: ["stale-entry"], absent: [], metrics: [{ name: "rate", max: 0.5 }] });
  const bad = loadScenario("expect:\n  verdict: violatd\n", schema);
  assert.match(bad.diagnostics[0]!.message, /Did you mean "violated"/);
  assert.deepEqual(
    completionsAt("expect:\n  ", 10, schema).items.map((i) => i.label),
    ["verdict", "findings", "absent", "metrics"],
  );
});

test("expectations report what held and what the run showed instead", () => {
  const out = {
    verdict: { valid: false as const, summary: "", findings: [{ severity: "error" as const, code: "stale-entry", title: "", explanation: "" }] },
    metrics: { rate: 0.25, n: 3 },
  };
  const r = evaluateExpectations(
    {
      verdict: "valid",
      findings: ["stale-entry", "other"],
      absent: ["stale-entry"],
      metrics: [
        { name: "rate", max: 0.2 },
        { name: "n", equals: 3 },
        { name: "missing", min: 0 },
      ],
    },
    out,
  );
  assert.deepEqual(
    r.map((x) => [x.expectation, x.ok]),
    [
      ["verdict is valid", false],
      ["finding stale-entry appears", true],
      ["finding other appears", false],
      ["finding stale-entry does not appear", false],
      ["rate ≤ 0.2", false],
      ["n = 3", true],
      ["missing ≥ 0", false],
    ],
  );
  assert.equal(r[0]!.actual, "verdict is violated");
  assert.match(r[6]!.actual, /no metric missing \(metrics: rate, n\)/);
});
