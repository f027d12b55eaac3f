// What the replication model's nodes say to each other, what they remember, and what a run returns
// to the checker and the presenter.
import type { WorldEvent } from "../../../core/network";
import type { CosmosLevel, Fencing, Failover, Mode, Target } from "../scenario";

export type Value = string | number;

/** One entry of a leader's log: a write at a position, in an epoch. */
export interface Entry {
  readonly lsn: number;
  readonly epoch: number;
  readonly key: string;
  readonly value: Value;
  /** The client operation that wrote it. */
  readonly op: number;
  readonly client: string;
  /** When the leader appended it. */
  readonly atMs: number;
  /** When the leader acknowledged it to the client (set later). */
  ackedAtMs?: number;
}

/** A key's value on a replica, and the version (epoch and position) of the write that put it there. */
export interface Held {
  readonly value: Value;
  readonly version: number;
  readonly lsn: number;
}

/** The version the checker sees: the log position, made unique across epochs. */
export const versionOf = (e: { readonly epoch: number; readonly lsn: number }) => (e.epoch - 1) * 1_000_000 + e.lsn;

export type Body =
  | { readonly t: "write"; readonly op: number; readonly key: string; readonly value: Value }
  | { readonly t: "ok"; readonly op: number; readonly lsn: number; readonly epoch: number }
  | { readonly t: "redirect"; readonly op: number; readonly leader: string }
  | { readonly t: "refused"; readonly op: number; readonly why: string }
  | { readonly t: "append"; readonly entry: Entry; readonly epoch: number }
  /** A follower's positions: `lsn` received in order, `applied` visible to reads there (when behind what it received). */
  | { readonly t: "ack"; readonly lsn: number; readonly applied?: number; readonly hello?: boolean }
  | { readonly t: "fenced"; readonly epoch: number; readonly leader: string }
  | { readonly t: "follow"; readonly epoch: number }
  | { readonly t: "read"; readonly op: number; readonly keys: readonly string[]; readonly token: number }
  | { readonly t: "values"; readonly op: number; readonly values: readonly ReadValue[]; readonly position: number }
  | { readonly t: "go-leader"; readonly op: number; readonly why: string };

export type Tag =
  | { readonly t: "op"; readonly i: number }
  | { readonly t: "timeout"; readonly op: number }
  | { readonly t: "ship"; readonly to: string; readonly lsn: number; readonly epoch: number }
  | { readonly t: "read-wait"; readonly op: number; readonly client: string }
  | { readonly t: "detect" }
  | { readonly t: "apply" }
  | { readonly t: "promote" }
  | { readonly t: "partition" }
  | { readonly t: "heal" };

export interface ReadValue {
  readonly key: string;
  readonly value: Value | null;
  readonly version: number;
}

/** One client operation as it ran. */
export interface OpRecord {
  readonly id: number;
  readonly client: string;
  readonly kind: "write" | "read";
  readonly keys: readonly string[];
  readonly value?: Value;
  readonly callMs: number;
  /** The trace event of the call (its send). */
  callSeq: number;
  /** The trace event of its first arrival at a replica. */
  arriveSeq?: number;
  retMs?: number;
  retSeq?: number;
  outcome: "pending" | "ok" | "refused" | "timeout";
  /** Writes: where the log put it, and who acknowledged it in which epoch (the newest epoch then). */
  lsn?: number;
  epoch?: number;
  ackedBy?: string;
  newestEpochAtAck?: number;
  /** Reads: who answered, what, and how far behind the leader it was then. */
  replica?: string;
  values?: readonly ReadValue[];
  behindPositions?: number;
  behindMs?: number;
  /** Reads sent on to the leader: why. */
  redirected?: string;
  refusedWhy?: string;
}

export interface ReplicaState {
  readonly name: string;
  readonly role: "leader" | "follower";
  readonly up: boolean;
  readonly epoch: number;
  readonly position: number;
  readonly values: string;
}

export interface ClientState {
  readonly name: string;
  readonly writesTo: string;
  readonly token: number;
  readonly readsFrom: string;
}

export interface ClusterState {
  readonly replicas: readonly ReplicaState[];
  readonly clients: readonly ClientState[];
  readonly epoch: number;
  readonly leader: string;
}

export interface Failed {
  readonly atMs: number;
  readonly from: string;
  readonly to: string;
  readonly epoch: number;
  /** The new leader's position when promoted, and the old leader's. */
  readonly position: number;
  readonly oldPosition: number;
  readonly seq: number;
  /** Whether the old leader was still running when it was replaced (a promotion, a partition), not crashed. */
  readonly oldUp: boolean;
}

export interface ReplicationRun {
  readonly leader: string;
  readonly followers: readonly string[];
  readonly clients: readonly string[];
  readonly mode: Mode;
  readonly acks: number;
  readonly read: Target;
  readonly level: CosmosLevel | undefined;
  readonly failover: Failover;
  readonly fencing: Fencing;
  readonly events: readonly WorldEvent[];
  readonly ops: readonly OpRecord[];
  /** Each replica's log at the end (by position, from 1). */
  readonly logs: Readonly<Record<string, readonly (Entry | undefined)[]>>;
  /** The leader at the end (the newest epoch's). */
  readonly finalLeader: string;
  readonly epoch: number;
  readonly failovers: readonly Failed[];
  /** Each follower's distance behind the leader (log positions), sampled as it changed. */
  readonly lag: Readonly<Record<string, readonly { readonly atMs: number; readonly behind: number }[]>>;
  readonly fencedSeqs: readonly number[];
  readonly crashSeqs: readonly number[];
  readonly endMs: number;
  readonly up: Readonly<Record<string, boolean>>;
  readonly watched?: { readonly before: ClusterState; readonly after: ReadonlyMap<number, ClusterState>; readonly end: ClusterState };
}

export type ReplicationResult =
  | { readonly mode: "run"; readonly run: ReplicationRun }
  | { readonly mode: "compare"; readonly runs: readonly { readonly name: string; readonly run: ReplicationRun }[] };

/** A replica as the rest of the run sees it (model/replica.ts). */
export interface ReplicaNode {
  readonly name: string;
  readonly role: "leader" | "follower";
  readonly epoch: number;
  readonly log: readonly (Entry | undefined)[];
  readonly position: number;
  state(): ReplicaState;
  /** The monitor made it the leader of a new epoch. */
  promote(epoch: number): void;
  /** Whether this replica has an entry and shows it to reads (a follower with an apply delay may hold it unapplied). */
  hasApplied(e: Entry): boolean;
  /** Ships every entry its followers have not acknowledged. */
  reship(): void;
}

/** A client as the rest of the run sees it (model/client.ts). */
export interface ClientNode {
  readonly name: string;
  /** The leader it writes to. */
  leader: string;
  state(): ClientState;
}
