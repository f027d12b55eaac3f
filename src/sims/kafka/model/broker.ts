// A broker: for each partition it holds a replica (log, high watermark, leader epoch and the start
// offset of every epoch it has seen). As leader it appends produced records, answers followers'
// fetches, keeps the ISR (followers that caught up within replica.lag.time.max.ms) and moves the high
// watermark to the smallest log end offset in the ISR, answering acks=all requests once it passes
// them. As follower it fetches from the leader and, after a leader change, asks the leader where its
// own last epoch ended and truncates there before fetching (KIP-101).
import type { Message, Node } from "../../../core/network";
import type { BrokerSide, ClusterSide } from "./host";
import type { Body, FetchPart, Timer } from "./messages";
import type { Setup } from "../scenario";
import { Replica } from "./replica";
import type { LogEntry } from "./types";

/**
 * fetch.max.wait.ms and replica.fetch.wait.max.ms: how long a broker holds a fetch that finds nothing
 * new. Kafka's 500 ms is well under its 30 s replica.lag.time.max.ms; here it stays under half of
 * `replicaLagMaxMs`, so a lost fetch is sent again before its follower counts as behind.
 */
export function fetchWaitMs(o: Setup): number {
  return Math.max(1, Math.min(500, Math.floor(o.replicaLagMaxMs / 4)));
}

/** A fetch the leader holds until there is something to send, or until fetchWaitMs. */
type Parked =
  | { readonly id: number; readonly kind: "replica"; readonly from: string; readonly parts: readonly FetchPart[] }
  | { readonly id: number; readonly kind: "consumer"; readonly from: string; readonly fetch: Extract<Body, { t: "fetch" }> };

const range = (entries: readonly LogEntry[]) =>
  entries.length === 1 ? `${entries[0]!.offset}` : `${entries[0]!.offset}-${entries[entries.length - 1]!.offset}`;

export class Broker implements Node<Body, Timer>, BrokerSide {
  readonly replicas = new Map<number, Replica>();
  stalled = false;
  private parked: Parked[] = [];
  private nextPark = 1;
  /** Follower side: leaders with a fetch of ours outstanding, and since when. */
  private readonly fetching = new Map<string, number>();

  constructor(
    private readonly c: ClusterSide,
    readonly name: string,
  ) {}

  replica(p: number): Replica {
    return this.replicas.get(p)!;
  }

  isLeader(p: number): boolean {
    return this.c.meta[p]!.leader === this.name;
  }

  onMessage(m: Message<Body>): void {
    const b = m.body;
    switch (b.t) {
      case "produce":
        return this.c.produce(this, m.from, b);
      case "replica-fetch":
        return this.answerReplicaFetch(m.from, b.parts);
      case "replica-data":
        this.fetching.delete(m.from);
        if (this.stalled) return;
        for (const part of b.parts) this.follow(part.p, part.entries, part.hw, part.epoch);
        this.c.world.touch();
        // Followers fetch again as soon as an answer is in: one fetch outstanding per leader.
        return this.fetchFromLeaders();
      case "epoch-query":
        return this.answerEpochQuery(m.from, b.p, b.epoch);
      case "epoch-end":
        return this.truncate(b.p, b.end, b.epoch);
      case "fetch":
        return this.answerFetch(m.from, b);
      default:
        return;
    }
  }

  onTimer(tag: Timer): void {
    if (tag.t === "follow") {
      this.fetchFromLeaders();
      this.c.world.timer(this.name, this.c.o.fetchMs, { t: "follow" });
    } else if (tag.t === "fetch-wait") {
      const held = this.parked.find((x) => x.id === tag.id);
      if (held) this.respond(held);
    } else if (tag.t === "isr-check") {
      this.shrinkIsr();
      this.c.world.timer(this.name, Math.max(1, Math.floor(this.c.o.replicaLagMaxMs / 2)), { t: "isr-check" });
    }
  }

  onCrash(): void {
    this.parked = [];
    this.fetching.clear();
    for (const r of this.replicas.values()) r.pending = [];
  }

  onRecover(): void {
    this.c.world.timer(this.name, 0, { t: "follow" });
    this.c.world.timer(this.name, 1, { t: "isr-check" });
    this.c.brokerBack(this.name);
  }

  /** The end offset of `epoch` in this replica's log: where the next epoch starts, or its end. */
  epochEnd(r: Replica, epoch: number): number {
    const next = r.epochStarts.find((e) => e.epoch > epoch);
    return next ? next.start : r.end;
  }

