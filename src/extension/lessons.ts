// The lesson as it was opened: each scenario cell's text when its notebook opened (or when the cell
// was added). Knobs say where a run differs from it, and "Reset to the lesson" puts a cell back,
// so a learner who only explores never loses the lesson's values (code-server saves as they go).
import * as vscode from "vscode";

const texts = new Map<string, string>();

function remember(cell: vscode.NotebookCell): void {
  const key = cell.document.uri.toString();
  if (!texts.has(key)) texts.set(key, cell.document.getText());
}

/** The cell's text when its notebook was opened; undefined for a cell this session added. */
export function lessonText(cell: vscode.NotebookCell): string | undefined {
  return texts.get(cell.document.uri.toString());
}

export function registerLessons(): vscode.Disposable {
  vscode.workspace.notebookDocuments.forEach((nb) => nb.getCells().forEach(remember));
  return vscode.Disposable.from(
    vscode.workspace.onDidOpenNotebookDocument((nb) => nb.getCells().forEach(remember)),
    vscode.workspace.onDidCloseNotebookDocument((nb) => nb.getCells().forEach((c) => texts.delete(c.document.uri.toString()))),
  );
}
