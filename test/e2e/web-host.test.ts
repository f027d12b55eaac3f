// The extension in the browser: code-server serves the same VS Code for the Web workbench as
// vscode.dev, and the user setting "remote.extensionKind": { "dsnb.dsnb": ["web"] } makes it run
// the extension in the browser's web worker extension host (package.json "browser",
// dist/web/extension.js) instead of the Node.js one. The test first proves where it runs: the Node
// extension host, which activates other extensions, never activates dsnb, and "Show Where
// Simulations Run" reports a DedicatedWorkerGlobalScope for both the extension and its simulation
// worker. Then every sample is opened and run: every cell draws its output and diagrams, the
// verdicts match the desktop engine's, the eviction lesson's CSV-trace cell reads its file through
// vscode.workspace.fs, and "Export Runs as JSON" from the browser equals, byte for byte, the same
// document built by the engine in Node (what `dsnb run --json` prints). The sharding lesson is also
// exported to HTML and Markdown from the browser.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { packageExtension } from "../../scripts/package.mjs";
import { ensureTools } from "../../scripts/tools.mjs";
import { startCodeServer } from "../../scripts/code-server.mjs";
import { cellReports, readNotebook, reportJson, runNotebook, runsDocument } from "../../src/engine/notebook";
import { folderFiles } from "../../src/host/node/files";
import { expectedOutputs } from "../support/samples";
import { CHROMIUM_ARGS, command, frameCounts, frameWith, openFile, openWorkbench, results, runAll } from "../support/e2e";

const root = resolve(import.meta.dirname, "../..");
const samples = readdirSync(join(root, "samples"))
  .filter((f) => f.endsWith(".dsnb"))
  .sort();
const timings: Record<string, number> = {};

let browser: Browser;
let server: Awaited<ReturnType<typeof startCodeServer>>;
let page: Page;
let folder: string;
let stateDir: string;

before(async () => {
  mkdirSync(results, { recursive: true });
  const vsix = packageExtension().file;
  const tools = ensureTools();
  // A copy of the lessons: the JSON exports are written next to them.
  folder = mkdtempSync(join(tmpdir(), "dsnb-web-"));
  cpSync(join(root, "samples"), folder, { recursive: true });
  stateDir = join(root, ".cache", "e2e-web");
  rmSync(stateDir, { recursive: true, force: true });
  server = await startCodeServer({
    codeServer: tools.codeServer,
    vsix,
    stateDir,
    folder,
    settings: {
      "security.workspace.trust.enabled": false,
      "workbench.colorTheme": "Default Light Modern",
      "git.openRepositoryInParentFolders": "never",
      "remote.extensionKind": { "dsnb.dsnb": ["web"] },
    },
    quiet: true,
  });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await openWorkbench(page, server.url, folder);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
  writeFileSync(join(results, "web-timings.json"), JSON.stringify(timings, null, 2));
});

/** The text of the newest notification that matches `pattern`, waiting for it. */
async function notification(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await page.waitForTimeout(250)) {
    const texts = await page.locator(".notifications-toasts .notification-list-item-message").allTextContents();
    const hit = texts.reverse().find((t) => pattern.test(t));
    if (hit) return hit;
  }
  throw new Error(`no notification matching ${pattern}`);
}

/** Every activation line of the Node.js extension host's logs. */
function nodeHostActivations(): string[] {
  const logs = join(stateDir, "user-data", "logs");
  const lines: string[] = [];
  for (const session of readdirSync(logs))
    for (const host of readdirSync(join(logs, session)).filter((d) => d.startsWith("exthost"))) {
      const file = join(logs, session, host, "remoteexthost.log");
      if (existsSync(file))
        lines.push(
          ...readFileSync(file, "utf8")
            .split("\n")
            .filter((l) => l.includes("_doActivateExtension")),
        );
    }
  return lines;
}

