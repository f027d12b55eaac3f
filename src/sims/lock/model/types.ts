// What a lock run returns: every event with the world's state after it, and what the checker
// reads: who believed they held the lock when, and every write the storage saw.
import type { WorldEvent } from "../../../core/network";
import type { TraceEventBase } from "../../../core/trace";
import type { Snapshot } from "./state";

export type Style = "call" | "reply" | "async" | "fault" | "note";

/** What the lock saw of one network event (its seq): a request an instance or the storage handled, a note. */
export interface LockEvent extends TraceEventBase {
  readonly kind: "acquire" | "set" | "granted" | "refused" | "expire" | "pause" | "resume" | "check" | "write" | "release" | "renew" | "give-up";
  /** The arrow's end (a note when equal to actor, or style "note"). */
  readonly to: string;
  readonly text: string;
  readonly style: Style;
  readonly state: Snapshot;
}

export interface Belief {
  readonly client: string;
  readonly token: number;
  readonly fromMs: number;
  /** When the client stopped believing (released or gave up); undefined: still at the end. */
  readonly toMs: number | undefined;
  /** The grant event. */
  readonly seq: number;
}

export interface Write {
  readonly client: string;
  readonly token: number;
  /** When the storage received it. */
  readonly atMs: number;
  readonly accepted: boolean;
  /** The storage's last token before it. */
  readonly lastToken: number | undefined;
  readonly lastWriter: string | undefined;
  readonly seq: number;
}

export interface Pause {
  readonly client: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly seq: number;
}

export interface LockResult {
  /** The lock's view of the run, event by event, with the state after each. */
  readonly events: readonly LockEvent[];
  /** Every message, loss, pause and note on the network, in order (what the diagram draws). */
  readonly trace: readonly WorldEvent[];
  /** The world's state before the run, after each network event, and at the end (the timeline). */
  readonly watched: { readonly before: Snapshot; readonly after: ReadonlyMap<number, Snapshot>; readonly end: Snapshot };
  readonly beliefs: readonly Belief[];
  readonly writes: readonly Write[];
  readonly pauses: readonly Pause[];
  /** Leases extended by a watchdog, per client. */
  readonly renewals: Readonly<Record<string, number>>;
  /** Clients that found their lease expired before writing, and gave up. */
  readonly lost: readonly { readonly client: string; readonly atMs: number; readonly seq: number }[];
  /** Clients that never got the lock. */
  readonly starved: readonly string[];
}
