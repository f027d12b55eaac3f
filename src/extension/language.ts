// Language support in scenario cells, for every simulator from its schema alone: diagnostics while
// typing, completions (keys, values, names defined in the cell, example snippets), hovers and
// "did you mean" quick fixes.
import * as vscode from "vscode";
import { completionsAt, hoverAt } from "../scenario/assist";
import { loadScenario } from "../scenario/load";
import { withExpect } from "../scenario/expect";
import type { ScenarioDiagnostic } from "../scenario/diagnostics";
import { languageIdFor, simulatorForLanguage, simulators } from "../sims/registry";

const DEBOUNCE_MS = 150;

function toRange(doc: vscode.TextDocument, r: { start: number; end: number }): vscode.Range {
  return new vscode.Range(doc.positionAt(r.start), doc.positionAt(Math.max(r.end, r.start)));
}

function scenarioDiagnostics(doc: vscode.TextDocument): readonly ScenarioDiagnostic[] | undefined {
  const sim = simulatorForLanguage(doc.languageId);
  if (!sim) return undefined;
  return loadScenario(doc.getText(), withExpect(sim.schema)).diagnostics;
}

function registerDiagnostics(): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection("dsnb");
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const refresh = (doc: vscode.TextDocument) => {
    const found = scenarioDiagnostics(doc);
    if (!found) return collection.delete(doc.uri);
    collection.set(doc.uri, found.map((d) => {
      const diag = new vscode.Diagnostic(toRange(doc, d.range), d.message, d.severity === "error" ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      diag.source = "dsnb";
      diag.code = d.code;
      return diag;
    }));
  };
  const schedule = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => { timers.delete(key); refresh(doc); }, DEBOUNCE_MS));
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

const completionProvider: vscode.CompletionItemProvider = {
  provideCompletionItems(doc, position) {
    const sim = simulatorForLanguage(doc.languageId);
    if (!sim) return [];
    const text = doc.getText();
    const { items, replace } = completionsAt(text, doc.offsetAt(position), withExpect(sim.schema));
    const range = toRange(doc, replace);
    const out = items.map((item) => {
      const c = new vscode.CompletionItem(item.label, item.kind === "key" ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.EnumMember);
      c.insertText = item.insertText;
      c.detail = item.detail;
      c.documentation = new vscode.MarkdownString(item.documentation);
      c.range = range;
      if (item.insertText.endsWith("\n") || item.insertText.endsWith(": ")) c.command = { command: "editor.action.triggerSuggest", title: "Suggest" };
      return c;
    });
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
    return out;
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

const quickFixes: vscode.CodeActionProvider = {
  provideCodeActions(doc, range) {
    const found = scenarioDiagnostics(doc) ?? [];
    return found
      .filter((d) => d.fix !== undefined && toRange(doc, d.range).intersection(range) !== undefined)
      .map((d) => {
        const action = new vscode.CodeAction(`Change to "${d.fix}"`, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        action.edit.replace(doc.uri, toRange(doc, d.range), d.fix!);
        action.isPreferred = true;
        return action;
      });
  },
};

export function registerLanguageFeatures(): vscode.Disposable {
  const selector = simulators.map((s) => ({ language: languageIdFor(s.id) }));
  return vscode.Disposable.from(
    registerDiagnostics(),
    vscode.languages.registerCompletionItemProvider(selector, completionProvider, ":", " ", "-", "["),
    vscode.languages.registerHoverProvider(selector, hoverProvider),
    vscode.languages.registerCodeActionsProvider(selector, quickFixes, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
  );
}
