// What the renderer's buttons ask of the extension: open a diagram full size, run a cell with a new
// seed or its own, pin a seed, replay an exploration's run in a new cell, open a finding's entry in
// the reference. Messages name their output by id; the cell and its run are looked up here, so a
// renderer cannot make us act on anything but the output it drew. One handler per message type.
import * as vscode from "vscode";
import { isRendererMessage, type RendererMessage, type RendererMessages, type RendererMessageType } from "../protocol/messages";
import type { RunOutput } from "../protocol/output";
import { replaySource, setOption } from "../scenario/edit";
import { lessonText } from "./lessons";
import { formatInfo, parseInfo } from "../notebook/format";
import { languageIdFor } from "../engine/registry";
import { runOutputOf } from "./cellCommands";
import { cellMeta, infoFor } from "./cells";
import { isRunning, RUN_ID_KEY } from "./controller";
import { openDiagramPanel, openOutputPanel } from "./export";

export const RENDERER_ID = "dsnb.renderer";

interface Target {
  readonly cell: vscode.NotebookCell;
  readonly output: RunOutput;
}

function findTarget(notebook: vscode.NotebookDocument, outputId: string): Target | undefined {
  for (const cell of notebook.getCells()) {
    if (!cell.outputs.some((o) => o.metadata?.[RUN_ID_KEY] === outputId)) continue;
    const output = runOutputOf(cell);
    return output ? { cell, output } : undefined;
  }
  return undefined;
}

function execute(cell: vscode.NotebookCell): Thenable<unknown> {
  return vscode.commands.executeCommand("notebook.cell.execute", { ranges: [{ start: cell.index, end: cell.index + 1 }], document: cell.notebook.uri });
}

/** The info string of a replaying cell: same simulator, the run's seed if it has one, a derived id if the cell had one. */
export function replayInfo(info: string, seed: number | undefined): string {
  const { simulator, attributes } = parseInfo(info);
  const { id, ...rest } = attributes;
  return formatInfo(simulator, { ...(id !== undefined ? { id: `${id}-replay` } : {}), ...rest, ...(seed !== undefined ? { seed: String(seed) } : {}) });
}

async function replay({ cell, output }: Target, finding: number): Promise<void> {
  const r = output.verdict.findings[finding]?.replay;
  if (!r) return;
  let source: string;
  try {
    source = replaySource(cell.document.getText(), r);
  } catch (err) {
    void vscode.window.showWarningMessage((err as Error).message);
    return;
  }
  const data = new vscode.NotebookCellData(vscode.NotebookCellKind.Code, source.trimEnd(), languageIdFor(output.simulator));
  data.metadata = { dsnb: { info: replayInfo(infoFor(cell.document.languageId, cellMeta(cell.metadata)) ?? output.simulator, r.seed) } };
  const edit = new vscode.WorkspaceEdit();
  edit.set(cell.notebook.uri, [vscode.NotebookEdit.insertCells(cell.index + 1, [data])]);
  if (!(await vscode.workspace.applyEdit(edit))) return;
  const inserted = cell.notebook.cellAt(cell.index + 1);
  // Show the new cell: its output is what the learner asked to see.
  const editor = vscode.window.visibleNotebookEditors.find((e) => e.notebook === cell.notebook);
  if (editor) {
    editor.selection = new vscode.NotebookRange(inserted.index, inserted.index + 1);
    editor.revealRange(editor.selection, vscode.NotebookEditorRevealType.InCenterIfOutsideViewport);
  }
  await execute(inserted);
}

/**
 * Replaces the cell's text (an edit, so undo works and the file stays the one source of truth),
 * then runs it; a run of the cell still going is cancelled first, being out of date.
 */
async function rewriteAndRun(cell: vscode.NotebookCell, text: string): Promise<void> {
  if (text !== cell.document.getText()) {
    const edit = new vscode.WorkspaceEdit();
    edit.replace(cell.document.uri, new vscode.Range(cell.document.positionAt(0), cell.document.positionAt(cell.document.getText().length)), text);
    if (!(await vscode.workspace.applyEdit(edit))) return;
  }
  if (isRunning(cell)) {
    await vscode.commands.executeCommand("notebook.cell.cancelExecution", {
      ranges: [{ start: cell.index, end: cell.index + 1 }],
      document: cell.notebook.uri,
    });
    // The cancelled run ends as its worker stops (at once); a cell still running would not start again.
    for (let i = 0; i < 40 && isRunning(cell); i++) await new Promise((r) => setTimeout(r, 50));
  }
  await execute(cell);
}

/** The reference entry of a finding code, in the docs shipped with the extension. */
async function openFinding(extensionUri: vscode.Uri, code: string): Promise<void> {
  const uri = vscode.Uri.joinPath(extensionUri, "docs", "findings.md");
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const line = text.split("\n").findIndex((l) => l.trim() === `### ${code}`);
  await vscode.commands.executeCommand("markdown.showPreview", uri.with({ fragment: line >= 0 ? code.toLowerCase() : "" }));
}

type Handlers = { [K in RendererMessageType]: (message: RendererMessages[K], target: Target) => Promise<unknown> | Thenable<unknown> };

function handlers(extensionUri: vscode.Uri): Handlers {
  return {
    openPanel: (_m, t) => openOutputPanel(extensionUri, t.cell, t.output),
    openDiagram: (m, t) => openDiagramPanel(extensionUri, t.output, m.diagramId),
    newSeed: (_m, t) => vscode.commands.executeCommand("dsnb.rerunWithNewSeed", t.cell),
    pinSeed: (_m, t) => vscode.commands.executeCommand("dsnb.pinSeed", t.cell),
    runCellSeed: (_m, t) => execute(t.cell),
    replay: (m, t) => replay(t, m.finding),
    openFinding: (m) => openFinding(extensionUri, m.code),
    setKnob: (m, t) => rewriteAndRun(t.cell, setOption(t.cell.document.getText(), m.key, m.value)),
    resetLesson: (_m, t) => {
      const lesson = lessonText(t.cell);
      return lesson === undefined
        ? vscode.window.showInformationMessage("This cell was added after the lesson was opened: there is no lesson text to go back to.")
        : rewriteAndRun(t.cell, lesson);
    },
  };
}

export function registerRendererMessages(extensionUri: vscode.Uri): vscode.Disposable {
  const messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
  const table = handlers(extensionUri);
  return messaging.onDidReceiveMessage(({ editor, message }) => {
    if (!isRendererMessage(message)) return;
    const target = findTarget(editor.notebook, message.outputId);
    if (!target) {
      void vscode.window.showInformationMessage("That output is gone: run the cell again.");
      return;
    }
    const handle = table[message.type] as (m: RendererMessage, t: Target) => Promise<unknown> | Thenable<unknown>;
    void Promise.resolve(handle(message, target)).catch((err: unknown) => vscode.window.showErrorMessage(`dsnb: ${(err as Error).message ?? String(err)}`));
  });
}
