// Language support in scenario cells, for every simulator from its schema alone: diagnostics while
// typing, completions (keys, values, names defined in the cell, example snippets), hovers,
// "did you mean" quick fixes, and switching a cell written for another simulator to that one.
import * as vscode from "vscode";
import { completionsAt, hoverAt, type CompletionItem } from "../scenario/assist";
import { withExpect } from "../scenario/expect";
import type { ScenarioDiagnostic } from "../scenario/diagnostics";
import { loadCell } from "../engine/pipeline";
import { findSimulator, languageIdFor, simulatorForLanguage, simulators } from "../engine/registry";

const DEBOUNCE_MS = 150;

function toRange(doc: vscode.TextDocument, r: { start: number; end: number }): vscode.Range {
  return new vscode.Range(doc.positionAt(r.start), doc.positionAt(Math.max(r.end, r.start)));
}

function scenarioDiagnostics(doc: vscode.TextDocument): readonly ScenarioDiagnostic[] | undefined {
  const sim = simulatorForLanguage(doc.languageId);
  if (!sim) return undefined;
  return loadCell(sim, doc.getText()).diagnostics;
}

function registerDiagnostics(): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection("dsnb");
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const refresh = (doc: vscode.TextDocument) => {
    const found = scenarioDiagnostics(doc);
    if (!found) return collection.delete(doc.uri);
    collection.set(
      doc.uri,
      found.map((d) => {
        const diag = new vscode.Diagnostic(
          toRange(doc, d.range),
          d.message,
          d.severity === "error" ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
        );
        diag.source = "dsnb";
        diag.code = d.code;
        return diag;
      }),
    );
  };
  const schedule = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        refresh(doc);
      }, DEBOUNCE_MS),
    );
  };
  vscode.workspace.textDocuments.forEach(refresh);
  return vscode.Disposable.from(
    collection,
    vscode.workspace.onDidOpenTextDocument(refresh),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => collection.delete(doc.uri)),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
}

/** A completion item for VS Code. The pure layer decides what is offered; see src/scenario/assist.ts. */
function toCompletion(item: CompletionItem, range: vscode.Range): vscode.CompletionItem {
  const c = new vscode.CompletionItem(item.label, item.kind === "key" ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.EnumMember);
  const cursor = item.cursor ?? item.insertText.length;
  c.insertText =
    cursor === item.insertText.length
      ? item.insertText
      : new vscode.SnippetString().appendText(item.insertText.slice(0, cursor)).appendTabstop(0).appendText(item.insertText.slice(cursor));
  c.keepWhitespace = true; // nested blocks carry their own indentation
  if (item.filterText !== undefined) c.filterText = item.filterText;
  c.detail = item.detail;
  c.documentation = new vscode.MarkdownString(item.documentation);
  c.range = range;
  if (item.retrigger) c.command = { command: "editor.action.triggerSuggest", title: "Suggest values" };
  return c;
}

const completionProvider: vscode.CompletionItemProvider = {
  provideCompletionItems(doc, position, _token, context) {
    const sim = simulatorForLanguage(doc.languageId);
    if (!sim) return [];
    const text = doc.getText();
    const explicit = context.triggerKind === vscode.CompletionTriggerKind.Invoke;
    const { items, replace } = completionsAt(text, doc.offsetAt(position), withExpect(sim.schema), { explicit });
    const range = toRange(doc, replace);
    const out = items.map((item) => toCompletion(item, range));
    // In an empty cell, offer the simulator's examples as snippets.
    if (text.trim() === "") {
      for (const ex of sim.examples) {
        const c = new vscode.CompletionItem(`${sim.id}: ${ex.name}`, vscode.CompletionItemKind.Snippet);
        c.insertText = ex.body;
        c.detail = ex.description;
        c.documentation = new vscode.MarkdownString().appendCodeblock(ex.body, "yaml");
        out.push(c);
      }
    }
    // Incomplete: VS Code asks again at every keystroke instead of filtering this list, so what is
    // offered always follows the rules above for the text as it now is (a typed number gets nothing).
    return new vscode.CompletionList(out, true);
  },
};

const hoverProvider: vscode.HoverProvider = {
  provideHover(doc, position) {
    const sim = simulatorForLanguage(doc.languageId);
    if (!sim) return undefined;
    const h = hoverAt(doc.getText(), doc.offsetAt(position), withExpect(sim.schema));
    return h ? new vscode.Hover(new vscode.MarkdownString(h.markdown), toRange(doc, h.range)) : undefined;
  },
};

/** The command a "switch simulator" quick fix runs: the serializer writes the new language as the fence's simulator. */
const SWITCH_COMMAND = "dsnb.switchCellSimulator";

function switchAction(doc: vscode.TextDocument, simulatorId: string): vscode.CodeAction | undefined {
  const target = findSimulator(simulatorId);
  if (!target) return undefined;
  const action = new vscode.CodeAction(`Switch this cell to the ${target.title} simulator (${target.id})`, vscode.CodeActionKind.QuickFix);
  action.command = { command: SWITCH_COMMAND, title: action.title, arguments: [doc.uri, target.id] };
  action.isPreferred = true;
  return action;
}

const quickFixes: vscode.CodeActionProvider = {
  provideCodeActions(doc, range) {
    const here = (scenarioDiagnostics(doc) ?? []).filter((d) => toRange(doc, d.range).intersection(range) !== undefined);
    const actions: vscode.CodeAction[] = [];
    const switchTo = here.find((d) => d.simulator !== undefined)?.simulator;
    const switched = switchTo ? switchAction(doc, switchTo) : undefined;
    if (switched) actions.push(switched);
    for (const d of here) {
      if (d.edits?.length) {
        const action = new vscode.CodeAction(d.editsTitle ?? "Rewrite", vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        for (const e of d.edits) action.edit.replace(doc.uri, toRange(doc, e.range), e.text);
        action.isPreferred = !switched;
        actions.push(action);
        continue;
      }
      if (d.fix === undefined) continue;
      const action = new vscode.CodeAction(`Change to "${d.fix}"`, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(doc.uri, toRange(doc, d.range), d.fix);
      action.isPreferred = !switched;
      actions.push(action);
    }
    return actions;
  },
};

async function switchCellSimulator(uri: unknown, simulatorId: unknown): Promise<void> {
  const doc = uri instanceof vscode.Uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) : undefined;
  if (!doc || typeof simulatorId !== "string" || !findSimulator(simulatorId)) return;
  await vscode.languages.setTextDocumentLanguage(doc, languageIdFor(simulatorId));
}

export function registerLanguageFeatures(): vscode.Disposable {
  const selector = simulators.map((s) => ({ language: languageIdFor(s.id) }));
  return vscode.Disposable.from(
    registerDiagnostics(),
    vscode.languages.registerCompletionItemProvider(selector, completionProvider, ":", " ", "-", "["),
    vscode.languages.registerHoverProvider(selector, hoverProvider),
    vscode.languages.registerCodeActionsProvider(selector, quickFixes, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    vscode.commands.registerCommand(SWITCH_COMMAND, switchCellSimulator),
  );
}
