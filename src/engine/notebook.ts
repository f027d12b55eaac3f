// Running a whole notebook: its scenario cells, where their fences are in the file, each cell's
// request, and (for hosts that run cells here rather than in a worker) every result. The command
// line, the exports, the bench and the tests all go through this, and VS Code's export walks the
// same cells through its worker.
import { lineColAt } from "../core/errors";
import type { FileAccess } from "../core/files";
import { parseInfo, parseNotebook, type CellInfo, type NotebookModel } from "../notebook/format";
import type { CellOutcome, KnobVariant } from "../present/document";
import { knobVariants } from "./variants";
import type { CellRequest, CellResult } from "../protocol/run";
import { cellRequest, noFiles, runCell } from "./pipeline";
import { findSimulator } from "./registry";

/** A notebook's bytes as cells; fences naming a known simulator are scenario cells. */
export function readNotebook(bytes: Uint8Array): NotebookModel {
  return parseNotebook(bytes, { isScenario: (id) => findSimulator(id) !== undefined });
}

export interface ScenarioCell {
  /** Its place among all the notebook's cells, from 0. */
  readonly index: number;
  /** The file line of its opening fence, from 1 (0 when the notebook has no text, as in an editor). */
  readonly line: number;
  readonly info: CellInfo;
  readonly request: CellRequest;
}

/**
 * The scenario cells of a notebook in order, each with its request. Fence lines come from the
 * cells' own source text, which the format keeps byte for byte.
 */
export function scenarioCells(nb: NotebookModel, baseDir?: string): ScenarioCell[] {
  const cells: ScenarioCell[] = [];
  let text = nb.meta.frontMatter?.raw ?? "";
  nb.cells.forEach((cell, index) => {
    const fenceAt = text.length + (cell.source?.before.length ?? 0);
    text += (cell.source?.before ?? "") + (cell.source?.body ?? "");
    if (cell.kind !== "scenario") return;
    const info = parseInfo(cell.info ?? "");
    cells.push({ index, line: cell.source ? lineColAt(text, fenceAt).line : 0, info, request: cellRequest(info, cell.value, baseDir) });
  });
  return cells;
}

export interface CellRun extends ScenarioCell {
  readonly result: CellResult;
}

export interface RunOptions {
  /** The notebook's folder, for cells that read files next to it. */
  readonly baseDir?: string;
  /** How files in that folder are read (the default refuses). */
  readonly files?: (baseDir: string | undefined) => FileAccess;
}

/** Runs every scenario cell of a notebook, in order. */
export function runNotebook(nb: NotebookModel, options: RunOptions = {}): CellRun[] {
  return scenarioCells(nb, options.baseDir).map((c) => ({ ...c, result: runCell(c.request, undefined, options.files ?? noFiles) }));
}

/** One outcome per notebook cell (none for Markdown), as the exports lay them out. */
export function cellOutcomes(nb: NotebookModel, runs: readonly { readonly index: number; readonly result: CellResult }[]): CellOutcome[] {
  const byIndex = new Map(runs.map((r) => [r.index, r.result]));
  return nb.cells.map((_, i) => {
    const r = byIndex.get(i);
    if (!r) return undefined;
    return r.ok ? { output: r.output } : { error: r.error.message };
  });
}

/**
 * For exported pages: each cell whose choice knobs allow a few combinations (see variants.ts) gets
 * an outcome per combination, run with `run` (here, or in a host's worker). Cells that fail keep
 * their outcome as it is.
 */
export async function withKnobVariants(
  nb: NotebookModel,
  outcomes: readonly CellOutcome[],
  baseDir: string | undefined,
  run: (request: CellRequest) => CellResult | Promise<CellResult>,
): Promise<CellOutcome[]> {
  const cells = new Map(scenarioCells(nb, baseDir).map((c) => [c.index, c]));
  const out: CellOutcome[] = [];
  for (const [i, outcome] of outcomes.entries()) {
    const cell = cells.get(i);
    const variants = outcome && "output" in outcome && cell ? knobVariants(nb.cells[i]!.value, outcome.output.knobs) : [];
    if (!cell || variants.length < 2 || !outcome || !("output" in outcome)) {
      out.push(outcome);
      continue;
    }
    const done: KnobVariant[] = [{ values: variants[0]!.values, output: outcome.output }];
    for (const v of variants.slice(1)) {
      const r = await run({ ...cell.request, source: v.source });
      if (r.ok) done.push({ values: v.values, output: r.output });
    }
    out.push({ output: outcome.output, variants: done });
  }
  return out;
}

/** A scenario cell's run as the command line and the JSON export report it. */
export interface CellReport {
  readonly file: string;
  readonly cell: number; // 1-based among the notebook's cells
  readonly line: number; // line of the opening fence
  readonly simulator: string;
  /** The cell's id attribute, when it has one. */
  readonly id?: string;
  readonly result: CellResult;
}

export function cellReports(file: string, runs: readonly CellRun[]): CellReport[] {
  return runs.map((r) => ({
    file,
    cell: r.index + 1,
    line: r.line,
    simulator: r.info.simulator,
    ...(r.info.id !== undefined ? { id: r.info.id } : {}),
    result: r.result,
  }));
}

/** One cell in `dsnb run --json` and "Export Runs as JSON": its output, or its error with each problem's line in the file. */
export function reportJson(r: CellReport): unknown {
  if (r.result.ok) return { file: r.file, cell: r.cell, line: r.line, output: r.result.output };
  const problems = (r.result.error.problems ?? []).map((p) => ({ line: r.line + p.line, column: p.column, message: p.message }));
  return { file: r.file, cell: r.cell, line: r.line, simulator: r.simulator, error: r.result.error.message, problems };
}

export function runsDocument(entries: readonly unknown[]): string {
  return `${JSON.stringify(entries, null, 2)}\n`;
}
