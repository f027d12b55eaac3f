// One replica of a partition, as a broker holds it: the log, the high watermark, the leader epoch and
// the leader-epoch cache, and what a leader keeps about its followers and waiting requests.
import type { LogEntry } from "./types";

export class Replica {
  log: LogEntry[] = [];
  hw = 0;
  epoch = 0;
  /** Start offset of each leader epoch this replica has entries from (the leader-epoch cache). */
  epochStarts: { epoch: number; start: number }[] = [];
  /** A follower waiting for the leader's answer to its epoch query. */
  truncating = false;
  truncatingSinceMs = 0;
  /** Leader only: each follower's log end offset as its last fetch said, and when it last caught up. */
  readonly followerEnd = new Map<string, number>();
  readonly caughtUpMs = new Map<string, number>();
  /** Leader only: each follower's previous fetch, its time and the leader's log end then. */
  readonly lastFetch = new Map<string, { atMs: number; leaderEnd: number }>();
  /** Leader only: acks=all requests waiting for the high watermark. */
  pending: { rec: number; offset: number; attempt: number }[] = [];

  get end(): number {
    return this.log.length;
  }
}
