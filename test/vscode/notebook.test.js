// API-level checks in a desktop VS Code: the sample opens as a dsnb notebook with scenario cells in
// their simulator's language, running a cell produces our output, and an unedited notebook saves
// byte for byte. Plain JavaScript so the extension host can load it without a build step.
const assert = require("node:assert/strict");
const path = require("node:path");
const fs = require("node:fs");
const vscode = require("vscode");

const sample = path.resolve(__dirname, "..", "..", "samples", "cache-aside-race.dsnb");

async function waitFor(predicate, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("timed out");
}

suite("dsnb notebooks", () => {
  test("the sample opens as a dsnb notebook with scenario cells", async () => {
    const doc = await vscode.workspace.openNotebookDocument(vscode.Uri.file(sample));
    assert.equal(doc.notebookType, "dsnb");
    const code = doc.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);
    assert.ok(code.length >= 5);
    assert.ok(code.every((c) => c.document.languageId === "dsnb-cache-aside"));
  });

  test("running a cell produces the run output with its seed", async () => {
    const doc = await vscode.workspace.openNotebookDocument(vscode.Uri.file(sample));
    await vscode.window.showNotebookDocument(doc);
    const cell = doc.getCells().find((c) => c.kind === vscode.NotebookCellKind.Code);
    await vscode.commands.executeCommand("notebook.cell.execute", { ranges: [{ start: cell.index, end: cell.index + 1 }], document: doc.uri });
    await waitFor(() => cell.outputs.length > 0);
    const item = cell.outputs[0].items.find((i) => i.mime === "application/vnd.dsnb.run.v1+json");
    assert.ok(item, "our mime is present");
    const run = JSON.parse(Buffer.from(item.data).toString("utf8"));
    assert.equal(run.seed, 1);
    assert.equal(run.verdict.valid, false);
    assert.ok(cell.outputs[0].items.some((i) => i.mime === "text/markdown"));
  });

  test("saving an unedited notebook changes no byte", async () => {
    const before = fs.readFileSync(sample);
    const doc = await vscode.workspace.openNotebookDocument(vscode.Uri.file(sample));
    await vscode.window.showNotebookDocument(doc);
    const edit = new vscode.WorkspaceEdit();
    const meta = { ...doc.metadata };
    edit.set(doc.uri, [vscode.NotebookEdit.updateNotebookMetadata(meta)]);
    await vscode.workspace.applyEdit(edit);
    await doc.save();
    assert.ok(fs.readFileSync(sample).equals(before));
  });
});
