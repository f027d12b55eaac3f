// The export page script: draws every result of an exported notebook into its placeholder with
// the same view as the notebook renderer, then removes itself and the buttons that need a script,
// leaving a page of static SVG. Run by headless Chromium (dsnb export) or a VS Code webview.
import mermaid from "mermaid";
import { isRunOutput } from "../src/protocol/output";
import { RunView } from "./render";
import { mermaidConfig } from "./theme";

async function drawAll(): Promise<{ diagrams: number; errors: number }> {
  const data = document.getElementById("dsnb-outputs");
  const outputs: unknown[] = data ? JSON.parse(data.textContent ?? "[]") : [];
  const deps = { mermaid, mermaidConfig: () => mermaidConfig(document.body) };
  for (const slot of document.querySelectorAll<HTMLElement>(".dsnb-export-output")) {
    const out = outputs[Number(slot.dataset.output)];
    if (isRunOutput(out)) await new RunView(slot, out, deps).render();
  }
  document.querySelectorAll(".dsnb-copy").forEach((b) => b.remove());
  document.querySelectorAll("script").forEach((s) => s.remove());
  return { diagrams: document.querySelectorAll(".dsnb-diagram-body svg").length, errors: document.querySelectorAll(".dsnb-diagram .dsnb-error, .dsnb-chart .dsnb-error").length };
}

(window as unknown as { dsnbDrawAll: typeof drawAll }).dsnbDrawAll = drawAll;

// Inside a VS Code webview: draw at once; when exporting, send the finished page back.
declare const acquireVsCodeApi: undefined | (() => { postMessage(message: unknown): void });
if (typeof acquireVsCodeApi === "function") {
  const api = acquireVsCodeApi();
  const mode = document.body.dataset.mode;
  void drawAll().then((counts) => {
    if (mode === "export") api.postMessage({ type: "exported", html: document.documentElement.outerHTML, ...counts });
  });
}
