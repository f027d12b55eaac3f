// The cluster: the shared world, each partition's metadata as the controller keeps it (replicas,
// leader, leader epoch, ISR), the brokers, the producer and the consumer group. The leader's side of a
// produce request lives here because it needs all three: min.insync.replicas, the idempotent
// producer's sequence check, and the acks=all wait for the high watermark. The controller elects
// leaders: from the ISR, or with unclean leader election from any live replica.
import { World, type Node } from "../../../core/network";
import type { Rng } from "../../../core/rng";
import type { Setup } from "../scenario";
import { Broker } from "./broker";
import type { BrokerSide, ClusterSide, PartitionMeta } from "./host";
import { Replica } from "./replica";
import type { Body, Timer } from "./messages";
import type { CommitRecord, Failover, OutputEntry, Rebalance, Sample, SentRecord, Truncation } from "./types";

export const CONTROLLER = "controller";
export const PRODUCER = "producer";
export const COORDINATOR = "coordinator";

/** What a consumer-side actor offers the cluster's sampler. */
export interface Owner {
  readonly name: string;
  owned(): readonly number[];
}

export class Cluster implements ClusterSide {
  readonly world: World<Body, Timer>;
  readonly meta: PartitionMeta[];
  readonly brokers = new Map<string, Broker>();
  readonly sent: SentRecord[] = [];
  readonly output: OutputEntry[] = [];
  readonly commits: CommitRecord[] = [];
  readonly committed: number[];
  readonly rebalances: Rebalance[] = [];
  readonly failovers: Failover[] = [];
  readonly truncations: Truncation[] = [];
  readonly dedupSeqs: number[] = [];
  readonly crashes: { who: string; atMs: number; seq: number }[] = [];
  readonly samples: Sample[] = [];
  readonly owners: Owner[] = [];
  /** Brokers whose connection to the producer is stuck behind a held answer (a hold-ack fault), until the producer closes it. */
  readonly heldConnections = new Set<string>();

  constructor(
    readonly o: Setup,
    rng: Rng,
  ) {
    // Kafka's connections are TCP: between two parties, messages arrive once, in the order sent.
    this.world = new World<Body, Timer>(rng, { ...o.network, reorder: false, duplicate: 0 });
    const names = Array.from({ length: o.brokers }, (_, i) => `b${i + 1}`);
    this.meta = Array.from({ length: o.partitions }, (_, p) => {
      const replicas = Array.from({ length: o.replicationFactor }, (_, i) => names[(p + i) % names.length]!);
      return { p, replicas, leader: replicas[0], epoch: 0, isr: [...replicas] };
    });
    this.committed = Array.from({ length: o.partitions }, () => 0);
    for (const name of names) {
      const b = new Broker(this, name);
      for (const m of this.meta) if (m.replicas.includes(name)) b.replicas.set(m.p, new Replica());
      this.brokers.set(name, b);
    }
  }

  /** The leader's side of a produce request. */
  produce(b: BrokerSide, from: string, req: Extract<Body, { t: "produce" }>): void {
    const { p, rec, attempt } = req;
    const reply = (body: Body, label: string) => {
      if (this.o.acks !== 0) this.world.send(b.name, from, "reply", label, body);
    };
    if (!b.isLeader(p)) return reply({ t: "produce-err", p, rec, attempt, error: "NOT_LEADER" }, `#${rec}: NOT_LEADER`);
    const meta = this.meta[p]!;
    if (this.o.acks === "all" && meta.isr.length < this.o.minInsyncReplicas)
      return reply({ t: "produce-err", p, rec, attempt, error: "NOT_ENOUGH_REPLICAS" }, `#${rec}: NOT_ENOUGH_REPLICAS (ISR ${meta.isr.length})`);
    const r = b.replica(p);
    if (req.seq !== undefined) {
      // The idempotent producer's check, against the producer state rebuilt from this log.
      const mine = r.log.filter((e) => e.seq !== undefined);
      const last = mine.length ? mine[mine.length - 1]!.seq! : -1;
      const dup = mine.find((e) => e.seq === req.seq);
      if (dup) {
        const e = this.world.record({ actor: b.name, kind: "dedup", text: `#${rec} seq ${req.seq} already at p${p}@${dup.offset}: not appended again` });
        this.dedupSeqs.push(e.seq);
        return this.ackWhenSafe(b, from, p, rec, dup.offset, attempt, true);
      }
      if (req.seq > last + 1) return reply({ t: "produce-err", p, rec, attempt, error: "OUT_OF_ORDER_SEQUENCE" }, `#${rec}: OUT_OF_ORDER_SEQUENCE`);
    }
    const entry = b.append(p, rec, req.key, req.seq);
    this.ackWhenSafe(b, from, p, rec, entry.offset, attempt, false);
  }

  private ackWhenSafe(b: BrokerSide, from: string, p: number, rec: number, offset: number, attempt: number, dup: boolean): void {
    if (this.o.acks === 0) return;
    const r = b.replica(p);
    if (this.o.acks === 1 || offset < r.hw) {
      this.world.send(b.name, from, "reply", `ack #${rec} p${p}@${offset}`, { t: "produce-ok", p, rec, offset, attempt, dup });
      return;
    }
    r.pending.push({ rec, offset, attempt });
  }

