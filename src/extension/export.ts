// Export and big-view commands in VS Code: a notebook as Markdown or as a self-contained HTML page,
// and one cell's results in an editor-sized panel. Cells run in the worker, as when run by hand;
// HTML pages are drawn by the export page script in a webview and sent back finished.
import * as vscode from "vscode";
import type { NotebookModel } from "../notebook/format";
import { cellOutcomes, cellReports, reportJson, runsDocument, scenarioCells, withKnobVariants, type CellRun } from "../engine/notebook";
import { finishedPage, notebookToHtmlShell, notebookToMarkdown, type CellOutcome, type ShellOptions } from "../present/document";
import type { RunOutput } from "../protocol/output";
import { CancelledError } from "../core/errors";
import { fromNotebookData } from "./cells";
import type { CellRunner } from "./runner";
import { NOTEBOOK_TYPE } from "./serializer";
import { runOutputOf } from "./cellCommands";
import { notebookFolder } from "./controller";

function activeNotebook(): vscode.NotebookDocument | undefined {
  const nb = vscode.window.activeNotebookEditor?.notebook;
  if (nb?.notebookType === NOTEBOOK_TYPE) return nb;
  void vscode.window.showInformationMessage("Open a system design notebook (.dsnb) to export it.");
  return undefined;
}

function modelOf(nb: vscode.NotebookDocument): NotebookModel {
  const data = new vscode.NotebookData(
    nb.getCells().map((c) => {
      const d = new vscode.NotebookCellData(c.kind, c.document.getText(), c.document.languageId);
      d.metadata = c.metadata;
      return d;
    }),
  );
  data.metadata = nb.metadata;
  return fromNotebookData(data);
}

/** Runs the notebook's scenario cells in the worker, one after another, with progress; undefined when cancelled. */
async function runCells(model: NotebookModel, runner: CellRunner, title: string, baseDir: string | undefined): Promise<CellRun[] | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const cells = scenarioCells(model, baseDir);
    const runs: CellRun[] = [];
    for (const cell of cells) {
      progress.report({ increment: 100 / Math.max(1, cells.length), message: cell.info.id ?? cell.info.simulator });
      try {
        runs.push({ ...cell, result: (await runner.run(cell.request, token)).result });
      } catch (err) {
        if (err instanceof CancelledError) return undefined;
        throw err;
      }
    }
    return runs;
  });
}

async function runAll(model: NotebookModel, runner: CellRunner, title: string, baseDir: string | undefined): Promise<CellOutcome[] | undefined> {
  const runs = await runCells(model, runner, title, baseDir);
  return runs && cellOutcomes(model, runs);
}

async function saveAs(nb: vscode.NotebookDocument, ext: string, text: string): Promise<void> {
  const suggested = nb.uri.with({ path: nb.uri.path.replace(/\.dsnb$/i, "") + ext });
  const filters: Record<string, string[]> = ext === ".md" ? { Markdown: ["md"] } : ext === ".html" ? { HTML: ["html"] } : { JSON: ["json"] };
  const target = await vscode.window.showSaveDialog({ defaultUri: suggested, filters });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  const open = await vscode.window.showInformationMessage(`Exported to ${vscode.workspace.asRelativePath(target)}`, "Open");
  if (open) await vscode.commands.executeCommand("vscode.open", target);
}

function titleOf(model: NotebookModel, nb: vscode.NotebookDocument): string {
  const t = model.meta.frontMatter?.data?.title;
  return typeof t === "string" ? t : (nb.uri.path.split("/").pop() ?? "notebook");
}

type PageMode = "view" | "diagram" | "export";

/**
 * A webview that draws a page shell with the export page script. "export" draws a standalone light
 * page and returns it finished; "view" and "diagram" stay open in VS Code's own theme.
 */
export async function drawnPage(extensionUri: vscode.Uri, title: string, makeShell: (o: ShellOptions) => string, mode: PageMode): Promise<string | undefined> {
  const dist = vscode.Uri.joinPath(extensionUri, "dist");
  const panel = vscode.window.createWebviewPanel(
    "dsnb.output",
    title,
    { viewColumn: vscode.ViewColumn.Beside, preserveFocus: mode === "export" },
    { enableScripts: true, localResourceRoots: [dist], retainContextWhenHidden: mode !== "export" },
  );
  const script = panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, "export-page.js")).toString();
  panel.webview.html = makeShell({ scriptSrc: panel.webview.cspSource, scripts: [script], mode, inWebview: mode !== "export" });
  if (mode !== "export") return undefined;
  const html = await new Promise<string | undefined>((resolve) => {
    const sub = panel.webview.onDidReceiveMessage((m: { type?: string; html?: string }) => {
      if (m.type === "exported") {
        sub.dispose();
        resolve(m.html);
      }
    });
    panel.onDidDispose(() => resolve(undefined));
  });
  panel.dispose();
  if (html === undefined) return undefined;
  const controls = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dist, "page-controls.js")));
  return finishedPage(html, controls);
}

