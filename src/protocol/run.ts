// A scenario cell's run as the hosts exchange it: the request (from the cell's fence and text) and
// the result (the output, or the error with every problem located). Shared by the pipeline, the
// worker thread and the extension.
import type { ScenarioDiagnostic, SourceRange } from "../core/errors";
import type { RunOutput } from "./output";

export interface CellRequest {
  readonly simulator: string;
  /** The cell's YAML text. */
  readonly source: string;
  readonly seed?: number;
  /**
   * Set when this one run uses another seed than the cell's own (Re-run with a New Seed): the seed
   * the cell runs with normally, reported in the output as `cellSeed`.
   */
  readonly cellSeed?: number;
  readonly cellId?: string;
  /** The cell's text when its notebook was opened: knobs say where this run differs from it. */
  readonly lessonSource?: string;
  /** The notebook's folder on disk, when it has one: scenarios may read files in it. */
  readonly baseDir?: string;
}

/** One problem in a cell, 1-based line and column in the cell's text. */
export interface CellProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface CellError {
  /** What went wrong: every problem, each on its own line with its line and column in the cell. */
  readonly message: string;
  /** Where the first problem is. */
  readonly range?: SourceRange;
  readonly line?: number;
  readonly column?: number;
  /** Every problem, in the order of the text; absent when the failure is not about a place in the cell. */
  readonly problems?: readonly CellProblem[];
  readonly diagnostics: readonly ScenarioDiagnostic[];
}

export type CellResult = { readonly ok: true; readonly output: RunOutput } | { readonly ok: false; readonly error: CellError };
