// A consumer of the group: a poll loop that fetches one of its partitions at a time (round robin),
// up to the high watermark, and processes the batch record by record, writing one output per record.
// When it commits depends on the strategy: at each poll once the auto-commit interval has passed,
// before processing, after processing, or with the outputs in one transaction. A rebalance is
// noticed at the next poll, as in Kafka's client: the batch in hand is finished first.
import type { Message, Node } from "../../../core/network";
import { fetchWaitMs } from "./broker";
import { COORDINATOR, type Cluster, type Owner } from "./cluster";
import type { Coordinator } from "./coordinator";
import type { Body, Timer } from "./messages";
import type { LogEntry } from "./types";

const IDLE_MS = 10;

export class Consumer implements Node<Body, Timer>, Owner {
  private assignment: number[] = [];
  private readonly positions = new Map<number, number>();
  private generation = 0;
  private rr = 0;
  private batch: { p: number; entries: readonly LogEntry[]; i: number } | undefined;
  private waiting: "nothing" | "fetch" | "commit" | "process" | "sync" = "nothing";
  private afterCommit: (() => void) | undefined;
  private rejoin = false;
  private pendingSync: Extract<Body, { t: "sync" }> | undefined;
  private lastAutoCommitMs = 0;
  private txnNo = 0;
  private txn: string | undefined;
  private left = false;
  private joinId = 0;
  private lastJoin: { owned: number[]; label: string } | undefined;
  /** Restarted after a crash: its joins say so until one is answered (the coordinator aborts what the old instance left open). */
  private restarted = false;
  private commitId = 0;
  /** Commits are numbered; the one the next step waits for. */
  private commitN = 0;
  private syncCommit: Extract<Body, { t: "commit" }> | undefined;
  /** Whether its heartbeat timer runs (a member that joins again keeps the one it has). */
  private heartbeating = false;
  /** Told it is no longer a member: at the next poll it forgets its partitions and joins afresh. */
  private expelled = false;
  /** Asked to close: it leaves at its next poll, once the batch in hand is processed and committed. */
  private leaving = false;
  /** A stop-the-world pause: until then timers wait and messages queue, and nothing runs. */
  private pausedUntilMs = 0;
  private held: Message<Body>[] = [];
  /** The fetch whose answer the consumer waits for (answers to abandoned ones are dropped). */
  private fetchId = 0;
  /** Cooperative: a join sent and its assignment not yet received; commits wait for it (Kafka's RebalanceInProgressException). */
  private joinPending = false;
  private deferred: { ps: number[]; txn: string | undefined } | undefined;

  constructor(
    private readonly c: Cluster,
    private readonly group: Coordinator,
    readonly name: string,
  ) {}

  owned(): readonly number[] {
    return this.assignment;
  }

  state(): { owns: string; position: string } {
    return { owns: this.assignment.map((p) => `p${p}`).join(", "), position: this.assignment.map((p) => `p${p}@${this.positions.get(p) ?? "?"}`).join(", ") };
  }

  onCrash(): void {
    this.assignment = [];
    this.positions.clear();
    this.batch = undefined;
    this.waiting = "nothing";
    this.pendingSync = undefined;
    this.rejoin = false;
    this.txn = undefined;
    this.joinPending = false;
    this.deferred = undefined;
    this.pausedUntilMs = 0;
    this.held = [];
    this.expelled = false;
    this.heartbeating = false; // its timers die with it
    this.afterCommit = undefined;
    this.syncCommit = undefined;
    const last = this.c.world.trace.toArray()[this.c.world.trace.length - 1]!;
    this.c.crashes.push({ who: this.name, atMs: last.atMs, seq: last.seq });
  }

  onRecover(): void {
    this.restarted = true;
    this.start();
  }

  onTimer(tag: Timer): void {
    if (this.left) return;
    if (tag.t === "pause") return this.pause(tag.ms);
    if (tag.t === "resume") return this.resume();
    // During a pause nothing runs: a timer due now fires when the pause ends.
    if (this.c.world.nowMs < this.pausedUntilMs) return this.c.world.timer(this.name, this.pausedUntilMs - this.c.world.nowMs, tag);
    switch (tag.t) {
      case "start":
        return this.start();
      case "heartbeat":
        this.c.world.send(this.name, COORDINATOR, "async", "heartbeat", { t: "heartbeat" });
        this.c.world.timer(this.name, this.c.o.heartbeatMs, { t: "heartbeat" });
        return;
      case "poll":
        // Only an idle consumer polls on a timer: one woken meanwhile is busy (a fetch, a batch).
        if (this.waiting === "nothing") this.poll();
        return;
      case "join-timeout":
        if (tag.id === this.joinId && (this.waiting === "sync" || this.joinPending) && this.lastJoin) this.sendJoin(this.lastJoin.owned, this.lastJoin.label);
        return;
      case "commit-timeout":
        if (tag.id === this.commitId && this.waiting === "commit" && this.syncCommit) this.resendCommit(this.syncCommit);
        return;
      case "fetch-timeout":
        // The broker holding the fetch died or lost the partition: give the fetch up and poll again.
        if (tag.id !== this.fetchId || this.waiting !== "fetch") return;
        this.fetchId++;
        this.waiting = "nothing";
        return this.poll();
      case "processed":
        return this.processed();
      case "leave":
        this.leaving = true;
        return this.wake();
      default:
        return;
    }
  }

