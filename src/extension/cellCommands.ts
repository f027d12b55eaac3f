// Commands that act on cells: insert a scenario cell from a simulator's example, copy a diagram's
// Mermaid text. The seed commands are in seeds.ts.
import * as vscode from "vscode";
import { RUN_MIME, isRunOutput, type RunOutput } from "../protocol/output";
import { languageIdFor, simulators } from "../engine/registry";
import { NOTEBOOK_TYPE } from "./serializer";

function isNotebookCell(arg: unknown): arg is vscode.NotebookCell {
  return typeof arg === "object" && arg !== null && "notebook" in arg && "document" in arg && "index" in arg;
}

/** The cell with this document URI (a cell's `document.uri`), in any open notebook. */
function cellByUri(uri: string): vscode.NotebookCell | undefined {
  for (const notebook of vscode.workspace.notebookDocuments) {
    const cell = notebook.getCells().find((c) => c.document.uri.toString() === uri);
    if (cell) return cell;
  }
  return undefined;
}

/**
 * The cell a command acts on: the one it was given (a NotebookCell from a cell menu or another
 * extension's call, `{ cell }`, or the cell document's URI, as a renderer can send), else the
 * selected cell of the active dsnb notebook.
 */
export function activeCell(arg: unknown): vscode.NotebookCell | undefined {
  if (isNotebookCell(arg)) return arg;
  if (typeof arg === "object" && arg !== null && "cell" in arg && isNotebookCell(arg.cell)) return arg.cell;
  if (arg instanceof vscode.Uri || typeof arg === "string") return cellByUri(arg.toString());
  const editor = vscode.window.activeNotebookEditor;
  if (!editor || editor.notebook.notebookType !== NOTEBOOK_TYPE) return undefined;
  const index = editor.selection.start;
  return index < editor.notebook.cellCount ? editor.notebook.cellAt(index) : undefined;
}

async function insertScenarioCell(): Promise<void> {
  const editor = vscode.window.activeNotebookEditor;
  if (!editor || editor.notebook.notebookType !== NOTEBOOK_TYPE) {
    void vscode.window.showInformationMessage("Open a system design notebook (.dsnb) to insert a scenario cell.");
    return;
  }
  const items = simulators.flatMap((sim) =>
    sim.examples.map((ex) => ({ label: sim.title, description: ex.name, detail: `${sim.description} ${ex.description}`, sim, ex })),
  );
  const pick = await vscode.window.showQuickPick(items, {
    title: "Insert scenario cell",
    placeHolder: "Choose a simulator and a starting example",
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!pick) return;
  const at = Math.min(editor.selection.end, editor.notebook.cellCount);
  const cell = new vscode.NotebookCellData(vscode.NotebookCellKind.Code, pick.ex.body.trimEnd(), languageIdFor(pick.sim.id));
  const edit = new vscode.WorkspaceEdit();
  edit.set(editor.notebook.uri, [vscode.NotebookEdit.insertCells(at, [cell])]);
  await vscode.workspace.applyEdit(edit);
  editor.selection = new vscode.NotebookRange(at, at + 1);
  editor.revealRange(editor.selection);
}

export function runOutputOf(cell: vscode.NotebookCell): RunOutput | undefined {
  for (const output of cell.outputs) {
    const item = output.items.find((i) => i.mime === RUN_MIME);
    if (!item) continue;
    try {
      const value: unknown = JSON.parse(new TextDecoder().decode(item.data));
      if (isRunOutput(value)) return value;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function copyMermaid(arg: unknown): Promise<void> {
  const cell = activeCell(arg);
  const run = cell && runOutputOf(cell);
  if (!run || run.diagrams.length === 0) {
    void vscode.window.showInformationMessage("Run a scenario cell first: there is no diagram to copy.");
    return;
  }
  const diagram =
    run.diagrams.length === 1
      ? run.diagrams[0]
      : (
          await vscode.window.showQuickPick(
            run.diagrams.map((d) => ({ label: d.title, d })),
            { title: "Copy which diagram?" },
          )
        )?.d;
  if (!diagram) return;
  await vscode.env.clipboard.writeText(diagram.mermaid);
  void vscode.window.setStatusBarMessage(`Copied "${diagram.title}" as Mermaid`, 3000);
}

export function registerCellCommands(): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand("dsnb.insertScenarioCell", insertScenarioCell),
    vscode.commands.registerCommand("dsnb.copyMermaid", copyMermaid),
  );
}
