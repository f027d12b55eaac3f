// The page script of exports and panels: draws every result of the page into its placeholder with
// the same view as the notebook renderer. "export" pages (dsnb export, the VS Code export command)
// then lose this script and keep static SVG; "view" (one output) and "diagram" (one diagram, full
// size) panels stay live in VS Code and redraw when the theme changes.
import mermaid from "mermaid";
import "@vscode-elements/elements/dist/vscode-button/index.js";
import { isRunOutput } from "../src/protocol/output";
import { RunView } from "./render";
import { mermaidConfig, watchTheme } from "./theme";
import { pageData, PAGE_DATA_ID } from "./page-data";

async function drawAll(): Promise<{ diagrams: number; errors: number; views: RunView[] }> {
  const data = document.getElementById("dsnb-outputs");
  const outputs: unknown[] = data ? JSON.parse(data.textContent ?? "[]") : [];
  const deps = { mermaid, mermaidConfig: () => mermaidConfig(document.body) };
  const diagramsOnly = document.body.dataset.mode === "diagram";
  const views: RunView[] = [];
  for (const slot of document.querySelectorAll<HTMLElement>(".dsnb-export-output")) {
    const out = outputs[Number(slot.dataset.output)];
    if (!isRunOutput(out)) continue;
    const view = new RunView(slot, out, { ...deps, knobsInPage: slot.parentElement?.classList.contains("dsnb-variants") ?? false });
    await view.render(diagramsOnly);
    views.push(view);
  }
  const shown = ".dsnb-export-output:not([hidden])";
  return {
    diagrams: document.querySelectorAll(`${shown} .dsnb-diagram-body svg`).length,
    errors: document.querySelectorAll(".dsnb-diagram .dsnb-error, .dsnb-chart .dsnb-error").length,
    views,
  };
}

/** For `dsnb export`: draw, then leave static SVG only (the page keeps no script). */
/**
 * For `dsnb export`: draw, then leave static SVG plus what the page's one script needs (each
 * output's timeline and its diagram's line kinds, as JSON data that never runs).
 */
async function drawForExport(): Promise<{ diagrams: number; errors: number }> {
  const data = document.getElementById("dsnb-outputs");
  const outputs: unknown[] = data ? JSON.parse(data.textContent ?? "[]") : [];
  const { diagrams, errors } = await drawAll();
  document.querySelectorAll(".dsnb-copy").forEach((b) => b.remove());
  document.querySelectorAll("script").forEach((s) => s.remove());
  const kept = document.createElement("script");
  kept.type = "application/json";
  kept.id = PAGE_DATA_ID;
  kept.textContent = JSON.stringify(outputs.map(pageData)).replace(/</g, "\\u003c");
  document.body.append(kept);
  return { diagrams, errors };
}

(window as unknown as { dsnbDrawAll: typeof drawForExport }).dsnbDrawAll = drawForExport;

// Inside a VS Code webview: draw at once; when exporting, send the finished page back.
declare const acquireVsCodeApi: undefined | (() => { postMessage(message: unknown): void });
if (typeof acquireVsCodeApi === "function") {
  const api = acquireVsCodeApi();
  if (document.body.dataset.mode === "export") {
    void drawForExport().then((counts) => api.postMessage({ type: "exported", html: document.documentElement.outerHTML, ...counts }));
  } else {
    void drawAll().then(({ views }) => watchTheme(document.body, () => views.forEach((v) => void v.redraw())));
  }
}
