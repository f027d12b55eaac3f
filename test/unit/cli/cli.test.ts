import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../src/cli/main";
import { simulators } from "../../../src/engine/registry";

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(
    args,
    (s) => {
      out += s;
    },
    (s) => {
      err += s;
    },
  );
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

test("a broken cell fails with exit 1 and names every problem at its file line and column", async () => {
  const sim = simulators[0]!;
  const dir = mkdtempSync(join(tmpdir(), "dsnb-cli-"));
  const file = join(dir, "bad.dsnb");
  writeFileSync(file, `# Title\n\n\`\`\`${sim.id}\nnotAKey: 1\nalsoNot: 2\n\`\`\`\n`);
  const r = await capture(["run", file]);
  assert.equal(r.code, 1);
  const lines = r.err.trim().split("\n");
  assert.equal(lines.length, 2, r.err);
  assert.match(lines[0]!, new RegExp(`^✖ .*bad\\.dsnb:4:1 cell 2 \\(${sim.id}\\): Unknown key "notAKey"`));
  assert.match(lines[1]!, new RegExp(`^✖ .*bad\\.dsnb:5:1 cell 2 \\(${sim.id}\\): Unknown key "alsoNot"`));
  assert.doesNotMatch(r.err, /Line \d+, column/);
  const j = JSON.parse((await capture(["run", "--json", file])).out) as { line: number; problems: { line: number; column: number; message: string }[] }[];
  assert.deepEqual(
    j[0]!.problems.map((p) => [p.line, p.column]),
    [
      [4, 1],
      [5, 1],
    ],
  );
});

test("dsnb test reports a problem's column in the file, not in the cell", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dsnb-cli-"));
  const file = join(dir, "typo.dsnb");
  writeFileSync(file, "---\ntitle: x\n---\n\n# Sharding\n\n```sharding id=typo\nstrategy: rign\nkeys: 100\n```\n");
  const r = await capture(["test", file]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^✖ .*typo\.dsnb:8:11 typo \(sharding\): Unknown value "rign"\. Did you mean "ring"\?/m);
  assert.match(r.out, /^0 passed, 1 failed$/m);
});

test("run prints a short plain summary per cell: place, verdict, one line per finding, expectations", async () => {
  const sample = join(root, "samples", "cache-aside-race.dsnb");
  const r = await capture(["run", sample]);
  assert.equal(r.code, 0, r.err);
  const cell = r.out.split("\n\n")[0]!.split("\n");
  const fence =
    readFileSync(sample, "utf8")
      .split("\n")
      .findIndex((l) => l.startsWith("```cache-aside id=classic-race")) + 1;
  assert.equal(cell[0], `${sample}:${fence} classic-race (cache-aside), seed 1: update-then-delete: stale data after 6 steps`);
  assert.equal(cell[1], "  Violated: The cache was left stale: v1 cached, v2 in the database.");
  assert.match(cell[2]!, /^ {2}- error stale-entry: Stale cache entry: v1 cached, v2 in the database\. The reader loaded v1/);
  assert.match(cell[3]!, /^ {2}- error stale-read: Read 2 returned stale data\. /);
  assert.equal(cell[4], "  Expectations: 3 of 3 held");
  assert.equal(cell.length, 5);
  assert.doesNotMatch(r.out, /```|sequenceDiagram|\*\*/, "no Markdown or Mermaid in the summary");
});

test("run's summary of every sample has no Mermaid or HTML escapes, and --markdown gives the full fallback", async () => {
  const samples = readdirSync(join(root, "samples"))
    .filter((x) => x.endsWith(".dsnb"))
    .map((f) => join(root, "samples", f));
  const r = await capture(["run", ...samples]);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /#\d+;|&(?:lt|gt|amp|quot|#\d+);/);
  const cells = r.out.trim().split("\n\n");
  assert.ok(cells.length > 50, `${cells.length} cells`);
  for (const c of cells) assert.match(c, /^\S+\.dsnb:\d+ .+, seed \d+: .+\n {2}(Passed|Violated|Undecided): /);
  const md = await capture(["run", "--markdown", samples.find((f) => f.endsWith("cache-aside-race.dsnb"))!]);
  assert.equal(md.code, 0);
  assert.match(md.out, /```mermaid\nsequenceDiagram/);
  assert.match(md.out, /\*Cache-aside race, seed 1\*/);
  assert.equal((await capture(["run", "--markdown", "--json", samples[0]!])).code, 2);
});

test("--json prints outputs with their seeds", async () => {
  const sample = join(root, "samples", "cache-aside-race.dsnb");
  const j = await capture(["run", "--json", sample]);
  const parsed = JSON.parse(j.out) as { output?: { seed: number; version: number } }[];
  assert.ok(parsed.length > 1);
  assert.ok(parsed.every((p) => p.output && typeof p.output.seed === "number" && p.output.version === 2));
});

test("dsnb test checks stated expectations and fails on one that does not hold", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dsnb-cli-"));
  writeFileSync(
    join(dir, "a.dsnb"),
    "```cache-aside id=good\nstrategy: lease\nsteps: [reader, reader, writer, writer, reader]\nexpect:\n  verdict: valid\n```\n",
  );
  const ok = await capture(["test", dir]);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /✔ .*a\.dsnb:1 good \(cache-aside\): 1 expectation held/);
  assert.match(ok.out, /^1 passed, 0 failed$/m);
  writeFileSync(
    join(dir, "b.dsnb"),
    "```cache-aside id=wrong\nstrategy: update-then-delete\nsteps: [reader, reader, writer, writer, reader]\nexpect:\n  verdict: valid\n  absent: [stale-entry]\n```\n",
  );
  const bad = await capture(["test", dir]);
  assert.equal(bad.code, 1);
  assert.match(
    bad.out,
    /✖ .*b\.dsnb:1 wrong \(cache-aside\): expected verdict is valid, got verdict is violated; expected finding stale-entry does not appear, got stale-entry/,
  );
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
