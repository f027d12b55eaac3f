// A whole notebook with its results, as Markdown or as an HTML page to be completed by the export
// page script (which draws the diagrams and charts). Shared by `dsnb export` and the VS Code command.
import MarkdownIt from "markdown-it";
import type { NotebookModel } from "../notebook/format";
import type { RunOutput } from "../protocol/output";
import { escapeMarkdown, toMarkdown } from "./markdown";

/** The same cell run with other knob values, for exported pages whose knobs still work. */
export interface KnobVariant {
  readonly values: Readonly<Record<string, string | number | boolean>>;
  readonly output: RunOutput;
}

/** One scenario cell's result: its output (and its knob variants), or the error it ended with. */
export type CellOutcome = { readonly output: RunOutput; readonly variants?: readonly KnobVariant[] } | { readonly error: string } | undefined;

function fenceFor(text: string): string {
  let longest = 2;
  for (const m of text.matchAll(/`{3,}/g)) longest = Math.max(longest, m[0].length);
  return "`".repeat(longest + 1);
}

/** Markdown that GitHub renders: prose as written, each scenario cell followed by its results. */
export function notebookToMarkdown(nb: NotebookModel, outcomes: readonly CellOutcome[]): string {
  const parts: string[] = [];
  if (nb.meta.frontMatter) parts.push(nb.meta.frontMatter.raw.trimEnd());
  nb.cells.forEach((cell, i) => {
    if (cell.kind === "markdown") {
      parts.push(cell.value);
      return;
    }
    const fence = fenceFor(cell.value);
    parts.push(`${fence}yaml\n# ${cell.info ?? ""}\n${cell.value}\n${fence}`);
    const outcome = outcomes[i];
    if (outcome && "output" in outcome) parts.push(toMarkdown(outcome.output).trimEnd());
    else if (outcome) parts.push(`> **Error:** ${escapeMarkdown(outcome.error)}`);
  });
  return parts.join("\n\n") + "\n";
}

const prose = new MarkdownIt({ html: false, linkify: false });

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that can sit inside a <script> element without ending it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * The page before its results are drawn: prose rendered from Markdown (raw HTML in the notebook is
 * shown as text), scenario cells as code, and one placeholder per result with the outputs as JSON.
 */
export interface ShellOptions {
  /** CSP source list for scripts ("'unsafe-inline'" for headless export, the webview's source in VS Code). */
  readonly scriptSrc?: string;
  /** Script URLs to load at the end of the page. */
  readonly scripts?: readonly string[];
  /**
   * Becomes data-mode on the body, read by the page script: "export" (a page to save), "view" (one
   * output in a VS Code panel) or "diagram" (one diagram, full size, in a panel).
   */
  readonly mode?: string;
  /**
   * Inside a VS Code webview: the theme (body class and --vscode-* variables) comes from VS Code,
   * so the page sets neither; a standalone page gets VS Code's light theme.
   */
  readonly inWebview?: boolean;
}

export function notebookToHtmlShell(nb: NotebookModel, outcomes: readonly CellOutcome[], css: string, title: string, options: ShellOptions = {}): string {
  const body: string[] = [];
  const outputs: RunOutput[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.kind === "markdown") {
      body.push(`<section class="prose">${prose.render(cell.value)}</section>`);
      return;
    }
    body.push(`<pre class="scenario"><code><span class="info">${escapeHtml(cell.info ?? "")}</span>\n${escapeHtml(cell.value)}</code></pre>`);
    const outcome = outcomes[i];
    if (outcome && "output" in outcome && outcome.variants?.length) {
      // One slot per knob combination; the page shows the one its knobs select.
      body.push(`<div class="dsnb-variants">`);
      outcome.variants.forEach((v, n) => {
        body.push(
          `<div class="dsnb-export-output" data-output="${outputs.length}" data-knobs="${escapeHtml(JSON.stringify(v.values))}"${n === 0 ? "" : " hidden"}></div>`,
        );
        outputs.push(v.output);
      });
      body.push(`</div>`);
    } else if (outcome && "output" in outcome) {
      body.push(`<div class="dsnb-export-output" data-output="${outputs.length}"></div>`);
      outputs.push(outcome.output);
    } else if (outcome) body.push(`<div class="dsnb-error" role="alert"><strong>This cell failed.</strong><p>${escapeHtml(outcome.error)}</p></div>`);
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ${escapeHtml(options.scriptSrc ?? "'unsafe-inline'")}">
<title>${escapeHtml(title)}</title>
<style>${options.inWebview ? "" : EXPORT_THEME_CSS}${css}${PAGE_CSS}</style>
</head>
<body${options.inWebview ? "" : ' class="vscode-light" data-dsnb-theme="light"'}${options.mode ? ` data-mode="${escapeHtml(options.mode)}"` : ""}>
<main>
${body.join("\n")}
</main>
<script type="application/json" id="dsnb-outputs">${scriptJson(outputs)}</script>
${(options.scripts ?? []).map((src) => `<script src="${escapeHtml(src)}"></script>`).join("\n")}
</body>
</html>
`;
}

/** Theme variables for pages outside VS Code (VS Code's Light Modern colours). */
const EXPORT_THEME_CSS = `
:root, body {
  --vscode-font-family: system-ui, -apple-system, "Segoe UI", Ubuntu, sans-serif; --vscode-font-size: 14px;
  --vscode-editor-font-family: ui-monospace, "Cascadia Mono", "DejaVu Sans Mono", monospace;
  --vscode-editor-foreground: #3b3b3b; --vscode-editor-background: #ffffff; --vscode-descriptionForeground: #616161;
  --vscode-textBlockQuote-background: #f8f8f8; --vscode-badge-background: #cccccc; --vscode-badge-foreground: #3b3b3b;
  --vscode-errorForeground: #c72e0f; --vscode-editorWarning-foreground: #895503; --vscode-focusBorder: #005fb8;
  --vscode-panel-border: #e5e5e5; --vscode-editorWidget-border: #c8c8c8; --vscode-inputValidation-errorBorder: #be1100;
  --vscode-testing-iconPassed: #388a34; --vscode-testing-iconFailed: #f14c4c;
  --vscode-charts-blue: #1a85ff; --vscode-charts-red: #e51400; --vscode-charts-green: #388a34; --vscode-charts-yellow: #bf8803; --vscode-charts-purple: #652d90; --vscode-charts-orange: #d18616;
  --vscode-textLink-foreground: #005fb8; --vscode-textCodeBlock-background: #f0f0f0; --vscode-textPreformat-background: #f0f0f0;
  --vscode-button-background: #005fb8; --vscode-button-foreground: #ffffff; --vscode-button-secondaryBackground: #e5e5e5; --vscode-button-secondaryForeground: #3b3b3b;
}
`;

/** Page layout, in every theme (the variables come from VS Code or from the export theme above). */
const PAGE_CSS = `
body { margin: 0; background: var(--vscode-editor-background); color: var(--vscode-editor-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); line-height: 1.5; }
main { max-width: 980px; margin: 0 auto; padding: 2em 1.5em 4em; }
pre.scenario { background: var(--vscode-textCodeBlock-background, transparent); border: 1px solid var(--vscode-panel-border); padding: 0.8em 1em; overflow-x: auto; font-family: var(--vscode-editor-font-family); font-size: 0.9em; color: var(--vscode-editor-foreground); }
pre.scenario code { background: none; padding: 0; color: inherit; font-family: inherit; white-space: pre; }
pre.scenario .info { color: var(--vscode-descriptionForeground); }
.prose code { font-family: var(--vscode-editor-font-family); background: var(--vscode-textCodeBlock-background, transparent); padding: 0 0.2em; }
.dsnb-export-output { margin: 0 0 2em; }
body[data-mode="view"] main, body[data-mode="diagram"] main { max-width: none; }
body[data-mode="diagram"] pre.scenario, body[data-mode="diagram"] .dsnb-open-full { display: none; }
vscode-button:not(:defined) { display: inline-block; padding: 1px 9px; border-radius: 2px; cursor: pointer; font-size: 13px; line-height: 22px; background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
`;

/**
 * The drawn page as saved. The drawing script is gone; the page keeps only `controls` (the zoom
 * toolbar's script, inlined), and its policy allows that one script by hash and nothing else.
 */
export async function finishedPage(outerHtml: string, controls: string): Promise<string> {
  const text = controls.replace(/<\/script/gi, "<\\/script");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const hash = btoa(String.fromCharCode(...digest));
  const script = `<script>${text}</script>`;
  const html = outerHtml.replace(/script-src [^;"]+/, `script-src 'sha256-${hash}'`).replace(/<\/body>(?![\s\S]*<\/body>)/, () => `${script}\n</body>`);
  return "<!doctype html>\n" + html;
}
