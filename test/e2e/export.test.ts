// HTML export: every sample becomes one self-contained page whose diagrams and charts are already
// SVG. The page is opened from disk in headless Chromium with the network refused and scripts off.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { chromium, type Browser } from "playwright-core";
import { ensureTools } from "../../scripts/tools.mjs";
import { readNotebook, runAllCells } from "../../src/cli/export";

const root = resolve(import.meta.dirname, "../..");
const samples = readdirSync(join(root, "samples")).filter((f) => f.endsWith(".dsnb")).sort();
let browser: Browser;

before(async () => {
  ensureTools();
  execFileSync(process.execPath, ["esbuild.mjs"], { cwd: root });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
});
after(async () => browser?.close());

for (const sample of samples) {
  test(`${sample} exports to an HTML page with every diagram drawn`, { timeout: 120_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), "dsnb-export-")), "page.html");
    execFileSync(process.execPath, [join(root, "bin", "dsnb.js"), "export", join(root, "samples", sample), "--to", "html", "-o", out], { cwd: root, stdio: "pipe" });
    const html = readFileSync(out, "utf8");
    assert.doesNotMatch(html, /<script/i, "no script left in the page");
    const nb = readNotebook(new Uint8Array(readFileSync(join(root, "samples", sample))));
    const outcomes = runAllCells(nb, join(root, "samples"));
    const expected = outcomes.reduce((n, o) => n + (o && "output" in o ? o.output.diagrams.length : 0), 0);
    const charts = outcomes.reduce((n, o) => n + (o && "output" in o ? o.output.charts.length : 0), 0);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on("request", (r) => { if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) requests.push(r.url()); });
    await page.goto(`file://${out}`);
    assert.equal(await page.locator(".dsnb-diagram-body svg").count(), expected, "every diagram is an SVG");
    assert.equal(await page.locator(".dsnb-chart-body svg").count() >= charts, true, "every chart is an SVG");
    assert.equal(await page.locator(".dsnb-diagram .dsnb-error").count(), 0);
    assert.ok(await page.locator(".dsnb-diagram-body svg text").first().isVisible());
    assert.deepEqual(requests, [], "the page loads nothing from the network");
    await page.screenshot({ path: join(root, "test-results", "e2e", `export-${sample}.png`), fullPage: false });
    await context.close();
  });
}
