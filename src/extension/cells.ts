// Conversion between the pure notebook model and VS Code's NotebookData.
import * as vscode from "vscode";
import { parseInfo, type CellModel, type CellSource, type DocumentMeta, type NotebookModel } from "../notebook/format";
import { findSimulator, languageIdFor, simulatorForLanguage } from "../engine/registry";

/** What we keep in a cell's metadata: its current info string and how it read in the file. */
export interface CellMeta {
  readonly info?: string;
  readonly source?: CellSource;
}

export const isScenario = (id: string): boolean => findSimulator(id) !== undefined;

export function toNotebookData(model: NotebookModel): vscode.NotebookData {
  const cells = model.cells.map((cell) => {
    const meta: CellMeta = { ...(cell.info !== undefined ? { info: cell.info } : {}), ...(cell.source ? { source: cell.source } : {}) };
    const data =
      cell.kind === "markdown"
        ? new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, cell.value, "markdown")
        : new vscode.NotebookCellData(vscode.NotebookCellKind.Code, cell.value, languageIdFor(parseInfo(cell.info ?? "").simulator));
    data.metadata = { dsnb: meta };
    return data;
  });
  const data = new vscode.NotebookData(cells);
  data.metadata = { dsnb: model.meta };
  return data;
}

export function cellMeta(metadata: { readonly [key: string]: unknown } | undefined): CellMeta {
  const m = metadata?.dsnb;
  return typeof m === "object" && m !== null ? (m as CellMeta) : {};
}

/** The info string a code cell should be written with: its simulator from the language, attributes kept. */
export function infoFor(languageId: string, meta: CellMeta): string | undefined {
  const sim = simulatorForLanguage(languageId);
  if (!sim) return undefined;
  const info = meta.info ?? meta.source?.info;
  if (!info) return sim.id;
  const words = info.trim().split(/\s+/);
  return words[0] === sim.id ? info : [sim.id, ...words.slice(1)].join(" ");
}

function toCellModel(cell: vscode.NotebookCellData): CellModel {
  const meta = cellMeta(cell.metadata);
  const source = meta.source ? { source: meta.source } : {};
  if (cell.kind === vscode.NotebookCellKind.Markup) return { kind: "markdown", value: cell.value, ...source };
  const info = infoFor(cell.languageId, meta);
  if (info !== undefined) return { kind: "scenario", value: cell.value, info, ...source };
  // A code cell in another language is kept as a fenced block inside Markdown.
  const fence = cell.value.includes("```") ? "````" : "```";
  return { kind: "markdown", value: `${fence}${cell.languageId}\n${cell.value}\n${fence}` };
}

const EMPTY_META: DocumentMeta = { bom: false, eol: "\n", trailing: "\n", problems: [] };

export function fromNotebookData(data: vscode.NotebookData): NotebookModel {
  const stored = data.metadata?.dsnb as DocumentMeta | undefined;
  return { cells: data.cells.map(toCellModel), meta: stored ?? EMPTY_META };
}
