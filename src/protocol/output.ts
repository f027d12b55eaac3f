// The output of one scenario cell run, as our renderer receives it. Versioned: a renderer that
// sees a version it does not know shows a clear message instead of guessing.
import type { Verdict } from "../core/verdict";

/** The outcome of one expectation the cell stated (see src/scenario/expect.ts). */
export interface ExpectationOutcome {
  readonly expectation: string;
  readonly ok: boolean;
  readonly actual: string;
}

export const RUN_MIME = "application/vnd.dsnb.run.v2+json";
/** 2: runs carry a timeline (steps, state and blame) and diagrams say what each drawn line is. */
export const RUN_OUTPUT_VERSION = 2;

/** A Mermaid diagram as text; the renderer draws it, exports embed it in a mermaid fence. */
export interface DiagramSpec {
  readonly id: string;
  readonly title: string;
  readonly mermaid: string;
  /** Events left out to keep the diagram readable (also said inside the diagram). */
  readonly omittedEvents?: number;
  /**
   * Sequence diagrams: what each drawn line is, in order, one letter each: "m" a message (an arrow),
   * "n" a note. Mermaid draws all notes before all messages, so a step finds its SVG elements by
   * kind and rank among lines of that kind.
   */
  readonly lineKinds?: string;
}

/** A small table of one actor's state (the cache's entries, the rows, the locks, the saga log). */
export interface StateTable {
  /** Unique within a timeline: "cache", "database rows", "locks". */
  readonly name: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

/** One step of a run: what happened, where it is drawn, and how the state changed. */
export interface TimelineStep {
  /** Virtual time, in milliseconds (or what the timeline's clock says). */
  readonly atMs: number;
  readonly actor: string;
  /** The event, in words. */
  readonly text: string;
  /** The trace event's number (findings name events by it). */
  readonly seq?: number;
  /** The lines of the timeline's diagram this step drew: the first and how many (absent when cut). */
  readonly lines?: readonly [number, number];
  /** The state tables this step changed, each given whole (the others are as before). */
  readonly changed?: readonly StateTable[];
  /** Codes of the findings that blame this step. */
  readonly blame?: readonly string[];
}

/** An option the output offers as a control; changing it rewrites the cell and runs it again. */
export interface Knob {
  /** The option's key (a top-level key of the cell). */
  readonly key: string;
  readonly doc: string;
  readonly kind: "choice" | "number" | "switch";
  /** choice: the allowed values. */
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  readonly unit?: string;
  /** The value this run used. */
  readonly value: string | number | boolean;
  /** The value in the lesson as it was opened, when this run's differs from it. */
  readonly lessonValue?: string | number | boolean;
}

/** A run, step by step, for the renderer to walk: drawn on one sequence diagram of the output. */
export interface Timeline {
  /** The id of the diagram the steps' lines refer to. */
  readonly diagramId: string;
  /** Every actor's state before the first step. */
  readonly initial: readonly StateTable[];
  readonly steps: readonly TimelineStep[];
  /** Steps left out (the run was longer than a timeline keeps). */
  readonly omittedSteps?: number;
  /**
   * What the steps' atMs counts, when not milliseconds of virtual time: "schedule", the step of the
   * cell's schedule during which it happened (the isolation lab); "request", the request's number (a
   * run with no clock but an order of requests); "none", nothing (a run with no time).
   */
  readonly clock?: "ms" | "schedule" | "request" | "none";
}

export type ScaleKind = "linear" | "log" | "band";

export interface ChartAxis {
  readonly label: string;
  readonly scale?: ScaleKind;
  /** Format values as percentages (values are fractions 0..1). */
  readonly percent?: boolean;
}

export interface ChartPoint {
  readonly x: number | string;
  readonly y: number;
}

export interface ChartSeries {
  readonly name: string;
  readonly points: readonly ChartPoint[];
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** bar: one bar per x per series (grouped); line: one line per series. */
  readonly kind: "bar" | "line";
  readonly x: ChartAxis;
  readonly y: ChartAxis;
  readonly series: readonly ChartSeries[];
  /** One sentence saying what to look for. */
  readonly caption?: string;
}

export type Cell = string | number | boolean | null;

export interface TableSpec {
  readonly id: string;
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** A summary of the whole run (a comparison matrix): shown right after the verdict, before the diagrams. */
  readonly summary?: boolean;
}

export interface RunOutput {
  readonly version: typeof RUN_OUTPUT_VERSION;
  /** Simulator id, such as "cache-aside". */
  readonly simulator: string;
  readonly simulatorTitle: string;
  /** The cell id attribute, when the cell has one. */
  readonly cellId?: string;
  /** The seed the run used; the same seed replays the same run. */
  readonly seed: number;
  /**
   * Present only when this run used another seed than the cell's own ("Re-run with a New Seed",
   * which does not edit the file): the seed the cell runs with when run normally.
   */
  readonly cellSeed?: number;
  /** A headline for this run. */
  readonly title: string;
  readonly verdict: Verdict;
  readonly diagrams: readonly DiagramSpec[];
  readonly charts: readonly ChartSpec[];
  readonly tables: readonly TableSpec[];
  /** Numbers worth quoting (also in the markdown fallback). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Present when the cell states expectations: whether each one held. */
  readonly expectations?: readonly ExpectationOutcome[];
  /** The run step by step, where the simulator can tell it (one run, or the run an exploration replays). */
  readonly timeline?: Timeline;
  /** The options the learner can turn from the output. */
  readonly knobs?: readonly Knob[];
  /** Set when the cell's text differs from the lesson as it was opened (its knobs, or any edit). */
  readonly changedFromLesson?: boolean;
}

export function isRunOutput(value: unknown): value is RunOutput {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.version === RUN_OUTPUT_VERSION &&
    typeof v.simulator === "string" &&
    typeof v.seed === "number" &&
    typeof v.verdict === "object" &&
    Array.isArray(v.diagrams) &&
    Array.isArray(v.charts) &&
    Array.isArray(v.tables)
  );
}
