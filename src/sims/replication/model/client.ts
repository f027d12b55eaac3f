// A client (a session): it issues its operations one after another, writes at the leader it knows,
// reads where the read target says, and keeps a token, the highest log position it has written or
// read, that `caught-up` reads carry. The monitor watches the leader and promotes a follower when it
// is lost; it also draws the partition and its healing.
import type { Message, Node } from "../../../core/network";
import type { OpSpec } from "../scenario";
import { MONITOR, type Cluster } from "./cluster";
import type { Body, ClientState, OpRecord, ReplicaNode, Tag } from "./types";

export class Client implements Node<Body, Tag> {
  leader: string;
  token = 0;
  sticky: string | undefined;
  lastRead = "—";
  private busy: OpRecord | undefined;
  private readonly queue: OpSpec[] = [];

  constructor(
    private readonly c: Cluster,
    readonly name: string,
    private readonly specs: readonly OpSpec[],
  ) {
    this.leader = c.o.leader;
  }

  state(): ClientState {
    return { name: this.name, writesTo: this.leader, token: this.token, readsFrom: this.sticky ?? this.lastRead };
  }

  private target(): string {
    const o = this.c.o;
    const followers = o.followers.map((f) => f.name);
    if (o.read === "leader") return this.leader;
    if (o.read === "sticky") return (this.sticky ??= this.c.rng.pick(followers));
    return this.c.rng.pick(followers);
  }

  private start(): void {
    const spec = this.queue.shift();
    if (!spec) return;
    const w = this.c.world;
    const id = this.c.ops.length + 1;
    const rec: OpRecord = {
      id,
      client: this.name,
      kind: spec.kind,
      keys: spec.keys,
      ...(spec.value !== undefined ? { value: spec.value } : {}),
      callMs: w.nowMs,
      callSeq: 0,
      outcome: "pending",
    };
    this.c.ops.push(rec);
    this.busy = rec;
    if (spec.kind === "write") {
      w.send(this.name, this.leader, "call", `write ${spec.keys[0]}=${String(spec.value)}`, { t: "write", op: id, key: spec.keys[0]!, value: spec.value! });
    } else {
      const to = spec.from ?? this.target();
      w.send(this.name, to, "call", `read ${spec.keys.join(", ")}`, { t: "read", op: id, keys: spec.keys, token: this.token });
    }
    rec.callSeq = w.trace.length - 1;
    w.timer(this.name, this.c.o.timeoutMs, { t: "timeout", op: id });
  }

  private finish(rec: OpRecord, outcome: OpRecord["outcome"]): void {
    const w = this.c.world;
    rec.outcome = outcome;
    rec.retMs = w.nowMs;
    rec.retSeq = w.trace.length - 1;
    this.busy = undefined;
    w.touch();
    this.start();
  }

  onMessage(m: Message<Body>): void {
    const b = m.body;
    const rec = this.busy;
    if (!rec || !("op" in b) || b.op !== rec.id) return;
    const w = this.c.world;
    if (b.t === "ok") {
      this.token = Math.max(this.token, b.lsn);
      this.finish(rec, "ok");
    } else if (b.t === "values") {
      this.token = Math.max(this.token, b.position);
      this.lastRead = m.from;
      this.finish(rec, "ok");
    } else if (b.t === "refused") {
      this.finish(rec, "refused");
    } else if (b.t === "redirect") {
      this.leader = b.leader;
      w.send(this.name, b.leader, "call", `write ${rec.keys[0]}=${String(rec.value)}`, { t: "write", op: rec.id, key: rec.keys[0]!, value: rec.value! });
    } else if (b.t === "go-leader") {
      rec.redirected = b.why;
      w.send(this.name, this.leader, "call", `read ${rec.keys.join(", ")}`, { t: "read", op: rec.id, keys: rec.keys, token: this.token });
    }
  }

  onTimer(tag: Tag): void {
    if (tag.t === "op") {
      this.queue.push(this.specs[tag.i]!);
      if (!this.busy) this.start();
    } else if (tag.t === "timeout" && this.busy?.id === tag.op) {
      const rec = this.busy;
      this.c.world.record({ actor: this.name, kind: "fail", text: `no answer after ${this.c.o.timeoutMs} ms: gives up (outcome unknown)`, fault: true });
      this.finish(rec, "timeout");
    }
  }
}

