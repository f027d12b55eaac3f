// The replicas of a Dynamo-style store on the message-passing world: every node stores versions
// of keys, holds hints for nodes that were down, and coordinates the operations clients send it
// (writes to N replicas waiting for W acknowledgements, reads waiting for R replies, read repair).
// Hinted handoff and anti-entropy run on timers. `Cluster` holds what the nodes share and what the
// checker reads: each operation's record, the writes last-writer-wins dropped, the handoffs.
import { World, type Message, type Node } from "../../../core/network";
import type { Rng } from "../../../core/rng";
import type { Setup } from "../scenario";
import { apply, mergeVv, place, resolveReplies, ring, sameVersions, showVersion, showVersions, type Version } from "./data";

export type Body =
  | { readonly t: "req"; readonly op: number }
  | {
      readonly t: "put";
      readonly op: number;
      readonly key: string;
      readonly versions: readonly Version[];
      readonly hintFor?: string;
      readonly repair?: boolean;
    }
  | { readonly t: "ack"; readonly op: number; readonly repair?: boolean }
  | { readonly t: "get"; readonly op: number; readonly key: string }
  | { readonly t: "val"; readonly op: number; readonly versions: readonly Version[] }
  | { readonly t: "done"; readonly op: number; readonly ok: boolean; readonly versions?: readonly Version[] }
  | { readonly t: "handoff"; readonly hint: number; readonly key: string; readonly versions: readonly Version[] }
  | { readonly t: "handed"; readonly hint: number }
  | { readonly t: "sync"; readonly back: boolean; readonly data: readonly (readonly [string, readonly Version[]])[] };

export type Tag =
  | { readonly t: "call"; readonly op: number }
  | { readonly t: "timeout"; readonly op: number }
  | { readonly t: "handoff" }
  | { readonly t: "anti-entropy" }
  | { readonly t: "close"; readonly op: number };

/** One client operation as the checker and the tables read it. */
export interface OpRecord {
  readonly index: number;
  readonly client: string;
  readonly kind: "read" | "write";
  readonly key: string;
  readonly value?: number;
  readonly at: number;
  coord: string;
  /** The trace event of the call (the operation's id in the history). */
  id?: number;
  callMs?: number;
  retMs?: number;
  /** The trace event of the reply the client received. */
  retSeq?: number;
  /** false: the coordinator gave up (too few answers). */
  ok?: boolean;
  /** A write's version, made by its coordinator. */
  version?: Version;
  /** A read's answer. */
  result?: readonly Version[];
  /** Replicas whose answers counted (acks before a write returned, the first R replies of a read). */
  answered: string[];
  /** Stand-ins among them (sloppy quorum). */
  standIns: string[];
  /** The version vector the client sent with a write (what it had read). */
  context?: Readonly<Record<string, number>>;
}

export interface Hint {
  readonly id: number;
  readonly owner: string;
  readonly key: string;
  versions: readonly Version[];
  sentAtMs?: number;
}

/** What a coordinator keeps in memory about an operation in progress. */
interface Pending {
  readonly op: OpRecord;
  readonly targets: readonly string[];
  readonly hintFor: ReadonlyMap<string, string>;
  readonly replies: Map<string, readonly Version[]>;
  readonly acks: Set<string>;
  /** Blocking read repair: replicas still to acknowledge. */
  readonly repairing: Set<string>;
  answered: boolean;
  resolved?: readonly Version[];
  repaired: Set<string>;
}

export class Cluster {
  readonly world: World<Body, Tag>;
  readonly store = new Map<string, Map<string, readonly Version[]>>();
  readonly hints = new Map<string, Hint[]>();
  readonly ops: OpRecord[];
  readonly lwwDrops: { readonly seq: number; readonly node: string; readonly dropped: Version; readonly winner: Version }[] = [];
  readonly handoffs: { readonly seq: number; readonly holder: string; readonly owner: string; readonly key: string }[] = [];
  readonly crashSeqs: number[] = [];
  readonly pending = new Map<string, Map<number, Pending>>();
  /** Per coordinator and key: its own counter in version vectors (durable). */
  readonly counters = new Map<string, number>();
  readonly keys: string[];
  repairs = 0;
  private nextHint = 1;

