// Activation is a wiring table: each feature registers itself and returns one Disposable.
import * as vscode from "vscode";
import { registerCellCommands } from "./cellCommands";
import { registerCommands } from "./commands";
import { registerController } from "./controller";
import { registerLanguageFeatures } from "./language";
import { registerSamples } from "./samples";
import { registerSerializer } from "./serializer";

export function activate(context: vscode.ExtensionContext): void {
  const workerPath = vscode.Uri.joinPath(context.extensionUri, "dist", "worker.js").fsPath;
  context.subscriptions.push(
    registerSerializer(),
    registerController(workerPath),
    registerLanguageFeatures(),
    registerCommands(),
    registerCellCommands(),
    registerSamples(context.extensionUri),
  );
}

export function deactivate(): void {}
