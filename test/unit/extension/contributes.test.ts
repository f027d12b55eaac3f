import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expectedContributes, expectedDocs } from "../../../scripts/contributes";
import { simulators } from "../../../src/engine/registry";

const root = join(import.meta.dirname, "../../..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

test("package.json declares one cell language and grammar per simulator (run `npm run gen` if this fails)", () => {
  const want = expectedContributes();
  assert.deepEqual(pkg.contributes.languages, want.languages);
  assert.deepEqual(pkg.contributes.grammars, want.grammars);
  assert.equal(pkg.contributes.languages.length, simulators.length);
});

test("docs/scenarios matches the schemas (run `npm run gen` if this fails)", () => {
  for (const [rel, text] of expectedDocs()) {
    const p = join(root, rel);
    assert.ok(existsSync(p), `${rel} is missing`);
    assert.equal(readFileSync(p, "utf8"), text, `${rel} is out of date`);
  }
});

test("the extension declares the notebook, renderer, Restricted Mode and virtual workspace support", () => {
  assert.deepEqual(pkg.contributes.notebooks[0].selector, [{ filenamePattern: "*.dsnb" }]);
  assert.deepEqual(pkg.contributes.notebookRenderer[0].mimeTypes, ["application/vnd.dsnb.run.v2+json", "application/vnd.dsnb.run.v1+json"]);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, true);
  assert.equal(pkg.capabilities.virtualWorkspaces, true);
  assert.ok(pkg.contributes.commands.some((c: { command: string }) => c.command === "dsnb.newNotebook"));
});

test("every simulator has a schema doc, examples that validate, and a title", async () => {
  const { loadScenario } = await import("../../../src/scenario/load");
  for (const sim of simulators) {
    assert.ok(sim.title && sim.description && sim.schema.doc, sim.id);
    assert.ok(sim.examples.length > 0, `${sim.id} has examples`);
    for (const ex of sim.examples) assert.deepEqual(loadScenario(ex.body, sim.schema).diagnostics, [], `${sim.id} example ${ex.name}`);
  }
});