  constructor(
    readonly o: Setup,
    rng: Rng,
  ) {
    this.world = new World<Body, Tag>(rng, o.network);
    this.ops = o.ops.map((x, index) => ({
      index,
      client: x.client,
      kind: x.op,
      key: x.key,
      ...(x.value !== undefined ? { value: x.value } : {}),
      at: x.at,
      coord: x.via ?? "",
      answered: [],
      standIns: [],
    }));
    this.keys = [...new Set(this.ops.map((x) => x.key))];
    for (const n of o.names) {
      this.store.set(n, new Map());
      this.hints.set(n, []);
      this.pending.set(n, new Map());
    }
    this.world.interfere = (m) => {
      const now = this.world.nowMs;
      const extra = o.slow
        .filter((s) => s.node === m.from && (s.to === undefined || s.to === m.to) && now >= s.fromMs && now < s.toMs)
        .reduce((t, s) => t + s.extraMs, 0);
      return extra ? { delayMs: extra } : undefined;
    };
  }

  /** Watches a handler's end: the last event it drew (from `from` on) shows the state the handler left. */
  rewatch: ((seq: number) => void) | undefined;

  settled(from: number): void {
    if (!this.rewatch) return;
    const events = this.world.trace.toArray();
    for (let i = events.length - 1; i >= Math.max(0, from); i--) {
      if (events[i]!.kind !== "send") return this.rewatch(i);
    }
  }

  clockMs(node: string): number {
    return this.world.nowMs + (this.o.skewMs[node] ?? 0);
  }

  held(node: string, key: string): readonly Version[] {
    return this.store.get(node)!.get(key) ?? [];
  }

  /** Stores versions on a node, recording what happened; returns whether anything changed. */
  storeOn(node: string, key: string, versions: readonly Version[], why: string): boolean {
    const mode = this.o.conflicts;
    const a = apply(mode, this.held(node, key), versions);
    const w = this.world;
    if (a.changed) {
      this.store.get(node)!.set(key, a.kept);
      w.record({ actor: node, kind: "commit", text: `${why}: ${key} = ${showVersions(mode, a.kept)}` });
    }
    if (a.dropped) {
      const e = w.record({
        actor: node,
        kind: "note",
        fault: true,
        text: `LWW: keeps ${key} = ${showVersion(mode, a.dropped.winner)}, drops ${showVersion(mode, a.dropped.version)} (older timestamp)`,
      });
      this.lwwDrops.push({ seq: e.seq, node, dropped: a.dropped.version, winner: a.dropped.winner });
    }
    return a.changed;
  }

  addHint(holder: string, owner: string, key: string, versions: readonly Version[]): void {
    const list = this.hints.get(holder)!;
    const h = list.find((x) => x.owner === owner && x.key === key);
    const mode = this.o.conflicts;
    const merged = apply(mode, h?.versions ?? [], versions).kept;
    if (h) h.versions = merged;
    else list.push({ id: this.nextHint++, owner, key, versions: merged });
    this.world.record({ actor: holder, kind: "log", text: `keep hint for ${owner}: ${key} = ${showVersions(mode, merged)}` });
    if (!h && list.length === 1) this.world.timer(holder, this.o.handoffMs, { t: "handoff" });
  }

  /** Everything a node can answer for a key: its own versions and those it holds as hints. */
  readable(node: string, key: string): readonly Version[] {
    const hinted = this.hints
      .get(node)!
      .filter((h) => h.key === key)
      .flatMap((h) => h.versions);
    return hinted.length ? apply(this.o.conflicts, this.held(node, key), hinted).kept : this.held(node, key);
  }

  /** The nodes that replicate a key (its first N preferred). */
  replicas(key: string): string[] {
    return ring(key, this.o.names).slice(0, this.o.n);
  }
}

