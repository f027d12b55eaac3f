// The browser host's simulation worker in Chromium, outside VS Code: the extension's runner drives
// dist/web/worker.js as a real Web Worker. A cell gives the same result as in Node; the eviction
// lesson's CSV-trace cell asks for its file, which the host side fetches and hands over; a long
// simulation reports progress and a cancel ends it within 100 ms, after which the next run starts a
// fresh worker and works.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as esbuild from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { ensureTools } from "../../scripts/tools.mjs";
import { readNotebook, scenarioCells } from "../../src/engine/notebook";
import { runCell } from "../../src/engine/pipeline";
import { folderFiles } from "../../src/host/node/files";
import { CancelledError } from "../../src/core/errors";
import type { CellRequest } from "../../src/protocol/run";
import { serveRepository, type StaticServer } from "../support/static-server";
import { CHROMIUM_ARGS } from "../support/e2e";

const root = resolve(import.meta.dirname, "../..");
let browser: Browser;
let server: StaticServer;
let page: Page;

type PageApi = {
  run(r: CellRequest): Promise<{ json: string; progress: number[] }>;
  cancelAfter(r: CellRequest, ms: number): Promise<{ stopMs: number; error: string; progress: number[] }>;
  describe(): Promise<string>;
};

before(async () => {
  ensureTools();
  const built = await esbuild.build({
    entryPoints: [join(root, "test/support/web-runner-page.ts")],
    bundle: true,
    platform: "browser",
    format: "iife",
    write: false,
  });
  server = await serveRepository(root, {
    "/runner.html": `<!doctype html><body><script>${built.outputFiles[0]!.text.replace(/<\/script/gi, "<\\/script")}</script></body>`,
  });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  page = await browser.newPage();
  await page.goto(`${server.url}runner.html`);
  await page.evaluate("window.__name = (f) => f");
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** The page's runner (test/support/web-runner-page.ts), as the functions evaluated in the page see it. */
declare const dsnb: PageApi;

function traceCell(): CellRequest {
  const cells = scenarioCells(readNotebook(new Uint8Array(readFileSync(join(root, "samples", "caching-eviction.dsnb")))), "samples");
  return cells.find((c) => c.info.id === "trace")!.request;
}

const LONG: CellRequest = {
  simulator: "eviction",
  source: "requests: 3000000\ncompare: [lru, arc, s3-fifo, sieve]\ncacheSizes: [100, 1000, 10000]\ndiagramRequests: 0\n",
};

test("the worker is a Web Worker, and a cell that reads a CSV trace gives the same result as in Node", { timeout: 120_000 }, async () => {
  const what = await page.evaluate(() => dsnb.describe());
  assert.equal(what, "a Web Worker (DedicatedWorkerGlobalScope)");
  const request = traceCell();
  const web = await page.evaluate((r) => dsnb.run(r), request);
  const node = runCell({ ...request, baseDir: join(root, "samples") }, () => {}, folderFiles);
  assert.equal(node.ok, true);
  assert.equal(web.json, JSON.stringify(node), "the trace cell's result, byte for byte");
});

test("a long simulation reports progress, a cancel ends it within 100 ms, and the next run works", { timeout: 120_000 }, async () => {
  const cancelled = await page.evaluate((r) => dsnb.cancelAfter(r, 700), LONG);
  assert.equal(cancelled.error, new CancelledError().name, "the run ends as cancelled");
  assert.ok(cancelled.stopMs < 100, `the cancel took ${cancelled.stopMs.toFixed(1)} ms`);
  assert.ok(cancelled.progress.length > 0 && cancelled.progress.every((f) => f >= 0 && f <= 1), `progress was reported: ${cancelled.progress.join(", ")}`);
  const next = await page.evaluate((r) => dsnb.run(r), { simulator: "sharding", source: "strategy: ring\nnodes: 4\nkeys: 1000\n" });
  assert.match(next.json, /^\{"ok":true/, "the next cell runs");
  console.log(`cancel ended the run in ${cancelled.stopMs.toFixed(1)} ms; ${cancelled.progress.length} progress reports before it`);
  assert.equal(
    next.json,
    JSON.stringify(runCell({ simulator: "sharding", source: "strategy: ring\nnodes: 4\nkeys: 1000\n" })),
    "a fresh worker runs the next cell",
  );
});
