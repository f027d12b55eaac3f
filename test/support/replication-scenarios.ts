// Write-then-read scenarios for primary/standby replication, as data, with what PostgreSQL 15
// does in each. The pg-replication tier runs them on a real primary and hot standby
// (test/pg-replication/replication.test.ts), which must show every expectation written here; the
// replication simulator can run the same steps and be held to the same facts
// (docs/replication-server.md maps PostgreSQL's settings to the model's notions).
//
// Vocabulary: the primary is the leader, the standby is the follower. One table,
// `kv(key text primary key, value int)`; every write is one autocommit upsert on the primary.
// `expect: null` means the key is absent.

/** PostgreSQL's synchronous_commit on the primary. For the first two the standby is named in synchronous_standby_names. */
export type SynchronousCommit = "remote_apply" | "on" | "local" | "off";

/** When a read happens, for the summaries: right after the write's commit returned, after the apply delay, … */
export type ReadMoment = "after commit" | "after the delay" | "before the cut" | "after the cut" | "after promotion";

export type ReplicationStep =
  /** Upsert on the primary; the commit returns (is acknowledged). `waitsForApply`: it returns only once the standby has applied it. */
  | { readonly op: "write"; readonly key: string; readonly value: number; readonly waitsForApply?: boolean }
  /**
   * Read on the primary, the standby, or the new leader (the promoted standby). `received`: whether the
   * standby holds the WAL of the key's last write (true with `expect: null` means received, not yet applied).
   */
  | {
      readonly op: "read";
      readonly key: string;
      readonly on: "primary" | "standby" | "new leader";
      readonly when: ReadMoment;
      readonly expect: number | null;
      readonly received?: boolean;
      /** The read happens before the key's commit time plus the apply delay, by the server's clock. */
      readonly beforeTheDelayEnds?: boolean;
    }
  /** Let this much time pass. */
  | { readonly op: "wait"; readonly ms: number }
  /** Cut the standby off: it receives nothing more from the primary, and does not reconnect. */
  | { readonly op: "cut" }
  /** Promote the standby: it ends recovery and becomes a leader that accepts writes. */
  | { readonly op: "promote" };

export interface ReplicationScenario {
  readonly name: string;
  readonly synchronousCommit: SynchronousCommit;
  /** The standby's recovery_min_apply_delay: a commit becomes visible there this long after its commit time. */
  readonly applyDelayMs: number;
  readonly steps: readonly ReplicationStep[];
  /** What the server shows, in words; the steps' expectations say the same thing step by step. */
  readonly facts: readonly string[];
}

/**
 * Reads of a standby within this distance of the moment a commit becomes applicable there (its
 * commit time plus the apply delay) are left out: their outcome depends on scheduling, not on the
 * mechanism. The runner prints how many it left out.
 */
export const BOUNDARY_MARGIN_MS = 200;

/** The apply delay of the delayed scenarios; long enough that a read right after commit is far from the boundary. */
export const APPLY_DELAY_MS = 1500;

/** The apply delay of the promotion scenario, which never waits it out. */
export const PROMOTION_DELAY_MS = 3000;

/** Three keys, each written then read at once on the standby and the primary. */
function writeThenRead(o: { seenAfterCommit: boolean; waitsForApply?: boolean; receivedAfterCommit?: boolean }): ReplicationStep[] {
  return ["a", "b", "c"].flatMap((key, i): ReplicationStep[] => [
    { op: "write", key, value: i + 1, ...(o.waitsForApply ? { waitsForApply: true } : {}) },
    {
      op: "read",
      key,
      on: "standby",
      when: "after commit",
      expect: o.seenAfterCommit ? i + 1 : null,
      ...(o.receivedAfterCommit === undefined ? {} : { received: o.receivedAfterCommit }),
    },
    { op: "read", key, on: "primary", when: "after commit", expect: i + 1 },
  ]);
}

/** The same, then, once the apply delay has passed, the three keys read on the standby again. */
function writeThenReadThenWait(o: { receivedAfterCommit?: boolean }): ReplicationStep[] {
  return [
    ...writeThenRead({ seenAfterCommit: false, ...o }),
    { op: "wait", ms: APPLY_DELAY_MS + 400 },
    ...["a", "b", "c"].map((key, i): ReplicationStep => ({ op: "read", key, on: "standby", when: "after the delay", expect: i + 1, received: true })),
  ];
}

/**
 * Only with `on` (a synchronous standby) is the WAL sure to have reached the standby when the commit
 * returns; with local it is on its way, with off perhaps not even written yet.
 */
