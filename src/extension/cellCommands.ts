// Commands that act on cells: insert a scenario cell from a simulator's example, re-run a cell with
// a new seed (written into the cell's attributes, so the run can be replayed), copy a diagram's
// Mermaid text.
import * as vscode from "vscode";
import { withAttribute } from "../notebook/format";
import { MAX_SEED } from "../core/rng";
import { RUN_MIME, isRunOutput, type RunOutput } from "../protocol/output";
import { languageIdFor, simulatorForLanguage, simulators } from "../sims/registry";
import { cellMeta, infoFor } from "./cells";
import { NOTEBOOK_TYPE } from "./serializer";

function activeCell(arg: unknown): vscode.NotebookCell | undefined {
  if (arg && typeof arg === "object" && "notebook" in arg && "document" in arg) return arg as vscode.NotebookCell;
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
  const items = simulators.flatMap((sim) => sim.examples.map((ex) => ({ label: sim.title, description: ex.name, detail: `${sim.description} ${ex.description}`, sim, ex })));
  const pick = await vscode.window.showQuickPick(items, { title: "Insert scenario cell", placeHolder: "Choose a simulator and a starting example", matchOnDescription: true, matchOnDetail: true });
  if (!pick) return;
  const at = Math.min(editor.selection.end, editor.notebook.cellCount);
  const cell = new vscode.NotebookCellData(vscode.NotebookCellKind.Code, pick.ex.body.trimEnd(), languageIdFor(pick.sim.id));
  const edit = new vscode.WorkspaceEdit();
  edit.set(editor.notebook.uri, [vscode.NotebookEdit.insertCells(at, [cell])]);
  await vscode.workspace.applyEdit(edit);
  editor.selection = new vscode.NotebookRange(at, at + 1);
  editor.revealRange(editor.selection);
}

async function rerunWithNewSeed(arg: unknown): Promise<void> {
  const cell = activeCell(arg);
  if (!cell || !simulatorForLanguage(cell.document.languageId)) {
    void vscode.window.showInformationMessage("Select a scenario cell to re-run it with a new seed.");
    return;
  }
  const meta = cellMeta(cell.metadata);
  const seed = Math.floor(Math.random() * MAX_SEED); // the extension host, not a simulation: any seed will do
  const info = withAttribute(infoFor(cell.document.languageId, meta) ?? "", "seed", String(seed));
  const edit = new vscode.WorkspaceEdit();
  edit.set(cell.notebook.uri, [vscode.NotebookEdit.updateCellMetadata(cell.index, { ...cell.metadata, dsnb: { ...meta, info } })]);
  await vscode.workspace.applyEdit(edit);
  await vscode.commands.executeCommand("notebook.cell.execute", { ranges: [{ start: cell.index, end: cell.index + 1 }], document: cell.notebook.uri });
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
  const diagram = run.diagrams.length === 1 ? run.diagrams[0] : (await vscode.window.showQuickPick(run.diagrams.map((d) => ({ label: d.title, d })), { title: "Copy which diagram?" }))?.d;
  if (!diagram) return;
  await vscode.env.clipboard.writeText(diagram.mermaid);
  void vscode.window.setStatusBarMessage(`Copied "${diagram.title}" as Mermaid`, 3000);
}

export function registerCellCommands(): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand("dsnb.insertScenarioCell", insertScenarioCell),
    vscode.commands.registerCommand("dsnb.rerunWithNewSeed", rerunWithNewSeed),
    vscode.commands.registerCommand("dsnb.copyMermaid", copyMermaid),
  );
}
