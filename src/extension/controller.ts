// Runs scenario cells: one execution per cell, in order, in a worker thread; progress shows in the
// cell and the status bar; cancelling stops the worker at once. No failure escapes to the host.
import * as vscode from "vscode";
import { CancelledError, errorMessage } from "../core/errors";
import { parseInfo } from "../notebook/format";
import { RUN_MIME, type RunOutput } from "../protocol/output";
import { toMarkdown, toPlainText } from "../present/markdown";
import { simulators, languageIdFor } from "../engine/registry";
import { cellRequest, type CellError } from "../engine/pipeline";
import { cellMeta, infoFor } from "./cells";
import { CellRunner } from "./runner";
import { lessonText } from "./lessons";
import { registerSeedCommands } from "./seeds";
import { NOTEBOOK_TYPE } from "./serializer";
import { host } from "./host";

/** Progress shows only for runs longer than this, so quick cells do not flicker. */
const PROGRESS_DELAY_MS = 250;

let runs = 0;

/** Names each output, so the renderer's messages say which output (and so which cell) they are about. */
export const RUN_ID_KEY = "dsnbRunId";

/** Cells whose run has started and not ended (by their document URI). */
const running = new Set<string>();

/** Whether the cell is running now: a knob turned meanwhile cancels that run, which is out of date. */
export function isRunning(cell: vscode.NotebookCell): boolean {
  return running.has(cell.document.uri.toString());
}

export function outputFor(run: RunOutput, durationMs: number): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput(
    [
      vscode.NotebookCellOutputItem.json(run, RUN_MIME),
      vscode.NotebookCellOutputItem.text(toMarkdown(run), "text/markdown"),
      vscode.NotebookCellOutputItem.text(toPlainText(run), "text/plain"),
    ],
    { durationMs: Math.round(durationMs), seed: run.seed, [RUN_ID_KEY]: `${Date.now().toString(36)}-${++runs}` },
  );
}

export function errorOutputFor(error: CellError): vscode.NotebookCellOutput {
  const err = new Error(error.message);
  err.name = "Scenario error";
  err.stack = ""; // the message says where; a stack trace would only confuse
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error(err)]);
}

export class DsnbController implements vscode.Disposable {
  private readonly controller: vscode.NotebookController;
  private order = 0;

