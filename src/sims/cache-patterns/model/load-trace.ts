// The trace of a load run: what clients, the cache and the database did, kept only around the
// moment the checker will talk about, since a run has hundreds of thousands of events.
import type { TraceEventBase, WithoutSeq } from "../../../core/trace";

interface Base extends TraceEventBase {
  readonly actor: string;
}

export type GetResult = "hit" | "miss" | "stale" | "not-found" | "early" | "refresh";

export type GetEvent = Base & {
  readonly kind: "get";
  readonly req: number;
  readonly key: string;
  readonly result: GetResult;
  readonly server: number;
  readonly retry: number;
};
export type FilteredEvent = Base & { readonly kind: "filtered"; readonly req: number; readonly key: string; readonly passed: boolean };
export type CoalescedEvent = Base & { readonly kind: "coalesced"; readonly req: number; readonly key: string; readonly server: number };
export type LockEvent = Base & { readonly kind: "lock"; readonly req: number; readonly key: string; readonly acquired: boolean };
export type QueryEvent = Base & {
  readonly kind: "query";
  readonly req: number | null;
  readonly key: string;
  readonly startMs: number;
  readonly doneMs: number;
  readonly found: boolean;
};
export type SetEvent = Base & { readonly kind: "set"; readonly key: string; readonly expiresAtMs: number; readonly negative: boolean };
export type ExpireEvent = Base & { readonly kind: "expire"; readonly key: string; readonly negative: boolean };
export type ReplyEvent = Base & { readonly kind: "reply"; readonly req: number; readonly key: string; readonly latencyMs: number; readonly how: string };

export type LoadEvent = GetEvent | FilteredEvent | CoalescedEvent | LockEvent | QueryEvent | SetEvent | ExpireEvent | ReplyEvent;

/** Keeps a few events before the first database query at or after `fromMs`, and up to `cap` from it on. */
export class FocusTrace {
  readonly events: LoadEvent[] = [];
  private readonly before: LoadEvent[] = [];
  private triggered = false;
  dropped = 0;
  total = 0;
  constructor(
    private readonly lead: number,
    private readonly cap: number,
    private readonly fromMs: number | undefined,
  ) {}

  record(e: WithoutSeq<LoadEvent>): void {
    this.total++;
    if (this.fromMs === undefined) return;
    if (!this.triggered) {
      if (e.kind !== "query" || e.atMs < this.fromMs) {
        this.before.push(e as LoadEvent);
        if (this.before.length > this.lead) {
          this.before.shift();
          this.dropped++;
        }
        return;
      }
      this.triggered = true;
      for (const b of this.before) this.push(b);
    }
    if (this.events.length < this.cap) this.push(e as LoadEvent);
    else this.dropped++;
  }

  private push(e: LoadEvent): void {
    this.events.push({ ...e, seq: this.events.length } as LoadEvent);
  }
}
