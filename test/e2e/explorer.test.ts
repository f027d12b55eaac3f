// Stepping through runs and turning knobs in a real VS Code (code-server in headless Chromium), in a
// light and a dark theme: → moves the highlight to the next message and updates the state panel,
// "Next finding" lands on the blamed step, and changing the strategy knob rewrites the cell's YAML
// and shows the new verdict; "Reset to the lesson" puts it back. Works on a copy of the samples.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Frame, type Page } from "playwright-core";
import { packageExtension } from "../../scripts/package.mjs";
import { ensureTools } from "../../scripts/tools.mjs";
import { startCodeServer } from "../../scripts/code-server.mjs";
import { expectedOutputs } from "../support/samples";
import { CHROMIUM_ARGS, command, frameWith, openFile, openWorkbench, results, runAll, screenshotOf } from "../support/e2e";

const root = resolve(import.meta.dirname, "../..");
let browser: Browser;
let vsix: string;
let codeServer: string;

before(async () => {
  mkdirSync(results, { recursive: true });
  vsix = packageExtension().file;
  codeServer = ensureTools().codeServer;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
});

const CELL = '.dsnb-output[data-cell-id="classic-race"]';

/** The highlight marks of the cell's messages: C current, f still to come, - done. */
async function marks(frame: Frame): Promise<string> {
  return frame.evaluate(
    (cell) =>
      [...document.querySelectorAll(`${cell} svg text.messageText`)]
        .map((t) => (t.classList.contains("dsnb-step-current") ? "C" : t.classList.contains("dsnb-step-future") ? "f" : "-"))
        .join(""),
    CELL,
  );
}

async function text(frame: Frame, selector: string): Promise<string> {
  return frame.evaluate((sel) => document.querySelector(sel)?.textContent ?? "", selector);
}

async function until(page: Page, what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await page.waitForTimeout(250)) if (await check().catch(() => false)) return;
  await page.screenshot({ path: join(results, `failed-explorer-${Date.now()}.png`) });
  assert.fail(`timed out waiting for ${what}`);
}

const WALK = '.dsnb-output[data-cell-id="lost-update-walk"]';

/** The isolation lesson's lost update, walked: the wait, the blamed statements, and the level knob. */
async function isolationWalk(page: Page, folder: string, theme: string): Promise<void> {
  await command(page, "View: Close All Editors");
  await page.waitForTimeout(300);
  await openFile(page, "isolation-anomalies.dsnb");
  await runAll(page, "isolation-anomalies.dsnb", expectedOutputs(folder, "isolation-anomalies.dsnb"));
  assert.ok(await screenshotOf(page, `${WALK} .dsnb-explorer`, `${theme}-isolation-walk.png`));
  const frame = (await frameWith(page, `${WALK} .dsnb-explorer`))!;
  const explorer = frame.locator(`${WALK} .dsnb-explorer`);
  await explorer.press("Home");
  for (let i = 0; i < 6; i++) await explorer.press("ArrowRight");
  assert.match(
    await text(frame, `${WALK} .dsnb-step-label`),
    /Step 6 of 9 · during step 6 of the cell · T2: update test set value = 11 where id = 1: waits: row 1, held by T1/,
  );
  assert.match(await text(frame, `${WALK} .dsnb-state`), /T2.*row 1 \(held by T1\)/s, "the state panel shows the wait");
  await explorer.press("n");
  assert.match(
    await text(frame, `${WALK} .dsnb-step-label`),
    /Step 8 of 9 .* T2: resumes: UPDATE 1 · blamed by P4/,
    "the next finding is T2's write over T1's",
  );
  await screenshotOf(page, `${WALK} .dsnb-explorer`, `${theme}-isolation-step.png`);
  await frame.evaluate((cell) => {
    const select = document.querySelector(`${cell} [data-key="level"] .dsnb-knob-control`) as HTMLElement & { value: string };
    select.value = "repeatable read";
    select.dispatchEvent(new Event("change"));
  }, WALK);
  await until(page, "the run at repeatable read", async () => {
    await screenshotOf(page, WALK, `${theme}-isolation-knob-wait.png`);
    const f = await frameWith(page, `${WALK} .dsnb-title`, 1000);
    return f !== undefined && /^postgresql\/repeatable read: serializable/.test(await text(f, `${WALK} .dsnb-title`));
  });
}

