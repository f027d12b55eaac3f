// The desktop entry point (package.json "main"): the extension in VS Code's Node.js extension host,
// simulations in a worker thread that reads files next to the notebook from the disk.
import * as vscode from "vscode";
import { threadWorkers } from "../host/node/worker";
import { activateWith } from "./activate";

export function activate(context: vscode.ExtensionContext): void {
  activateWith(context, {
    description: `the desktop extension host (Node.js ${process.versions.node})`,
    workers: threadWorkers(vscode.Uri.joinPath(context.extensionUri, "dist", "worker.js").fsPath),
    folderOf: (folder) => (folder.scheme === "file" ? folder.fsPath : undefined),
  });
}

export function deactivate(): void {}
