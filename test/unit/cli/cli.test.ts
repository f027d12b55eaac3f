import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../src/cli/main";
import { simulators } from "../../../src/sims/registry";

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, (s) => { out += s; }, (s) => { err += s; });
  return { code, out, err };
}

const root = join(import.meta.dirname, "../../..");

test("usage and argument errors exit with 2", async () => {
  assert.equal((await capture([])).code, 2);
  assert.match((await capture(["--help"])).out, /Usage: dsnb run/);
  assert.equal((await capture(["--help"])).code, 0);
  assert.equal((await capture(["frobnicate"])).code, 2);
  assert.equal((await capture(["run"])).code, 2);
  const missing = await capture(["run", "/nonexistent/x.dsnb"]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read \/nonexistent\/x\.dsnb: no such file/);
});

test("a notebook without scenario cells runs and says so", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dsnb-cli-"));
  writeFileSync(join(dir, "a.dsnb"), "# Just prose\n");
  const r = await capture(["run", join(dir, "a.dsnb")]);
  assert.equal(r.code, 0);
  assert.match(r.out, /no scenario cells/);
});

test("a broken cell fails with exit 1 and names the file line", async () => {
  const sim = simulators[0]!;
  const dir = mkdtempSync(join(tmpdir(), "dsnb-cli-"));
  const file = join(dir, "bad.dsnb");
  writeFileSync(file, `# Title\n\n\`\`\`${sim.id}\nnotAKey: 1\n\`\`\`\n`);
  const r = await capture(["run", file]);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`bad\\.dsnb:3 \\(cell 2, ${sim.id}\\): Line 1, column 1: Unknown key "notAKey"`));
  assert.match(r.err, /file line 4/);
});

test("run prints results and --json prints outputs with their seeds (every sample runs in the dsnb test below)", async () => {
  const sample = join(root, "samples", "cache-aside-race.dsnb");
  const r = await capture(["run", sample]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /seed \d+/);
  const j = await capture(["run", "--json", sample]);
  const parsed = JSON.parse(j.out) as { output?: { seed: number; version: number } }[];
  assert.ok(parsed.length > 1);
  assert.ok(parsed.every((p) => p.output && typeof p.output.seed === "number" && p.output.version === 1));
});

test("dsnb test checks stated expectations and fails on one that does not hold", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dsnb-cli-"));
  writeFileSync(join(dir, "a.dsnb"), "```cache-aside id=good\nstrategy: lease\nsteps: [reader, reader, writer, writer, reader]\nexpect:\n  verdict: valid\n```\n");
  const ok = await capture(["test", dir]);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /✔ .*a\.dsnb:1 good \(cache-aside\): 1 expectation held/);
  assert.match(ok.out, /^1 passed, 0 failed$/m);
  writeFileSync(join(dir, "b.dsnb"), "```cache-aside id=wrong\nstrategy: update-then-delete\nsteps: [reader, reader, writer, writer, reader]\nexpect:\n  verdict: valid\n  absent: [stale-entry]\n```\n");
  const bad = await capture(["test", dir]);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /✖ .*b\.dsnb:1 wrong \(cache-aside\): expected verdict is valid, got verdict is violated; expected finding stale-entry does not appear, got stale-entry/);
  assert.match(bad.out, /^1 passed, 1 failed$/m);
  assert.equal((await capture(["test", join(dir, "missing")])).code, 2);
});

test("dsnb test passes on every sample", async () => {
  const r = await capture(["test", join(root, "samples")]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, / 0 failed$/m);
});

test("export --to md: prose, cells and results; every mermaid fence parses and hostile text is escaped", async () => {
  // Mermaid's pie parser sanitises labels with DOMPurify, which needs a window.
  const { JSDOM } = await import("jsdom");
  const dom = new JSDOM("");
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  const { default: mermaid } = await import("mermaid");
  for (const f of readdirSync(join(root, "samples")).filter((x) => x.endsWith(".dsnb"))) {
    const r = await capture(["export", join(root, "samples", f), "--to", "md", "-o", "-"]);
    assert.equal(r.code, 0, r.err);
    const fences = [...r.out.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.ok(fences.length > 0, `${f} has diagrams`);
    for (const text of fences) await mermaid.parse(text);
    assert.match(r.out, /seed \d+/);
  }
  const dir = mkdtempSync(join(tmpdir(), "dsnb-cli-"));
  const file = join(dir, "x.dsnb");
  writeFileSync(file, "# <script>alert(1)</script>\n\n```cache-aside\nstrategy: lease\nsteps: [reader]\n```\n\n```cache-aside\nnope: 1\n```\n");
  const r = await capture(["export", file, "--to", "md"]);
  assert.equal(r.code, 0);
  const md = readFileSync(join(dir, "x.md"), "utf8");
  assert.match(md, /```yaml\n# cache-aside\nstrategy: lease/);
  assert.match(md, /> \*\*Error:\*\* Line 1, column 1: Unknown key "nope"/);
  assert.equal((await capture(["export", file, "--to", "pdf"])).code, 2);
});
