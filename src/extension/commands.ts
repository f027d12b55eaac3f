// Commands: a new notebook from a template, and telling the user what a malformed file contains.
import * as vscode from "vscode";
import type { DocumentMeta } from "../notebook/format";
import { languageIdFor, simulators } from "../sims/registry";
import { NOTEBOOK_TYPE } from "./serializer";

async function newNotebook(): Promise<void> {
  const sim = simulators[0];
  const cells = [
    new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, "# My system design notebook\n\nExplain the mechanism here, then run the scenario below (Shift+Enter).", "markdown"),
  ];
  if (sim?.examples[0]) cells.push(new vscode.NotebookCellData(vscode.NotebookCellKind.Code, sim.examples[0].body.trimEnd(), languageIdFor(sim.id)));
  const data = new vscode.NotebookData(cells);
  data.metadata = { dsnb: { bom: false, eol: "\n", trailing: "\n", problems: [], frontMatter: { raw: "---\ntitle: My system design notebook\ndsnb: 1\n---\n" } } satisfies DocumentMeta };
  const doc = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, data);
  await vscode.window.showNotebookDocument(doc);
}

/** A file that could not be fully understood still opens; say what is wrong, once per open. */
function reportProblems(doc: vscode.NotebookDocument): void {
  if (doc.notebookType !== NOTEBOOK_TYPE) return;
  const problems = (doc.metadata?.dsnb as DocumentMeta | undefined)?.problems ?? [];
  if (problems.length === 0) return;
  const name = doc.uri.path.split("/").pop();
  void vscode.window.showWarningMessage(`${name}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`, { detail: problems.join("\n"), modal: false });
}

export function registerCommands(): vscode.Disposable {
  vscode.workspace.notebookDocuments.forEach(reportProblems);
  return vscode.Disposable.from(
    vscode.commands.registerCommand("dsnb.newNotebook", newNotebook),
    vscode.workspace.onDidOpenNotebookDocument(reportProblems),
  );
}
