// Authoring in a real VS Code: insert a scenario cell, get completions from the simulator's schema,
// see a misspelled key flagged and fix it with the quick fix, then run the cell.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { packageExtension } from "../../scripts/package.mjs";
import { ensureTools } from "../../scripts/tools.mjs";
import { startCodeServer } from "../../scripts/code-server.mjs";

const root = resolve(import.meta.dirname, "../..");
const results = join(root, "test-results", "e2e");
let browser: Browser;
let server: Awaited<ReturnType<typeof startCodeServer>>;
let page: Page;

before(async () => {
  mkdirSync(results, { recursive: true });
  const vsix = packageExtension().file;
  const { codeServer } = ensureTools();
  // Work on a copy: this test edits the notebook.
  const folder = mkdtempSync(join(tmpdir(), "dsnb-authoring-"));
  cpSync(join(root, "samples", "cache-aside-race.dsnb"), join(folder, "lesson.dsnb"));
  server = await startCodeServer({ codeServer, vsix, stateDir: join(root, ".cache", "e2e-authoring"), folder, settings: { "security.workspace.trust.enabled": false, "git.openRepositoryInParentFolders": "never", "editor.quickSuggestions": { other: false, comments: false, strings: false } }, quiet: true });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${server.url}?folder=${encodeURIComponent(folder)}`);
  await page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function palette(name: string): Promise<void> {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget:not(.hidden) input", { timeout: 15_000 });
  await page.keyboard.type(name);
  await page.waitForTimeout(400);
  await page.keyboard.press("Enter");
}

/** The text of the focused cell editor, as Monaco shows it. */
async function focusedCellText(): Promise<string> {
  const text = await page.locator(".monaco-list-row.focused .view-lines").first().innerText();
  return text.replace(/\u00a0/g, " "); // Monaco draws spaces as no-break spaces
}

test("typing a scenario cell: completions, a quick fix for a misspelled key, and a run", { timeout: 300_000 }, async () => {
  await page.waitForSelector(".explorer-folders-view, .part.sidebar", { timeout: 60_000 });
  await page.keyboard.press("Control+P");
  await page.waitForSelector(".quick-input-widget:not(.hidden) input", { timeout: 15_000 });
  await page.keyboard.type("lesson.dsnb");
  await page.waitForSelector('.quick-input-list .monaco-list-row[aria-label*="lesson.dsnb"]', { timeout: 15_000 });
  await page.keyboard.press("Enter");
  await page.waitForSelector(".notebook-editor .cell-list-container .monaco-list-row", { state: "attached", timeout: 30_000 });
  await page.waitForTimeout(1000);
  // Insert a cell from the simulator's examples, at the end of the notebook.
  await page.locator(".notebook-editor").filter({ visible: true }).first().click({ position: { x: 5, y: 5 } }).catch(() => {});
  await palette("Notebook: Focus Last Cell");
  await palette("dsnb: Insert Scenario Cell");
  await page.waitForSelector(".quick-input-widget:not(.hidden) .quick-input-list .monaco-list-row", { timeout: 15_000 });
  await page.keyboard.type("classic race");
  await page.waitForTimeout(300);
  await page.keyboard.press("Enter");
  await page.waitForTimeout(800);
  await page.keyboard.press("Enter"); // edit the new cell
  await page.waitForTimeout(300);
  await page.keyboard.press("Control+End");
  // A misspelled key is flagged on its exact range, with a "did you mean" quick fix.
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Home");
  await page.keyboard.type("ttlMS: 5000");
  await page.waitForSelector(".monaco-list-row.focused .squiggly-error", { timeout: 15_000 });
  await page.screenshot({ path: join(results, "authoring-diagnostic.png") });
  await page.keyboard.press("Home");
  await page.keyboard.press("Control+.");
  const fix = page.locator(".action-widget .action-list-row, .context-view .monaco-list-row").filter({ hasText: 'Change to "ttlMs"' });
  await fix.first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
  await page.waitForTimeout(500);
  assert.match(await focusedCellText(), /ttlMs: 5000/);
  // Completion offers the keys the schema still allows.
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Home");
  await page.keyboard.type("reads");
  await page.keyboard.press("Control+Space");
  const suggestion = page.locator(".suggest-widget .monaco-list-row").filter({ hasText: "reads" });
  await suggestion.first().waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(results, "authoring-completion.png") });
  await page.keyboard.press("Enter");
  await page.waitForTimeout(500);
  // Accepting a key may open value suggestions, and they may close by themselves: pressing Escape
  // could then take focus out of the cell. Typing goes to the editor either way.
  await page.keyboard.type("2");
  let typed = "";
  for (const end = Date.now() + 5000; Date.now() < end && !/reads: 2/.test(typed); await page.waitForTimeout(200)) typed = await focusedCellText();
  assert.match(typed, /reads: 2/);
  if (await page.locator(".suggest-widget.visible").isVisible().catch(() => false)) await page.keyboard.press("Escape");
  await page.waitForTimeout(500);
  assert.equal(await page.locator(".monaco-list-row.focused .squiggly-error").count(), 0, "no problems left");
  // Run it.
  await page.locator(".monaco-list-row.focused .run-button-container .action-label").first().click();
  const deadline = Date.now() + 60_000;
  let seen = "";
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      const texts = await f.evaluate(() => [...document.querySelectorAll(".dsnb-output")].map((o) => (o.querySelector(".dsnb-diagram-body svg") ? "svg " : "") + (o.textContent ?? ""))).catch(() => [] as string[]);
      const hit = texts.find((t) => t.startsWith("svg ") && t.includes("stale data after 5 steps"));
      if (hit) seen = hit;
    }
    if (seen) break;
    await page.waitForTimeout(300);
  }
  await page.screenshot({ path: join(results, "authoring-run.png") });
  assert.ok(seen, "the new cell ran and its diagram rendered");
  // The same output, drawn in an editor-sized panel.
  await palette("dsnb: Open Output in a Panel");
  let panel = false;
  for (const end = Date.now() + 30_000; Date.now() < end && !panel; await page.waitForTimeout(300)) {
    for (const f of page.frames()) {
      if (await f.evaluate(() => document.querySelector(".dsnb-export-output .dsnb-diagram-body svg") !== null).catch(() => false)) panel = true;
    }
  }
  await page.screenshot({ path: join(results, "authoring-panel.png") });
  assert.ok(panel, "the output opened in a panel with its diagram drawn");
});
