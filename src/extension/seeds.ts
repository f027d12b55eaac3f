// Seeds without surprise. A lesson's cells run from the seed their fence names (or 1), and a learner
// who only explores must not end up with a modified lesson (code-server saves automatically):
// - "Re-run with a New Seed" runs the cell once with a fresh seed and leaves the file alone; the
//   output says which seed the cell normally uses (`cellSeed`);
// - running the cell normally (its run button, Run All, "Run with the Cell's Own Seed") goes back
//   to the cell's seed;
// - "Pin This Run's Seed in the Cell" writes the output's seed into the fence, on purpose.
// See docs/format.md, "Seeds".
import * as vscode from "vscode";
import { MAX_SEED } from "../core/rng";
import { parseInfo, withAttribute } from "../notebook/format";
import { DEFAULT_SEED } from "../engine/pipeline";
import { simulatorForLanguage } from "../engine/registry";
import { activeCell, runOutputOf } from "./cellCommands";
import { cellMeta, infoFor } from "./cells";
import { NOTEBOOK_TYPE } from "./serializer";

/** What the seed commands need from the controller. */
export interface CellRunService {
  runCells(cells: readonly vscode.NotebookCell[], seed?: number): Promise<void>;
}

/** Context key: the URIs of cells whose output shows a seed that is not the cell's own. */
export const UNPINNED_SEED_CELLS = "dsnb.unpinnedSeedCells";

function scenarioCell(arg: unknown, action: string): vscode.NotebookCell | undefined {
  const cell = activeCell(arg);
  if (cell && cell.notebook.notebookType === NOTEBOOK_TYPE && simulatorForLanguage(cell.document.languageId)) return cell;
  void vscode.window.showInformationMessage(`Select a scenario cell to ${action}.`);
  return undefined;
}

/** A seed unlike the ones in play. The extension host, not a simulation: any seed will do. */
function freshSeed(avoid: ReadonlySet<number>): number {
  for (;;) {
    const seed = Math.floor(Math.random() * (MAX_SEED + 1));
    if (!avoid.has(seed)) return seed;
  }
}

async function rerunWithNewSeed(runs: CellRunService, arg: unknown): Promise<void> {
  const cell = scenarioCell(arg, "re-run it with a new seed");
  if (!cell) return;
  const own = parseInfo(infoFor(cell.document.languageId, cellMeta(cell.metadata)) ?? "").seed ?? DEFAULT_SEED;
  const avoid = new Set([own, runOutputOf(cell)?.seed ?? own]);
  await runs.runCells([cell], freshSeed(avoid));
}

async function runWithCellSeed(runs: CellRunService, arg: unknown): Promise<void> {
  const cell = scenarioCell(arg, "run it with its own seed");
  if (cell) await runs.runCells([cell]);
}

async function pinSeed(runs: CellRunService, arg: unknown): Promise<void> {
  const cell = scenarioCell(arg, "pin its seed");
  if (!cell) return;
  const run = runOutputOf(cell);
  if (!run) {
    void vscode.window.showInformationMessage("Run the cell first: there is no seed to pin.");
    return;
  }
  if (run.cellSeed === undefined) {
    void vscode.window.showInformationMessage(`This output already comes from the cell's own seed (${run.seed}).`);
    return;
  }
  const meta = cellMeta(cell.metadata);
  const info = withAttribute(infoFor(cell.document.languageId, meta) ?? "", "seed", String(run.seed));
  const edit = new vscode.WorkspaceEdit();
  edit.set(cell.notebook.uri, [vscode.NotebookEdit.updateCellMetadata(cell.index, { ...cell.metadata, dsnb: { ...meta, info } })]);
  if (!(await vscode.workspace.applyEdit(edit))) return;
  // The same seed gives the same run; running again refreshes the output, which no longer says that
  // its seed differs from the cell's.
  await runs.runCells([cell]);
}

/** Keeps UNPINNED_SEED_CELLS in step with the cells' outputs, for the cell menu's "Pin" item. */
function trackUnpinnedSeeds(): vscode.Disposable {
  const unpinned = new Set<string>();
  const publish = () => void vscode.commands.executeCommand("setContext", UNPINNED_SEED_CELLS, [...unpinned]);
  const update = (cell: vscode.NotebookCell): boolean => {
    const key = cell.document.uri.toString();
    const was = unpinned.has(key);
    if (runOutputOf(cell)?.cellSeed !== undefined) unpinned.add(key);
    else unpinned.delete(key);
    return was !== unpinned.has(key);
  };
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeNotebookDocument((e) => {
      if (e.notebook.notebookType !== NOTEBOOK_TYPE) return;
      let changed = false;
      for (const change of e.cellChanges) if (change.outputs !== undefined && update(change.cell)) changed = true;
      if (changed) publish();
    }),
    vscode.workspace.onDidCloseNotebookDocument((notebook) => {
      const before = unpinned.size;
      for (const cell of notebook.getCells()) unpinned.delete(cell.document.uri.toString());
      if (unpinned.size !== before) publish();
    }),
  );
}

export function registerSeedCommands(runs: CellRunService): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand("dsnb.rerunWithNewSeed", (arg: unknown) => rerunWithNewSeed(runs, arg)),
    vscode.commands.registerCommand("dsnb.runWithCellSeed", (arg: unknown) => runWithCellSeed(runs, arg)),
    vscode.commands.registerCommand("dsnb.pinSeed", (arg: unknown) => pinSeed(runs, arg)),
    trackUnpinnedSeeds(),
  );
}
