// HTML export: every sample becomes one self-contained page whose diagrams and charts are already
// SVG. The page is opened from disk in headless Chromium with the network refused: with scripts off
// it reads as it is; with scripts on, its one script (allowed by its hash: zoom, the step explorer,
// knobs over the cell's exported combinations) works.
// Every diagram starts at 100% with no text below 11 px and every note's text inside its box.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chromium, type Browser } from "playwright-core";
import { ensureTools } from "../../scripts/tools.mjs";
import { expectedOutputs } from "../support/samples";
import { measureDiagrams } from "../support/diagram-metrics";

const root = resolve(import.meta.dirname, "../..");
const samples = readdirSync(join(root, "samples"))
  .filter((f) => f.endsWith(".dsnb"))
  .sort();
let browser: Browser;

before(async () => {
  ensureTools();
  execFileSync(process.execPath, ["esbuild.mjs"], { cwd: root });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
});
after(async () => browser?.close());

for (const sample of samples) {
  test(`${sample} exports to an HTML page with every diagram drawn`, { timeout: 120_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), "dsnb-export-")), "page.html");
    execFileSync(process.execPath, [join(root, "bin", "dsnb.js"), "export", join(root, "samples", sample), "--to", "html", "-o", out], {
      cwd: root,
      stdio: "pipe",
    });
    const html = readFileSync(out, "utf8");
    const scripts = [...html.matchAll(/<script[^>]*>/gi)].map((m) => m[0]);
    assert.deepEqual(
      scripts,
      ['<script type="application/json" id="dsnb-page-data">', "<script>"],
      "one inline script is left, next to the page's data (which never runs)",
    );
    const hash = /script-src 'sha256-([A-Za-z0-9+/=]+)'/.exec(html)?.[1];
    const inline = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    assert.equal(hash, createHash("sha256").update(inline).digest("base64"), "the policy allows exactly that script");
    const { diagrams: expected, charts } = expectedOutputs(join(root, "samples"), sample);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) requests.push(r.url());
    });
    await page.goto(`file://${out}`);
    assert.equal(await page.locator(".dsnb-export-output:not([hidden]) .dsnb-diagram-body svg").count(), expected, "every diagram is an SVG");
    assert.equal((await page.locator(".dsnb-chart-body svg").count()) >= charts, true, "every chart is an SVG");
    assert.equal(await page.locator(".dsnb-diagram .dsnb-error").count(), 0);
    assert.ok(await page.locator(".dsnb-diagram-body svg text").first().isVisible());
    assert.deepEqual(requests, [], "the page loads nothing from the network");
    await page.screenshot({ path: join(root, "test-results", "e2e", `export-${sample}.png`), fullPage: false });
    await context.close();
    const live = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const livePage = await live.newPage();
    const blocked: string[] = [];
    livePage.on("request", (r) => {
      if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) blocked.push(r.url());
    });
    const errors: string[] = [];
    livePage.on("pageerror", (e) => errors.push(e.message));
    livePage.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await livePage.goto(`file://${out}`);
    const metrics = await livePage.evaluate(measureDiagrams);
    assert.equal(metrics.length, expected, "every diagram shown (other knob combinations are hidden)");
    assert.deepEqual(
      metrics.filter((m) => Math.abs(m.scale - 1) > 0.01 || m.minTextPx < 11).map((m) => `${m.title}: scale ${m.scale}, ${m.minTextPx} px`),
      [],
      "every diagram at 100%, no text below 11 px",
    );
    assert.deepEqual(
      metrics.flatMap((m) => m.overflowingNotes.map((n) => `${m.title}: "${n.text}" by ${n.overflowPx} px`)),
      [],
      "every note fits its box",
    );
    const fig = livePage.locator(".dsnb-diagram").first();
    const svg = fig.locator(".dsnb-diagram-body svg").first();
    const width = () => svg.evaluate((el) => Number(el.getAttribute("width")));
    const natural = await svg.evaluate((el) => Number(el.getAttribute("viewBox")!.split(/[\s,]+/)[2]));
    assert.equal(await width(), Math.round(natural));
    await fig.locator(".dsnb-zoom-in").click();
    assert.equal(await width(), Math.round(natural * 1.25), "the zoom control works offline");
    assert.equal(await fig.locator(".dsnb-zoom-level").textContent(), "125%");
    assert.deepEqual(blocked, [], "still nothing from the network");
    assert.deepEqual(errors, [], "no script errors (the policy let the controls run)");
    await live.close();
  });
}

test("an exported lesson steps through its runs and turns its knobs offline", { timeout: 120_000 }, async () => {
  const out = join(mkdtempSync(join(tmpdir(), "dsnb-export-")), "page.html");
  execFileSync(process.execPath, [join(root, "bin", "dsnb.js"), "export", join(root, "samples", "cache-aside-race.dsnb"), "--to", "html", "-o", out], {
    cwd: root,
    stdio: "pipe",
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const requests: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) requests.push(r.url());
  });
  await page.goto(`file://${out}`);
  const cell = page.locator(".dsnb-export-output:not([hidden]):has(.dsnb-cell-id:text-is('cell classic-race'))");
  const explorer = cell.locator(".dsnb-explorer");
  await explorer.press("Home");
  await explorer.press("ArrowRight");
  await explorer.press("ArrowRight");
  assert.match((await cell.locator(".dsnb-step-label").textContent()) ?? "", /Step 2 of 6 · t=2 ms · reader: read k from the database: v1/);
  const marks = await cell
    .locator("svg text.messageText")
    .evaluateAll((ts) => ts.map((t) => (t.classList.contains("dsnb-step-current") ? "C" : t.classList.contains("dsnb-step-future") ? "f" : "-")).join(""));
  assert.equal(marks, "--CCffffffff");
  await cell.locator(".dsnb-show-step").first().click();
  assert.match((await cell.locator(".dsnb-step-label").textContent()) ?? "", /blamed by stale-entry/);
  assert.match((await cell.locator(".dsnb-title").textContent()) ?? "", /^update-then-delete: stale data/);
  await cell.locator("[data-key='strategy'] .dsnb-knob-control").evaluate((select) => {
    (select as HTMLElement & { value: string }).value = "lease";
    select.dispatchEvent(new Event("change"));
  });
  const shown = page.locator(".dsnb-export-output:not([hidden]):has(.dsnb-cell-id:text-is('cell classic-race'))");
  assert.equal(await shown.count(), 1);
  assert.match((await shown.locator(".dsnb-title").textContent()) ?? "", /^lease: no stale data/, "the page shows the lease combination");
  assert.ok(await shown.locator(".dsnb-verdict-valid").isVisible());
  await page.screenshot({ path: join(root, "test-results", "e2e", "export-knob-lease.png") });
  assert.deepEqual(requests, [], "nothing from the network");
  await context.close();
});
