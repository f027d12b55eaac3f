// The one path from a scenario cell to its output, shared by VS Code, the command line and tests:
// parse the YAML against the simulator's schema, run with a seeded PRNG, check, present.
import { createRng, normalizeSeed } from "../core/rng";
import { errorMessage, lineColAt, ScenarioError, type SourceRange } from "../core/errors";
import { RUN_OUTPUT_VERSION, type RunOutput } from "../protocol/output";
import { loadScenario } from "../scenario/load";
import { evaluateExpectations, splitExpect, withExpect } from "../scenario/expect";
import type { ScenarioDiagnostic } from "../scenario/diagnostics";
import { findSimulator, simulatorIds } from "./registry";
import type { FileAccess } from "./types";
import type { CellInfo } from "../notebook/format";

/** Seed used when a cell does not name one, so an unseeded cell still replays identically. */
export const DEFAULT_SEED = 1;

export interface CellRequest {
  readonly simulator: string;
  /** The cell's YAML text. */
  readonly source: string;
  readonly seed?: number;
  readonly cellId?: string;
  /** The notebook's folder on disk, when it has one: scenarios may read files in it. */
  readonly baseDir?: string;
}

/** The request for a scenario cell, from its fence info and text. */
export function cellRequest(info: CellInfo, source: string, baseDir?: string): CellRequest {
  return { simulator: info.simulator, source, ...(info.seed !== undefined ? { seed: info.seed } : {}), ...(info.id !== undefined ? { cellId: info.id } : {}), ...(baseDir !== undefined ? { baseDir } : {}) };
}

export interface CellError {
  /** What went wrong, with the line it is about. */
  readonly message: string;
  readonly range?: SourceRange;
  readonly line?: number;
  readonly column?: number;
  readonly diagnostics: readonly ScenarioDiagnostic[];
}

export type CellResult = { readonly ok: true; readonly output: RunOutput } | { readonly ok: false; readonly error: CellError };

function located(source: string, message: string, range: SourceRange | undefined, diagnostics: readonly ScenarioDiagnostic[]): CellError {
  if (!range) return { message, diagnostics };
  const { line, column } = lineColAt(source, range.start);
  return { message: `Line ${line}, column ${column}: ${message}`, range, line, column, diagnostics };
}

/** For hosts that cannot read files (the default): a cell that names a file gets a clear error. */
export function noFiles(): FileAccess {
  return { open: (path) => { throw new ScenarioError(`This run cannot read files, so "${path}" is not available here.`); } };
}

/**
 * Runs one cell. A host that can read files next to the notebook passes `files` (see
 * src/host/files.ts), built from the request's baseDir; the engine itself never touches the disk.
 */
export function runCell(req: CellRequest, progress: (fraction: number, message?: string) => void = () => {}, files: (baseDir: string | undefined) => FileAccess = noFiles): CellResult {
  const sim = findSimulator(req.simulator);
  if (!sim) return { ok: false, error: { message: `Unknown simulator "${req.simulator}". Known simulators: ${simulatorIds().join(", ")}.`, diagnostics: [] } };
  const loaded = loadScenario<Record<string, unknown>>(req.source, withExpect(sim.schema));
  const errors = loaded.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0 || loaded.value === undefined) {
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? "s" : ""})` : "";
    return { ok: false, error: located(req.source, (first?.message ?? "The scenario is empty.") + more, first?.range, loaded.diagnostics) };
  }
  const seed = normalizeSeed(req.seed ?? DEFAULT_SEED);
  const { options, expect } = splitExpect(loaded.value);
  try {
    const result = sim.run(options, { seed, rng: createRng(seed), progress, files: files(req.baseDir) });
    const verdict = sim.check(result, options);
    const presented = sim.present(result, verdict, options);
    const output: RunOutput = {
      version: RUN_OUTPUT_VERSION,
      simulator: sim.id,
      simulatorTitle: sim.title,
      ...(req.cellId !== undefined ? { cellId: req.cellId } : {}),
      seed,
      title: presented.title,
      verdict,
      diagrams: presented.diagrams,
      charts: presented.charts,
      tables: presented.tables,
      metrics: presented.metrics,
      ...(expect ? { expectations: evaluateExpectations(expect, { verdict, metrics: presented.metrics }) } : {}),
    };
    return { ok: true, output };
  } catch (err) {
    if (err instanceof ScenarioError) return { ok: false, error: located(req.source, err.message, err.range, loaded.diagnostics) };
    return { ok: false, error: { message: `The ${sim.title} simulator failed: ${errorMessage(err)}`, diagnostics: [] } };
  }
}