/** A node of the ring: a replica of some keys, a hint holder, and the coordinator of the operations sent to it. */
export class Replica implements Node<Body, Tag> {
  constructor(
    private readonly c: Cluster,
    readonly name: string,
  ) {}

  private get w(): World<Body, Tag> {
    return this.c.world;
  }

  private get mine(): Map<number, Pending> {
    return this.c.pending.get(this.name)!;
  }

  onMessage(m: Message<Body>): void {
    const from = this.w.trace.length - 1;
    this.handle(m);
    this.c.settled(from);
  }

  private handle(m: Message<Body>): void {
    const b = m.body;
    const me = this.name;
    switch (b.t) {
      case "req":
        return this.coordinate(this.c.ops[b.op]!);
      case "put": {
        if (b.hintFor) this.c.addHint(me, b.hintFor, b.key, b.versions);
        else this.c.storeOn(me, b.key, b.versions, b.repair ? "read repair" : "store");
        this.w.send(me, m.from, "reply", b.repair ? "repaired" : "ack", { t: "ack", op: b.op, ...(b.repair ? { repair: true } : {}) });
        return;
      }
      case "get":
        this.w.send(me, m.from, "reply", `${b.key} = ${showVersions(this.c.o.conflicts, this.c.readable(me, b.key))}`, {
          t: "val",
          op: b.op,
          versions: this.c.readable(me, b.key),
        });
        return;
      case "ack":
        return b.repair ? this.repairAcked(b.op, m.from) : this.acked(b.op, m.from);
      case "val":
        return this.replied(b.op, m.from, b.versions);
      case "handoff":
        this.c.storeOn(me, b.key, b.versions, `handed back by ${m.from}`);
        this.w.send(me, m.from, "reply", "got it", { t: "handed", hint: b.hint });
        return;
      case "handed":
        return this.handed(b.hint, m.from);
      case "sync":
        return this.synced(m.from, b.back, b.data);
    }
  }

  onTimer(tag: Tag): void {
    const from = this.w.trace.length;
    this.tick(tag);
    this.c.settled(from);
  }

  private tick(tag: Tag): void {
    if (tag.t === "timeout") this.timeout(tag.op);
    else if (tag.t === "close") this.mine.delete(tag.op);
    else if (tag.t === "handoff") this.handoff();
    else if (tag.t === "anti-entropy") this.antiEntropy();
  }

  onCrash(): void {
    // Operations in progress were in memory: their clients never hear back.
    this.mine.clear();
  }

  onRecover(): void {
    if (this.c.hints.get(this.name)!.length) this.w.timer(this.name, this.c.o.handoffMs, { t: "handoff" });
    if (this.c.o.antiEntropyMs > 0) this.w.timer(this.name, this.c.o.antiEntropyMs, { t: "anti-entropy" });
  }

  private coordinate(op: OpRecord): void {
    const { o } = this.c;
    const p = place(op.key, o.names, o.n, o.sloppy, (x) => this.w.isUp(x));
    const pend: Pending = {
      op,
      targets: p.targets,
      hintFor: p.hintFor,
      replies: new Map(),
      acks: new Set(),
      repairing: new Set(),
      answered: false,
      repaired: new Set(),
    };
    this.mine.set(op.index, pend);
    this.w.timer(this.name, o.timeoutMs, { t: "timeout", op: op.index });
    if (op.kind === "write") this.startWrite(pend);
    else this.startRead(pend);
  }

  private makeVersion(op: OpRecord): Version {
    const me = this.name;
    const counterKey = `${me}/${op.key}`;
    const own = Math.max(this.c.counters.get(counterKey) ?? 0, op.context?.[me] ?? 0) + 1;
    this.c.counters.set(counterKey, own);
    return { value: op.value!, ts: this.c.clockMs(me), coord: me, op: op.id!, vv: { ...mergeVv([op.context ?? {}]), [me]: own } };
  }