  private start(): void {
    this.waiting = "sync";
    this.sendJoin([], "join group");
    if (this.heartbeating) return;
    this.heartbeating = true;
    this.c.world.timer(this.name, this.c.o.heartbeatMs, { t: "heartbeat" });
  }

  /** A join, sent again after `requestTimeoutMs` without an assignment (the request or its answer lost). */
  private sendJoin(owned: readonly number[], label: string): void {
    this.joinId++;
    this.lastJoin = { owned: [...owned], label };
    const restarted = this.restarted ? { restarted: true } : {};
    this.c.world.send(this.name, COORDINATOR, "call", label, { t: "join", id: this.joinId, owned, ...restarted });
    this.c.world.timer(this.name, this.c.o.requestTimeoutMs, { t: "join-timeout", id: this.joinId });
  }

  private leave(): void {
    this.revoke(this.assignment);
    this.c.world.send(this.name, COORDINATOR, "call", "leave group", { t: "leave" });
    this.left = true;
    this.assignment = [];
  }

  private pause(ms: number): void {
    if (ms <= 0) return;
    this.pausedUntilMs = this.c.world.nowMs + ms;
    this.c.world.record({ actor: this.name, kind: "fail", text: `PAUSED for ${ms} ms (stop-the-world): no heartbeats, no processing`, fault: true });
    this.c.world.timer(this.name, ms, { t: "resume" });
  }

  /** The pause ends: the consumer carries on as if no time had passed, then reads what arrived meanwhile. */
  private resume(): void {
    this.pausedUntilMs = 0;
    this.c.world.record({ actor: this.name, kind: "note", text: "resumes, unaware of the pause" });
    const held = this.held;
    this.held = [];
    for (const m of held) this.onMessage(m);
  }

  onMessage(m: Message<Body>): void {
    if (this.left) return;
    if (this.c.world.nowMs < this.pausedUntilMs) return void this.held.push(m);
    const b = m.body;
    switch (b.t) {
      case "rebalance":
        // Already joining, or an older round: the coordinator counts the join it has (and a join
        // lost on its way is sent again on its own timeout).
        if (b.generation <= this.generation || this.joinPending || this.waiting === "sync") return;
        this.rejoin = true;
        return this.wake();
      case "sync":
        // The answer to an older join, sent again since (after a timeout, Kafka drops the request
        // and its answer with the connection): the answer to the latest one will come.
        if (b.join !== this.joinId) return;
        this.joinId++;
        this.restarted = false;
        // The new generation holds at once (its commits carry it); the assignment changes at the next poll.
        this.generation = b.generation;
        this.joinPending = false;
        this.pendingSync = b;
        return this.wake();
      case "unknown-member":
        // The group gave up on this member. Like the Java client, it learns it in the heartbeat
        // thread and acts on it at the next poll: the batch in hand is finished (and its commit
        // refused). A fresh join already on its way answers it.
        if (this.waiting === "sync" && !this.assignment.length) return;
        this.expelled = true;
        return this.wake();
      case "records":
        if (b.id !== this.fetchId) return;
        return this.received(b.p, b.entries);
      case "commit-reply":
        return this.onCommitReply(b);
      default:
        return;
    }
  }

  private onCommitReply(b: Extract<Body, { t: "commit-reply" }>): void {
    // Refused for a generation that is still this member's own: the group has moved on without it
    // (it was removed while it could not heartbeat). Like the Java client (ILLEGAL_GENERATION or
    // UNKNOWN_MEMBER_ID on a commit), it gives up its partitions and joins again at the next poll.
    if (!b.ok && b.generation === this.generation) this.expelled = true;
    const sync = this.syncCommit;
    if (!this.afterCommit || b.n !== sync?.n) {
      // Commits sent without waiting (auto-commit, revocation, deferred) need nothing else done on
      // their answer, unless the consumer must now join again.
      if (this.expelled) this.wake();
      return;
    }
    this.commitId++;
    const next = this.afterCommit;
    this.afterCommit = undefined;
    this.syncCommit = undefined;
    this.waiting = "nothing";
    // Committed before processing, and refused: Java's commitSync throws and the batch is not
    // processed; the application seeks back to its start, to read it again once it may commit.
    if (!b.ok && sync.before) {
      const batch = this.batch;
      this.batch = undefined;
      if (batch && this.assignment.includes(batch.p)) this.positions.set(batch.p, batch.entries[0]!.offset);
      return this.poll();
    }
    next();
  }

