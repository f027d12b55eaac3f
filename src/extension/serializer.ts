// Opens and saves .dsnb files. Outputs are never stored, and an unedited notebook is written back
// byte for byte (see src/notebook/format.ts).
import * as vscode from "vscode";
import { parseNotebook, serializeNotebook } from "../notebook/format";
import { fromNotebookData, isScenario, toNotebookData } from "./cells";

export const NOTEBOOK_TYPE = "dsnb";

export class DsnbSerializer implements vscode.NotebookSerializer {
  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    return toNotebookData(parseNotebook(content, { isScenario }));
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    return serializeNotebook(fromNotebookData(data));
  }
}

export function registerSerializer(): vscode.Disposable {
  return vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, new DsnbSerializer(), { transientOutputs: true });
}
