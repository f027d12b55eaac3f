// Commands: a new notebook from a template, and telling the user what a malformed file contains.
import * as vscode from "vscode";
import type { DocumentMeta } from "../notebook/format";
import { languageIdFor, simulators } from "../engine/registry";
import { NOTEBOOK_TYPE } from "./serializer";

/** Templates for a new notebook: an outline of a lesson, optionally with a first scenario cell. */
async function newNotebook(): Promise<void> {
  const items = [
    { label: "Empty lesson", description: "prose only", simulator: undefined as (typeof simulators)[number] | undefined },
    ...simulators.map((sim) => ({ label: `Lesson with a ${sim.title} cell`, description: sim.id, detail: sim.description, simulator: sim })),
  ];
  const pick =
    items.length > 1 ? await vscode.window.showQuickPick(items, { title: "New System Design Notebook", placeHolder: "Start from a template" }) : items[0];
  if (!pick) return;
  const sim = pick.simulator;
  const cells = [
    new vscode.NotebookCellData(
      vscode.NotebookCellKind.Markup,
      "# My system design lesson\n\nWhat mechanism does this lesson show, and what goes wrong without it?",
      "markdown",
    ),
  ];
  if (sim?.examples[0]) {
    cells.push(new vscode.NotebookCellData(vscode.NotebookCellKind.Code, sim.examples[0].body.trimEnd(), languageIdFor(sim.id)));
    cells.push(
      new vscode.NotebookCellData(
        vscode.NotebookCellKind.Markup,
        "Explain what the run shows. Press Ctrl+Space in a scenario cell for the keys it accepts.",
        "markdown",
      ),
    );
  }
  cells.push(new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, "## Exercises\n\n1. …", "markdown"));
  const data = new vscode.NotebookData(cells);
  data.metadata = {
    dsnb: {
      bom: false,
      eol: "\n",
      trailing: "\n",
      problems: [],
      frontMatter: { raw: "---\ntitle: My system design lesson\ndsnb: 1\n---\n" },
    } satisfies DocumentMeta,
  };
  const doc = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, data);
  await vscode.window.showNotebookDocument(doc);
}

/** A file that could not be fully understood still opens; say what is wrong, once per open. */
function reportProblems(doc: vscode.NotebookDocument): void {
  if (doc.notebookType !== NOTEBOOK_TYPE) return;
  const problems = (doc.metadata?.dsnb as DocumentMeta | undefined)?.problems ?? [];
  if (problems.length === 0) return;
  const name = doc.uri.path.split("/").pop();
  void vscode.window.showWarningMessage(`${name}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`, {
    detail: problems.join("\n"),
    modal: false,
  });
}

export function registerCommands(): vscode.Disposable {
  vscode.workspace.notebookDocuments.forEach(reportProblems);
  return vscode.Disposable.from(vscode.commands.registerCommand("dsnb.newNotebook", newNotebook), vscode.workspace.onDidOpenNotebookDocument(reportProblems));
}
