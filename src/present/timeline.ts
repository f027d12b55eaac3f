// A run as a timeline the renderer can walk: each step's time, actor and words, the lines it drew
// on the run's sequence diagram, and every actor's state after it as small named tables. Simulators
// record steps while they draw; tables that did not change are not repeated, so a long run stays
// small. Findings mark the steps they blame (markBlame, in the pipeline).
import type { Verdict } from "../core/verdict";
import type { StateTable, Timeline, TimelineStep } from "../protocol/output";
import type { SequenceDiagram } from "./mermaid";

/** Steps kept at most; the rest are counted (omittedSteps). */
export const MAX_TIMELINE_STEPS = 2000;

/**
 * Whether recorders keep steps. Always on in the product; the bench turns it off to measure what
 * building timelines adds to a cell's run time.
 */
let recording = true;

export function recordTimelines(on: boolean): void {
  recording = on;
}

export interface StepEvent {
  readonly atMs: number;
  readonly actor: string;
  readonly text: string;
  /** The trace event's number, as findings name it. */
  readonly seq?: number;
}

/** Whether two tables hold the same columns and cells (cells are scalars, compared with ===). */
function sameTable(a: StateTable, b: StateTable | undefined): boolean {
  if (b === undefined || a.columns.length !== b.columns.length || a.rows.length !== b.rows.length) return false;
  for (let c = 0; c < a.columns.length; c++) if (a.columns[c] !== b.columns[c]) return false;
  for (let r = 0; r < a.rows.length; r++) {
    const x = a.rows[r]!;
    const y = b.rows[r]!;
    if (x.length !== y.length) return false;
    for (let c = 0; c < x.length; c++) if (x[c] !== y[c]) return false;
  }
  return true;
}

export class TimelineRecorder {
  private readonly steps: TimelineStep[] = [];
  /** Each table as last recorded (the recorder keeps the tables it is given: pass new ones, never mutate them). */
  private readonly last = new Map<string, StateTable>();
  private omitted = 0;

  constructor(
    private readonly diagram: SequenceDiagram,
    private readonly diagramId: string,
    private readonly initial: readonly StateTable[],
  ) {
    for (const t of initial) this.last.set(t.name, t);
  }

  /**
   * One step: `draw` adds its lines to the diagram; `state` is every actor's tables after it, or at
   * least those the step may have changed (a table left out is as before).
   */
  step(event: StepEvent, draw: () => void, state: readonly StateTable[] = []): void {
    if (!recording) return draw();
    const first = this.diagram.lineCount;
    draw();
    const count = this.diagram.lineCount - first;
    const changed = state.filter((t) => {
      if (sameTable(t, this.last.get(t.name))) return false;
      this.last.set(t.name, t);
      return true;
    });
    if (this.steps.length >= MAX_TIMELINE_STEPS) {
      this.omitted++;
      return;
    }
    const step: { -readonly [K in keyof TimelineStep]: TimelineStep[K] } = { atMs: event.atMs, actor: event.actor, text: event.text };
    if (event.seq !== undefined) step.seq = event.seq;
    if (count > 0 && first + count <= this.diagram.maxLines) step.lines = [first, count];
    if (changed.length) step.changed = changed;
    this.steps.push(step);
  }

  build(): Timeline {
    return { diagramId: this.diagramId, initial: this.initial, steps: this.steps, ...(this.omitted ? { omittedSteps: this.omitted } : {}) };
  }
}

/** Each step names the findings whose events include it. */
export function markBlame(timeline: Timeline, verdict: Verdict): Timeline {
  const blamers = new Map<number, string[]>();
  for (const f of verdict.findings) {
    for (const e of f.events ?? []) {
      const codes = blamers.get(e);
      if (!codes) blamers.set(e, [f.code]);
      else if (!codes.includes(f.code)) codes.push(f.code);
    }
  }
  if (blamers.size === 0) return timeline;
  return {
    ...timeline,
    steps: timeline.steps.map((s) => {
      const codes = s.seq === undefined ? undefined : blamers.get(s.seq);
      return codes ? { ...s, blame: codes } : s;
    }),
  };
}

/** Every actor's state after each step: step i's tables (references shared where unchanged). */
export function snapshots(timeline: Timeline): readonly (readonly StateTable[])[] {
  const order = timeline.initial.map((t) => t.name);
  let current = new Map(timeline.initial.map((t) => [t.name, t]));
  return timeline.steps.map((s) => {
    if (s.changed?.length) {
      current = new Map(current);
      for (const t of s.changed) {
        if (!current.has(t.name)) order.push(t.name);
        current.set(t.name, t);
      }
    }
    return order.map((n) => current.get(n)!).filter(Boolean);
  });
}