  constructor(private readonly runner: CellRunner) {
    this.controller = vscode.notebooks.createNotebookController("dsnb.simulator", NOTEBOOK_TYPE, "dsnb simulator");
    this.controller.supportedLanguages = simulators.map((s) => languageIdFor(s.id));
    this.controller.supportsExecutionOrder = true;
    this.controller.description = "Runs scenario cells deterministically from their seed";
    this.controller.executeHandler = (cells) => this.execute(cells);
    this.controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => {
      if (selected) this.associated.add(notebook.uri.toString());
      else this.associated.delete(notebook.uri.toString());
    });
    // dsnb notebooks have one natural controller: prefer it, so VS Code selects it without asking.
    const prefer = (nb: vscode.NotebookDocument) => {
      if (nb.notebookType === NOTEBOOK_TYPE) this.controller.updateNotebookAffinity(nb, vscode.NotebookControllerAffinity.Preferred);
    };
    vscode.workspace.notebookDocuments.forEach(prefer);
    this.subscriptions.push(vscode.workspace.onDidOpenNotebookDocument(prefer));
  }

  private readonly subscriptions: vscode.Disposable[] = [];

  /** Whether VS Code has associated this controller with the notebook (it is the selected kernel). */
  private readonly associated = new Set<string>();

  /**
   * Run the scenario cells of a notebook from our own command. VS Code's Run All asks for workspace
   * trust before any notebook runs; scenario cells are data, so this path also works in Restricted Mode.
   */
  async runAll(notebook: vscode.NotebookDocument): Promise<void> {
    const languages = new Set(this.controller.supportedLanguages);
    await this.runCells(notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code && languages.has(c.document.languageId)));
  }

  /**
   * Run cells of one notebook directly (selecting this controller first if needed). With `seed`, each
   * cell runs once with that seed instead of its own, and the file is not touched: the seed goes to
   * this execution only, and the next run of the cell uses the cell's seed again.
   */
  async runCells(cells: readonly vscode.NotebookCell[], seed?: number): Promise<void> {
    const notebook = cells[0]?.notebook;
    if (!notebook) return;
    if (!this.associated.has(notebook.uri.toString())) {
      const editor = vscode.window.visibleNotebookEditors.find((e) => e.notebook === notebook) ?? vscode.window.activeNotebookEditor;
      await vscode.commands.executeCommand("notebook.selectKernel", { notebookEditor: editor, id: this.controller.id, extension: EXTENSION_ID });
    }
    await this.execute(cells, seed);
  }

  private async execute(cells: readonly vscode.NotebookCell[], seed?: number): Promise<void> {
    // Create every execution first so queued cells show as pending, then run them one by one.
    const executions = cells.map((cell) => this.controller.createNotebookCellExecution(cell));
    for (const execution of executions) {
      await this.runOne(execution, seed).catch((err) => {
        // Never let a failure reach the extension host: show it in the cell.
        void execution.replaceOutput(errorOutputFor({ message: `Unexpected failure: ${errorMessage(err)}`, diagnostics: [] }));
        execution.end(false, Date.now());
      });
    }
  }

  private async runOne(execution: vscode.NotebookCellExecution, seed?: number): Promise<void> {
    const cell = execution.cell;
    running.add(cell.document.uri.toString());
    try {
      await this.runExecution(execution, seed);
    } finally {
      running.delete(cell.document.uri.toString());
    }
  }

  private async runExecution(execution: vscode.NotebookCellExecution, seed?: number): Promise<void> {
    const cell = execution.cell;
    execution.executionOrder = ++this.order;
    execution.start(Date.now());
    if (execution.token.isCancellationRequested) {
      execution.end(undefined, Date.now());
      return;
    }
    const info = parseInfo(infoFor(cell.document.languageId, cellMeta(cell.metadata)) ?? "");
    const lesson = lessonText(cell);
    const request = {
      ...cellRequest(info, cell.document.getText(), notebookFolder(cell.notebook), seed),
      ...(lesson !== undefined ? { lessonSource: lesson } : {}),
    };
    const started = Date.now();
    let shown = 0;
    const progress = (fraction: number, message?: string) => {
      const now = Date.now();
      if (now - started < PROGRESS_DELAY_MS || now - shown < 200) return;
      shown = now;
      const pct = Math.round(Math.min(Math.max(fraction, 0), 1) * 100);
      void execution.replaceOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(`Running… ${pct}%${message ? ` (${message})` : ""}`)]));
    };
    try {
      const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `dsnb: running ${info.simulator || "cell"}` }, () =>
        this.runner.run(request, execution.token, progress),
      );
      if (report.result.ok) {
        await execution.replaceOutput(outputFor(report.result.output, report.durationMs));
        execution.end(true, Date.now());
      } else {
        await execution.replaceOutput(errorOutputFor(report.result.error));
        execution.end(false, Date.now());
      }
    } catch (err) {
      if (err instanceof CancelledError) {
        await execution.clearOutput();
        execution.end(undefined, Date.now());
        return;
      }
      throw err;
    }
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.controller.dispose();
  }
}

export const EXTENSION_ID = "dsnb.dsnb";

export function registerController(runner: CellRunner): vscode.Disposable {
  const controller = new DsnbController(runner);
  const runAll = vscode.commands.registerCommand("dsnb.runAll", async () => {
    const editor = vscode.window.activeNotebookEditor;
    if (!editor || editor.notebook.notebookType !== NOTEBOOK_TYPE) {
      void vscode.window.showInformationMessage("Open a system design notebook (.dsnb) to run its scenario cells.");
      return;
    }
    await controller.runAll(editor.notebook);
  });
  return vscode.Disposable.from(controller, runAll, registerSeedCommands(controller));
}

/**
 * The folder a notebook's cells may read files from: the notebook's own folder when it is saved on
 * disk, or for an untitled copy of a sample lesson, the samples folder it was copied from.
 */
export function notebookFolder(notebook: vscode.NotebookDocument): string | undefined {
  if (!notebook.isUntitled) return host().folderOf(vscode.Uri.joinPath(notebook.uri, ".."));
  const sample = notebook.metadata?.[SAMPLE_FOLDER_KEY];
  return notebook.isUntitled && typeof sample === "string" ? sample : undefined;
}

/** Notebook metadata naming the folder an untitled sample copy came from (never written to a file). */
export const SAMPLE_FOLDER_KEY = "dsnbSampleFolder";
