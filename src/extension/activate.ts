// Activation is a wiring table: each feature registers itself and returns one Disposable. The
// desktop (extension.ts) and the browser (browser.ts) entry points differ only in the host they
// describe; everything here is the same in both.
import * as vscode from "vscode";
import { registerCellCommands } from "./cellCommands";
import { registerCommands } from "./commands";
import { registerController } from "./controller";
import { registerExport } from "./export";
import { setHost, type Host } from "./host";
import { registerLanguageFeatures } from "./language";
import { registerRendererMessages } from "./rendererMessages";
import { registerLessons } from "./lessons";
import { CellRunner } from "./runner";
import { registerSamples } from "./samples";
import { registerSerializer } from "./serializer";

export function activateWith(context: vscode.ExtensionContext, host: Host): void {
  setHost(host);
  const runner = new CellRunner(host.workers);
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
    vscode.commands.registerCommand("dsnb.showRuntime", async () => {
      const worker = await runner.describe();
      void vscode.window.showInformationMessage(`dsnb runs in ${host.description}; its simulations run in ${worker}.`);
    }),
  );
}
