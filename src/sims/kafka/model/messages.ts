// The messages and timers of a Kafka run on the shared network. Produce, replica fetch and consumer
// fetch follow Kafka's request types; the group's join, sync, heartbeat and commit are the group
// coordinator's; the epoch query is OffsetsForLeaderEpoch (KIP-101).
import type { LogEntry } from "./types";

export type ProduceError = "NOT_LEADER" | "NOT_ENOUGH_REPLICAS" | "NOT_ENOUGH_REPLICAS_AFTER_APPEND" | "OUT_OF_ORDER_SEQUENCE";

export interface FetchPart {
  readonly p: number;
  readonly offset: number;
  readonly epoch: number;
}

export type Body =
  | { readonly t: "produce"; readonly p: number; readonly rec: number; readonly key: string | null; readonly seq?: number; readonly attempt: number }
  | { readonly t: "produce-ok"; readonly p: number; readonly rec: number; readonly offset: number; readonly attempt: number; readonly dup: boolean }
  | { readonly t: "produce-err"; readonly p: number; readonly rec: number; readonly attempt: number; readonly error: ProduceError }
  | { readonly t: "replica-fetch"; readonly parts: readonly FetchPart[] }
  | {
      readonly t: "replica-data";
      readonly parts: readonly { readonly p: number; readonly entries: readonly LogEntry[]; readonly hw: number; readonly epoch: number }[];
    }
  | { readonly t: "epoch-query"; readonly p: number; readonly epoch: number }
  | { readonly t: "epoch-end"; readonly p: number; readonly end: number; readonly epoch: number }
  | { readonly t: "fetch"; readonly id: number; readonly p: number; readonly offset: number; readonly max: number }
  | { readonly t: "records"; readonly id: number; readonly p: number; readonly entries: readonly LogEntry[] }
  | { readonly t: "rebalance"; readonly generation: number }
  | {
      readonly t: "join";
      /** The member's number for this join; the assignment that answers it carries it back. */
      readonly id: number;
      readonly owned: readonly number[];
      /** The first join after the consumer restarted: its transactional producer started again, fencing the old one. */
      readonly restarted?: boolean;
    }
  | {
      readonly t: "sync";
      readonly generation: number;
      /** The member's join this answers. */
      readonly join: number;
      readonly assignment: readonly number[];
      readonly offsets: Readonly<Record<number, number>>;
    }
  | { readonly t: "heartbeat" }
  | { readonly t: "unknown-member" }
  | { readonly t: "leave" }
  | {
      readonly t: "commit";
      /** The consumer's number for this commit (sent again unchanged), echoed in the answer. */
      readonly n: number;
      readonly generation: number;
      readonly offsets: readonly (readonly [number, number])[];
      readonly before: boolean;
      readonly txn?: string;
    }
  | {
      readonly t: "commit-reply";
      readonly n: number;
      readonly ok: boolean;
      readonly generation: number;
    };

export type Timer =
  | { readonly t: "send"; readonly rec: number }
  | { readonly t: "timeout"; readonly rec: number; readonly attempt: number }
  | { readonly t: "retry"; readonly rec: number }
  | { readonly t: "follow" }
  | { readonly t: "fetch-wait"; readonly id: number }
  | { readonly t: "isr-check" }
  | { readonly t: "detect"; readonly broker: string }
  | { readonly t: "elect-back"; readonly broker: string }
  | { readonly t: "sample" }
  | { readonly t: "stall"; readonly broker: string; readonly on: boolean }
  | { readonly t: "session-check" }
  | { readonly t: "heartbeat" }
  | { readonly t: "poll" }
  | { readonly t: "fetch-timeout"; readonly id: number }
  | { readonly t: "commit-timeout"; readonly id: number }
  | { readonly t: "join-timeout"; readonly id: number }
  | { readonly t: "processed" }
  | { readonly t: "start" }
  | { readonly t: "pause"; readonly ms: number }
  | { readonly t: "resume" }
  | { readonly t: "leave" };

/** Labels left out of the sequence diagram: background chatter that carries nothing. */
export const QUIET = new Set(["heartbeat", "replica fetch", "nothing new", "rebalance in progress"]);
