// The producer: send() picks the partition (an explicit one, the key's murmur2 hash, or the sticky
// partition for null keys), then each record goes out as its own request to the partition's leader,
// at most `maxInFlight` unanswered per partition. Errors and timeouts are retried after a backoff
// until `retries` runs out. With idempotence every record carries the producer id's sequence number
// for its partition, so the broker can drop a resent record it already has, and refuse one that
// arrives ahead of a gap (OUT_OF_ORDER_SEQUENCE), which the producer sends again without counting it
// as a retry: that is how idempotence keeps order with up to 5 requests in flight.
import type { Message, Node } from "../../../core/network";
import type { Rng } from "../../../core/rng";
import type { RecordSpec } from "../scenario";
import { partitionForKey } from "./partitioner";
import { PRODUCER, type Cluster } from "./cluster";
import type { Body, Timer } from "./messages";
import type { SentRecord } from "./types";

export class Producer implements Node<Body, Timer> {
  readonly name = PRODUCER;
  private readonly specs = new Map<number, RecordSpec>();
  /** Records waiting for a free slot, per partition, in send order (a head index instead of shifting). */
  private readonly queues = new Map<number, { ids: number[]; head: number }>();
  private readonly inFlight = new Map<number, Set<number>>();
  private readonly nextSeq = new Map<number, number>();
  /** Retries used per record (sequence gaps do not count). */
  private readonly retried = new Map<number, number>();
  private sticky: { p: number; left: number } | undefined;
  /** The broker each record's latest request went to, and attempts failed by a closed connection. */
  private readonly sentTo = new Map<number, string>();
  private readonly closedAttempt = new Map<number, number>();
  /** Records whose latest attempt waits for its answer: what a closed connection fails (not those answered and backing off). */
  private readonly awaiting = new Set<number>();
  /** Records whose first request or first answer a fault plan loses. */
  readonly loseRequest = new Set<number>();
  readonly loseAck = new Set<number>();

  constructor(
    private readonly c: Cluster,
    private readonly rng: Rng,
    records: readonly RecordSpec[],
  ) {
    for (const r of records) this.specs.set(r.id, r);
  }

  /** Schedules every send() (once the producer is on the network). */
  start(): void {
    for (const r of this.specs.values()) this.c.world.timer(PRODUCER, r.atMs, { t: "send", rec: r.id });
  }

  get inFlightCount(): number {
    return [...this.inFlight.values()].reduce((a, s) => a + s.size, 0);
  }

  private partitionOf(r: RecordSpec): number {
    const n = this.c.o.partitions;
    if (r.partition !== undefined) return r.partition;
    if (r.key !== null) return partitionForKey(r.key, n);
    // Sticky partitioning (KIP-480): fill a batch on one partition, then move to another.
    if (!this.sticky || this.sticky.left === 0) {
      const others = Array.from({ length: n }, (_, i) => i).filter((i) => n === 1 || i !== this.sticky?.p);
      this.sticky = { p: this.rng.pick(others), left: this.c.o.stickyBatch };
    }
    this.sticky.left--;
    return this.sticky.p;
  }

  onTimer(tag: Timer): void {
    if (tag.t === "send") return this.accept(tag.rec);
    if (tag.t === "retry") return this.attempt(tag.rec);
    if (tag.t === "timeout") {
      const s = this.c.sent[tag.rec - 1]!;
      if (s.outcome !== "pending" || s.attempts !== tag.attempt || this.closedAttempt.get(s.id) === tag.attempt) return;
      this.awaiting.delete(s.id);
      this.closedAttempt.set(s.id, s.attempts);
      const e = this.c.world.record({ actor: PRODUCER, kind: "fail", text: `#${s.id}: no answer in ${this.c.o.requestTimeoutMs} ms`, fault: true });
      s.story.push({ seq: e.seq, what: "timeout" });
      this.failed(s, "request timed out", true);
      this.closeConnection(s.id);
    }
  }

  /**
   * After a request timeout the producer closes its connection to that broker, as both Kafka
   * clients do (the Java client's NetworkClient on any timed-out request; librdkafka at its default
   * socket.max.fails=1), and every other request in flight on it fails at once and is sent again
   * (it may have been appended: a retry is counted). A connection stuck behind a held answer
   * (hold-ack) is freed by it.
   */
  private closeConnection(timedOut: number): void {
    const broker = this.sentTo.get(timedOut);
    if (broker === undefined) return;
    this.c.heldConnections.delete(broker);
    const others = [...this.awaiting]
      .filter((id) => this.sentTo.get(id) === broker)
      .sort((a, b) => a - b)
      .map((id) => this.c.sent[id - 1]!);
    const e = this.c.world.record({
      actor: PRODUCER,
      kind: "fail",
      text: `closes its connection to ${broker}${others.length ? `: ${others.map((x) => `#${x.id}`).join(", ")} in flight on it fail too` : ""}`,
      fault: true,
    });
    for (const x of others) {
      this.awaiting.delete(x.id);
      this.closedAttempt.set(x.id, x.attempts);
      x.story.push({ seq: e.seq, what: "connection closed" });
      this.failed(x, "connection closed", true);
    }
  }

