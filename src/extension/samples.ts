// Opens a copy of a lesson that ships with the extension, as an untitled notebook, so learners can
// change it freely without touching the installed files.
import * as vscode from "vscode";
import { parseNotebook } from "../notebook/format";
import { isScenario, toNotebookData } from "./cells";
import { NOTEBOOK_TYPE } from "./serializer";
import { SAMPLE_FOLDER_KEY } from "./controller";
import { host } from "./host";

/** The lesson files the extension ships with, listed by esbuild.mjs when it bundles. */
declare const DSNB_SAMPLE_FILES: readonly string[];

async function openSample(extensionUri: vscode.Uri): Promise<void> {
  const dir = vscode.Uri.joinPath(extensionUri, "samples");
  // The bundle knows the lessons it ships with (esbuild.mjs): extension folders cannot always be
  // listed (in vscode.dev they are served over HTTP), only read.
  const read = await Promise.all(
    DSNB_SAMPLE_FILES.map(async (name) => {
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, name)).then(undefined, () => undefined);
      if (!bytes) return undefined;
      const model = parseNotebook(bytes, { isScenario });
      const title = model.meta.frontMatter?.data?.title;
      return { label: typeof title === "string" ? title : name, description: name, model };
    }),
  );
  const items = read.filter((i) => i !== undefined);
  if (items.length === 0) {
    void vscode.window.showErrorMessage("dsnb: the sample lessons are missing from this installation.");
    return;
  }
  const pick = await vscode.window.showQuickPick(items, {
    title: "Open a sample lesson",
    placeHolder: "A copy opens as a new notebook",
    matchOnDescription: true,
  });
  if (!pick) return;
  const data = toNotebookData(pick.model);
  // Cells of the copy may read the files that ship beside the lessons (a cache trace).
  const folder = host().folderOf(dir);
  if (folder !== undefined) data.metadata = { ...data.metadata, [SAMPLE_FOLDER_KEY]: folder };
  const doc = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, data);
  await vscode.window.showNotebookDocument(doc);
}

export function registerSamples(extensionUri: vscode.Uri): vscode.Disposable {
  return vscode.commands.registerCommand("dsnb.openSample", () => openSample(extensionUri));
}
