// Activation is a wiring table: each feature registers itself and returns one Disposable.
import * as vscode from "vscode";
import { registerCellCommands } from "./cellCommands";
import { registerCommands } from "./commands";
import { registerController } from "./controller";
import { registerExport } from "./export";
import { registerLanguageFeatures } from "./language";
import { registerRendererMessages } from "./rendererMessages";
import { registerLessons } from "./lessons";
import { CellRunner } from "./runner";
import { registerSamples } from "./samples";
import { registerSerializer } from "./serializer";

export function activate(context: vscode.ExtensionContext): void {
  const runner = new CellRunner(vscode.Uri.joinPath(context.extensionUri, "dist", "worker.js").fsPath);
  context.subscriptions.push(
    runner,
    registerSerializer(),
    registerLessons(),
    registerController(runner),
    registerExport(context.extensionUri, runner),
    registerLanguageFeatures(),
    registerCommands(),
    registerCellCommands(),
    registerSamples(context.extensionUri),
    registerRendererMessages(context.extensionUri),
  );
}

export function deactivate(): void {}
