// Opens a copy of a lesson that ships with the extension, as an untitled notebook, so learners can
// change it freely without touching the installed files.
import * as vscode from "vscode";
import { parseNotebook } from "../notebook/format";
import { isScenario, toNotebookData } from "./cells";
import { NOTEBOOK_TYPE } from "./serializer";
import { SAMPLE_FOLDER_KEY } from "./controller";

async function openSample(extensionUri: vscode.Uri): Promise<void> {
  const dir = vscode.Uri.joinPath(extensionUri, "samples");
  let entries: [string, vscode.FileType][];
  try {
    entries = await vscode.workspace.fs.readDirectory(dir);
  } catch {
    void vscode.window.showErrorMessage("dsnb: the sample lessons are missing from this installation.");
    return;
  }
  const files = entries
    .filter(([name, type]) => type === vscode.FileType.File && name.endsWith(".dsnb"))
    .map(([name]) => name)
    .sort();
  const items = await Promise.all(
    files.map(async (name) => {
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, name));
      const model = parseNotebook(bytes, { isScenario });
      const title = model.meta.frontMatter?.data?.title;
      return { label: typeof title === "string" ? title : name, description: name, model };
    }),
  );
  const pick = await vscode.window.showQuickPick(items, { title: "Open a sample lesson", placeHolder: "A copy opens as a new notebook" });
  if (!pick) return;
  const data = toNotebookData(pick.model);
  // Cells of the copy may read the files that ship beside the lessons (a cache trace).
  if (dir.scheme === "file") data.metadata = { ...data.metadata, [SAMPLE_FOLDER_KEY]: dir.fsPath };
  const doc = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, data);
  await vscode.window.showNotebookDocument(doc);
}

export function registerSamples(extensionUri: vscode.Uri): vscode.Disposable {
  return vscode.commands.registerCommand("dsnb.openSample", () => openSample(extensionUri));
}
