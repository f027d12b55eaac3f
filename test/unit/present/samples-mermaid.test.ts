// Every diagram every sample lesson draws is valid Mermaid: the renderer would show a parse error
// in place of any that is not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { JSDOM } from "jsdom";
import { readNotebook, runAllCells } from "../../../src/cli/export";

const samplesDir = join(import.meta.dirname, "..", "..", "..", "samples");

// Mermaid sanitises flowchart and pie labels with DOMPurify, which needs a window before it loads.
async function loadMermaid() {
  const dom = new JSDOM("");
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  return (await import("mermaid")).default;
}

for (const file of readdirSync(samplesDir).filter((f) => f.endsWith(".dsnb")).sort()) {
  test(`${file}: every cell runs and every diagram parses with Mermaid`, async () => {
    const mermaid = await loadMermaid();
    const outcomes = runAllCells(readNotebook(new Uint8Array(readFileSync(join(samplesDir, file)))), samplesDir).filter((o) => o !== undefined);
    assert.ok(outcomes.length > 0);
    for (const o of outcomes) {
      assert.ok("output" in o, "error" in o ? o.error : "");
      for (const d of o.output.diagrams) await assert.doesNotReject(mermaid.parse(d.mermaid), `${file}, ${o.output.cellId ?? o.output.title}: ${d.id}`);
    }
  });
}
