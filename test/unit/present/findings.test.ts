// Findings as learners read them, over every cell of every sample lesson (run once here): every
// code reported has its entry in the reference (docs/findings.md, which the renderer links to);
// every "Replay this run" edit gives a cell whose run shows the finding again; and the Markdown
// fallback keeps a finding's code spans and emphasis while no notebook string can become HTML.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseInfo, type CellInfo } from "../../../src/notebook/format";
import { readNotebook, runNotebook } from "../../../src/engine/notebook";
import { folderFiles } from "../../../src/host/node/files";
import { simulators } from "../../../src/engine/registry";
import { runCell } from "../../../src/engine/pipeline";
import { replaySource } from "../../../src/scenario/edit";
import { inlineMarkdown, toMarkdown } from "../../../src/present/markdown";
import type { RunOutput } from "../../../src/protocol/output";

const root = resolve(import.meta.dirname, "../../..");
const samples = join(root, "samples");

interface Ran {
  readonly where: string;
  readonly info: CellInfo;
  readonly source: string;
  readonly output: RunOutput;
}

const ran: Ran[] = [];

before(() => {
  for (const file of readdirSync(samples).filter((f) => f.endsWith(".dsnb"))) {
    const nb = readNotebook(new Uint8Array(readFileSync(join(samples, file))));
    for (const r of runNotebook(nb, { baseDir: samples, files: folderFiles })) {
      if (r.result.ok) ran.push({ where: `${file} ${r.info.id ?? r.info.simulator}`, info: r.info, source: nb.cells[r.index]!.value, output: r.result.output });
    }
  }
  for (const sim of simulators)
    for (const ex of sim.examples) {
      const r = runCell({ simulator: sim.id, source: ex.body });
      if (r.ok) ran.push({ where: `${sim.id} example "${ex.name}"`, info: parseInfo(sim.id), source: ex.body, output: r.output });
    }
});

test("every finding code the samples and examples report has its entry in docs/findings.md", () => {
  const doc = readFileSync(join(root, "docs", "findings.md"), "utf8");
  const entries = new Set([...doc.matchAll(/^### (\S+)$/gm)].map((m) => m[1]!));
  const codes = new Map<string, string>();
  for (const r of ran) for (const f of r.output.verdict.findings) if (!codes.has(f.code)) codes.set(f.code, r.where);
  assert.ok(codes.size >= 40, `${codes.size} codes seen`);
  const missing = [...codes].filter(([c]) => !entries.has(c)).map(([c, where]) => `${c} (from ${where})`);
  assert.deepEqual(missing, [], "codes without an entry");
});

test("every finding with a replay shows again when its run is replayed in a cell of its own", () => {
  let replayed = 0;
  for (const r of ran) {
    for (const f of r.output.verdict.findings) {
      if (!f.replay) continue;
      const source = replaySource(r.source, f.replay);
      const again = runCell({ simulator: r.info.simulator, source, ...(f.replay.seed !== undefined ? { seed: f.replay.seed } : {}) });
      assert.ok(again.ok, `${r.where}: the replayed cell runs (${again.ok ? "" : again.error.message})`);
      const codes = again.output.verdict.findings.map((x) => x.code);
      assert.ok(codes.includes(f.code), `${r.where}: replaying "${f.title}" shows ${f.code} again (got ${codes.join(", ") || "nothing"})`);
      replayed++;
    }
  }
  assert.ok(replayed >= 8, `replayed ${replayed} findings`);
});

test("the Markdown fallback keeps a finding's code spans and emphasis, and escapes HTML", () => {
  assert.equal(
    inlineMarkdown("drop `explore` and *look* <img src=x onerror=alert(1)> & more\nline"),
    "drop `explore` and *look* &lt;img src=x onerror=alert(1)&gt; &amp; more line",
  );
  const out: RunOutput = {
    version: 2,
    simulator: "saga",
    simulatorTitle: "Sagas",
    seed: 1,
    title: "t",
    verdict: {
      valid: false,
      summary: "One `saga` failed.",
      findings: [{ severity: "error", code: "double-charge", title: "Charged <b>twice</b>", explanation: "Set `idempotent: true` to stop it." }],
    },
    diagrams: [],
    charts: [],
    tables: [],
    metrics: {},
  };
  const md = toMarkdown(out);
  assert.match(md, /One `saga` failed\./);
  assert.match(md, /- \*\*Charged &lt;b&gt;twice&lt;\/b&gt;\*\* \(`double-charge`\): Set `idempotent: true` to stop it\./);
});