  /**
   * acks=all: answer the requests the high watermark has now passed. Kafka checks min.insync.replicas
   * again at that point: with the ISR shrunk below it, the record is in but the answer is an error
   * (NOT_ENOUGH_REPLICAS_AFTER_APPEND), and the producer sends it again.
   */
  answerPending(b: BrokerSide, p: number): void {
    const r = b.replica(p);
    if (!r.pending.length) return;
    const ready = r.pending.filter((x) => x.offset < r.hw);
    r.pending = r.pending.filter((x) => x.offset >= r.hw);
    const enough = this.meta[p]!.isr.length >= this.o.minInsyncReplicas;
    for (const x of ready) {
      if (enough)
        this.world.send(b.name, PRODUCER, "reply", `ack #${x.rec} p${p}@${x.offset}`, {
          t: "produce-ok",
          p,
          rec: x.rec,
          offset: x.offset,
          attempt: x.attempt,
          dup: false,
        });
      else
        this.world.send(b.name, PRODUCER, "reply", `#${x.rec}: NOT_ENOUGH_REPLICAS_AFTER_APPEND`, {
          t: "produce-err",
          p,
          rec: x.rec,
          attempt: x.attempt,
          error: "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
        });
    }
  }

  /** The controller, `detectMs` after a broker went down: a new leader for each partition it led. */
  brokerGone(name: string): void {
    for (const meta of this.meta) {
      const before = [...meta.isr];
      // The controller takes a dead broker out of the ISR, except the last member: the ISR is never empty.
      if (meta.isr.includes(name) && meta.isr.length > 1) meta.isr = meta.isr.filter((b) => b !== name);
      if (meta.leader === name) this.elect(meta, name, before);
    }
    this.world.touch();
  }

  /** A broker is back: it leads partitions that had no leader (if allowed), and follows the rest. */
  brokerBack(name: string): void {
    for (const meta of this.meta) {
      if (!meta.replicas.includes(name)) continue;
      if (meta.leader === undefined) this.elect(meta, name, [...meta.isr]);
      else if (meta.leader !== name) this.brokers.get(name)!.becomeFollower(meta.p, meta.leader, meta.epoch);
    }
  }

  private elect(meta: PartitionMeta, from: string, isrBefore: readonly string[]): void {
    const up = (b: string) => this.world.isUp(b);
    const clean = meta.isr.filter(up);
    const candidates = clean.length ? clean : this.o.uncleanLeaderElection ? meta.replicas.filter(up) : [];
    const to = candidates[0];
    const unclean = to !== undefined && !clean.includes(to);
    const old = meta.leader;
    meta.leader = to;
    if (to === undefined) {
      const e = this.world.record({ actor: CONTROLLER, kind: "fail", text: `p${meta.p}: no in-sync replica alive, partition offline`, fault: true });
      this.failovers.push({ partition: meta.p, atMs: e.atMs, seq: e.seq, from, to, epoch: meta.epoch, unclean: false, newEnd: 0, oldEnd: 0, isrBefore });
      return;
    }
    meta.epoch++;
    // A clean election keeps the live ISR; an unclean one starts it again from the new leader.
    meta.isr = unclean ? [to] : clean;
    const lead = this.brokers.get(to)!.replica(meta.p);
    lead.epoch = meta.epoch;
    lead.truncating = false;
    lead.followerEnd.clear();
    lead.caughtUpMs.clear();
    lead.lastFetch.clear();
    // A new leader counts its followers as caught up from now (Kafka resets their lastCaughtUpTime).
    for (const b of meta.isr) if (b !== to) lead.caughtUpMs.set(b, this.world.nowMs);
    lead.epochStarts.push({ epoch: meta.epoch, start: lead.end });
    const oldEnd = old ? this.brokers.get(old)!.replica(meta.p).end : lead.end;
    const e = this.world.record({
      actor: CONTROLLER,
      kind: "note",
      text: `p${meta.p}: ${to} leads epoch ${meta.epoch}${unclean ? " (UNCLEAN: not in sync)" : ""}, log end ${lead.end}`,
      ...(unclean ? { fault: true } : {}),
    });
    this.failovers.push({ partition: meta.p, atMs: e.atMs, seq: e.seq, from, to, epoch: meta.epoch, unclean, newEnd: lead.end, oldEnd, isrBefore });
    for (const b of meta.replicas) if (b !== to && up(b)) this.brokers.get(b)!.becomeFollower(meta.p, to, meta.epoch);
  }

  /** Lag and ownership now, for the charts. */
  sample(): void {
    const lag = this.meta.map((m) => {
      const hw = m.leader ? this.brokers.get(m.leader)!.replica(m.p).hw : 0;
      return Math.max(0, hw - this.committed[m.p]!);
    });
    this.samples.push({ atMs: this.world.nowMs, lag, owned: Object.fromEntries(this.owners.map((o) => [o.name, o.owned().length])) });
  }
}

/** The controller's node: failure detection, elections, and the sampler's clock. */
export class Controller implements Node<Body, Timer> {
  readonly name = CONTROLLER;
  constructor(private readonly c: Cluster) {}
  onMessage(): void {}
  onTimer(tag: Timer): void {
    if (tag.t === "detect" && !this.c.world.isUp(tag.broker)) this.c.brokerGone(tag.broker);
    else if (tag.t === "stall") {
      const b = this.c.brokers.get(tag.broker)!;
      b.stalled = tag.on;
      this.c.world.record({
        actor: tag.broker,
        kind: tag.on ? "fail" : "note",
        text: tag.on ? "stops fetching (stalled)" : "fetches again",
        ...(tag.on ? { fault: true } : {}),
      });
    } else if (tag.t === "sample") {
      this.c.sample();
      this.c.world.timer(CONTROLLER, 10, { t: "sample" });
    }
  }
}