  /** The application's send(): the partition is chosen now, the request waits for a free slot. */
  private accept(id: number): void {
    const spec = this.specs.get(id)!;
    const p = this.partitionOf(spec);
    const s: SentRecord = { id, key: spec.key, partition: p, sendMs: this.c.world.nowMs, attempts: 0, outcome: "pending", story: [] };
    if (this.c.o.idempotence) {
      s.seq = this.nextSeq.get(p) ?? 0;
      this.nextSeq.set(p, s.seq + 1);
    }
    this.c.sent[id - 1] = s;
    const q = this.queues.get(p) ?? { ids: [], head: 0 };
    q.ids.push(id);
    this.queues.set(p, q);
    this.drain(p);
  }

  /** Sends the partition's waiting records while it has fewer than `maxInFlight` unanswered. */
  private drain(p: number): void {
    const q = this.queues.get(p);
    if (!q) return;
    while (q.head < q.ids.length && (this.inFlight.get(p)?.size ?? 0) < this.c.o.maxInFlight) this.attempt(q.ids[q.head++]!);
  }

  private attempt(id: number): void {
    const s = this.c.sent[id - 1]!;
    if (s.outcome !== "pending") return;
    const meta = this.c.meta[s.partition]!;
    const flying = this.inFlight.get(s.partition) ?? new Set<number>();
    this.inFlight.set(s.partition, flying.add(id));
    s.attempts++;
    const leader = meta.leader ?? meta.replicas[0]!;
    this.sentTo.set(id, leader);
    const again = s.attempts > 1;
    const label = `${again ? "resend" : "produce"} #${id}${s.key ? ` ${s.key}` : ""} → p${s.partition}${s.seq !== undefined ? ` seq ${s.seq}` : ""}`;
    const before = this.c.world.trace.length;
    const body: Body = { t: "produce", p: s.partition, rec: id, key: s.key, attempt: s.attempts, ...(s.seq !== undefined ? { seq: s.seq } : {}) };
    this.c.world.send(PRODUCER, leader, "call", label, body, undefined, again);
    s.story.push({ seq: before, what: again ? "resend" : "send" });
    if (this.c.o.acks === 0) {
      // Fire and forget: the producer counts it as sent as soon as it leaves.
      s.outcome = "acked";
      s.ackMs = this.c.world.nowMs;
      flying.delete(id);
      return;
    }
    this.awaiting.add(id);
    this.c.world.timer(PRODUCER, this.c.o.requestTimeoutMs, { t: "timeout", rec: id, attempt: s.attempts });
  }

  /** Whether an answer belongs to an attempt whose connection the producer has closed since. */
  answersClosedAttempt(b: Body): boolean {
    return (b.t === "produce-ok" || b.t === "produce-err") && this.closedAttempt.get(b.rec) === b.attempt;
  }

  onMessage(m: Message<Body>): void {
    this.onAnswer(m);
  }

  private onAnswer(m: Message<Body>): void {
    const b = m.body;
    if (b.t !== "produce-ok" && b.t !== "produce-err") return;
    const s = this.c.sent[b.rec - 1]!;
    if (s.outcome !== "pending" || b.attempt !== s.attempts || this.closedAttempt.get(s.id) === b.attempt) return;
    this.awaiting.delete(s.id);
    if (b.t === "produce-ok") {
      s.outcome = "acked";
      s.ackOffset = b.offset;
      s.ackMs = this.c.world.nowMs;
      s.ackSeq = this.c.world.trace.length - 1;
      this.inFlight.get(s.partition)?.delete(s.id);
      this.c.world.touch();
      return this.drain(s.partition);
    }
    // A sequence gap while an earlier record of the partition is still on its way is the idempotent
    // producer's normal wait; a gap nothing will fill (the leader lost records) counts as a failure.
    this.failed(s, b.error, b.error !== "OUT_OF_ORDER_SEQUENCE" || !this.earlierPending(s));
  }

  private earlierPending(s: SentRecord): boolean {
    return this.c.sent.some((x) => x !== undefined && x.partition === s.partition && x.id < s.id && x.outcome === "pending");
  }

  /** A failed attempt: retry after the backoff while retries last; a sequence gap is not counted. */
  private failed(s: SentRecord, why: string, counts: boolean): void {
    const used = (this.retried.get(s.id) ?? 0) + (counts ? 1 : 0);
    this.retried.set(s.id, used);
    if (used > this.c.o.retries) {
      s.outcome = "failed";
      s.error = why;
      this.inFlight.get(s.partition)?.delete(s.id);
      const e = this.c.world.record({ actor: PRODUCER, kind: "fail", text: `#${s.id}: gives up after ${s.attempts} attempts (${why})`, fault: true });
      s.story.push({ seq: e.seq, what: "gave up" });
      return this.drain(s.partition);
    }
    this.c.world.timer(PRODUCER, this.c.o.retryBackoffMs, { t: "retry", rec: s.id });
  }
}