  append(p: number, rec: number, key: string | null, seq: number | undefined): LogEntry {
    const r = this.replica(p);
    const e = this.c.world.record({ actor: this.name, kind: "log", text: `append #${rec}${key ? ` ${key}` : ""} at p${p}@${r.end}` });
    const entry: LogEntry = { offset: r.end, epoch: r.epoch, rec, key, appendSeq: e.seq, ...(seq !== undefined ? { seq } : {}) };
    if (r.epochStarts.length === 0 || r.epochStarts[r.epochStarts.length - 1]!.epoch !== r.epoch) r.epochStarts.push({ epoch: r.epoch, start: r.end });
    r.log.push(entry);
    this.advanceHw(p);
    this.wake(p);
    return entry;
  }

  /** HW = the smallest log end offset over the ISR (the leader's own included). */
  advanceHw(p: number): void {
    const r = this.replica(p);
    const isr = this.c.meta[p]!.isr;
    const hw = Math.min(...isr.map((b) => (b === this.name ? r.end : (r.followerEnd.get(b) ?? 0))));
    if (hw > r.hw) {
      r.hw = hw;
      this.wake(p);
    }
    this.c.answerPending(this, p);
  }

  private fetchFromLeaders(): void {
    if (this.stalled) return;
    const byLeader = new Map<string, FetchPart[]>();
    const patience = fetchWaitMs(this.c.o) + 2 * this.c.o.network.maxDelayMs;
    for (const [p, r] of this.replicas) {
      const leader = this.c.meta[p]!.leader;
      if (leader === undefined || leader === this.name) continue;
      // An epoch query or its answer lost on the way: ask again.
      if (r.truncating && this.c.world.nowMs - r.truncatingSinceMs > patience) this.askEpochEnd(p, leader);
      if (r.truncating) continue;
      const parts = byLeader.get(leader) ?? [];
      parts.push({ p, offset: r.end, epoch: r.epoch });
      byLeader.set(leader, parts);
    }
    const now = this.c.world.nowMs;
    for (const [leader, parts] of byLeader) {
      const since = this.fetching.get(leader);
      // One fetch outstanding per leader; one unanswered for long (lost, or the leader died) is given up.
      if (since !== undefined && now - since < fetchWaitMs(this.c.o) + 2 * this.c.o.network.maxDelayMs) continue;
      this.fetching.set(leader, now);
      this.c.world.send(this.name, leader, "async", "replica fetch", { t: "replica-fetch", parts });
    }
  }

  private answerReplicaFetch(follower: string, parts: readonly FetchPart[]): void {
    for (const f of parts) {
      if (!this.isLeader(f.p)) continue;
      const r = this.replica(f.p);
      r.followerEnd.set(follower, f.offset);
      // Kafka's rule: caught up now if the fetch reaches the log end, or caught up as of the previous
      // fetch if it reaches where the log ended then (a follower under steady load is never exactly level).
      const now = this.c.world.nowMs;
      const prev = r.lastFetch.get(follower);
      if (f.offset >= r.end) r.caughtUpMs.set(follower, now);
      else if (prev && f.offset >= prev.leaderEnd) r.caughtUpMs.set(follower, prev.atMs);
      r.lastFetch.set(follower, { atMs: now, leaderEnd: r.end });
      this.maybeExpandIsr(f.p, follower, f.offset);
      this.advanceHw(f.p);
    }
    this.hold({ id: this.nextPark++, kind: "replica", from: follower, parts });
  }

  /** Answers a fetch at once if it finds something, else holds it (long polling). */
  private hold(x: Parked): void {
    if (this.hasData(x)) return this.respond(x);
    this.parked.push(x);
    this.c.world.timer(this.name, fetchWaitMs(this.c.o), { t: "fetch-wait", id: x.id });
  }

  private hasData(x: Parked): boolean {
    if (x.kind === "consumer") return this.isLeader(x.fetch.p) && this.replica(x.fetch.p).hw > x.fetch.offset;
    return x.parts.some((f) => this.isLeader(f.p) && this.replica(f.p).end > f.offset);
  }

  /** New records or a higher high watermark on `p`: answer the fetches held for it. */
  private wake(p: number): void {
    if (!this.parked.length) return;
    const ready = this.parked.filter((x) => (x.kind === "consumer" ? x.fetch.p === p : x.parts.some((f) => f.p === p)) && this.hasData(x));
    for (const x of ready) this.respond(x);
  }

  private respond(x: Parked): void {
    this.parked = this.parked.filter((y) => y.id !== x.id);
    if (x.kind === "consumer") return this.sendRecords(x.from, x.fetch);
    const out = x.parts
      .filter((f) => this.isLeader(f.p))
      .map((f) => {
        const r = this.replica(f.p);
        return { p: f.p, entries: r.log.slice(f.offset, f.offset + 50), hw: r.hw, epoch: r.epoch };
      });
    const carrying = out.filter((o) => o.entries.length);
    const label = carrying.length ? `replicate ${carrying.map((o) => `p${o.p}@${range(o.entries)}`).join(", ")}` : "nothing new";
    this.c.world.send(this.name, x.from, "reply", label, { t: "replica-data", parts: out });
  }

