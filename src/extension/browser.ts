// The browser entry point (package.json "browser"): the extension in the web worker extension host
// of vscode.dev, github.dev or any VS Code for the Web. Simulations run in a Web Worker; the files
// a cell names are read here through vscode.workspace.fs, confined to the notebook's folder, and
// handed to the worker with the run.
import * as vscode from "vscode";
import { ScenarioError } from "../core/errors";
import { confinedPath } from "../core/files";
import { webWorkers } from "../host/web/worker";
import { activateWith } from "./activate";

async function readNextToNotebook(baseDir: string, path: string): Promise<Uint8Array> {
  const uri = vscode.Uri.joinPath(vscode.Uri.parse(baseDir), ...confinedPath(path));
  try {
    return await vscode.workspace.fs.readFile(uri);
  } catch (err) {
    if (err instanceof vscode.FileSystemError && err.code === "FileNotFound") throw new ScenarioError(`There is no file "${path}" next to this notebook.`);
    throw new ScenarioError(`"${path}" cannot be read (${err instanceof Error ? err.message : String(err)}).`);
  }
}

export function activate(context: vscode.ExtensionContext): void {
  const script = vscode.Uri.joinPath(context.extensionUri, "dist", "web", "worker.js");
  activateWith(context, {
    description: `the browser's extension host (${Object.prototype.toString.call(globalThis).slice(8, -1)}, no Node.js)`,
    workers: webWorkers(() => Promise.resolve(vscode.workspace.fs.readFile(script)), readNextToNotebook),
    folderOf: (folder) => folder.toString(),
  });
}

export function deactivate(): void {}
