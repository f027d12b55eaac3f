// `npm run bench`: prints figures, asserts nothing. Budgets are read by people, not by tests.
//  - bundle sizes of what ships
//  - extension activation time (the bundle loaded against a stand-in vscode module)
//  - time to run each sample cell through the same pipeline as VS Code (median of several runs)
//  - the renderer in Chromium: one step through a 1,000-step run (budget: a frame, 16 ms)
//  - the browser host (bench/web.ts): web bundle sizes against budgets, the renderer's first
//    paint, and every sample cell run in the Web Worker
//  - the end-to-end "Run All → last diagram" figures, when the e2e tests have written them
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Module from "node:module";
import { performance } from "node:perf_hooks";
import { readNotebook, scenarioCells } from "../src/engine/notebook";
import { runCell } from "../src/engine/pipeline";
import { recordTimelines } from "../src/present/timeline";
import { setOption } from "../src/scenario/edit";
import { folderFiles } from "../src/host/node/files";
import { benchSharding } from "./sharding";
import { benchIsolation } from "./isolation";
import { benchEviction } from "./eviction";
import { benchSagas } from "./sagas";
import { benchCachePatterns } from "./cache-patterns";
import { benchRenderer } from "./renderer";
import { benchConsistency } from "./consistency";
import { benchReplication } from "./replication";
import { benchQuorum } from "./quorum";
import { benchRateLimit } from "./rate-limit";
import { benchLock } from "./lock";
import { benchWeb } from "./web";
import { benchKafka } from "./kafka";

const root = join(import.meta.dirname, "..");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function bundleSizes(): void {
  console.log("\n## Bundle sizes (minified)");
  const dist = join(root, "dist");
  if (!existsSync(dist)) return console.log("dist/ missing: run `npm run build` first");
  for (const f of readdirSync(dist)
    .filter((f) => f.endsWith(".js"))
    .sort())
    console.log(`${f.padEnd(16)} ${(statSync(join(dist, f)).size / 1024).toFixed(0).padStart(6)} KB`);
}

/** The vscode namespaces and classes the bundle reaches (esbuild copies the module's own keys). */
const VSCODE_NAMES = [
  "Uri",
  "workspace",
  "window",
  "commands",
  "languages",
  "notebooks",
  "env",
  "Disposable",
  "NotebookCellData",
  "NotebookData",
  "NotebookCellKind",
  "NotebookCellOutput",
  "NotebookCellOutputItem",
  "NotebookEdit",
  "NotebookRange",
  "NotebookControllerAffinity",
  "WorkspaceEdit",
  "Range",
  "Diagnostic",
  "DiagnosticSeverity",
  "CompletionItem",
  "CompletionItemKind",
  "MarkdownString",
  "Hover",
  "CodeAction",
  "CodeActionKind",
  "ProgressLocation",
  "FileType",
];

/** A vscode module where every property is a callable stand-in, enough to run activate(). */
function fakeVscode(): unknown {
  const handler: ProxyHandler<() => void> = {
    get: (_t, prop) => (prop === "then" ? undefined : prop === Symbol.iterator ? [][Symbol.iterator] : proxy),
    apply: () => proxy,
    construct: () => proxy as object,
    set: () => true,
    defineProperty: () => true,
    ownKeys: () => [...VSCODE_NAMES, "prototype"],
    getOwnPropertyDescriptor: (_t, prop) =>
      prop === "prototype"
        ? { value: {}, writable: true, enumerable: false, configurable: false }
        : { value: proxy, writable: true, enumerable: true, configurable: true },
  };
  const proxy: unknown = new Proxy(function () {}, handler);
  return proxy;
}

