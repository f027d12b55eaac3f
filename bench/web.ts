// The browser host, measured in headless Chromium against a local HTTP server over the repository:
//  - the size of what VS Code for the Web loads (the web extension bundle, the Web Worker bundle,
//    the renderer and the chunks it loads later), against budgets;
//  - the renderer's first paint: a sample output handed to a freshly loaded renderer, the time until
//    its summary (the verdict) is on the page, and until its first diagram is drawn;
//  - every sample cell run in dist/web/worker.js as a real Web Worker, with the same messages the
//    extension sends (the CSV trace handed over as the extension host would).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium as launcher, type Browser } from "playwright-core";
import { readNotebook, scenarioCells } from "../src/engine/notebook";
import { runCell } from "../src/engine/pipeline";
import { folderFiles } from "../src/host/node/files";
import { RUN_MIME } from "../src/protocol/output";
import type { CellRequest } from "../src/protocol/run";
import { serveRepository } from "../test/support/static-server";

const root = join(import.meta.dirname, "..");
const KB = 1024;

/** The files a module loads before it runs: itself and, transitively, its static imports (not import()). */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(join(root, "dist", file), "utf8");
  const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/") + 1) : "";
  for (const m of text.matchAll(/(?:from|import)\s*"\.\/([^"]+)"/g)) staticClosure(normalizePath(dir + m[1]!), seen);
  return seen;
}

function normalizePath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split("/"))
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  return parts.join("/");
}

/** Budgets for what the browser downloads (minified). */
function budgets(): [label: string, files: (f: string) => boolean, kb: number][] {
  const first = staticClosure("renderer.js");
  return [
    ["web extension (dist/web/extension.js)", (f) => f === "web/extension.js", 900],
    ["web worker (dist/web/worker.js)", (f) => f === "web/worker.js", 800],
    ["renderer, first load (renderer.js and its imports)", (f) => first.has(f), 1500],
    ["renderer, loaded with the first diagram (Mermaid)", (f) => f.startsWith("chunks/") && !first.has(f), 4000],
  ];
}

function distFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const e of readdirSync(join(root, "dist", dir), { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name), `${prefix}${e.name}/`);
      else if (e.name.endsWith(".js")) out.push(`${prefix}${e.name}`);
    }
  };
  walk("", "");
  return out.sort();
}

function webSizes(): void {
  console.log("\n## Web bundles (minified; gzip as served)");
  const files = distFiles();
  for (const [label, match, budget] of budgets()) {
    const picked = files.filter(match);
    const bytes = picked.reduce((n, f) => n + statSync(join(root, "dist", f)).size, 0);
    const gz = picked.reduce((n, f) => n + gzipSync(readFileSync(join(root, "dist", f))).length, 0);
    const verdict = picked.length === 0 ? "none" : bytes / KB <= budget ? "within" : "OVER";
    console.log(
      `${label.padEnd(50)} ${(bytes / KB).toFixed(0).padStart(6)} KB  gzip ${(gz / KB).toFixed(0).padStart(5)} KB  budget ${budget} KB: ${verdict}${picked.length > 1 ? ` (${picked.length} files)` : ""}`,
    );
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function firstPaint(browser: Browser, base: string): Promise<void> {
  const dir = join(root, "samples");
  const cell = scenarioCells(readNotebook(new Uint8Array(readFileSync(join(dir, "sharding.dsnb")))), dir)[0]!;
  const result = runCell(cell.request, undefined, folderFiles);
  if (!result.ok) return console.log("the sample cell failed");
  const rounds: { load: number; summary: number; diagram: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(base);
    await page.evaluate("window.__name = (f) => f");
    rounds.push(
      await page.evaluate(
        async ({ output, mime }) => {
          const t0 = performance.now();
          const mod = await import(`${location.origin}/dist/renderer.js`);
          const load = performance.now() - t0;
          const api = mod.activate({});
          const el = document.getElementById("out")!;
          const seen = { summary: 0, diagram: 0 };
          const watch = new MutationObserver(() => {
            if (!seen.summary && el.querySelector(".dsnb-verdict")) seen.summary = performance.now() - t0;
            if (!seen.diagram && el.querySelector(".dsnb-diagram-body svg")) seen.diagram = performance.now() - t0;
          });
          watch.observe(el, { childList: true, subtree: true });
          await api.renderOutputItem({ id: "bench", mime, metadata: {}, json: () => output, text: () => JSON.stringify(output) }, el);
          for (let n = 0; !seen.diagram && n < 200; n++) await new Promise((r) => setTimeout(r, 25));
          watch.disconnect();
          return { load, summary: seen.summary, diagram: seen.diagram };
        },
        { output: result.output, mime: RUN_MIME },
      ),
    );
    await context.close();
  }
  const m = (k: "load" | "summary" | "diagram") =>
    median(rounds.map((r) => r[k]))
      .toFixed(0)
      .padStart(5);
  console.log(`\n## Renderer first paint (sharding.dsnb's first cell, fresh page each time, median of ${rounds.length})`);
  console.log(`renderer module loaded ${m("load")} ms; summary on the page ${m("summary")} ms; first diagram drawn ${m("diagram")} ms`);
}

interface WorkerCell {
  readonly name: string;
  readonly request: CellRequest;
  readonly files: Record<string, number[]>;
}

function workerCells(): WorkerCell[] {
  const dir = join(root, "samples");
  const cells: WorkerCell[] = [];
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith(".dsnb"))
    .sort())
    for (const c of scenarioCells(readNotebook(new Uint8Array(readFileSync(join(dir, f)))), "samples")) {
      // What the extension host would have read for the cell (see src/extension/runner.ts).
      const trace = /file:\s*(\S+\.csv)/.exec(c.request.source)?.[1];
      const files = trace ? { [trace]: [...readFileSync(join(dir, trace))] } : {};
      cells.push({ name: `${f} ${c.info.id ?? `cell ${c.index + 1}`}`, request: c.request, files });
    }
  return cells;
}

