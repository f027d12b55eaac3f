// What differs between the desktop and the browser, as the extension sees it: where simulations
// run, and which folder a notebook's cells may read files from. Each entry point (extension.ts for
// the desktop, browser.ts for vscode.dev and github.dev) describes its host once, at activation.
import * as vscode from "vscode";
import type { WorkerHost } from "../protocol/worker";

export interface Host {
  /** Where the extension itself runs, in words. */
  readonly description: string;
  readonly workers: WorkerHost;
  /** What a run request names as the notebook's folder (see CellRequest.baseDir); undefined when the host cannot read it. */
  folderOf(folder: vscode.Uri): string | undefined;
}

let current: Host | undefined;

export function setHost(host: Host): void {
  current = host;
}

export function host(): Host {
  if (!current) throw new Error("dsnb: the extension has not been activated");
  return current;
}
