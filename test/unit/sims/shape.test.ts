// Every simulator has the same shape, so the next one can be copied from any of them
// (docs/architecture.md, "How to add a simulator"): a folder src/sims/<id>/ named after its id,
// holding scenario.ts (schema, examples, resolve), model.ts or model/ (the mechanism), check.ts
// (the verdict), explain.ts (the prose of findings), present.ts (diagrams, charts, tables) and
// index.ts (the definition, built from those files), and every such folder is in the registry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { simulators } from "../../../src/engine/registry";

const sims = join(import.meta.dirname, "../../../src/sims");
const folders = readdirSync(sims).filter((f) => statSync(join(sims, f)).isDirectory());
const FILES = ["scenario.ts", "check.ts", "explain.ts", "present.ts", "index.ts"];

test("every folder under src/sims is a registered simulator of that id, and every simulator has its folder", () => {
  assert.deepEqual([...folders].sort(), simulators.map((s) => s.id).sort());
});

for (const folder of folders) {
  test(`${folder}: scenario, model, check, explain, present and index, wired together`, async () => {
    const dir = join(sims, folder);
    for (const f of FILES) assert.ok(existsSync(join(dir, f)), `src/sims/${folder}/${f} is missing`);
    const model = existsSync(join(dir, "model.ts")) ? "model.ts" : existsSync(join(dir, "model", "index.ts")) ? "model/index.ts" : undefined;
    assert.ok(model, `src/sims/${folder} has neither model.ts nor model/index.ts`);
    assert.ok(!(existsSync(join(dir, "model.ts")) && existsSync(join(dir, "model"))), `src/sims/${folder} has both model.ts and model/`);
    const scenario = await import(join(dir, "scenario.ts"));
    const check = await import(join(dir, "check.ts"));
    const index = await import(join(dir, "index.ts"));
    const present = await import(join(dir, "present.ts"));
    const explain = await import(join(dir, "explain.ts"));
    assert.equal(typeof scenario.resolve, "function", "scenario.ts exports resolve");
    assert.ok(Array.isArray(scenario.examples) && scenario.examples.length > 0, "scenario.ts exports examples");
    assert.equal(typeof check.check, "function", "check.ts exports check");
    assert.ok(
      Object.values(present).some((v) => typeof v === "function"),
      "present.ts exports its presenter",
    );
    assert.ok(
      Object.values(explain).some((v) => typeof v === "function"),
      "explain.ts exports the words of findings",
    );
    const defined = Object.values(index).filter((v) => typeof v === "object" && v !== null && "id" in v);
    assert.equal(defined.length, 1, "index.ts exports one simulator definition");
    const sim = defined[0] as (typeof simulators)[number];
    assert.equal(sim.id, folder);
    assert.equal(sim.schema, scenario.schema, "the definition's schema is scenario.ts's");
    assert.equal(sim.examples, scenario.examples, "the definition's examples are scenario.ts's");
    assert.equal(sim.resolve, scenario.resolve, "the definition resolves with scenario.ts's resolve");
  });
}