export class Monitor implements Node<Body, Tag> {
  readonly name = MONITOR;
  /** Replicas cut off while the partition lasted, and clients. */
  private cutOff: string[] = [];

  constructor(private readonly c: Cluster) {}

  onMessage(): void {}

  private promote(): void {
    const c = this.c;
    const w = c.world;
    const old = c.leader;
    if (w.isUp(old) && !c.isolated.has(old)) return;
    const candidates = c.o.followers.map((f) => c.replica(f.name)).filter((r) => w.isUp(r.name) && !c.isolated.has(r.name) && r.name !== old);
    if (c.o.failover === "none" || candidates.length === 0) {
      w.record({ actor: MONITOR, kind: "note", text: `${old} unreachable: no failover, writes wait for it` });
      return;
    }
    const best = c.o.failover === "any" ? c.rng.pick(candidates) : candidates.reduce((a, b) => (b.position > a.position ? b : a));
    const how = c.o.failover === "any" ? "any follower" : "the most advanced";
    this.elect(
      best,
      (oldPosition) =>
        `${old} unreachable for ${c.o.detectMs} ms: promotes ${best.name} (${how}, at #${best.position}; ${old} had #${oldPosition}), epoch ${c.epoch}`,
    );
  }

  /** `promote:` the follower named leads a new epoch now; the old leader keeps running and is not told. */
  private promoteNamed(): void {
    const c = this.c;
    const to = c.replica(c.o.promote!.follower);
    if (to.name === c.leader || !c.world.isUp(to.name)) {
      c.world.record({ actor: MONITOR, kind: "note", text: `cannot promote ${to.name}: ${to.name === c.leader ? "it leads already" : "it is down"}` });
      return;
    }
    const old = c.leader;
    this.elect(to, (oldPosition) => `promotes ${to.name} (at #${to.position}; ${old}, still running, has #${oldPosition}), epoch ${c.epoch}`);
  }

  /** Makes `best` the leader of a new epoch; the old leader is given up on, and clients switch. */
  private elect(best: ReplicaNode, text: (oldPosition: number) => string): void {
    const c = this.c;
    const w = c.world;
    const old = c.leader;
    const oldPosition = c.replica(old).position;
    c.epoch++;
    c.failed.add(old);
    c.leader = best.name;
    const seq = w.record({ actor: MONITOR, kind: "note", text: text(oldPosition), fault: true }).seq;
    c.failovers.push({ atMs: w.nowMs, from: old, to: best.name, epoch: c.epoch, position: best.position, oldPosition, seq, oldUp: w.isUp(old) });
    for (const cl of c.clients.values()) if (!c.isolated.has(cl.name)) cl.leader = best.name;
    best.promote(c.epoch);
    c.sampleLag();
  }

  private partition(): void {
    const c = this.c;
    const p = c.o.partition!;
    this.cutOff = [c.leader, ...p.clients];
    c.isolated = new Set(this.cutOff);
    c.world.record({ actor: MONITOR, kind: "note", text: `partition: ${this.cutOff.join(", ")} cut off from the rest`, fault: true });
    c.world.timer(MONITOR, c.o.detectMs, { t: "detect" });
  }

  private heal(): void {
    const c = this.c;
    c.isolated = new Set();
    c.world.record({ actor: MONITOR, kind: "note", text: "the partition heals" });
    for (const cl of c.clients.values()) cl.leader = c.leader;
    const lead = c.replica(c.leader);
    for (const n of this.cutOff) {
      if (c.replicas.has(n) && n !== c.leader && c.world.isUp(n))
        c.world.send(c.leader, n, "async", `epoch ${c.epoch}: follow ${c.leader}`, { t: "follow", epoch: lead.epoch });
    }
    for (const r of c.replicas.values()) if (r.role === "leader" && c.world.isUp(r.name)) r.reship();
  }

  onTimer(tag: Tag): void {
    if (tag.t === "detect") this.promote();
    else if (tag.t === "promote") this.promoteNamed();
    else if (tag.t === "partition") this.partition();
    else if (tag.t === "heal") this.heal();
  }
}
