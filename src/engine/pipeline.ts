// The one path from a scenario cell to its output, shared by VS Code, the command line and tests:
// parse the YAML against the simulator's schema, run with a seeded PRNG, check, present.
import { createRng, normalizeSeed } from "../core/rng";
import { errorMessage, lineColAt, ScenarioError, type SourceRange } from "../core/errors";
import { RUN_OUTPUT_VERSION, type RunOutput } from "../protocol/output";
import { markBlame } from "../present/timeline";
import { knobsOf } from "./knobs";
import { isMap, isScalar, type Document } from "yaml";
import { loadScenario, type LoadResult } from "../scenario/load";
import { evaluateExpectations, splitExpect, withExpect, type Expectations } from "../scenario/expect";
import type { ScenarioDiagnostic } from "../core/errors";
import type { CellError, CellProblem, CellRequest, CellResult } from "../protocol/run";

export type { CellError, CellProblem, CellRequest, CellResult } from "../protocol/run";
import { findSimulator, simulatorIds, simulators } from "./registry";
import type { AnySimulator, FileAccess, OptionPath, ResolveContext } from "../sims/types";
import type { CellInfo } from "../notebook/format";

/** Seed used when a cell does not name one, so an unseeded cell still replays identically. */
export const DEFAULT_SEED = 1;

/**
 * The request for a scenario cell, from its fence info and text. `seed`, when given, replaces the
 * cell's own seed for this run only; the cell's own seed then travels along as `cellSeed`.
 */
export function cellRequest(info: CellInfo, source: string, baseDir?: string, seed?: number): CellRequest {
  const own = info.seed ?? DEFAULT_SEED;
  const override =
    seed !== undefined && normalizeSeed(seed) !== normalizeSeed(own)
      ? { seed: normalizeSeed(seed), cellSeed: own }
      : info.seed !== undefined
        ? { seed: info.seed }
        : {};
  return {
    simulator: info.simulator,
    source,
    ...override,
    ...(info.id !== undefined ? { cellId: info.id } : {}),
    ...(baseDir !== undefined ? { baseDir } : {}),
  };
}

function problemLine(p: CellProblem): string {
  return `Line ${p.line}, column ${p.column}: ${p.message}`;
}

/**
 * An error listing every problem: "Line 2, column 7: …" for one, a count and one line each for more,
 * in the order of the text, except that a cell written for another simulator says so first.
 */
function located(
  source: string,
  found: readonly { readonly message: string; readonly range: SourceRange; readonly code?: string }[],
  diagnostics: readonly ScenarioDiagnostic[],
): CellError {
  const rank = (d: { readonly code?: string }) => (d.code === "other-simulator" ? 0 : 1);
  const sorted = [...found].sort((a, b) => rank(a) - rank(b) || a.range.start - b.range.start);
  const problems = sorted.map((d) => ({ ...lineColAt(source, d.range.start), message: d.message }));
  const first = problems[0];
  if (!first) return { message: "The scenario is empty.", diagnostics };
  const message = problems.length === 1 ? problemLine(first) : `${problems.length} problems:\n${problems.map(problemLine).join("\n")}`;
  return { message, range: sorted[0]!.range, line: first.line, column: first.column, problems, diagnostics };
}

const overlaps = (a: SourceRange, b: SourceRange): boolean => a.start < b.end && b.start < a.end;
const errorsIn = (ds: readonly ScenarioDiagnostic[]) => ds.filter((d) => d.severity === "error");

/**
 * The simulator a cell's text belongs to better than `sim`: one that knows every key, and rejects
 * fewer things (the fewest wins; ties go to the registry's order). A new cell takes the previous
 * cell's simulator, so a cell written for another one is a common slip.
 */
function betterSimulator(
  sim: AnySimulator,
  text: string,
  errorCount: number,
): { readonly sim: AnySimulator; readonly errors: readonly ScenarioDiagnostic[] } | undefined {
  let best: { sim: AnySimulator; errors: readonly ScenarioDiagnostic[] } | undefined;
  for (const other of simulators) {
    if (other === sim) continue;
    const errors = errorsIn(loadScenario(text, withExpect(other.schema)).diagnostics);
    if (errors.length >= errorCount || errors.some((e) => e.code === "unknown-key")) continue;
    if (!best || errors.length < best.errors.length) best = { sim: other, errors };
  }
  return best;
}