  /** Between batches, a rebalance or an assignment is handled at once; during one, at the next poll. */
  private wake(): void {
    // A fetch held by the broker is abandoned: the client's poll returns to take part in the rebalance.
    if (this.waiting === "fetch") {
      this.fetchId++;
      this.waiting = "nothing";
    }
    if (this.waiting === "nothing" || this.waiting === "sync") this.poll();
  }

  private poll(): void {
    if (this.leaving) return this.leave();
    if (this.expelled) {
      // onPartitionsLost: nothing is committed, and what its fenced producer wrote since the group
      // let it go is aborted.
      for (const o of this.c.output) if (o.by === this.name && o.state === "open") o.state = "aborted";
      this.expelled = false;
      this.assignment = [];
      this.positions.clear();
      this.pendingSync = undefined;
      this.rejoin = false;
      this.joinPending = false;
      this.deferred = undefined;
      this.txn = undefined;
      return this.start();
    }
    if (this.pendingSync) this.applySync(this.pendingSync);
    // A transaction the rebalance held back commits before anything else (joining again included).
    if (this.waiting === "commit") return;
    if (this.rejoin) return this.doRejoin();
    if (this.waiting === "sync") return;
    if (this.c.o.commit === "auto" && this.c.world.nowMs - this.lastAutoCommitMs >= this.c.o.autoCommitIntervalMs) {
      this.lastAutoCommitMs = this.c.world.nowMs;
      this.sendCommit(this.assignment, false, undefined);
    }
    if (!this.assignment.length) {
      this.waiting = "nothing";
      return this.c.world.timer(this.name, IDLE_MS, { t: "poll" });
    }
    const p = this.assignment[this.rr++ % this.assignment.length]!;
    const leader = this.c.meta[p]!.leader;
    this.waiting = "fetch";
    if (!leader) return this.received(p, []);
    this.fetchId++;
    this.c.world.timer(this.name, fetchWaitMs(this.c.o) + this.c.o.requestTimeoutMs, { t: "fetch-timeout", id: this.fetchId });
    this.c.world.send(this.name, leader, "call", `fetch p${p}@${this.positions.get(p) ?? 0}`, {
      t: "fetch",
      id: this.fetchId,
      p,
      offset: this.positions.get(p) ?? 0,
      max: this.c.o.maxPollRecords,
    });
  }

  private applySync(s: Extract<Body, { t: "sync" }>): void {
    this.pendingSync = undefined;
    const revoked = this.assignment.filter((p) => !s.assignment.includes(p));
    this.generation = s.generation;
    for (const p of s.assignment) if (!this.assignment.includes(p)) this.positions.set(p, s.offsets[p] ?? 0);
    this.assignment = [...s.assignment];
    this.waiting = "nothing";
    const d = this.deferred;
    this.deferred = undefined;
    // Deferred commits. A transaction's whole, waiting for the answer (sent again if lost): no new
    // transaction begins before it commits, as with Kafka's blocking commitTransaction(). Plain
    // offsets of what is still owned, without waiting (revocation commits the rest).
    if (d?.txn) this.commitThen(d.ps, false, d.txn, () => this.poll());
    else if (d)
      this.sendCommit(
        d.ps.filter((p) => this.assignment.includes(p)),
        false,
        undefined,
      );
    // Cooperative: partitions taken away are given up now, and the member joins again to hand them over.
    if (revoked.length) {
      this.revoke(revoked);
      this.rejoin = true;
    }
  }

  /** onPartitionsRevoked: commit what was consumed from them, then forget them. */
  private revoke(ps: readonly number[]): void {
    if (this.c.o.commit === "after" || this.c.o.commit === "auto") this.sendCommit(ps, false, undefined);
    for (const p of ps) this.positions.delete(p);
  }

  private doRejoin(): void {
    this.rejoin = false;
    // Cooperative members keep what they own; eager ones give it all up first, and still tell the
    // coordinator what they had (the sticky assignor's user data), so a sticky assignment can keep it.
    const owned = [...this.assignment];
    if (!this.group.cooperative && this.assignment.length) {
      this.revoke(this.assignment);
      this.assignment = [];
    }
    this.joinPending = true;
    this.sendJoin(owned, `join group${owned.length ? ` (${this.group.cooperative ? "owns" : "had"} ${owned.map((p) => `p${p}`).join(",")})` : ""}`);
    if (this.group.cooperative && this.assignment.length) {
      this.waiting = "nothing";
      return this.poll();
    }
    this.waiting = "sync";
  }