function activation(): void {
  console.log("\n## Extension activation");
  const bundle = join(root, "dist", "extension.js");
  if (!existsSync(bundle)) return console.log("dist/extension.js missing: run `npm run build` first");
  const load = (Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown })._load;
  const stub = fakeVscode();
  (Module as unknown as { _load: unknown })._load = (req: string, ...rest: unknown[]) => (req === "vscode" ? stub : load(req, ...rest));
  const t0 = performance.now();
  const ext = require(bundle) as { activate: (ctx: unknown) => void }; // eslint-disable-line @typescript-eslint/no-require-imports -- timing a CommonJS load is the point
  const t1 = performance.now();
  ext.activate({ subscriptions: [], extensionUri: stub });
  const t2 = performance.now();
  (Module as unknown as { _load: unknown })._load = load;
  console.log(`load bundle ${(t1 - t0).toFixed(1)} ms, activate() ${(t2 - t1).toFixed(1)} ms, total ${(t2 - t0).toFixed(1)} ms`);
}

function sampleCells(): void {
  console.log("\n## Sample cells (median ms; what building the timeline adds; the output's size)");
  const dir = join(root, "samples");
  let largest = { bytes: 0, name: "" };
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith(".dsnb"))
    .sort()) {
    for (const c of scenarioCells(readNotebook(new Uint8Array(readFileSync(join(dir, f)))), dir)) {
      // Runs with and without timelines alternate, so a busy moment costs both alike; short cells
      // run more often (up to about 300 ms each way) so a median means something.
      const runOnce = (on: boolean) => {
        recordTimelines(on);
        const t0 = performance.now();
        const res = runCell(c.request, undefined, folderFiles);
        const ms = performance.now() - t0;
        recordTimelines(true);
        return { ms, res };
      };
      const first = runOnce(true);
      const rounds = Math.min(60, Math.max(5, Math.ceil(300 / Math.max(first.ms, 1))));
      const on: number[] = [];
      const off: number[] = [];
      for (let r = 0; r < rounds; r++) {
        off.push(runOnce(false).ms);
        on.push(runOnce(true).ms);
      }
      const full = { ms: median(on), res: first.res };
      const without = { ms: median(off) };
      const bytes = full.res.ok ? JSON.stringify(full.res.output).length : 0;
      if (bytes > largest.bytes) largest = { bytes, name: `${f} ${c.info.id ?? c.info.simulator}` };
      const share =
        full.res.ok && full.res.output.timeline ? `${(((full.ms - without.ms) / Math.max(without.ms, 0.001)) * 100).toFixed(0).padStart(4)}%` : "    -";
      console.log(
        `${f} cell ${String(c.index + 1).padStart(2)} ${(c.info.id ?? c.info.simulator).padEnd(28)} ${full.ms.toFixed(2).padStart(8)} ms  timeline ${share}  ${(bytes / 1024).toFixed(0).padStart(5)} KB${full.res.ok ? "" : "  (error)"}`,
      );
    }
  }
  console.log(`largest output: ${(largest.bytes / 1024).toFixed(0)} KB (${largest.name}); budget 1 MB`);
}

/** Turning a knob, without the editor: rewrite the option, run the cell again. */
function knobToOutput(): void {
  console.log("\n## A knob turned → the new output (rewrite the cell, run it; the renderer's draw is in the e2e timings)");
  const source = "strategy: update-then-delete\nsteps: [reader, reader, writer, writer, reader]\nreads: 2\n";
  for (const strategy of ["lease", "versioned-cas", "delete-then-update"]) {
    const times: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      runCell({ simulator: "cache-aside", source: setOption(source, "strategy", strategy), seed: 1 });
      times.push(performance.now() - t0);
    }
    console.log(`cache-aside classic race, strategy → ${strategy.padEnd(18)} ${median(times).toFixed(2)} ms`);
  }
}

function e2eTimings(): void {
  console.log("\n## End to end: Run All → last diagram visible");
  const file = join(root, "test-results", "e2e", "timings.json");
  if (!existsSync(file)) return console.log("no figures yet: run `npm test -- e2e` (writes test-results/e2e/timings.json)");
  console.log(readFileSync(file, "utf8").trim());
}

async function main(): Promise<void> {
  bundleSizes();
  activation();
  sampleCells();
  knobToOutput();
  benchEviction();
  benchSharding();
  benchIsolation();
  benchSagas();
  benchCachePatterns();
  benchConsistency();
  benchReplication();
  benchQuorum();
  benchRateLimit();
  benchLock();
  benchKafka();
  await benchRenderer();
  await benchWeb();
  e2eTimings();
}

void main();