/** A notebook of one scenario cell with its output, for the panels. */
function singleCell(source: string, output: RunOutput): NotebookModel {
  return { cells: [{ kind: "scenario", value: source, info: output.simulator }], meta: { bom: false, eol: "\n", trailing: "", problems: [] } };
}

/** One cell's results in an editor-sized panel, drawn by the same view as the notebook's outputs. */
export async function openOutputPanel(extensionUri: vscode.Uri, cell: vscode.NotebookCell, output: RunOutput): Promise<void> {
  const css = await pageCss(extensionUri);
  await drawnPage(
    extensionUri,
    output.title,
    (o) => notebookToHtmlShell(singleCell(cell.document.getText(), output), [{ output }], css, output.title, o),
    "view",
  );
}

/** One diagram of a run, full size, in its own panel. */
export async function openDiagramPanel(extensionUri: vscode.Uri, output: RunOutput, diagramId: string): Promise<void> {
  const diagram = output.diagrams.find((d) => d.id === diagramId);
  if (!diagram) return;
  const css = await pageCss(extensionUri);
  const only: RunOutput = { ...output, diagrams: [diagram] };
  await drawnPage(extensionUri, diagram.title, (o) => notebookToHtmlShell(singleCell("", only), [{ output: only }], css, diagram.title, o), "diagram");
}

async function pageCss(extensionUri: vscode.Uri): Promise<string> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, "media", "renderer.css"));
  return new TextDecoder().decode(bytes);
}

export function registerExport(extensionUri: vscode.Uri, runner: CellRunner): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand("dsnb.exportMarkdown", async () => {
      const nb = activeNotebook();
      if (!nb) return;
      const model = modelOf(nb);
      const outcomes = await runAll(model, runner, "dsnb: running cells for the Markdown export", notebookFolder(nb));
      if (outcomes) await saveAs(nb, ".md", notebookToMarkdown(model, outcomes));
    }),
    vscode.commands.registerCommand("dsnb.exportJson", async () => {
      const nb = activeNotebook();
      if (!nb) return;
      const runs = await runCells(modelOf(nb), runner, "dsnb: running cells for the JSON export", notebookFolder(nb));
      const name = nb.uri.path.split("/").pop() ?? "notebook.dsnb";
      if (runs) await saveAs(nb, ".runs.json", runsDocument(cellReports(name, runs).map(reportJson)));
    }),
    vscode.commands.registerCommand("dsnb.exportHtml", async () => {
      const nb = activeNotebook();
      if (!nb) return;
      const model = modelOf(nb);
      const outcomes = await runAll(model, runner, "dsnb: running cells for the HTML export", notebookFolder(nb));
      if (!outcomes) return;
      const variants = await withKnobVariants(
        model,
        outcomes,
        notebookFolder(nb),
        async (request) => (await runner.run(request, new vscode.CancellationTokenSource().token)).result,
      );
      const css = await pageCss(extensionUri);
      const title = titleOf(model, nb);
      const html = await drawnPage(extensionUri, `Exporting ${title}…`, (o) => notebookToHtmlShell(model, variants, css, title, o), "export");
      if (html) await saveAs(nb, ".html", html);
    }),
    vscode.commands.registerCommand("dsnb.openOutputInPanel", async (arg: unknown) => {
      const cell =
        arg && typeof arg === "object" && "notebook" in arg
          ? (arg as vscode.NotebookCell)
          : vscode.window.activeNotebookEditor?.notebook.cellAt(vscode.window.activeNotebookEditor.selection.start);
      const output = cell && runOutputOf(cell);
      if (!cell || !output) {
        void vscode.window.showInformationMessage("Run a scenario cell first: there is no output to open.");
        return;
      }
      await openOutputPanel(extensionUri, cell, output);
    }),
  );
}