test("the extension and its simulations run in the browser, not in Node.js", { timeout: 180_000 }, async () => {
  await openFile(page, "sharding.dsnb");
  await command(page, "dsnb: Show Where Simulations Run");
  const said = await notification(/^dsnb runs in/);
  assert.match(said, /^dsnb runs in the browser's extension host \(DedicatedWorkerGlobalScope, no Node\.js\)/, said);
  assert.match(said, /its simulations run in a Web Worker \(DedicatedWorkerGlobalScope\)\.$/, said);
  const activations = nodeHostActivations();
  assert.ok(
    activations.some((l) => l.includes("vscode.git")),
    "the Node.js extension host ran and activated its extensions",
  );
  assert.deepEqual(
    activations.filter((l) => l.includes("dsnb")),
    [],
    "the Node.js extension host never activated dsnb (its desktop entry was not loaded)",
  );
  await closeAll();
});

/**
 * Closes every editor and waits until no output frame is left: a closed notebook's webview can
 * linger for a moment, and its outputs must not be counted for the next notebook.
 */
async function closeAll(): Promise<void> {
  await command(page, "View: Close All Editors");
  for (const end = Date.now() + 30_000; Date.now() < end; await page.waitForTimeout(250)) {
    const dontSave = page.getByRole("button", { name: /Don't Save/i });
    if (await dontSave.isVisible().catch(() => false)) await dontSave.click();
    if ((await frameCounts(page)).outputs === 0) return;
  }
  assert.fail("a closed notebook's outputs are still on the page");
}

/** The verdict each drawn output shows, by its cell's id (an output drawn twice shows it twice). */
async function verdictsShown(): Promise<Record<string, string[]>> {
  const shown: Record<string, string[]> = {};
  for (const f of page.frames()) {
    const outputs = await f
      .evaluate(() =>
        [...document.querySelectorAll<HTMLElement>(".dsnb-output")].map((o) => [o.dataset.cellId ?? "", o.querySelector(".dsnb-verdict")?.className ?? ""]),
      )
      .catch(() => [] as string[][]);
    for (const [id, cls] of outputs) (shown[id!] ??= []).push(/dsnb-verdict-(valid|violated|unknown)/.exec(cls!)?.[1] ?? "none");
  }
  return shown;
}

/**
 * The verdicts shown by cell id, gathered while walking the notebook from the top: VS Code may draw
 * outputs far from the view lazily or drop them, so one look at the page is not enough.
 */
async function verdictsWhileScrolling(ids: ReadonlySet<string>): Promise<Record<string, string[]>> {
  const seen: Record<string, string[]> = {};
  await page.keyboard.press("Control+Home").catch(() => {});
  await page.waitForTimeout(400);
  for (let step = 0; step < 200; step++) {
    for (const [id, verdicts] of Object.entries(await verdictsShown())) (seen[id] ??= []).push(...verdicts);
    if ([...ids].every((id) => seen[id]?.length)) break;
    await page.keyboard.press("PageDown").catch(() => {});
    await page.waitForTimeout(300);
  }
  return seen;
}

/** Runs an export command on the open notebook, accepts the suggested file, and reads it. */
async function exported(sample: string, what: "Runs as JSON" | "Notebook as HTML" | "Notebook as Markdown", ext: string): Promise<string> {
  const target = join(folder, sample.replace(/\.dsnb$/, ext));
  rmSync(target, { force: true });
  await command(page, `dsnb: Export ${what}`);
  // VS Code for the Web asks for the file in its own quick input, filled in with the suggestion.
  const input = page.locator(".quick-input-widget:not(.hidden) input");
  await input.waitFor({ timeout: 60_000 }).catch(async (err: unknown) => {
    await page.screenshot({ path: join(results, `failed-web-export-${sample}${ext}.png`) });
    throw err;
  });
  await page.waitForTimeout(300);
  assert.ok((await input.inputValue()).endsWith(ext), "the suggested name");
  await page.keyboard.press("Enter");
  // Written whole through the workspace; read once the size has held still for half a second.
  let last = "";
  for (const end = Date.now() + 60_000; Date.now() < end; await page.waitForTimeout(500)) {
    const text = existsSync(target) ? readFileSync(target, "utf8") : "";
    if (text.length > 0 && text === last) return text;
    last = text;
  }
  await page.screenshot({ path: join(results, `failed-web-export${ext}.png`) });
  throw new Error(`${sample}: the export to ${ext} was not written`);
}

for (const sample of samples) {
  test(`${sample} runs in the browser with the desktop's outputs`, { timeout: 300_000 }, async () => {
    const expected = expectedOutputs(folder, sample);
    await closeAll(); // also after a test that failed with its notebook open
    await openFile(page, sample);
    timings[sample] = await runAll(page, sample, expected);
    const counts = await frameCounts(page);
    assert.deepEqual(counts.errors, [], `${sample}: error outputs`);
    const runs = runNotebook(readNotebook(new Uint8Array(readFileSync(join(folder, sample)))), { baseDir: folder, files: folderFiles });
    const wanted = new Map(
      runs.flatMap((r) =>
        r.result.ok ? [[r.info.id ?? "", { true: "valid", false: "violated", unknown: "unknown" }[String(r.result.output.verdict.valid)]!]] : [],
      ),
    );
    const shown = await verdictsWhileScrolling(new Set(wanted.keys()));
    for (const [id, v] of wanted) {
      if (!shown[id]?.length) await page.screenshot({ path: join(results, `failed-web-${sample}-${id}.png`) });
      assert.ok(shown[id]?.length, `${sample}: cell ${id} shows its output`);
      assert.deepEqual([...new Set(shown[id])], [v], `${sample}: cell ${id} shows the verdict the engine gives in Node`);
    }
    if (sample === "caching-eviction.dsnb") await checkTraceCell(runs);
    if (sample === "sharding.dsnb") await checkPageExports(sample, expected.diagrams);
    const json = await exported(sample, "Runs as JSON", ".runs.json");
    assert.equal(json, runsDocument(cellReports(sample, runs).map(reportJson)), `${sample}: the browser's run JSON equals the desktop engine's`);
    await page.screenshot({ path: join(results, `web-${sample}.png`) });
    await closeAll();
  });
}

test("a sample lesson opened from the extension runs, its CSV trace read from the extension's files", { timeout: 300_000 }, async () => {
  // Right after the window opens, extensions' commands may not be listed yet, and an open palette
  // does not add them: open it again until the command is there.
  for (let tries = 0; ; tries++) {
    await page.keyboard.press("F1");
    await page.keyboard.type("dsnb: Open a Sample Lesson");
    const row = page.locator(".quick-input-list .monaco-list-row", { hasText: "dsnb: Open a Sample Lesson" }).first();
    if (
      await row.waitFor({ timeout: 2000 }).then(
        () => true,
        () => false,
      )
    )
      break;
    assert.ok(tries < 30, "the command is listed");
    await page.keyboard.press("Escape");
  }
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget:not(.hidden) .quick-input-title", { hasText: "Open a sample lesson" }).waitFor({ timeout: 30_000 });
  await page.keyboard.type("caching-eviction.dsnb");
  await page.locator(".quick-input-list .monaco-list-row", { hasText: "caching-eviction.dsnb" }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
  await page.waitForSelector(".notebook-editor .cell-list-container .monaco-list-row", { state: "attached", timeout: 30_000 });
  await page.waitForTimeout(1000);
  const sample = "caching-eviction.dsnb";
  await runAll(page, sample, expectedOutputs(folder, sample));
  assert.deepEqual((await frameCounts(page)).errors, [], "no error outputs");
  await checkTraceCell(runNotebook(readNotebook(new Uint8Array(readFileSync(join(folder, sample)))), { baseDir: folder, files: folderFiles }));
  // The untitled copy asks whether to save it: closeAll answers "Don't Save".
  await closeAll();
});

/** The HTML export (drawn in a webview) and the Markdown export work from the browser too. */
async function checkPageExports(sample: string, diagrams: number): Promise<void> {
  const html = await exported(sample, "Notebook as HTML", ".html");
  assert.ok(html.trimEnd().endsWith("</html>"), "a whole page");
  assert.equal((html.match(/<div class="dsnb-diagram-body"[^>]*>\s*<svg/g) ?? []).length >= diagrams, true, "every diagram drawn as SVG in the page");
  const md = await exported(sample, "Notebook as Markdown", ".md");
  assert.ok((md.match(/```mermaid/g) ?? []).length >= diagrams, "every diagram as a mermaid fence");
}

/** The cell that replays traces/sessions.csv shows the verdict and the request count of the desktop's run. */
async function checkTraceCell(runs: ReturnType<typeof runNotebook>): Promise<void> {
  const run = runs.find((r) => r.info.id === "trace");
  assert.ok(run?.result.ok, "the trace cell runs on the desktop");
  const frame = await frameWith(page, '.dsnb-output[data-cell-id="trace"] .dsnb-verdict');
  assert.ok(frame, "the trace cell's output is drawn");
  const shown = await frame.evaluate(() => {
    const out = document.querySelector('.dsnb-output[data-cell-id="trace"]')!;
    return { verdict: out.querySelector(".dsnb-verdict")?.textContent ?? "", charts: out.querySelectorAll(".dsnb-chart svg").length };
  });
  const requests = run.result.output.metrics.requests;
  assert.ok(typeof requests === "number" && requests > 0, "the desktop run read requests from the trace");
  assert.match(shown.verdict, /Valid/);
  assert.ok(shown.charts > 0, "the trace cell's charts are drawn");
}
