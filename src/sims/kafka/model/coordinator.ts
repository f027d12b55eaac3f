// The group coordinator (also the transaction coordinator here): members join, heartbeat, leave or
// fall silent; any change starts a rebalance. Eager assignors (range, roundrobin, sticky) make every
// member give up everything before the new assignment; cooperative-sticky lets members keep what they
// own and revokes only the partitions that move, which a second round then hands over (KIP-429).
// Offsets are committed here, refused from a member of an older generation; a transaction's outputs
// and offsets commit together, and a member's open transaction is aborted when it is fenced.
import type { Message, Node } from "../../../core/network";
import { assign, cooperativeMoves, type Assignment, type GroupMember } from "./assignors";
import { COORDINATOR, type Cluster } from "./cluster";
import type { Body, Timer } from "./messages";
import type { Rebalance } from "./types";

export const TOPIC = "events";

interface Member {
  lastHeartbeatMs: number;
  owned: number[];
  joined: boolean;
  /** The generation of its last assignment (0: none yet). */
  generation: number;
  /** Its latest join, which the next assignment answers. */
  join: number;
}

const parts = (ps: readonly number[]) => (ps.length ? ps.map((p) => `p${p}`).join(",") : "nothing");

export class Coordinator implements Node<Body, Timer> {
  readonly name = COORDINATOR;
  generation = 0;
  state: "stable" | "joining" = "stable";
  readonly members = new Map<string, Member>();
  private current: Rebalance | undefined;
  /** Partitions assigned when the group was last stable, and those whose owner has since left or died. */
  private lastAssigned: number[] = [];
  private orphaned: number[] = [];

  constructor(private readonly c: Cluster) {}

  get cooperative(): boolean {
    return this.c.o.assignor === "cooperative-sticky";
  }

  onMessage(m: Message<Body>): void {
    const b = m.body;
    const member = this.members.get(m.from);
    switch (b.t) {
      case "heartbeat":
        if (!member) return void this.c.world.send(COORDINATOR, m.from, "reply", "unknown member: rejoin", { t: "unknown-member" });
        member.lastHeartbeatMs = this.c.world.nowMs;
        // A member still not joined long after the rebalance began may have lost the notice: the
        // heartbeat's answer tells it again, as Kafka's REBALANCE_IN_PROGRESS does.
        if (this.state === "joining" && !member.joined && this.c.world.nowMs - this.current!.startMs > this.c.o.requestTimeoutMs)
          this.c.world.send(COORDINATOR, m.from, "reply", "rebalance in progress", { t: "rebalance", generation: this.generation });
        return;
      case "join":
        return this.join(m.from, b.id, b.owned, b.restarted ?? false);
      case "leave":
        if (!member) return;
        this.remove(m.from, `${m.from} left the group`);
        return this.startRebalance(`${m.from} left`);
      case "commit":
        return this.commit(m.from, b);
      default:
        return;
    }
  }

  onTimer(tag: Timer): void {
    if (tag.t !== "session-check") return;
    const now = this.c.world.nowMs;
    for (const [name, m] of [...this.members]) {
      if (now - m.lastHeartbeatMs <= this.c.o.sessionTimeoutMs) continue;
      this.c.world.record({ actor: COORDINATOR, kind: "fail", text: `${name}: no heartbeat for ${this.c.o.sessionTimeoutMs} ms, removed`, fault: true });
      this.remove(name, `${name} was removed from the group`);
      this.startRebalance(`${name} stopped heartbeating`);
    }
    this.c.world.timer(COORDINATOR, Math.max(1, Math.floor(this.c.o.heartbeatMs / 2)), { t: "session-check" });
  }

  private join(name: string, id: number, owned: readonly number[], restarted: boolean): void {
    const known = this.members.get(name);
    const fresh = !known || known.generation === 0 || (owned.length === 0 && this.state === "stable" && known.owned.length > 0);
    if (!known) this.members.set(name, { lastHeartbeatMs: this.c.world.nowMs, owned: [], joined: false, generation: 0, join: id });
    // A restarted consumer's new transactional producer fences the old one: what it left open is
    // aborted. (A join sent again, or after being told to leave, leaves its transactions alone.)
    if (restarted) this.abortTxns(name, "its transactional producer started again");
    const m = this.members.get(name)!;
    m.lastHeartbeatMs = this.c.world.nowMs;
    m.joined = true;
    m.join = Math.max(m.join, id);
    if (this.state === "stable")
      this.startRebalance(!known ? `${name} joined` : fresh ? `${name} rejoined` : `${name} rejoined to hand over revoked partitions`, name);
    m.owned = [...owned];
    this.maybeComplete();
  }

  private remove(name: string, why: string): void {
    this.orphaned.push(...(this.members.get(name)?.owned ?? []));
    this.members.delete(name);
    this.abortTxns(name, why);
    this.maybeComplete();
  }

