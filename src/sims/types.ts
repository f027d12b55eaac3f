// The contract every simulator implements. A simulator is pure: the same options and seed give
// the same result, byte for byte, in VS Code, on the command line and in tests.
import type { Rng } from "../core/rng";
import type { Verdict } from "../core/verdict";
import type { ChartSpec, DiagramSpec, TableSpec } from "../protocol/output";
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
}

export interface Example {
  /** Snippet name shown in completion and the "insert cell" picker. */
  readonly name: string;
  readonly description: string;
  /** YAML body of the cell. */
  readonly body: string;
}

export interface Simulator<Options = unknown, Result = unknown> {
  /** The fence info word and cell language suffix, such as "cache-aside". */
  readonly id: string;
  readonly title: string;
  /** One line, shown in pickers and docs. */
  readonly description: string;
  readonly schema: ObjectSchema;
  readonly examples: readonly Example[];
  run(options: Options, ctx: RunContext): Result;
  check(result: Result, options: Options): Verdict;
  present(result: Result, verdict: Verdict, options: Options): Presentation;
}

/** Erases a simulator's option and result types for the registry. */
export type AnySimulator = Simulator<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function defineSimulator<O, R>(sim: Simulator<O, R>): AnySimulator {
  return sim as AnySimulator;
}
