// End to end in a real VS Code: code-server with the packaged VSIX installed, driven by headless
// Chromium. Every sample is opened, run with "Notebook: Run All", and every scenario cell must show
// our rendered output with a Mermaid SVG and no error, in a light and a dark theme; one more window
// runs a sample in Restricted Mode. Screenshots go to test-results/e2e/ (git-ignored).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page, type Frame } from "playwright-core";
import { packageExtension } from "../../scripts/package.mjs";
import { ensureTools } from "../../scripts/tools.mjs";
import { startCodeServer } from "../../scripts/code-server.mjs";
import { readNotebook, runAllCells } from "../../src/cli/export";

const root = resolve(import.meta.dirname, "../..");
const samplesDir = join(root, "samples");
const results = join(root, "test-results", "e2e");
const samples = readdirSync(samplesDir).filter((f) => f.endsWith(".dsnb")).sort();
const timings: Record<string, number> = {};

let browser: Browser;
let tools: { codeServer: string };
let vsix: string;

/** What Run All must show for a sample: one output per scenario cell and the diagrams the simulators draw. */
function expectedOutputs(file: string): { outputs: number; diagrams: number } {
  const outcomes = runAllCells(readNotebook(new Uint8Array(readFileSync(join(samplesDir, file)))), samplesDir).filter((o) => o !== undefined);
  const diagrams = outcomes.reduce((n, o) => n + ("output" in o ? o.output.diagrams.length : 0), 0);
  return { outputs: outcomes.length, diagrams };
}

before(async () => {
  rmSync(results, { recursive: true, force: true });
  mkdirSync(results, { recursive: true });
  vsix = packageExtension().file;
  tools = ensureTools();
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  writeFileSync(join(results, "timings.json"), JSON.stringify(timings, null, 2));
});

async function frameCounts(page: Page): Promise<{ outputs: number; diagrams: number; errors: string[] }> {
  let outputs = 0;
  let diagrams = 0;
  const errors: string[] = [];
  for (const frame of page.frames()) {
    try {
      const r = await frame.evaluate(() => ({
        outputs: document.querySelectorAll(".dsnb-output").length,
        diagrams: document.querySelectorAll(".dsnb-diagram-body svg").length,
        errors: [...document.querySelectorAll(".dsnb-error, .output .error, pre.error")].map((e) => (e.textContent ?? "").slice(0, 300)),
      }));
      outputs += r.outputs;
      diagrams += r.diagrams;
      errors.push(...r.errors);
    } catch {
      /* a frame that is navigating or detached */
    }
  }
  return { outputs, diagrams, errors };
}

async function openWorkbench(page: Page, url: string, folder: string): Promise<void> {
  await page.goto(`${url}?folder=${encodeURIComponent(folder)}`);
  await page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
  await page.waitForSelector(".explorer-folders-view, .welcome-view, .part.sidebar", { timeout: 60_000 });
}

async function command(page: Page, name: string): Promise<void> {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget:not(.hidden) input", { timeout: 15_000 });
  await page.keyboard.type(name);
  await page.waitForTimeout(300);
  await page.keyboard.press("Enter");
}

async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press("Control+P");
  await page.waitForSelector(".quick-input-widget:not(.hidden) input", { timeout: 15_000 });
  await page.keyboard.type(name);
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${name}"]`, { timeout: 15_000 });
  await page.keyboard.press("Enter");
  await page.waitForSelector(".notebook-editor .cell-list-container .monaco-list-row", { state: "attached", timeout: 30_000 });
  await page.waitForTimeout(500);
}

/** Run All and wait until every scenario cell shows our output; returns ms from Run All to the last diagram. */
async function runAll(page: Page, sample: string, runCommand = "Notebook: Run All"): Promise<number> {
  const expected = expectedOutputs(sample);
  await page.locator(".notebook-editor").filter({ visible: true }).first().click({ position: { x: 5, y: 5 } }).catch(() => {});
  const started = Date.now();
  await command(page, runCommand);
  const deadline = started + 120_000;
  let last = { outputs: 0, diagrams: 0, errors: [] as string[] };
  let steps = 0;
  while (Date.now() < deadline) {
    last = await frameCounts(page);
    if (last.errors.length) break;
    if (last.outputs >= expected.outputs && last.diagrams >= expected.diagrams) return Date.now() - started;
    // Outputs of cells scrolled out of view are not rendered: walk down the notebook while waiting,
    // and start again from the top now and then, for cells that finished after the walk passed them.
    await page.keyboard.press(++steps % 30 === 0 ? "Control+Home" : "PageDown").catch(() => {});
    await page.waitForTimeout(400);
  }
  await page.screenshot({ path: join(results, `failed-${sample}-${Date.now()}.png`) }).catch(() => {});
  assert.fail(`${sample}: expected ${expected.outputs} rendered outputs and ${expected.diagrams} diagrams, saw ${last.outputs} outputs and ${last.diagrams} diagrams; errors: ${last.errors.join(" | ") || "none"}`);
}

