// `dsnb export`: a notebook with its results as Markdown (mermaid fences and tables, which GitHub
// renders) or as one self-contained HTML page whose diagrams and charts are already drawn as SVG.
// HTML export draws with headless Chromium (Debian's, or DSNB_CHROMIUM) through playwright-core.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { NotebookModel } from "../notebook/format";
import { cellOutcomes, readNotebook, runNotebook, withKnobVariants } from "../engine/notebook";
import { runCell } from "../engine/pipeline";
import { finishedPage, notebookToHtmlShell, notebookToMarkdown, type CellOutcome } from "../present/document";
import { folderFiles } from "../host/node/files";

/** Every cell's outcome, running the notebook here (its folder readable, for cells that read files). */
function outcomes(nb: NotebookModel, baseDir?: string): CellOutcome[] {
  return cellOutcomes(nb, runNotebook(nb, { ...(baseDir !== undefined ? { baseDir } : {}), files: folderFiles }));
}

export function exportMarkdown(bytes: Uint8Array, baseDir?: string): string {
  const nb = readNotebook(bytes);
  return notebookToMarkdown(nb, outcomes(nb, baseDir));
}

export function titleOf(nb: NotebookModel, fallback: string): string {
  const t = nb.meta.frontMatter?.data?.title;
  return typeof t === "string" ? t : fallback;
}

export function chromiumPath(): string {
  const p = process.env.DSNB_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(p))
    throw new Error(`HTML export draws the diagrams in Chromium, which was not found at ${p}. Install it (apt-get install chromium) or set DSNB_CHROMIUM.`);
  return p;
}

/** A page script bundled next to the CLI (dist/export-page.js, dist/page-controls.js). */
function bundled(name: string): string {
  const p = join(__dirname, name);
  if (!existsSync(p)) throw new Error(`${p} is missing; run \`npm run build\` first.`);
  return readFileSync(p, "utf8");
}

export async function exportHtml(bytes: Uint8Array, fallbackTitle: string, baseDir?: string): Promise<{ html: string; diagrams: number; errors: number }> {
  const nb = readNotebook(bytes);
  const css = readFileSync(join(__dirname, "..", "media", "renderer.css"), "utf8");
  const withVariants = await withKnobVariants(nb, outcomes(nb, baseDir), baseDir, (request) => runCell(request, undefined, folderFiles));
  const shell = notebookToHtmlShell(nb, withVariants, css, titleOf(nb, fallbackTitle));
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    // The page is self-contained: refuse anything it might try to fetch.
    await page.route("**/*", (route) => (route.request().url().startsWith("data:") ? route.continue() : route.abort()));
    await page.setContent(shell, { waitUntil: "load" });
    await page.addScriptTag({ content: bundled("export-page.js") });
    const counts = await page.evaluate(() => (window as unknown as { dsnbDrawAll: () => Promise<{ diagrams: number; errors: number }> }).dsnbDrawAll());
    // The finished page needs no script at all.
    const html = await finishedPage(await page.evaluate(() => document.documentElement.outerHTML), bundled("page-controls.js"));
    return { html, ...counts };
  } finally {
    await browser.close();
  }
}
