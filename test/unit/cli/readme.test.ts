// The README quotes a scenario cell and names the sample it comes from: the quote must be that
// sample's cell exactly, and it must still show what its expectations say.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseInfo } from "../../../src/notebook/format";
import { cellRequest, runCell } from "../../../src/engine/pipeline";
import { findSimulator } from "../../../src/engine/registry";

const root = join(import.meta.dirname, "../../..");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** Every fenced block of the README whose info word names a simulator, with the text after it. */
function quotedCells(): { fence: string; info: string; body: string; after: string }[] {
  const out = [];
  for (const m of readme.matchAll(/^```([^\n`]*)\n([\s\S]*?)^```$/gm)) {
    const info = m[1]!.trim();
    if (!findSimulator(parseInfo(info).simulator)) continue;
    out.push({ fence: m[0], info, body: m[2]!, after: readme.slice(m.index! + m[0].length, m.index! + m[0].length + 200) });
  }
  return out;
}

test("the README's example cell appears verbatim in the sample it names", () => {
  const cells = quotedCells();
  assert.ok(cells.length > 0, "the README quotes a scenario cell");
  for (const cell of cells) {
    const sample = /from `(samples\/[\w.-]+\.dsnb)`/.exec(cell.after)?.[1];
    assert.ok(sample, `the text after \`${cell.info}\` names its sample`);
    const text = readFileSync(join(root, sample), "utf8");
    assert.ok(text.includes(`\n${cell.fence}\n`), `${sample} contains the cell exactly as the README quotes it:\n${cell.fence}`);
  }
});

test("the README's example cell runs and every expectation it states holds", () => {
  for (const cell of quotedCells()) {
    const result = runCell(cellRequest(parseInfo(cell.info), cell.body));
    assert.ok(result.ok, result.ok ? "" : result.error.message);
    const expectations = result.output.expectations ?? [];
    assert.ok(expectations.length > 0);
    assert.deepEqual(
      expectations.filter((e) => !e.ok),
      [],
    );
  }
});