for (const theme of [{ name: "light", id: "Default Light Modern" }, { name: "dark", id: "Default Dark Modern" }]) {
  test(`every sample runs and renders in the ${theme.name} theme`, { timeout: 600_000 }, async () => {
    const server = await startCodeServer({ codeServer: tools.codeServer, vsix, stateDir: join(root, ".cache", `e2e-${theme.name}`), folder: samplesDir, settings: { "security.workspace.trust.enabled": false, "workbench.colorTheme": theme.id, "git.openRepositoryInParentFolders": "never" }, quiet: true });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await openWorkbench(page, server.url, samplesDir);
      for (const sample of samples) {
        await openFile(page, sample);
        const ms = await runAll(page, sample);
        timings[`${theme.name} ${sample}`] = ms;
        const counts = await frameCounts(page);
        assert.deepEqual(counts.errors, [], `${sample}: error outputs`);
        const bodyClass = await firstOutputFrame(page).then((f) => f?.evaluate(() => document.body.className));
        assert.match(bodyClass ?? "", new RegExp(`vscode-${theme.name}`), "the output webview follows the theme");
        await page.keyboard.press("Control+Home").catch(() => {});
        await page.waitForTimeout(500);
        await page.screenshot({ path: join(results, `${theme.name}-${sample}-top.png`) });
        await screenshotOutputs(page, `${theme.name}-${sample}`);
        await command(page, "View: Close All Editors");
        await page.waitForTimeout(300);
        if (await page.locator(".monaco-dialog-box").isVisible().catch(() => false)) await page.keyboard.press("Escape");
      }
    } finally {
      await page.close();
      await server.stop();
    }
  });
}

async function firstOutputFrame(page: Page): Promise<Frame | undefined> {
  for (const f of page.frames()) {
    if (await f.evaluate(() => document.querySelector(".dsnb-output") !== null).catch(() => false)) return f;
  }
  return undefined;
}

/** Where an output element is on the page, found through the frame that holds it. */
async function pageTop(page: Page, selector: string): Promise<{ frame: Frame; top: number } | undefined> {
  for (const f of page.frames()) {
    const top = await f.evaluate((sel) => document.querySelector(sel)?.getBoundingClientRect().top ?? null, selector).catch(() => null);
    if (top === null) continue;
    const box = await (await f.frameElement().catch(() => null))?.boundingBox();
    if (box && box.width > 0 && box.height > 0) return { frame: f, top: box.y + top };
  }
  return undefined;
}

/** Scroll the notebook with the mouse wheel until the element sits near the top, then photograph the page. */
async function screenshotOf(page: Page, selector: string, file: string): Promise<boolean> {
  await page.mouse.move(800, 500);
  for (let i = 0; i < 20; i++) {
    const at = await pageTop(page, selector);
    if (!at) return false;
    if (process.env.DSNB_E2E_DEBUG) console.log(selector, at.top);
    const delta = at.top - 150;
    if (Math.abs(delta) < 40) break;
    // Chromium moves the notebook about 50 px per wheel event, whatever the delta.
    for (let n = Math.min(200, Math.ceil(Math.abs(delta) / 50)); n > 0; n--) await page.mouse.wheel(0, Math.sign(delta) * 50);
    await page.waitForTimeout(300);
  }
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(results, file) });
  return true;
}

/** Pictures of the first diagram and the first chart as VS Code shows them. */
async function screenshotOutputs(page: Page, prefix: string): Promise<void> {
  assert.ok(await screenshotOf(page, ".dsnb-diagram", `${prefix}-diagram.png`), `${prefix}: a diagram was photographed`);
  await screenshotOf(page, ".dsnb-chart", `${prefix}-chart.png`);
}

test("a sample runs in Restricted Mode (workspace not trusted)", { timeout: 300_000 }, async () => {
  const server = await startCodeServer({ codeServer: tools.codeServer, vsix, stateDir: join(root, ".cache", "e2e-restricted"), folder: samplesDir, settings: { "security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "always", "workbench.colorTheme": "Default Light Modern" }, quiet: true });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  try {
    await page.goto(`${server.url}?folder=${encodeURIComponent(samplesDir)}`);
    await page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
    const dontTrust = page.getByRole("button", { name: /No, I don't trust the authors/i });
    await dontTrust.click({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    const restricted = await page.locator(".statusbar, .part.titlebar, .part.editor").first().isVisible();
    assert.ok(restricted);
    const sample = samples[0]!;
    await openFile(page, sample);
    // VS Code's own Run All asks for workspace trust for every notebook type; dsnb's command runs
    // scenario cells (data, never code) without it.
    await runAll(page, sample, "dsnb: Run All Scenario Cells");
    assert.equal(await page.getByText("Do you trust the authors of the files in this folder?").isVisible().catch(() => false), false, "no trust prompt");
    await page.keyboard.press("Control+Home").catch(() => {});
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(results, `restricted-${sample}.png`) });
    assert.ok(await page.getByText(/Restricted Mode/).first().isVisible().catch(() => false), "the window says it is in Restricted Mode");
  } finally {
    await page.close();
    await server.stop();
  }
});
