// What a broker and the cluster see of each other, so that neither file imports the other: the
// cluster (metadata, the leader's side of produce, elections) drives brokers through BrokerSide, and
// a broker reaches the world, the metadata and the cluster's decisions through ClusterSide.
import type { World } from "../../../core/network";
import type { Setup } from "../scenario";
import type { Body, Timer } from "./messages";
import type { Replica } from "./replica";
import type { LogEntry, Truncation } from "./types";

/** A partition as the controller keeps it. */
export interface PartitionMeta {
  readonly p: number;
  readonly replicas: readonly string[];
  leader: string | undefined;
  epoch: number;
  isr: string[];
}

export interface BrokerSide {
  readonly name: string;
  readonly replicas: Map<number, Replica>;
  stalled: boolean;
  replica(p: number): Replica;
  isLeader(p: number): boolean;
  append(p: number, rec: number, key: string | null, seq: number | undefined): LogEntry;
  becomeFollower(p: number, leader: string, epoch: number): void;
}

export interface ClusterSide {
  readonly o: Setup;
  readonly world: World<Body, Timer>;
  readonly meta: PartitionMeta[];
  readonly truncations: Truncation[];
  produce(b: BrokerSide, from: string, req: Extract<Body, { t: "produce" }>): void;
  answerPending(b: BrokerSide, p: number): void;
  brokerBack(name: string): void;
}