  private startWrite(p: Pending): void {
    const { op } = p;
    const me = this.name;
    const v = this.makeVersion(op);
    op.version = v;
    const skew = this.c.o.skewMs[me] ?? 0;
    const clock = this.c.o.conflicts === "lww" ? `, timestamp ${v.ts}${skew ? ` (clock ${skew > 0 ? "+" : ""}${skew} ms)` : ""}` : "";
    this.w.record({
      actor: me,
      kind: "log",
      text: `coordinate ${op.client}'s write ${op.key} = ${op.value}${clock}: send to ${p.targets.join(", ")}, wait for W=${this.c.o.w}`,
    });
    for (const t of p.targets) {
      const hintFor = p.hintFor.get(t);
      if (t === me && !hintFor) {
        this.c.storeOn(me, op.key, [v], "store");
        this.acked(op.index, me);
      } else {
        const label = `put ${op.key} = ${op.value}${hintFor ? ` (hint for ${hintFor})` : ""}`;
        this.w.send(me, t, "call", label, { t: "put", op: op.index, key: op.key, versions: [v], ...(hintFor ? { hintFor } : {}) });
      }
    }
  }

  private acked(index: number, from: string): void {
    const p = this.mine.get(index);
    if (!p || p.answered) return;
    p.acks.add(from);
    if (p.acks.size < this.c.o.w) return;
    p.answered = true;
    p.op.answered = [...p.acks];
    p.op.standIns = [...p.acks].filter((a) => p.hintFor.has(a));
    this.reply(p, true);
  }

  private startRead(p: Pending): void {
    const { op } = p;
    const me = this.name;
    this.w.record({ actor: me, kind: "log", text: `coordinate ${op.client}'s read of ${op.key}: ask ${p.targets.join(", ")}, wait for R=${this.c.o.r}` });
    for (const t of p.targets) {
      if (t === me) this.replied(op.index, me, this.c.readable(me, op.key));
      else this.w.send(me, t, "call", `get ${op.key}`, { t: "get", op: op.index, key: op.key });
    }
  }

  private replied(index: number, from: string, versions: readonly Version[]): void {
    const p = this.mine.get(index);
    if (!p) return;
    p.replies.set(from, versions);
    const { o } = this.c;
    if (p.answered || p.repairing.size) {
      // A late reply: repair it too, unless read repair is off.
      if (o.readRepair !== "none" && p.resolved) this.repair(p, [from], false);
      return;
    }
    if (p.replies.size < o.r) return;
    const resolved = resolveReplies(o.conflicts, [...p.replies.values()]);
    p.resolved = resolved;
    p.op.result = resolved;
    p.op.answered = [...p.replies.keys()];
    p.op.standIns = p.op.answered.filter((a) => p.hintFor.has(a));
    const stale = [...p.replies.keys()];
    if (o.readRepair === "blocking" && this.repair(p, stale, true) > 0) return;
    p.answered = true;
    this.reply(p, true);
    if (o.readRepair === "async") this.repair(p, stale, false);
  }

  /** Writes the resolved versions back to the stale replicas among `nodes`; returns how many it repairs. */
  private repair(p: Pending, nodes: readonly string[], blocking: boolean): number {
    const me = this.name;
    const { op } = p;
    const resolved = p.resolved!;
    for (const node of nodes) {
      if (p.repaired.has(node) || p.hintFor.has(node) || sameVersions(p.replies.get(node) ?? [], resolved) || !resolved.length) continue;
      p.repaired.add(node);
      this.c.repairs++;
      if (node === me) {
        this.c.storeOn(me, op.key, resolved, "read repair");
        continue;
      }
      if (blocking) p.repairing.add(node);
      const value = resolved.map((v) => v.value).join(" / ");
      this.w.send(me, node, "call", `repair ${op.key} = ${value}`, { t: "put", op: op.index, key: op.key, versions: resolved, repair: true });
    }
    return p.repairing.size;
  }