  private abortTxns(name: string, why: string): void {
    const open = this.c.output.filter((o) => o.by === name && o.state === "open");
    if (!open.length) return;
    for (const o of open) o.state = "aborted";
    this.c.world.record({ actor: COORDINATOR, kind: "rollback", text: `abort ${name}'s open transaction (${why}): ${open.map((o) => `#${o.rec}`).join(" ")}` });
  }

  /** A new generation: every member but the one whose join started it is told to rejoin. */
  private startRebalance(why: string, joiner?: string): void {
    if (this.state === "joining") return;
    this.generation++;
    this.state = "joining";
    const e = this.c.world.record({ actor: COORDINATOR, kind: "note", text: `rebalance, generation ${this.generation}: ${why}` });
    this.current = {
      generation: this.generation,
      why,
      startMs: e.atMs,
      startSeq: e.seq,
      // Eager: every partition stops; cooperative: only those whose owner is gone (and, below, those that move).
      revoked: this.cooperative ? [...this.orphaned] : [...this.lastAssigned],
      protocol: this.cooperative ? "cooperative" : "eager",
    };
    this.c.rebalances.push(this.current);
    for (const [name, m] of this.members) {
      if (name === joiner) continue;
      m.joined = false;
      this.c.world.send(COORDINATOR, name, "async", `rebalance (generation ${this.generation})`, { t: "rebalance", generation: this.generation });
    }
    this.maybeComplete();
  }

  private maybeComplete(): void {
    if (this.state !== "joining" || [...this.members.values()].some((m) => !m.joined)) return;
    const r = this.current!;
    const give = this.assignment();
    this.state = "stable";
    r.endMs = this.c.world.nowMs;
    r.assignment = Object.fromEntries(
      Object.entries(give)
        .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
        .map(([k, v]) => [k, v.map((tp) => tp.partition)]),
    );
    this.lastAssigned = Object.values(r.assignment)
      .flat()
      .sort((a, b) => a - b);
    this.orphaned = [];
    const e = this.c.world.record({
      actor: COORDINATOR,
      kind: "note",
      text: `generation ${r.generation}: ${
        Object.entries(r.assignment)
          .map(([k, v]) => `${k} ${parts(v)}`)
          .join("; ") || "no members"
      }`,
    });
    r.endSeq = e.seq;
    for (const [name, m] of this.members) {
      const mine = r.assignment[name] ?? [];
      m.generation = r.generation;
      m.owned = mine;
      const offsets = Object.fromEntries(mine.map((p) => [p, this.c.committed[p]!]));
      this.c.world.send(COORDINATOR, name, "reply", `assign ${parts(mine)} (generation ${r.generation})`, {
        t: "sync",
        generation: r.generation,
        join: m.join,
        assignment: mine,
        offsets,
      });
    }
  }

  /** What the members get this round: the assignor's target, or for cooperative-sticky only what need not be revoked first. */
  private assignment(): Assignment {
    const members: GroupMember[] = [...this.members].map(([id, m]) => ({
      id,
      topics: [TOPIC],
      owned: m.owned.map((partition) => ({ topic: TOPIC, partition })),
      generation: m.generation,
    }));
    const target = assign(this.c.o.assignor, members, { [TOPIC]: this.c.o.partitions });
    if (!this.cooperative) return target;
    const owned: Assignment = Object.fromEntries(members.map((m) => [m.id, m.owned ?? []]));
    const { revoke } = cooperativeMoves(owned, target);
    this.current!.revoked.push(...Object.values(revoke).flatMap((tps) => tps.map((tp) => tp.partition)));
    // Round one: a member gets its target minus what another member still owns (that comes after revocation).
    const ownerOf = new Map(members.flatMap((m) => (m.owned ?? []).map((tp) => [tp.partition, m.id] as const)));
    return Object.fromEntries(Object.entries(target).map(([id, tps]) => [id, tps.filter((tp) => (ownerOf.get(tp.partition) ?? id) === id)]));
  }

  private commit(from: string, b: Extract<Body, { t: "commit" }>): void {
    const m = this.members.get(from);
    // A transaction already aborted (its producer fenced, or its member removed) cannot commit.
    const aborted = b.txn !== undefined && this.c.output.some((o) => o.txn === b.txn && o.state === "aborted");
    const ok = m !== undefined && m.generation === b.generation && !aborted;
    const e = this.c.world.record({
      actor: COORDINATOR,
      kind: ok ? "commit" : "fail",
      text: `${ok ? "" : "REFUSE "}${b.txn ? `commit transaction ${b.txn} with ` : ""}offsets ${b.offsets.map(([p, o]) => `p${p}→${o}`).join(", ")} from ${from}${ok ? "" : m?.generation !== b.generation ? ` (generation ${b.generation} is over)` : " (the transaction was aborted)"}`,
      ...(ok ? {} : { fault: true }),
    });
    for (const [p, offset] of b.offsets) {
      this.c.commits.push({
        by: from,
        partition: p,
        offset,
        atMs: e.atMs,
        seq: e.seq,
        generation: b.generation,
        accepted: ok,
        beforeProcessing: b.before,
        ...(b.txn ? { txn: b.txn } : {}),
      });
      if (ok) this.c.committed[p] = offset;
    }
    if (b.txn) for (const o of this.c.output) if (o.txn === b.txn && o.state === "open") o.state = ok ? "committed" : "aborted";
    this.c.world.send(COORDINATOR, from, "reply", ok ? "committed" : "commit refused", {
      t: "commit-reply",
      n: b.n,
      ok,
      generation: b.generation,
    });
  }
}