/**
 * When the keys and values a simulator rejects belong to another simulator, say so: one diagnostic
 * naming that simulator and listing them, and each of them pointing to it (the editor offers to
 * switch the cell). Their "did you mean" guesses are dropped: the words are right, the cell is not.
 */
function withSimulatorHint(sim: AnySimulator, text: string, diagnostics: readonly ScenarioDiagnostic[]): readonly ScenarioDiagnostic[] {
  const wrong = diagnostics.filter((d) => d.code === "unknown-key" || d.code === "unknown-value");
  if (wrong.length === 0 || diagnostics.some((d) => d.code === "yaml-syntax" && d.severity === "error")) return diagnostics;
  const better = betterSimulator(sim, text, errorsIn(diagnostics).length);
  const belong = better ? wrong.filter((d) => !better.errors.some((e) => overlaps(e.range, d.range))).sort((a, b) => a.range.start - b.range.start) : [];
  if (!better || belong.length === 0) return diagnostics;
  const other = better.sim.id;
  const word = (d: ScenarioDiagnostic) => text.slice(d.range.start, d.range.end);
  const noun = belong.every((d) => d.code === "unknown-key") ? "keys" : belong.every((d) => d.code === "unknown-value") ? "values" : "keys and values";
  const hint: ScenarioDiagnostic = {
    message: `These ${noun} belong to the \`${other}\` simulator: ${[...new Set(belong.map(word))].join(", ")}. Switch the cell to ${other} (quick fix, or the cell's language picker).`,
    range: belong[0]!.range,
    severity: "error",
    code: "other-simulator",
    simulator: other,
  };
  const rewrite = (d: ScenarioDiagnostic): ScenarioDiagnostic => {
    if (!belong.includes(d)) return d;
    const { fix: _fix, ...rest } = d;
    return {
      ...rest,
      message: `Unknown ${d.code === "unknown-key" ? "key" : "value"} "${word(d)}" for the \`${sim.id}\` simulator; it belongs to \`${other}\`.`,
      simulator: other,
    };
  };
  return [hint, ...diagnostics.map(rewrite)];
}

/** Where the value at `path` is written in the cell (or its key, or the cell), for problems `resolve` finds. */
function rangeAt(document: Document.Parsed, path: OptionPath, text: string): SourceRange | undefined {
  const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
  if (node?.range) return { start: node.range[0], end: Math.max(node.range[1], node.range[0] + 1) };
  const parent = path.length > 1 ? document.getIn(path.slice(0, -1), true) : document.contents;
  const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]) : undefined;
  const key = pair?.key as { range?: [number, number, number] } | undefined;
  if (key?.range) return { start: key.range[0], end: key.range[1] };
  return text.length ? { start: 0, end: text.length } : undefined;
}

function resolveContext(document: Document.Parsed, text: string): ResolveContext {
  const at = (path: OptionPath) => rangeAt(document, path, text);
  return {
    at,
    fail: (path, message) => {
      throw new ScenarioError(message, at(path));
    },
  };
}

export interface LoadedCell extends LoadResult<Record<string, unknown>> {
  /** What the simulator runs on, when the cell has no problem: its options, resolved. */
  readonly resolved?: unknown;
  readonly expect?: Expectations;
}

/**
 * A cell's text read against its simulator's schema, then resolved by the simulator (what the
 * options mean): the value, and every problem (see withSimulatorHint). The editor shows the same
 * problems a run would report.
 */
