// The contract every simulator implements. A simulator is pure: the same options and seed give
// the same result, byte for byte, in VS Code, on the command line and in tests.
import type { SourceRange } from "../core/errors";
import type { Rng } from "../core/rng";
import type { Verdict } from "../core/verdict";
import type { ChartSpec, DiagramSpec, TableSpec, Timeline } from "../protocol/output";
import type { ObjectSchema } from "../scenario/schema";

export type { ByteSource, FileAccess } from "../core/files";
import type { FileAccess } from "../core/files";

export interface RunContext {
  readonly seed: number;
  readonly rng: Rng;
  /** Report progress between 0 and 1 (throttled by the caller); long runs call it now and then. */
  progress(fraction: number, message?: string): void;
  /** Files next to the notebook, relative to its folder. */
  readonly files: FileAccess;
}

export interface Presentation {
  readonly title: string;
  readonly diagrams: readonly DiagramSpec[];
  readonly charts: readonly ChartSpec[];
  readonly tables: readonly TableSpec[];
  readonly metrics: Readonly<Record<string, number>>;
  /** The run step by step (src/present/timeline.ts), on one of the sequence diagrams above. */
  readonly timeline?: Timeline;
}

export interface Example {
  /** Snippet name shown in completion and the "insert cell" picker. */
  readonly name: string;
  readonly description: string;
  /** YAML body of the cell. */
  readonly body: string;
}

/** A place in the cell's options: keys and list indexes, such as ["faults", 2, "step"]. */
export type OptionPath = readonly (string | number)[];

/** What `resolve` gets besides the options: where each option is written, to point problems at it. */
export interface ResolveContext {
  /** The range of the value at `path` in the cell (or of its key), when it is written there. */
  at(path: OptionPath): SourceRange | undefined;
  /** Stops with a problem about the value at `path`, shown on that value in the cell. */
  fail(path: OptionPath, message: string): never;
}

/**
 * A simulator, in the order the pipeline calls it: the schema checks the shape of a cell; `resolve`
 * checks what the options mean (names that must exist, values that must agree) and turns them into
 * what the model runs on; `run` is the mechanism; `check` gives the verdict; `present` draws it.
 */
export interface Simulator<Options = unknown, Resolved = Options, Result = unknown> {
  /** The fence info word and cell language suffix, such as "cache-aside". */
  readonly id: string;
  readonly title: string;
  /** One line, shown in pickers and docs. */
  readonly description: string;
  readonly schema: ObjectSchema;
  readonly examples: readonly Example[];
  resolve(options: Options, ctx: ResolveContext): Resolved;
  run(resolved: Resolved, ctx: RunContext): Result;
  check(result: Result, resolved: Resolved): Verdict;
  present(result: Result, verdict: Verdict, resolved: Resolved): Presentation;
}

/** Erases a simulator's option and result types for the registry. */
export type AnySimulator = Simulator<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function defineSimulator<O, V, R>(sim: Simulator<O, V, R>): AnySimulator {
  return sim as AnySimulator;
}