function delayed(synchronousCommit: "on" | "local" | "off", acknowledged: string): ReplicationScenario {
  return {
    name: `${synchronousCommit}, apply delay ${APPLY_DELAY_MS} ms`,
    synchronousCommit,
    applyDelayMs: APPLY_DELAY_MS,
    steps: writeThenReadThenWait(synchronousCommit === "on" ? { receivedAfterCommit: true } : {}),
    facts: [
      `The commit is acknowledged ${acknowledged}, without waiting for the standby to apply it.`,
      `A read on the standby right after the commit does not see the write${synchronousCommit === "on" ? ", although the standby has already received its WAL" : ""}; the primary sees it.`,
      `Once the apply delay (${APPLY_DELAY_MS} ms after the commit time) has passed, the standby sees it.`,
    ],
  };
}

/** Write x before the cut and let it reach the standby, cut, write y (acknowledged), promote: x survives, y is lost. */
function cutThenPromote(synchronousCommit: "local" | "off"): ReplicationScenario {
  return {
    name: `${synchronousCommit}: cut off, then promoted`,
    synchronousCommit,
    applyDelayMs: 0,
    steps: [
      { op: "write", key: "x", value: 1 },
      // With off the commit record may wait up to three wal_writer_delay periods (600 ms) before it is even sent.
      { op: "wait", ms: 1000 },
      { op: "read", key: "x", on: "standby", when: "before the cut", expect: 1, received: true },
      { op: "cut" },
      { op: "write", key: "y", value: 2 },
      { op: "write", key: "z", value: 3 },
      { op: "read", key: "y", on: "primary", when: "after the cut", expect: 2 },
      { op: "wait", ms: 300 },
      { op: "read", key: "y", on: "standby", when: "after the cut", expect: null, received: false },
      { op: "promote" },
      { op: "read", key: "x", on: "new leader", when: "after promotion", expect: 1 },
      { op: "read", key: "y", on: "new leader", when: "after promotion", expect: null },
      { op: "read", key: "z", on: "new leader", when: "after promotion", expect: null },
      // The old primary still has them: two leaders with different histories.
      { op: "read", key: "y", on: "primary", when: "after promotion", expect: 2 },
    ],
    facts: [
      `With synchronous_commit = ${synchronousCommit} the primary acknowledges writes while the standby is cut off.`,
      "After promotion the new leader has the write made before the cut and none of the writes acknowledged after it: acknowledged writes are lost.",
      "The old primary still has them, so the two leaders now disagree.",
    ],
  };
}

export const REPLICATION_SCENARIOS: readonly ReplicationScenario[] = [
  {
    name: "remote_apply",
    synchronousCommit: "remote_apply",
    applyDelayMs: 0,
    steps: writeThenRead({ seenAfterCommit: true, receivedAfterCommit: true }),
    facts: ["The commit returns once the synchronous standby has applied it, so a read on the standby right after the commit sees the write."],
  },
  {
    name: `remote_apply, apply delay ${APPLY_DELAY_MS} ms`,
    synchronousCommit: "remote_apply",
    applyDelayMs: APPLY_DELAY_MS,
    steps: writeThenRead({ seenAfterCommit: true, waitsForApply: true, receivedAfterCommit: true }),
    facts: [
      "Each commit waits for the standby to apply it, which the apply delay postpones: the commit takes at least the apply delay.",
      "A read on the standby right after the commit sees the write, delay or not.",
    ],
  },
  delayed("on", "once the standby has flushed the WAL to disk (on with a synchronous standby)"),
  delayed("local", "once the primary has flushed it locally (asynchronous replication)"),
  delayed("off", "before even the primary has flushed it (asynchronous commit and replication)"),
  cutThenPromote("local"),
  cutThenPromote("off"),
  {
    // PostgreSQL's documentation of recovery_min_apply_delay: "The delay occurs once the database in
    // recovery has reached a consistent state, until the standby is promoted or triggered. After that
    // the standby will end recovery without further waiting." In xlogrecovery.c the delay loop breaks
    // as soon as promotion is requested, and recovery then replays all the WAL it has before it ends:
    // what was received but not yet applied is not thrown away. Only what never arrived is lost.
    // A longer delay here costs nothing (nothing waits it out) and leaves room to show that
    // promotion did not wait for it.
    name: `local, apply delay ${PROMOTION_DELAY_MS} ms: received but not applied, cut off, then promoted`,
    synchronousCommit: "local",
    applyDelayMs: PROMOTION_DELAY_MS,
    steps: [
      { op: "write", key: "x", value: 1 },
      { op: "wait", ms: 500 },
      { op: "read", key: "x", on: "standby", when: "before the cut", expect: null, received: true },
      { op: "cut" },
      { op: "write", key: "y", value: 2 },
      { op: "read", key: "y", on: "standby", when: "after the cut", expect: null, received: false },
      { op: "promote" },
      { op: "read", key: "x", on: "new leader", when: "after promotion", expect: 1, beforeTheDelayEnds: true },
      { op: "read", key: "y", on: "new leader", when: "after promotion", expect: null },
    ],
    facts: [
      "A write the standby has received but, because of the apply delay, not yet applied is applied at promotion, without waiting out the rest of the delay: it survives.",
      "A write acknowledged after the cut never reached the standby and is lost on the new leader.",
    ],
  },
];