  /** Sends a commit of the partitions' positions; what it sent (nothing when there is nothing to commit). */
  private sendCommit(ps: readonly number[], before: boolean, txn: string | undefined): Extract<Body, { t: "commit" }> | undefined {
    const offsets = ps.filter((p) => this.positions.has(p)).map((p) => [p, this.positions.get(p)!] as const);
    if (!offsets.length && !txn) return undefined;
    const label = `${txn ? "commit transaction" : "commit"} ${offsets.map(([p, o]) => `p${p}→${o}`).join(", ")}`;
    const body: Extract<Body, { t: "commit" }> = { t: "commit", n: ++this.commitN, generation: this.generation, offsets, before, ...(txn ? { txn } : {}) };
    this.c.world.send(this.name, COORDINATOR, "call", label, body);
    return body;
  }

  /** A synchronous commit unanswered after `requestTimeoutMs` is sent again (the same offsets: committing twice does no harm). */
  private resendCommit(body: Extract<Body, { t: "commit" }>): void {
    this.commitId++;
    this.c.world.send(this.name, COORDINATOR, "call", `${body.txn ? "commit transaction" : "commit"} again`, body, undefined, true);
    this.c.world.timer(this.name, this.c.o.requestTimeoutMs, { t: "commit-timeout", id: this.commitId });
  }

  /** A synchronous commit: the next step waits for the coordinator's answer. */
  private commitThen(ps: readonly number[], before: boolean, txn: string | undefined, next: () => void): void {
    this.syncCommit = this.sendCommit(ps, before, txn);
    if (!this.syncCommit) return next();
    this.waiting = "commit";
    this.afterCommit = next;
    this.commitId++;
    this.c.world.timer(this.name, this.c.o.requestTimeoutMs, { t: "commit-timeout", id: this.commitId });
  }

  private received(p: number, entries: readonly LogEntry[]): void {
    if (this.waiting !== "fetch") return;
    this.waiting = "nothing";
    if (!this.assignment.includes(p) || !entries.length || this.rejoin || this.pendingSync) {
      return this.c.world.timer(this.name, entries.length ? 0 : IDLE_MS, { t: "poll" });
    }
    this.positions.set(p, entries[entries.length - 1]!.offset + 1);
    this.batch = { p, entries, i: 0 };
    const commit = this.c.o.commit;
    if (commit === "before") return this.commitThen([p], true, undefined, () => this.processNext());
    // A transaction whose commit waits for the rebalance stays open: the next batch goes into it
    // (Kafka's one transactional producer per consumer cannot commit during a rebalance either).
    if (commit === "transactional") this.txn = this.deferred?.txn ?? `${this.name}.${++this.txnNo}`;
    this.processNext();
  }

  private processNext(): void {
    this.waiting = "process";
    this.c.world.timer(this.name, this.c.o.processMs, { t: "processed" });
  }

  private processed(): void {
    const b = this.batch;
    if (!b || this.waiting !== "process") return;
    const entry = b.entries[b.i++]!;
    const e = this.c.world.record({
      actor: this.name,
      kind: "log",
      text: `process #${entry.rec} (p${b.p}@${entry.offset})${this.txn ? ` in ${this.txn}` : ""}`,
    });
    this.c.output.push({
      rec: entry.rec,
      partition: b.p,
      offset: entry.offset,
      by: this.name,
      atMs: e.atMs,
      seq: e.seq,
      ...(this.txn ? { txn: this.txn } : {}),
      state: this.txn ? "open" : "plain",
    });
    if (b.i < b.entries.length) return this.processNext();
    this.batch = undefined;
    this.waiting = "nothing";
    const commit = this.c.o.commit;
    const next = () => this.poll();
    if (this.joinPending && (commit === "after" || commit === "transactional")) {
      // A commit now would carry a generation about to end: it waits for the new assignment.
      this.deferred = { ps: [...new Set([...(this.deferred?.ps ?? []), b.p])], txn: this.txn };
      this.txn = undefined;
      return this.poll();
    }
    if (commit === "after") return this.commitThen([b.p], false, undefined, next);
    if (commit === "transactional") {
      // One commit for the whole transaction, the batches the rebalance held back included.
      const txn = this.txn!;
      this.txn = undefined;
      const held = this.deferred?.txn === txn ? this.deferred.ps : [];
      if (held.length) this.deferred = undefined;
      return this.commitThen([...new Set([...held, b.p])], false, txn, next);
    }
    this.poll();
  }
}