for (const theme of [
  { name: "light", id: "Default Light Modern" },
  { name: "dark", id: "Default Dark Modern" },
]) {
  test(`stepping and knobs on the cache-aside and isolation lessons, ${theme.name} theme`, { timeout: 300_000 }, async () => {
    const folder = mkdtempSync(join(tmpdir(), "dsnb-explorer-"));
    for (const f of ["cache-aside-race.dsnb", "isolation-anomalies.dsnb"]) cpSync(join(root, "samples", f), join(folder, f));
    const server = await startCodeServer({
      codeServer,
      vsix,
      stateDir: join(root, ".cache", `e2e-explorer-${theme.name}`),
      folder,
      settings: {
        "security.workspace.trust.enabled": false,
        "workbench.colorTheme": theme.id,
        "git.openRepositoryInParentFolders": "never",
        "files.autoSave": "off",
      },
      quiet: true,
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await openWorkbench(page, server.url, folder);
      await openFile(page, "cache-aside-race.dsnb");
      await runAll(page, "cache-aside-race.dsnb", expectedOutputs(folder, "cache-aside-race.dsnb"));
      assert.ok(await screenshotOf(page, `${CELL} .dsnb-explorer`, `${theme.name}-explorer-start.png`));
      const frame = (await frameWith(page, `${CELL} .dsnb-explorer`))!;
      const explorer = frame.locator(`${CELL} .dsnb-explorer`);
      assert.equal(await marks(frame), "------------", "the run opens whole");
      await explorer.press("Home");
      assert.match(await marks(frame), /^f+$/, "before the first step, every message is still to come");
      await explorer.press("ArrowRight");
      assert.equal(await marks(frame), "CCffffffffff", "→ marks the first step's call and reply");
      assert.match(await text(frame, `${CELL} .dsnb-step-label`), /Step 1 of 6 · t=1 ms · reader: get k \(read 1\): miss/);
      await explorer.press("ArrowRight");
      assert.equal(await marks(frame), "--CCffffffff");
      assert.match(await text(frame, `${CELL} .dsnb-state`), /reader.*1.*v1/s, "the state panel shows what the reader loaded");
      assert.ok(
        await frame.evaluate((cell) => [...document.querySelectorAll(`${cell} .dsnb-state td.dsnb-changed`)].some((td) => td.textContent === "v1"), CELL),
        "and marks it as changed",
      );
      await explorer.press("n");
      assert.match(await text(frame, `${CELL} .dsnb-step-label`), /Step 3 of 6 .* blamed by stale-entry/, "n: the next finding lands on the next blamed step");
      await explorer.press("End");
      // Buttons in the notebook's webview are clicked in the page: Playwright finds them outside its viewport.
      await frame.evaluate((cell) => (document.querySelector(`${cell} .dsnb-step-finding`) as HTMLElement).click(), CELL);
      assert.match(await text(frame, `${CELL} .dsnb-step-label`), /Step 2 of 6 .* blamed by stale-entry/, "Next finding wraps around to the first blamed step");
      await screenshotOf(page, `${CELL} .dsnb-explorer`, `${theme.name}-explorer-step.png`);
      // The strategy knob rewrites the cell and runs it again with a new verdict.
      await frame.evaluate((cell) => {
        const select = document.querySelector(`${cell} [data-key="strategy"] .dsnb-knob-control`) as HTMLElement & { value: string };
        select.value = "lease";
        select.dispatchEvent(new Event("change"));
      }, CELL);
      // The new output is drawn while it is in view: bring it there, as a learner would be looking at it.
      await until(page, "the output of the lease strategy", async () => {
        await screenshotOf(page, CELL, `${theme.name}-explorer-knob-wait.png`);
        return (await frameWith(page, '.dsnb-output[data-cell-id="classic-race"] .dsnb-verdict-valid', 1000)) !== undefined;
      });
      const again = (await frameWith(page, CELL))!;
      assert.match(await text(again, `${CELL} .dsnb-title`), /^lease: no stale data/);
      assert.match(await text(again, `${CELL} [data-key="strategy"]`), /lesson: update-then-delete/);
      await screenshotOf(page, `${CELL} .dsnb-knobs`, `${theme.name}-explorer-knob.png`);
      await command(page, "File: Save All");
      await until(page, "the saved cell", async () =>
        /```cache-aside id=classic-race seed=1\nstrategy: lease\n/.test(readFileSync(join(folder, "cache-aside-race.dsnb"), "utf8")),
      );
      await again.evaluate((cell) => (document.querySelector(`${cell} .dsnb-reset-lesson`) as HTMLElement).click(), CELL);
      await until(page, "the lesson's verdict again", async () => {
        await screenshotOf(page, CELL, `${theme.name}-explorer-reset-wait.png`);
        return (await frameWith(page, '.dsnb-output[data-cell-id="classic-race"] .dsnb-verdict-violated', 1000)) !== undefined;
      });
      await command(page, "File: Save All");
      await until(
        page,
        "the lesson's text on disk",
        async () => readFileSync(join(folder, "cache-aside-race.dsnb"), "utf8") === readFileSync(join(root, "samples", "cache-aside-race.dsnb"), "utf8"),
      );
      await isolationWalk(page, folder, theme.name);
    } finally {
      await page.close();
      await server.stop();
    }
  });
}