async function webWorkerCells(browser: Browser, base: string): Promise<void> {
  const page = await browser.newPage();
  await page.goto(base);
  await page.evaluate("window.__name = (f) => f");
  const cells = workerCells();
  const times = await page.evaluate(
    async ({ cells, url }) => {
      const worker = new Worker(url);
      let id = 0;
      const run = (c: (typeof cells)[number]) =>
        new Promise<{ ms: number; inWorker: number; ok: boolean }>((resolve) => {
          const mine = ++id;
          const t0 = performance.now();
          worker.onmessage = (e) => {
            if (e.data.id !== mine || e.data.type !== "done") return;
            resolve({ ms: performance.now() - t0, inWorker: e.data.durationMs, ok: e.data.result.ok });
          };
          const files = Object.fromEntries(Object.entries(c.files).map(([k, v]) => [k, new Uint8Array(v)]));
          worker.postMessage({ type: "run", id: mine, request: c.request, files });
        });
      const out: { ms: number; inWorker: number; ok: boolean }[] = [];
      for (const c of cells) {
        const rounds = [await run(c), await run(c), await run(c)];
        rounds.sort((a, b) => a.ms - b.ms);
        out.push(rounds[1]!);
      }
      worker.terminate();
      return out;
    },
    { cells, url: `${base}dist/web/worker.js` },
  );
  await page.close();
  console.log("\n## Sample cells in a Web Worker (dist/web/worker.js in Chromium; median of 3; round trip and time inside the worker)");
  let total = 0;
  cells.forEach((c, i) => {
    const t = times[i]!;
    total += t.ms;
    console.log(`${c.name.padEnd(52)} ${t.ms.toFixed(1).padStart(8)} ms  in worker ${t.inWorker.toFixed(1).padStart(8)} ms${t.ok ? "" : "  (error)"}`);
  });
  console.log(`${cells.length} cells, ${total.toFixed(0)} ms in all`);
}

export async function benchWeb(): Promise<void> {
  if (!existsSync(join(root, "dist", "web", "worker.js"))) return console.log("\n## Web bundles\nrun `npm run build` first");
  webSizes();
  const chromium = process.env.DSNB_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) return console.log("Chromium is missing: the browser figures need it");
  const server = await serveRepository(root);
  const base = server.url;
  const browser = await launcher.launch({ executablePath: chromium, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  try {
    await firstPaint(browser, base);
    await webWorkerCells(browser, base);
  } finally {
    await browser.close();
    server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void benchWeb();
