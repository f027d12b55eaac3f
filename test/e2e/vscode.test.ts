// End to end in a real VS Code: code-server with the packaged VSIX installed, driven by headless
// Chromium. Every sample is opened, run with "Notebook: Run All", and every scenario cell must show
// our rendered output with a Mermaid SVG and no error, in a light and a dark theme; one more window
// runs a sample in Restricted Mode. Screenshots go to test-results/e2e/ (git-ignored).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { packageExtension } from "../../scripts/package.mjs";
import { ensureTools } from "../../scripts/tools.mjs";
import { startCodeServer } from "../../scripts/code-server.mjs";
import { expectedOutputs as expectedIn } from "../support/samples";
import {
  CHROMIUM_ARGS,
  command,
  diagramMetrics,
  firstOutputFrame,
  frameCounts,
  openFile,
  openWorkbench,
  results,
  runAll as runAllAndWait,
  screenshotOf,
} from "../support/e2e";

const root = resolve(import.meta.dirname, "../..");
const samplesDir = join(root, "samples");
const samples = readdirSync(samplesDir)
  .filter((f) => f.endsWith(".dsnb"))
  .sort();
const timings: Record<string, number> = {};

let browser: Browser;
let tools: { codeServer: string };
let vsix: string;

/** What Run All must show for a sample: one output per scenario cell and the diagrams the simulators draw. */
function expectedOutputs(file: string): { outputs: number; diagrams: number } {
  return expectedIn(samplesDir, file);
}

before(async () => {
  rmSync(results, { recursive: true, force: true });
  mkdirSync(results, { recursive: true });
  vsix = packageExtension().file;
  tools = ensureTools();
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
});

after(async () => {
  await browser?.close();
  writeFileSync(join(results, "timings.json"), JSON.stringify(timings, null, 2));
});

function runAll(page: Page, sample: string, runCommand?: string): Promise<number> {
  return runAllAndWait(page, sample, expectedOutputs(sample), runCommand);
}

/** Diagrams are drawn at 100%, no text is smaller than 11 px, and every note's text fits its box. */
async function assertReadable(page: Page, sample: string): Promise<number> {
  const metrics = await diagramMetrics(page);
  assert.ok(metrics.length > 0, `${sample}: diagrams were measured`);
  assert.deepEqual(
    metrics.filter((m) => Math.abs(m.scale - 1) > 0.01).map((m) => `${m.title}: ${m.scale}`),
    [],
    `${sample}: every diagram starts at 100%`,
  );
  assert.deepEqual(
    metrics.filter((m) => m.minTextPx < 11).map((m) => `${m.title}: ${m.minTextPx} px`),
    [],
    `${sample}: no diagram text below 11 px`,
  );
  assert.deepEqual(
    metrics.flatMap((m) => m.overflowingNotes.map((n) => `${m.title}: "${n.text}" overflows by ${n.overflowPx} px`)),
    [],
    `${sample}: every note fits its box`,
  );
  return metrics.length;
}

/** The diagrams the readability complaints were about, photographed as VS Code shows them. */
const CLOSE_UPS: Record<string, { selector: string; name: string }[]> = {
  "sharding.dsnb": [{ selector: '.dsnb-output[data-cell-id="sequential-keys"] .dsnb-diagram[data-diagram="ranges"]', name: "range-map" }],
  "sagas.dsnb": [{ selector: '.dsnb-output[data-cell-id="dirty-read"] .dsnb-diagram', name: "concurrent-sagas" }],
};

const THEMES = [
  { name: "light", id: "Default Light Modern", body: "vscode-light", samples },
  { name: "dark", id: "Default Dark Modern", body: "vscode-dark", samples },
  // High contrast: the samples with the most kinds of diagram and chart (the others look alike).
  {
    name: "high-contrast",
    id: "Default High Contrast",
    body: "vscode-high-contrast",
    samples: samples.filter((s) => ["sharding.dsnb", "sagas.dsnb", "isolation-anomalies.dsnb", "caching-eviction.dsnb"].includes(s)),
  },
];

for (const theme of THEMES) {
  test(`samples run and render readably in the ${theme.name} theme`, { timeout: 900_000 }, async () => {
    const server = await startCodeServer({
      codeServer: tools.codeServer,
      vsix,
      stateDir: join(root, ".cache", `e2e-${theme.name}`),
      folder: samplesDir,
      settings: { "security.workspace.trust.enabled": false, "workbench.colorTheme": theme.id, "git.openRepositoryInParentFolders": "never" },
      quiet: true,
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await openWorkbench(page, server.url, samplesDir);
      for (const sample of theme.samples) {
        await openFile(page, sample);
        const ms = await runAll(page, sample);
        timings[`${theme.name} ${sample}`] = ms;
        const counts = await frameCounts(page);
        assert.deepEqual(counts.errors, [], `${sample}: error outputs`);
        const bodyClass = await firstOutputFrame(page).then((f) => f?.evaluate(() => document.body.className));
        assert.match(bodyClass ?? "", new RegExp(theme.body), "the output webview follows the theme");
        timings[`${theme.name} ${sample} diagrams measured`] = await assertReadable(page, sample);
        await page.keyboard.press("Control+Home").catch(() => {});
        await page.waitForTimeout(500);
        await page.screenshot({ path: join(results, `${theme.name}-${sample}-top.png`) });
        await screenshotOutputs(page, `${theme.name}-${sample}`);
        for (const c of CLOSE_UPS[sample] ?? []) assert.ok(await screenshotOf(page, c.selector, `${theme.name}-${c.name}.png`), `${c.name} photographed`);
        await command(page, "View: Close All Editors");
        await page.waitForTimeout(300);
        if (
          await page
            .locator(".monaco-dialog-box")
            .isVisible()
            .catch(() => false)
        )
          await page.keyboard.press("Escape");
      }
    } finally {
      await page.close();
      await server.stop();
    }
  });
}

/** Pictures of the first diagram and the first chart as VS Code shows them. */
async function screenshotOutputs(page: Page, prefix: string): Promise<void> {
  assert.ok(await screenshotOf(page, ".dsnb-diagram", `${prefix}-diagram.png`), `${prefix}: a diagram was photographed`);
  await screenshotOf(page, ".dsnb-chart", `${prefix}-chart.png`);
}

test("a sample runs in Restricted Mode (workspace not trusted)", { timeout: 300_000 }, async () => {
  const server = await startCodeServer({
    codeServer: tools.codeServer,
    vsix,
    stateDir: join(root, ".cache", "e2e-restricted"),
    folder: samplesDir,
    settings: { "security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "always", "workbench.colorTheme": "Default Light Modern" },
    quiet: true,
  });
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
    assert.equal(
      await page
        .getByText("Do you trust the authors of the files in this folder?")
        .isVisible()
        .catch(() => false),
      false,
      "no trust prompt",
    );
    await page.keyboard.press("Control+Home").catch(() => {});
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(results, `restricted-${sample}.png`) });
    assert.ok(
      await page
        .getByText(/Restricted Mode/)
        .first()
        .isVisible()
        .catch(() => false),
      "the window says it is in Restricted Mode",
    );
  } finally {
    await page.close();
    await server.stop();
  }
});
