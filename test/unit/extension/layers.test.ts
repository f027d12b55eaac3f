// The layer table in docs/architecture.md is the one lint enforces (scripts/layers.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { LAYERS } from "../../../scripts/layers.mjs";

const root = resolve(import.meta.dirname, "../../..");
const NAMES: Record<string, string> = {
  core: "src/core",
  notebook: "src/notebook",
  scenario: "src/scenario",
  protocol: "src/protocol",
  present: "src/present",
  sims: "src/sims",
  engine: "src/engine",
  host: "src/host",
  cli: "src/cli",
  extension: "src/extension",
};

test("docs/architecture.md's folder table says what scripts/layers.mjs enforces", () => {
  const whole = readFileSync(join(root, "docs", "architecture.md"), "utf8");
  const doc = whole.slice(whole.indexOf("## Folders"), whole.indexOf("\n## ", whole.indexOf("## Folders") + 1));
  const rows = [...doc.matchAll(/^\| `([^`]+)` \| [^|]+ \| ([^|]+) \|$/gm)];
  const documented: Record<string, string[]> = {};
  for (const [, folder, may] of rows) {
    const text = may!.trim();
    const all = Object.keys(NAMES);
    let allowed: string[];
    if (text === "nothing of ours") allowed = [];
    else if (text.startsWith("everything above but")) {
      const self = folder!.replace(/^src\//, "");
      const but = text
        .replace("everything above but", "")
        .split(/,| and /)
        .map((w) => w.trim())
        .filter((w) => w in NAMES);
      allowed = all.filter((n) => n !== self && !but.includes(n) && NAMES[n] !== folder);
    } else
      allowed = text
        .split(/,\s*/)
        .map((w) => w.trim())
        .filter((w) => w in NAMES);
    documented[folder!] = allowed.map((n) => NAMES[n]!).sort();
  }
  const enforced = Object.fromEntries(Object.entries(LAYERS).map(([k, v]) => [k, [...(v as string[])].sort()]));
  assert.deepEqual(documented, enforced);
});
