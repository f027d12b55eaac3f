// The trace is the product: every simulator returns a journal of typed events in the order they
// happened on the virtual clock. Presenters and checkers are pure functions of it.

/** Fields every trace event carries, whatever the simulator. */
export interface TraceEventBase {
  /** Position in the journal, from 0. */
  readonly seq: number;
  /** Virtual time in milliseconds. */
  readonly atMs: number;
  /** Who acted (a participant name, such as "reader", "T1" or "payment"). */
  readonly actor: string;
  /** What kind of event this is; each simulator defines its own union. */
  readonly kind: string;
}

/** Omit that keeps a union a union, so each event kind keeps its own fields. */
export type WithoutSeq<E> = E extends unknown ? Omit<E, "seq"> : never;

/** Appends events with their sequence numbers filled in. */
export class TraceRecorder<E extends TraceEventBase> {
  private readonly events: E[] = [];

  record(event: WithoutSeq<E>): E {
    const full = { ...event, seq: this.events.length } as unknown as E;
    this.events.push(full);
    return full;
  }

  get length(): number {
    return this.events.length;
  }

  toArray(): readonly E[] {
    return this.events;
  }
}