  /** A follower whose log reaches the high watermark joins the ISR again. */
  private maybeExpandIsr(p: number, follower: string, offset: number): void {
    const meta = this.c.meta[p]!;
    const r = this.replica(p);
    if (meta.isr.includes(follower) || offset < r.hw || offset < r.end) return;
    meta.isr = [...meta.isr, follower];
    this.c.world.record({ actor: this.name, kind: "note", text: `p${p}: ${follower} caught up, ISR {${meta.isr.join(", ")}}` });
  }

  private shrinkIsr(): void {
    const now = this.c.world.nowMs;
    for (const [p, r] of this.replicas) {
      const meta = this.c.meta[p]!;
      if (meta.leader !== this.name) continue;
      const behind = meta.isr.filter(
        (b) => b !== this.name && now - (r.caughtUpMs.get(b) ?? 0) > this.c.o.replicaLagMaxMs && (r.followerEnd.get(b) ?? 0) < r.end,
      );
      if (!behind.length) continue;
      meta.isr = meta.isr.filter((b) => !behind.includes(b));
      this.c.world.record({
        actor: this.name,
        kind: "note",
        text: `p${p}: ${behind.join(", ")} behind for over ${this.c.o.replicaLagMaxMs} ms, ISR {${meta.isr.join(", ")}}`,
        fault: true,
      });
      this.advanceHw(p);
    }
  }

  private follow(p: number, entries: readonly LogEntry[], hw: number, epoch: number): void {
    const r = this.replica(p);
    if (r.truncating || epoch < r.epoch || this.isLeader(p)) return;
    for (const e of entries) {
      if (e.offset !== r.end) continue;
      if (r.epochStarts.length === 0 || r.epochStarts[r.epochStarts.length - 1]!.epoch !== e.epoch) r.epochStarts.push({ epoch: e.epoch, start: e.offset });
      r.log.push(e);
    }
    r.hw = Math.min(hw, r.end);
  }

  /** Becomes a follower of a new leader epoch: ask where its last epoch ended before fetching. */
  becomeFollower(p: number, leader: string, epoch: number): void {
    const r = this.replica(p);
    r.epoch = epoch;
    r.pending = [];
    r.truncating = true;
    this.askEpochEnd(p, leader);
  }

  private askEpochEnd(p: number, leader: string): void {
    const r = this.replica(p);
    r.truncatingSinceMs = this.c.world.nowMs;
    const last = r.epochStarts.length ? r.epochStarts[r.epochStarts.length - 1]!.epoch : 0;
    this.c.world.send(this.name, leader, "call", `epoch query p${p} (last epoch ${last})`, { t: "epoch-query", p, epoch: last });
  }

  private answerEpochQuery(from: string, p: number, epoch: number): void {
    if (!this.isLeader(p)) return;
    const end = this.epochEnd(this.replica(p), epoch);
    this.c.world.send(this.name, from, "reply", `p${p}: epoch ${epoch} ends at ${end}`, { t: "epoch-end", p, end, epoch: this.replica(p).epoch });
  }

  private truncate(p: number, end: number, epoch: number): void {
    const r = this.replica(p);
    if (!r.truncating || epoch !== r.epoch) return;
    r.truncating = false;
    if (r.end > end) {
      const dropped = r.log.slice(end);
      r.log = r.log.slice(0, end);
      r.epochStarts = r.epochStarts.filter((e) => e.start < end);
      r.hw = Math.min(r.hw, end);
      const e = this.c.world.record({
        actor: this.name,
        kind: "rollback",
        text: `truncate p${p} to ${end}: drops ${dropped.map((d) => `#${d.rec}`).join(", ")}`,
        fault: true,
      });
      this.c.truncations.push({
        broker: this.name,
        partition: p,
        from: end + dropped.length,
        to: end,
        seq: e.seq,
        atMs: e.atMs,
        recs: dropped.map((d) => d.rec),
      });
    } else this.c.world.touch();
    this.fetchFromLeaders();
  }

  private answerFetch(consumer: string, fetch: Extract<Body, { t: "fetch" }>): void {
    this.hold({ id: this.nextPark++, kind: "consumer", from: consumer, fetch });
  }

  private sendRecords(consumer: string, f: Extract<Body, { t: "fetch" }>): void {
    const r = this.replica(f.p);
    // Consumers read only up to the high watermark: what every in-sync replica has.
    const entries = this.isLeader(f.p) ? r.log.slice(f.offset, Math.min(r.hw, f.offset + f.max)) : [];
    const label = entries.length ? `p${f.p}@${range(entries)}: ${entries.map((e) => `#${e.rec}`).join(" ")}` : "nothing new";
    this.c.world.send(this.name, consumer, "reply", label, { t: "records", id: f.id, p: f.p, entries });
  }
}