export function loadCell(sim: AnySimulator, text: string): LoadedCell {
  const loaded = loadScenario<Record<string, unknown>>(text, withExpect(sim.schema));
  const diagnostics = withSimulatorHint(sim, text, loaded.diagnostics);
  if (loaded.value === undefined || errorsIn(diagnostics).length > 0) return { ...loaded, diagnostics };
  const { options, expect } = splitExpect(loaded.value);
  try {
    return { ...loaded, diagnostics, resolved: sim.resolve(options, resolveContext(loaded.document, text)), ...(expect ? { expect } : {}) };
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    const problem: ScenarioDiagnostic = {
      message: err.message,
      range: err.range ?? { start: 0, end: Math.max(1, text.length) },
      severity: "error",
      code: "invalid",
    };
    return { ...loaded, value: undefined, diagnostics: [...diagnostics, problem] };
  }
}

/** The run's knobs (options the schema marks as knobs), and whether the cell differs from the lesson. */
function knobsFor(sim: AnySimulator, values: Readonly<Record<string, unknown>>, req: CellRequest): Pick<RunOutput, "knobs" | "changedFromLesson"> {
  const lesson =
    req.lessonSource !== undefined && req.lessonSource !== req.source
      ? loadScenario<Record<string, unknown>>(req.lessonSource, withExpect(sim.schema)).value
      : undefined;
  const knobs = knobsOf(sim.schema, values, lesson);
  return { ...(knobs.length ? { knobs } : {}), ...(req.lessonSource !== undefined && req.lessonSource !== req.source ? { changedFromLesson: true } : {}) };
}

/** For hosts that cannot read files (the default): a cell that names a file gets a clear error. */
export function noFiles(): FileAccess {
  return {
    open: (path) => {
      throw new ScenarioError(`This run cannot read files, so "${path}" is not available here.`);
    },
  };
}

/**
 * Runs one cell. A host that can read files next to the notebook passes `files` (see
 * src/host/node/files.ts), built from the request's baseDir; the engine itself never touches the disk.
 */
export function runCell(
  req: CellRequest,
  progress: (fraction: number, message?: string) => void = () => {},
  files: (baseDir: string | undefined) => FileAccess = noFiles,
): CellResult {
  const sim = findSimulator(req.simulator);
  if (!sim) return { ok: false, error: { message: `Unknown simulator "${req.simulator}". Known simulators: ${simulatorIds().join(", ")}.`, diagnostics: [] } };
  let loaded: LoadedCell;
  try {
    loaded = loadCell(sim, req.source);
  } catch (err) {
    return { ok: false, error: { message: `The ${sim.title} simulator failed: ${errorMessage(err)}`, diagnostics: [] } };
  }
  const errors = errorsIn(loaded.diagnostics);
  if (errors.length > 0 || loaded.resolved === undefined) return { ok: false, error: located(req.source, errors, loaded.diagnostics) };
  const seed = normalizeSeed(req.seed ?? DEFAULT_SEED);
  const { resolved, expect } = loaded;
  try {
    const result = sim.run(resolved, { seed, rng: createRng(seed), progress, files: files(req.baseDir) });
    const verdict = sim.check(result, resolved);
    const presented = sim.present(result, verdict, resolved);
    const output: RunOutput = {
      version: RUN_OUTPUT_VERSION,
      simulator: sim.id,
      simulatorTitle: sim.title,
      ...(req.cellId !== undefined ? { cellId: req.cellId } : {}),
      seed,
      ...(req.cellSeed !== undefined && normalizeSeed(req.cellSeed) !== seed ? { cellSeed: normalizeSeed(req.cellSeed) } : {}),
      title: presented.title,
      verdict,
      diagrams: presented.diagrams,
      charts: presented.charts,
      tables: presented.tables,
      metrics: presented.metrics,
      ...(expect ? { expectations: evaluateExpectations(expect, { verdict, metrics: presented.metrics }) } : {}),
      ...(presented.timeline ? { timeline: markBlame(presented.timeline, verdict) } : {}),
      ...knobsFor(sim, loaded.value!, req),
    };
    return { ok: true, output };
  } catch (err) {
    if (err instanceof ScenarioError)
      return {
        ok: false,
        error: err.range
          ? located(req.source, [{ message: err.message, range: err.range }], loaded.diagnostics)
          : { message: err.message, diagnostics: loaded.diagnostics },
      };
    return { ok: false, error: { message: `The ${sim.title} simulator failed: ${errorMessage(err)}`, diagnostics: [] } };
  }
}
