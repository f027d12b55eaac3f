// What a Kafka run records besides the network's trace: every record the producer tried to send and
// what became of it, each partition's replicas, the output the consumers wrote, the group's
// rebalances and commits, and samples of lag and ownership over time.
import type { WorldEvent } from "../../../core/network";
import type { Acks, Assignor, Commit, Isolation } from "../scenario";

/** One record as it sits in a replica's log. */
export interface LogEntry {
  readonly offset: number;
  /** The leader epoch it was appended in. */
  readonly epoch: number;
  /** The producer's record number (from 1). */
  readonly rec: number;
  readonly key: string | null;
  /** Idempotent producer: its sequence number in this partition. */
  readonly seq?: number;
  /** The trace event of the append on the leader. */
  readonly appendSeq: number;
}

/** A record from the producer's side. */
export interface SentRecord {
  readonly id: number;
  readonly key: string | null;
  readonly partition: number;
  readonly sendMs: number;
  /** Idempotent producer: sequence number within the partition. */
  seq?: number;
  attempts: number;
  outcome: "pending" | "acked" | "failed";
  /** The offset the acknowledgement named. */
  ackOffset?: number;
  ackMs?: number;
  ackSeq?: number;
  /** Why the producer gave up. */
  error?: string;
  /** Trace events of the sends and what happened to them (lost request, lost ack, retry). */
  readonly story: { readonly seq: number; readonly what: string }[];
}

/** A record written to the output by processing an input record. */
export interface OutputEntry {
  readonly rec: number;
  readonly partition: number;
  readonly offset: number;
  readonly by: string;
  readonly atMs: number;
  readonly seq: number;
  /** Transaction id when written in one. */
  readonly txn?: string;
  state: "plain" | "open" | "committed" | "aborted";
}

export interface CommitRecord {
  readonly by: string;
  readonly partition: number;
  /** The next offset to read. */
  readonly offset: number;
  readonly atMs: number;
  readonly seq: number;
  readonly generation: number;
  readonly accepted: boolean;
  /** Commit of a strategy "before": the batch was not yet processed. */
  readonly beforeProcessing: boolean;
  /** The transaction the offsets were committed with, if any. */
  readonly txn?: string;
}

export interface Rebalance {
  readonly generation: number;
  readonly why: string;
  readonly startMs: number;
  endMs?: number;
  readonly startSeq: number;
  endSeq?: number;
  /** Partitions that stopped being consumed during it. */
  readonly revoked: number[];
  readonly protocol: "eager" | "cooperative";
  /** The assignment it ended with. */
  assignment?: Record<string, number[]>;
}

export interface Failover {
  readonly partition: number;
  readonly atMs: number;
  readonly seq: number;
  readonly from: string;
  readonly to: string | undefined;
  readonly epoch: number;
  readonly unclean: boolean;
  /** The new leader's log end offset and the old leader's. */
  readonly newEnd: number;
  readonly oldEnd: number;
  readonly isrBefore: readonly string[];
}

export interface Truncation {
  readonly broker: string;
  readonly partition: number;
  readonly from: number;
  readonly to: number;
  readonly seq: number;
  readonly atMs: number;
  readonly recs: readonly number[];
}

export interface Sample {
  readonly atMs: number;
  /** Per partition: high watermark minus committed offset. */
  readonly lag: readonly number[];
  /** Per consumer: partitions owned. */
  readonly owned: Readonly<Record<string, number>>;
}

export interface PartitionState {
  readonly partition: number;
  readonly replicas: readonly string[];
  readonly leader: string | undefined;
  readonly epoch: number;
  readonly isr: readonly string[];
  readonly logs: Readonly<Record<string, readonly LogEntry[]>>;
  readonly hw: Readonly<Record<string, number>>;
}

/** Every actor's state at one step, for the explorer. */
export interface ClusterState {
  readonly partitions: readonly {
    readonly p: number;
    readonly leader: string;
    readonly epoch: number;
    readonly isr: string;
    readonly ends: string;
    readonly hw: number;
  }[];
  readonly producer: { readonly inFlight: number; readonly acked: number; readonly failed: number };
  readonly group: {
    readonly generation: number;
    readonly state: string;
    readonly members: readonly { readonly name: string; readonly owns: string; readonly committed: string }[];
  };
}

export interface KafkaRun {
  readonly acks: Acks;
  readonly idempotence: boolean;
  readonly maxInFlight: number;
  readonly retries: number;
  readonly minInsyncReplicas: number;
  readonly uncleanLeaderElection: boolean;
  readonly assignor: Assignor;
  readonly commit: Commit;
  readonly isolation: Isolation;
  readonly sessionTimeoutMs: number;
  readonly brokers: readonly string[];
  readonly consumers: readonly string[];
  readonly events: readonly WorldEvent[];
  readonly sent: readonly SentRecord[];
  readonly partitions: readonly PartitionState[];
  readonly output: readonly OutputEntry[];
  readonly commits: readonly CommitRecord[];
  /** Final committed offset per partition. */
  readonly committed: readonly number[];
  readonly rebalances: readonly Rebalance[];
  readonly failovers: readonly Failover[];
  readonly truncations: readonly Truncation[];
  /** Duplicates the broker dropped (idempotent producer). */
  readonly dedupSeqs: readonly number[];
  /** Consumer crashes: who, when, the trace event. */
  readonly crashes: readonly { readonly who: string; readonly atMs: number; readonly seq: number }[];
  /** Partitions with no leader at the end. */
  readonly offline: readonly number[];
  readonly samples: readonly Sample[];
  /** When the first consumer fault (join, leave, crash) happens: rebalances from then on are the faults' (Infinity: none). */
  readonly groupFaultMs: number;
  readonly endMs: number;
  readonly watched?: { readonly before: ClusterState; readonly after: ReadonlyMap<number, ClusterState>; readonly end: ClusterState };
}

export type KafkaResult =
  { readonly mode: "run"; readonly run: KafkaRun } | { readonly mode: "compare"; readonly runs: readonly { readonly name: string; readonly run: KafkaRun }[] };
