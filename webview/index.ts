// The dsnb notebook renderer: draws run outputs (application/vnd.dsnb.run.v2+json) in the
// notebook's output webview. Mermaid and Observable Plot are bundled (Mermaid in chunks beside this
// file, loaded when the first diagram is drawn); nothing loads from a CDN.
import type { ActivationFunction, OutputItem } from "vscode-notebook-renderer";
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "@vscode-elements/elements/dist/vscode-textfield/index.js";
import "@vscode-elements/elements/dist/vscode-checkbox/index.js";
import css from "../media/renderer.css";
import { RUN_MIME, RUN_OUTPUT_VERSION, isRunOutput } from "../src/protocol/output";
import type { RendererMessage } from "../src/protocol/messages";
import { RunView, renderError, type MermaidApi, type RenderDeps } from "./render";
import { actionsFor } from "./actions";

export { actionsFor };
import { mermaidConfig, watchTheme } from "./theme";

type Handler = (item: OutputItem, element: HTMLElement, deps: RenderDeps) => Promise<RunView | undefined>;

async function renderRun(item: OutputItem, element: HTMLElement, deps: RenderDeps): Promise<RunView | undefined> {
  let value: unknown;
  try {
    value = item.json();
  } catch (err) {
    renderError(element, "This output could not be read.", `It is not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
  if (!isRunOutput(value)) {
    const version = typeof value === "object" && value !== null ? (value as { version?: unknown }).version : undefined;
    const why =
      version !== undefined && version !== RUN_OUTPUT_VERSION
        ? `It was written by a dsnb with output format version ${String(version)}; this one reads version ${RUN_OUTPUT_VERSION}. Run the cell again.`
        : "It does not have the fields of a dsnb run. Run the cell again.";
    renderError(element, "This output could not be shown.", why);
    return undefined;
  }
  const view = new RunView(element, value, deps);
  await view.render();
  return view;
}

/** Renderers by mime type: one entry per output kind we draw. */
/** Outputs of the first format still in an open notebook reach renderRun too, which asks for a new run. */
const handlers: Record<string, Handler> = { [RUN_MIME]: renderRun, "application/vnd.dsnb.run.v1+json": renderRun };

function ensureStyle(doc: Document): void {
  if (doc.getElementById("dsnb-renderer-style")) return;
  const style = doc.createElement("style");
  style.id = "dsnb-renderer-style";
  style.textContent = css;
  doc.head.append(style);
}

export const activate: ActivationFunction = (context) => {
  const views = new Map<string, RunView>();
  const post = context.postMessage ? (m: RendererMessage) => context.postMessage!(m) : undefined;
  // Mermaid is most of the renderer's weight: it loads (a chunk beside renderer.js) when the first
  // diagram is drawn, so an output's summary shows before it.
  let mermaid: Promise<MermaidApi> | undefined;
  const loadMermaid = () => (mermaid ??= import("mermaid").then((m) => m.default));
  const base = { mermaid: loadMermaid, mermaidConfig: () => mermaidConfig(document.body) };
  watchTheme(document.body, () => {
    for (const view of views.values()) void view.redraw();
  });
  return {
    async renderOutputItem(item, element) {
      ensureStyle(element.ownerDocument);
      views.get(item.id)?.dispose();
      views.delete(item.id);
      element.replaceChildren();
      const handler = handlers[item.mime];
      if (!handler) {
        renderError(element, "dsnb cannot draw this output.", `Unknown output type ${item.mime}.`);
        return;
      }
      try {
        // The extension names each output in its metadata (dsnbRunId); messages carry that name.
        const runId = (item.metadata as Record<string, unknown> | undefined)?.dsnbRunId;
        const deps: RenderDeps = { ...base, ...(post && typeof runId === "string" ? { actions: actionsFor(runId, post) } : {}) };
        const view = await handler(item, element, deps);
        if (view) views.set(item.id, view);
      } catch (err) {
        renderError(element, "This output could not be shown.", (err as Error).message ?? String(err));
      }
    },
    disposeOutputItem(id) {
      if (id === undefined) {
        for (const view of views.values()) view.dispose();
        views.clear();
        return;
      }
      views.get(id)?.dispose();
      views.delete(id);
    },
  };
};
