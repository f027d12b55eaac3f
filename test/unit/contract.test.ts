// The contract every simulator keeps, checked for every simulator in the registry and every one of
// its schema examples: two runs give byte-identical JSON; every diagram parses with Mermaid and
// matches its golden .mmd file (test/unit/golden/<simulator>/); the verdict, findings, metrics and
// tables have the shape the renderer and `expect:` rely on. A new simulator gets all of this by
// being added to the registry (and by writing its golden files once: UPDATE_GOLDEN=1).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { JSDOM } from "jsdom";
import { simulators } from "../../src/engine/registry";
import { runCell } from "../../src/engine/pipeline";
import type { RunOutput } from "../../src/protocol/output";
import type { FileAccess } from "../../src/sims/types";
import { assertGolden } from "../support/golden";

const golden = join(import.meta.dirname, "golden");
let mermaid: typeof import("mermaid").default;

before(async () => {
  // Mermaid sanitises flowchart and pie labels with DOMPurify, which needs a window.
  const dom = new JSDOM("");
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  mermaid = (await import("mermaid")).default;
});

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

/** Examples that read a file next to the notebook get the same small generated CSV, whatever its name. */
const csv = new TextEncoder().encode(Array.from({ length: 2000 }, (_, i) => `${100 + (i % 7) * 10},${(i * 7919) % 300}`).join("\n") + "\n");
const memoryFiles = (): FileAccess => ({
  open: () => {
    let at = 0;
    return {
      size: csv.length,
      read: (buffer) => {
        const n = Math.min(buffer.length, csv.length - at);
        buffer.set(csv.subarray(at, at + n));
        at += n;
        return n;
      },
      close: () => {},
    };
  },
});

function run(simulator: string, source: string): RunOutput {
  const r = runCell({ simulator, source, seed: 1 }, undefined, memoryFiles);
  if (!r.ok) throw new Error(`${simulator}: ${r.error.message}`);
  return r.output;
}

function assertShape(o: RunOutput, where: string): void {
  assert.ok([true, false, "unknown"].includes(o.verdict.valid as never), `${where}: verdict.valid`);
  assert.ok(o.verdict.summary.length > 0, `${where}: a summary sentence`);
  for (const f of o.verdict.findings) {
    assert.ok(["error", "warning", "info"].includes(f.severity), `${where}: severity of ${f.code}`);
    assert.match(f.code, /^[A-Za-z0-9][A-Za-z0-9-]*$/, `${where}: finding code`);
    assert.ok(f.title.length > 0 && f.explanation.length > 0, `${where}: ${f.code} has a title and an explanation`);
  }
  assert.equal(
    o.verdict.valid === false,
    o.verdict.findings.some((f) => f.severity === "error"),
    `${where}: violated exactly when an error finding is reported`,
  );
  for (const [k, v] of Object.entries(o.metrics)) assert.ok(Number.isFinite(v), `${where}: metric ${k} is a finite number`);
  const ids = [...o.diagrams.map((d) => `d:${d.id}`), ...o.charts.map((c) => `c:${c.id}`), ...o.tables.map((t) => `t:${t.id}`)];
  assert.equal(new Set(ids).size, ids.length, `${where}: diagram, chart and table ids are unique`);
  for (const t of o.tables) for (const row of t.rows) assert.equal(row.length, t.columns.length, `${where}: table ${t.id} rows are as wide as its columns`);
  for (const c of o.charts) assert.ok(c.series.length > 0, `${where}: chart ${c.id} has series`);
}

for (const sim of simulators) {
  for (const example of sim.examples) {
    const where = `${sim.id} example "${example.name}"`;
    test(`contract: ${where}`, async () => {
      const first = run(sim.id, example.body);
      const again = run(sim.id, example.body);
      assert.equal(JSON.stringify(again), JSON.stringify(first), "two runs give the same JSON, byte for byte");
      assertShape(first, where);
      for (const d of first.diagrams) {
        await mermaid.parse(d.mermaid);
        assertGolden(join(golden, sim.id, `${slug(example.name)}--${slug(d.id)}.mmd`), d.mermaid);
      }
    });
  }
}

test("every simulator has examples, and every example a distinct name", () => {
  for (const sim of simulators) {
    assert.ok(sim.examples.length > 0, `${sim.id} has examples`);
    const names = sim.examples.map((e) => slug(e.name));
    assert.equal(new Set(names).size, names.length, `${sim.id}: example names are distinct`);
  }
});