  private repairAcked(index: number, from: string): void {
    const p = this.mine.get(index);
    if (!p || !p.repairing.delete(from)) return;
    if (p.repairing.size || p.answered) return;
    p.answered = true;
    this.reply(p, true);
  }

  private reply(p: Pending, ok: boolean): void {
    const { op } = p;
    const mode = this.c.o.conflicts;
    const what =
      op.kind === "write" ? (ok ? `ok (acks: ${op.answered.join(", ")})` : "FAILED") : ok ? `${op.key} = ${showVersions(mode, op.result ?? [])}` : "FAILED";
    this.w.send(this.name, op.client, "reply", what, { t: "done", op: op.index, ok, ...(op.result ? { versions: op.result } : {}) });
    // Late replies still count for read repair until the timeout closes the operation.
  }

  private timeout(index: number): void {
    const p = this.mine.get(index);
    if (!p) return;
    if (!p.answered) {
      p.answered = true;
      const got = p.op.kind === "write" ? `${p.acks.size} of W=${this.c.o.w} acks` : `${p.replies.size} of R=${this.c.o.r} replies`;
      this.w.record({
        actor: this.name,
        kind: "fail",
        fault: true,
        text: `${p.op.client}'s ${p.op.kind} of ${p.op.key}: only ${got} after ${this.c.o.timeoutMs} ms`,
      });
      this.reply(p, false);
    }
    this.mine.delete(index);
  }

  private handoff(): void {
    const me = this.name;
    const list = this.c.hints.get(me)!;
    if (!list.length) return;
    const now = this.w.nowMs;
    for (const h of list) {
      if (!this.w.isUp(h.owner) || (h.sentAtMs !== undefined && now - h.sentAtMs < this.c.o.timeoutMs)) continue;
      h.sentAtMs = now;
      this.w.send(me, h.owner, "call", `hand back ${h.key} = ${h.versions.map((v) => v.value).join(" / ")}`, {
        t: "handoff",
        hint: h.id,
        key: h.key,
        versions: h.versions,
      });
    }
    this.w.timer(me, this.c.o.handoffMs, { t: "handoff" });
  }

  private handed(id: number, owner: string): void {
    const list = this.c.hints.get(this.name)!;
    const i = list.findIndex((h) => h.id === id);
    if (i < 0) return;
    const h = list[i]!;
    list.splice(i, 1);
    const e = this.w.record({ actor: this.name, kind: "log", text: `hint for ${owner} delivered: ${h.key} dropped here` });
    this.c.handoffs.push({ seq: e.seq, holder: this.name, owner, key: h.key });
  }

  /** Anti-entropy: compare with the next node up on the ring; exchange only when the shared keys differ. */
  private antiEntropy(): void {
    const me = this.name;
    const { names, antiEntropyMs } = this.c.o;
    this.w.timer(me, antiEntropyMs, { t: "anti-entropy" });
    const i = names.indexOf(me);
    const peer = [...names.slice(i + 1), ...names.slice(0, i)].find((x) => this.w.isUp(x));
    if (!peer) return;
    const shared = this.c.keys.filter((k) => this.c.replicas(k).includes(me) && this.c.replicas(k).includes(peer));
    const differ = shared.filter((k) => !sameVersions(this.c.held(me, k), this.c.held(peer, k)));
    if (!differ.length) return;
    const data = differ.map((k) => [k, this.c.held(me, k)] as const);
    this.w.send(me, peer, "call", `anti-entropy: ${differ.join(", ")} differ`, { t: "sync", back: false, data });
  }

  private synced(from: string, back: boolean, data: readonly (readonly [string, readonly Version[]])[]): void {
    const me = this.name;
    if (!back) {
      const mine = data.map(([k]) => [k, this.c.held(me, k)] as const);
      this.w.send(me, from, "reply", "anti-entropy: my versions", { t: "sync", back: true, data: mine });
    }
    for (const [k, vs] of data) this.c.storeOn(me, k, vs, "anti-entropy");
  }
}
