// Golden files: a test's output compared with a reviewed copy in the repository. UPDATE_GOLDEN=1
// rewrites them; a missing file fails, so a golden test can never pass by writing its own answer.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";

export function assertGolden(file: string, text: string): void {
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  assert.ok(existsSync(file), `${basename(file)} is missing: run the test with UPDATE_GOLDEN=1 to write it, then review it`);
  assert.equal(text, readFileSync(file, "utf8"), `${basename(file)} differs (UPDATE_GOLDEN=1 rewrites it)`);
}
