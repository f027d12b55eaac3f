// What the end-to-end tests do in a real VS Code (code-server in headless Chromium): open files, run
// commands, wait for outputs in the notebook's webview frames, measure and photograph them.
import assert from "node:assert/strict";
import type { Frame, Page } from "playwright-core";
import { join, resolve } from "node:path";
import { measureDiagrams, type DiagramMetrics } from "./diagram-metrics";

/** Where screenshots go (git-ignored). */
export const results = join(resolve(import.meta.dirname, "../.."), "test-results", "e2e");

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function frameCounts(page: Page): Promise<{ outputs: number; diagrams: number; errors: string[] }> {
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

export async function openWorkbench(page: Page, url: string, folder: string): Promise<void> {
  await page.goto(`${url}?folder=${encodeURIComponent(folder)}`);
  await page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
  await page.waitForSelector(".explorer-folders-view, .welcome-view, .part.sidebar", { timeout: 60_000 });
}

export async function command(page: Page, name: string): Promise<void> {
  const input = page.locator(".quick-input-widget:not(.hidden) input");
  await page.keyboard.press("F1");
  await input.waitFor({ timeout: 15_000 });
  // Set the text on the palette's own input rather than typing it: if something takes the focus
  // meanwhile (an output drawn late), keystrokes would land in the notebook (where letters are
  // cell commands) instead.
  await input.fill(`>${name}`);
  // On a busy machine the list can lag behind: wait (a while) for the command to be the first row,
  // so Enter does not run whatever was first a moment before.
  await page
    .locator(".quick-input-list .monaco-list-row")
    .first()
    .filter({ hasText: name })
    .waitFor({ timeout: 5_000 })
    .catch(() => {});
  await input.press("Enter");
}

export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press("Control+P");
  await page.waitForSelector(".quick-input-widget:not(.hidden) input", { timeout: 15_000 });
  await page.keyboard.type(name);
  // Enter opens the first row: wait until it is the file (the list starts with recently opened files).
  await page
    .locator(".quick-input-list .monaco-list-row")
    .first()
    .and(page.locator(`[aria-label*="${name}"]`))
    .waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
  await page.waitForSelector(".notebook-editor .cell-list-container .monaco-list-row", { state: "attached", timeout: 30_000 });
  await page.waitForTimeout(500);
}

export async function firstOutputFrame(page: Page): Promise<Frame | undefined> {
  for (const f of page.frames()) {
    if (await f.evaluate(() => document.querySelector(".dsnb-output") !== null).catch(() => false)) return f;
  }
  return undefined;
}

/** Where an output element is on the page, found through the frame that holds it. */
export async function pageTop(page: Page, selector: string): Promise<{ frame: Frame; top: number } | undefined> {
  for (const f of page.frames()) {
    const top = await f.evaluate((sel) => document.querySelector(sel)?.getBoundingClientRect().top ?? null, selector).catch(() => null);
    if (top === null) continue;
    const box = await (await f.frameElement().catch(() => null))?.boundingBox();
    if (box && box.width > 0 && box.height > 0) return { frame: f, top: box.y + top };
  }
  return undefined;
}

/** Scroll the notebook with the mouse wheel until the element sits near the top, then photograph the page. */
export async function screenshotOf(page: Page, selector: string, file: string): Promise<boolean> {
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

/** Every drawn diagram in every output frame, measured (see test/support/diagram-metrics.ts). */
export async function diagramMetrics(page: Page): Promise<DiagramMetrics[]> {
  const all: DiagramMetrics[] = [];
  for (const f of page.frames()) all.push(...(await f.evaluate(measureDiagrams).catch(() => [] as DiagramMetrics[])));
  return all;
}

/** The first frame in which `selector` matches, waiting up to `timeoutMs`. */
export async function frameWith(page: Page, selector: string, timeoutMs = 30_000): Promise<Frame | undefined> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await page.waitForTimeout(250)) {
    for (const f of page.frames()) if (await f.evaluate((sel) => document.querySelector(sel) !== null, selector).catch(() => false)) return f;
  }
  return undefined;
}

/** Clicks an element inside an output frame (the webview is not always scrolled to it). */
export async function clickIn(page: Page, selector: string): Promise<void> {
  const f = await frameWith(page, selector);
  if (!f) throw new Error(`nothing matches ${selector} in any frame`);
  await f.evaluate((sel) => (document.querySelector(sel) as HTMLElement).click(), selector);
}

/** Run All and wait until every scenario cell shows our output; returns ms from Run All to the last diagram. */
export async function runAll(page: Page, sample: string, expected: { outputs: number; diagrams: number }, runCommand = "Notebook: Run All"): Promise<number> {
  await page
    .locator(".notebook-editor")
    .filter({ visible: true })
    .first()
    .click({ position: { x: 5, y: 5 } })
    .catch(() => {});
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
  assert.fail(
    `${sample}: expected ${expected.outputs} rendered outputs and ${expected.diagrams} diagrams, saw ${last.outputs} outputs and ${last.diagrams} diagrams; errors: ${last.errors.join(" | ") || "none"}`,
  );
}
