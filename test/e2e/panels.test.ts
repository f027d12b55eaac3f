// The output's own buttons in a real VS Code, in the dark theme: "Open in a panel" shows the output
// in VS Code's theme with the diagram at 100% and the cell's source without highlight bars; "Open
// full size" opens one diagram in its own panel; a finding's code opens its entry in the reference;
// "Replay this run" inserts a cell that replays an exploration's run, and it shows the finding.
// Works on a copy of the samples (replaying edits the notebook).
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
import { measureDiagrams } from "../support/diagram-metrics";
import { CHROMIUM_ARGS, clickIn, command, frameWith, openFile, openWorkbench, results, runAll, screenshotOf } from "../support/e2e";

const root = resolve(import.meta.dirname, "../..");
let browser: Browser;
let server: Awaited<ReturnType<typeof startCodeServer>>;
let page: Page;
let folder: string;

function expected(file: string): { outputs: number; diagrams: number } {
  return expectedOutputs(folder, file);
}

before(async () => {
  mkdirSync(results, { recursive: true });
  const vsix = packageExtension().file;
  const { codeServer } = ensureTools();
  folder = mkdtempSync(join(tmpdir(), "dsnb-panels-"));
  for (const f of ["sharding.dsnb", "sagas.dsnb"]) cpSync(join(root, "samples", f), join(folder, f));
  server = await startCodeServer({
    codeServer,
    vsix,
    stateDir: join(root, ".cache", "e2e-panels"),
    folder,
    settings: {
      "security.workspace.trust.enabled": false,
      "workbench.colorTheme": "Default Dark Modern",
      "git.openRepositoryInParentFolders": "never",
      "files.autoSave": "off",
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
});

async function panelFrame(mode: "view" | "diagram"): Promise<Frame> {
  const f = await frameWith(page, `body[data-mode="${mode}"] .dsnb-diagram-body svg`, 30_000);
  assert.ok(f, `a ${mode} panel with a drawn diagram opened`);
  return f;
}

test("the output panel and the full-size diagram follow the dark theme, at 100%", { timeout: 300_000 }, async () => {
  await openFile(page, "sharding.dsnb");
  await runAll(page, "sharding.dsnb", expected("sharding.dsnb"));
  await clickIn(page, '.dsnb-output[data-cell-id="sequential-keys"] .dsnb-open-panel');
  const view = await panelFrame("view");
  const look = await view.evaluate(() => ({
    bodyClass: document.body.className,
    background: getComputedStyle(document.body).backgroundColor,
    codeBackground: getComputedStyle(document.querySelector("pre.scenario code")!).backgroundColor,
  }));
  assert.match(look.bodyClass, /vscode-dark/);
  const [r, g, b] = look.background.match(/\d+/g)!.map(Number);
  assert.ok(r! + g! + b! < 200, `a dark page, not white (${look.background})`);
  assert.match(look.codeBackground, /rgba\(0, 0, 0, 0\)|transparent/, "no highlight bar behind the source lines");
  const inPanel = await view.evaluate(measureDiagrams);
  assert.ok(inPanel.length >= 1 && inPanel.every((m) => m.scale === 1 && m.minTextPx >= 11), JSON.stringify(inPanel));
  await page.screenshot({ path: join(results, "dark-output-panel.png") });
  await clickIn(page, '.dsnb-output[data-cell-id="sequential-keys"] .dsnb-diagram[data-diagram="ranges"] .dsnb-open-full');
  const full = await panelFrame("diagram");
  const [one] = await full.evaluate(measureDiagrams);
  assert.ok(one && one.scale === 1 && one.minTextPx >= 11, JSON.stringify(one));
  assert.match(await full.evaluate(() => document.querySelector(".dsnb-diagram-title")!.textContent!), /ranges in key order/);
  const only = await full.evaluate(() => ({
    verdicts: document.querySelectorAll(".dsnb-verdict").length,
    sourceShown: [...document.querySelectorAll("pre.scenario")].some((p) => getComputedStyle(p).display !== "none"),
  }));
  assert.deepEqual(only, { verdicts: 0, sourceShown: false }, "the diagram alone");
  await page.screenshot({ path: join(results, "dark-diagram-panel.png") });
});

test("a finding's code opens its entry in the findings reference", { timeout: 120_000 }, async () => {
  await clickIn(page, '.dsnb-output[data-cell-id="mod-versus-the-rest"] a.dsnb-code');
  const tab = page.locator(".tabs-container .tab").filter({ hasText: "findings.md" });
  await tab.first().waitFor({ timeout: 30_000 });
  const preview = await frameWith(page, "#needless-moves, [id='needless-moves']", 30_000);
  assert.ok(preview, "the preview shows the reference with the finding's entry");
  const at = await preview.evaluate(() => document.getElementById("needless-moves")!.getBoundingClientRect().top);
  assert.ok(at >= -5 && at < 400, `the preview is scrolled to the entry (its heading is at ${at} px)`);
  await page.screenshot({ path: join(results, "dark-findings-reference.png") });
});

test("Replay this run inserts a cell that replays an exploration's run, and it shows the finding", { timeout: 300_000 }, async () => {
  await command(page, "View: Close All Editors");
  await page.waitForTimeout(500);
  if (
    await page
      .locator(".monaco-dialog-box")
      .isVisible()
      .catch(() => false)
  )
    await page.keyboard.press("Escape");
  await openFile(page, "sagas.dsnb");
  await runAll(page, "sagas.dsnb", expected("sagas.dsnb"));
  const first = await frameWith(page, '.dsnb-output[data-cell-id="explore-idempotency"] .dsnb-replay');
  assert.ok(first, "the exploration offers a replay");
  const code = await first.evaluate(
    () =>
      document.querySelector('.dsnb-output[data-cell-id="explore-idempotency"] .dsnb-replay')!.closest(".dsnb-finding")!.querySelector(".dsnb-code")!
        .textContent!,
  );
  await clickIn(page, '.dsnb-output[data-cell-id="explore-idempotency"] .dsnb-replay');
  const replayed = await frameWith(page, '.dsnb-output[data-cell-id="explore-idempotency-replay"] .dsnb-diagram-body svg', 60_000);
  if (!replayed) await page.screenshot({ path: join(results, "failed-replay.png") });
  assert.ok(replayed, "the inserted cell ran and drew its run");
  const codes = await replayed.evaluate(() =>
    [...document.querySelectorAll('.dsnb-output[data-cell-id="explore-idempotency-replay"] .dsnb-finding .dsnb-code')].map((c) => c.textContent),
  );
  assert.ok(codes.includes(code), `the replayed run shows ${code} (it shows ${codes.join(", ")})`);
  await page.screenshot({ path: join(results, "dark-replay.png") });
});

test("the output's seed buttons: a new seed leaves the file alone, Back returns to the cell's seed, Pin writes it", { timeout: 180_000 }, async () => {
  const file = join(folder, "sagas.dsnb");
  const before = readFileSync(file, "utf8");
  // Outputs are drawn while they are in view, as when a learner clicks one: scroll to it.
  assert.ok(await screenshotOf(page, '.dsnb-output[data-cell-id="happy-path"]', "dark-seed-before.png"));
  const seedOf = async () =>
    (await frameWith(page, '.dsnb-output[data-cell-id="happy-path"] .dsnb-seed'))!.evaluate(
      () => document.querySelector('.dsnb-output[data-cell-id="happy-path"] .dsnb-seed')!.textContent!,
    );
  assert.equal(await seedOf(), "seed 1");
  await clickIn(page, '.dsnb-output[data-cell-id="happy-path"] .dsnb-new-seed');
  const note = await frameWith(page, '.dsnb-output[data-cell-id="happy-path"] .dsnb-seed-note', 30_000);
  assert.ok(note, "the output says the seed is not the cell's own");
  const newSeed = await seedOf();
  assert.notEqual(newSeed, "seed 1");
  assert.match(
    await note.evaluate(() => document.querySelector('.dsnb-output[data-cell-id="happy-path"] .dsnb-seed-note')!.textContent!),
    /the cell's own is 1/,
  );
  assert.equal(readFileSync(file, "utf8"), before, "the lesson file is untouched");
  await clickIn(page, '.dsnb-output[data-cell-id="happy-path"] .dsnb-cell-seed');
  for (const end = Date.now() + 30_000; Date.now() < end && (await seedOf()) !== "seed 1";) await page.waitForTimeout(250);
  assert.equal(await seedOf(), "seed 1", "back to the cell's own seed");
  await clickIn(page, '.dsnb-output[data-cell-id="happy-path"] .dsnb-new-seed');
  for (const end = Date.now() + 30_000; Date.now() < end && (await seedOf()) === "seed 1";) await page.waitForTimeout(250);
  const pinned = (await seedOf()).replace("seed ", "");
  await clickIn(page, '.dsnb-output[data-cell-id="happy-path"] .dsnb-pin-seed');
  // Pinning runs the cell again: its output then comes from the cell's own (new) seed.
  const noteGone = async () =>
    (await frameWith(page, '.dsnb-output[data-cell-id="happy-path"] .dsnb-seed'))!.evaluate(
      () => document.querySelector('.dsnb-output[data-cell-id="happy-path"] .dsnb-seed-note') === null,
    );
  for (const end = Date.now() + 30_000; Date.now() < end && !(await noteGone());) await page.waitForTimeout(250);
  assert.ok(await noteGone(), "after pinning, the output's seed is the cell's own");
  assert.equal(await seedOf(), `seed ${pinned}`);
  await command(page, "File: Save All");
  let text = "";
  for (const end = Date.now() + 30_000; Date.now() < end && !text.includes(`id=happy-path seed=${pinned}`); await page.waitForTimeout(250))
    text = readFileSync(file, "utf8");
  assert.ok(text.includes(`\`\`\`saga id=happy-path seed=${pinned}\n`), `the fence now pins seed ${pinned}: ${/^```saga id=happy-path.*$/m.exec(text)?.[0]}`);
});
