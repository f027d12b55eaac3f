// What the nodes of one replication run share: the world, the replicas and clients by name, the
// newest epoch and its leader (what a monitor and service discovery know), the partition, the
// clients' history, and the lag samples. Each node acts through it; the checker reads what it kept.
import { World } from "../../../core/network";
import type { Rng } from "../../../core/rng";
import type { Setup } from "../scenario";
import type { Body, ClientNode, ClusterState, Entry, Failed, OpRecord, ReplicaNode, Tag } from "./types";

export const MONITOR = "monitor";

export class Cluster {
  readonly world: World<Body, Tag>;
  readonly replicas = new Map<string, ReplicaNode>();
  readonly clients = new Map<string, ClientNode>();
  /** The newest epoch and its leader, as the monitor promoted it. */
  epoch = 1;
  leader: string;
  readonly ops: OpRecord[] = [];
  readonly failovers: Failed[] = [];
  readonly lag = new Map<string, { atMs: number; behind: number }[]>();
  readonly fencedSeqs: number[] = [];
  readonly crashSeqs: number[] = [];
  /** Names cut off with the old leader while the partition lasts. */
  isolated = new Set<string>();
  /** Replicas the monitor gave up on (a crashed old leader), until they rejoin. */
  readonly failed = new Set<string>();

  constructor(
    readonly o: Setup,
    readonly rng: Rng,
  ) {
    this.world = new World<Body, Tag>(rng, o.network);
    this.leader = o.leader;
    this.world.interfere = (m) => (this.cut(m.from, m.to) ? { drop: true } : undefined);
  }

  /** Whether a partition separates a and b now. */
  cut(a: string, b: string): boolean {
    return this.isolated.size > 0 && a !== MONITOR && b !== MONITOR && this.isolated.has(a) !== this.isolated.has(b);
  }

  replica(name: string): ReplicaNode {
    return this.replicas.get(name)!;
  }

  /** The log of the replica that leads the newest epoch. */
  leaderLog(): readonly (Entry | undefined)[] {
    return this.replica(this.leader).log;
  }

  /** Records how far each follower is behind the current leader. */
  sampleLag(): void {
    const lead = this.replica(this.leader);
    for (const f of this.o.followers) {
      const r = this.replica(f.name);
      const behind = r.name === this.leader ? 0 : Math.max(0, lead.position - r.position);
      const points = this.lag.get(f.name) ?? [];
      const last = points[points.length - 1];
      if (last?.behind === behind) continue;
      if (last?.atMs === this.world.nowMs) points.pop();
      points.push({ atMs: this.world.nowMs, behind });
      this.lag.set(f.name, points);
    }
  }

  /** How far a replica is behind the current leader now: positions, and the age of the oldest write it misses. */
  behind(r: ReplicaNode): { positions: number; ms: number } {
    const lead = this.replica(this.leader);
    if (r === lead) return { positions: 0, ms: 0 };
    const missing = lead.log.filter((e): e is Entry => e !== undefined && !r.hasApplied(e));
    const oldest = missing.reduce((t, e) => Math.min(t, e.atMs), Number.POSITIVE_INFINITY);
    return { positions: missing.length, ms: missing.length ? this.world.nowMs - oldest : 0 };
  }

  /** Writes the leader acknowledged that a replica lacks: how many, and since when the oldest was acknowledged. */
  missedAcked(r: ReplicaNode): { count: number; oldestAckMs: number } {
    let count = 0;
    let oldest = Number.POSITIVE_INFINITY;
    for (const e of this.leaderLog()) {
      if (!e || e.ackedAtMs === undefined || r.hasApplied(e)) continue;
      count++;
      oldest = Math.min(oldest, e.ackedAtMs);
    }
    return { count, oldestAckMs: oldest };
  }

  snapshot(): ClusterState {
    return {
      replicas: [...this.replicas.values()].map((r) => r.state()),
      clients: [...this.clients.values()].map((c) => c.state()),
      epoch: this.epoch,
      leader: this.leader,
    };
  }
}

/** The values a replica holds, as the timeline shows them: "x=2 (#3), y=1 (#1)". */
export function showData(data: ReadonlyMap<string, { value: unknown; lsn: number }>): string {
  return (
    [...data]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, h]) => `${k}=${String(h.value)} (#${h.lsn})`)
      .join(", ") || "—"
  );
}
