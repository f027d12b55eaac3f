// A replica: the leader appends clients' writes to its log and ships each entry to every follower
// after that follower's lag; followers apply entries in log order (or as they arrive, for Cosmos
// eventual), acknowledge them, and answer reads from what they have applied. Epochs (terms) mark
// each leader; with epoch fencing a replica refuses entries from an older epoch, and an old leader
// that hears of a newer epoch steps down and rewinds its log to what the new leader has. A follower
// with an apply delay keeps what it received in its log and shows each entry to reads only once the
// delay has passed since the leader wrote it; promotion shows everything received at once.
import type { Message, Node } from "../../../core/network";
import type { FollowerSpec } from "../scenario";
import { showData, type Cluster } from "./cluster";
import { versionOf, type Body, type Entry, type Held, type ReplicaState, type Tag } from "./types";

interface Waiting {
  readonly entry: Entry;
  readonly client: string;
  readonly need: number;
  readonly got: Set<string>;
}

const label = (e: Entry) => `#${e.lsn} ${e.key}=${String(e.value)}`;

export class Replica implements Node<Body, Tag> {
  role: "leader" | "follower";
  epoch = 1;
  following: string;
  log: (Entry | undefined)[] = [];
  readonly data = new Map<string, Held>();
  position = 0;
  /** Leader: writes waiting for followers' acknowledgements, by position. */
  private readonly waiting = new Map<number, Waiting>();
  /** Leader: each follower's acknowledged position. */
  readonly match = new Map<string, number>();
  private readonly lastShip = new Map<string, number>();
  /** Leader: the positions already on their way to each follower. */
  private readonly shipped = new Map<string, Set<number>>();
  /** Entries that arrived ahead of a gap in the log, applied once it fills. */
  private readonly ahead = new Map<number, Entry>();
  /** caught-up reads held until this replica has applied the client's token. */
  private held: { op: number; client: string; keys: readonly string[]; token: number }[] = [];
  /** A follower's apply delay, and how much of its log (in order) it shows to reads when it has one. */
  private readonly applyDelayMs: number;
  private visible = 0;

  constructor(
    private readonly c: Cluster,
    readonly name: string,
    spec: FollowerSpec | undefined,
  ) {
    this.role = spec ? "follower" : "leader";
    this.following = c.o.leader;
    this.applyDelayMs = spec?.applyDelayMs ?? 0;
  }

  /** The apply delay now: a leader applies at once. */
  private delay(): number {
    return this.role === "follower" ? this.applyDelayMs : 0;
  }

  /** The position this replica shows to reads (what it has applied, in order). */
  private applied(): number {
    return this.delay() ? this.visible : this.position;
  }

  hasApplied(e: Entry): boolean {
    return this.log[e.lsn - 1]?.op === e.op && (!this.delay() || e.lsn <= this.visible);
  }

  state(): ReplicaState {
    const up = this.c.world.isUp(this.name);
    return { name: this.name, role: this.role, up, epoch: this.epoch, position: this.position, values: showData(this.data) };
  }

  private note(text: string, kind: "log" | "note" = "log", fault = false): number {
    return this.c.world.record({ actor: this.name, kind, text, ...(fault ? { fault: true } : {}) }).seq;
  }

  private recount(): void {
    let p = 0;
    while (this.log[p] !== undefined) p++;
    this.position = p;
  }

  private put(e: Entry): void {
    this.log[e.lsn - 1] = e;
    if (this.delay()) this.c.world.timer(this.name, e.atMs + this.delay() - this.c.world.nowMs, { t: "apply" });
    else this.show(e);
  }

  private show(e: Entry): void {
    const cur = this.data.get(e.key);
    if (this.c.o.inOrder || !cur || versionOf(e) > cur.version) this.data.set(e.key, { value: e.value, version: versionOf(e), lsn: e.lsn });
  }

  private rebuild(): void {
    this.data.clear();
    this.recount();
    this.visible = this.delay() ? Math.min(this.visible, this.position) : this.position;
    for (const e of this.log) if (e && (!this.delay() || e.lsn <= this.visible)) this.show(e);
    for (const e of this.log.slice(this.visible)) if (e) this.c.world.timer(this.name, e.atMs + this.delay() - this.c.world.nowMs, { t: "apply" });
  }

  /** A delayed follower shows, in log order, the entries whose delay has passed, and tells its leader. */
  private applyDue(): void {
    const start = this.visible;
    for (let e = this.log[this.visible]; e && this.visible < this.position && e.atMs + this.delay() <= this.c.world.nowMs; e = this.log[this.visible]) {
      this.show(e);
      this.visible++;
    }
    if (this.visible === start) return;
    this.c.world.send(this.name, this.following, "async", `applied #${this.visible}`, { t: "ack", lsn: this.position, applied: this.visible });
    this.serveHeld();
  }

  followers(): string[] {
    return [...this.c.replicas.keys()].filter((n) => n !== this.name && !this.c.failed.has(n));
  }

  // ---- The leader. ----

  private write(from: string, b: Extract<Body, { t: "write" }>): void {
    const w = this.c.world;
    if (this.role !== "leader") {
      w.send(this.name, from, "reply", `not the leader: ${this.following}`, { t: "redirect", op: b.op, leader: this.following });
      return;
    }
    const entry: Entry = { lsn: this.log.length + 1, epoch: this.epoch, key: b.key, value: b.value, op: b.op, client: from, atMs: w.nowMs };
    this.put(entry);
    this.recount();
    const rec = this.c.ops[b.op - 1]!;
    rec.lsn = entry.lsn;
    rec.epoch = entry.epoch;
    const followers = this.followers();
    const o = this.c.o;
    const need = o.mode === "sync" ? followers.length : o.mode === "semi-sync" ? Math.min(o.acks, followers.length) : 0;
    for (const f of followers) this.ship(f, entry);
    this.c.sampleLag();
    if (need === 0) this.acknowledge(entry, from);
    else this.waiting.set(entry.lsn, { entry, client: from, need, got: new Set() });
  }

  private acknowledge(entry: Entry, client: string): void {
    const rec = this.c.ops[entry.op - 1]!;
    entry.ackedAtMs = this.c.world.nowMs;
    rec.lsn = entry.lsn;
    rec.epoch = entry.epoch;
    rec.ackedBy = this.name;
    rec.newestEpochAtAck = this.c.epoch;
    this.c.world.send(this.name, client, "reply", `ok #${entry.lsn}`, { t: "ok", op: entry.op, lsn: entry.lsn, epoch: entry.epoch });
  }

  /** Sends an entry to a follower once its lag has passed (held while it is paused). */
  private ship(to: string, entry: Entry): void {
    const w = this.c.world;
    const sent = this.shipped.get(to) ?? new Set<number>();
    if (sent.has(entry.lsn)) return;
    sent.add(entry.lsn);
    this.shipped.set(to, sent);
    const spec = this.c.o.followers.find((f) => f.name === to);
    let at = w.nowMs + (spec ? (spec.lagMaxMs > spec.lagMs ? this.c.rng.int(spec.lagMs, spec.lagMaxMs) : spec.lagMs) : 0);
    if (spec?.pauseAtMs !== undefined && at >= spec.pauseAtMs && (spec.resumeAtMs === undefined || at < spec.resumeAtMs)) {
      if (spec.resumeAtMs === undefined) return;
      at = spec.resumeAtMs;
    }
    if (this.c.o.inOrder) {
      at = Math.max(at, this.lastShip.get(to) ?? 0);
      this.lastShip.set(to, at);
    }
    w.timer(this.name, at - w.nowMs, { t: "ship", to, lsn: entry.lsn, epoch: this.epoch });
  }

  /** Ships every entry past each follower's acknowledged position (after a restart or a heal). */
  reship(): void {
    this.shipped.clear();
    for (const f of this.followers()) for (const e of this.log.slice(this.match.get(f) ?? 0)) if (e) this.ship(f, e);
  }

  private acked(from: string, b: Extract<Body, { t: "ack" }>): void {
    if (this.role !== "leader") return;
    this.match.set(from, Math.max(this.match.get(from) ?? 0, b.lsn));
    const upTo = this.c.o.syncWaitsFor === "received" ? b.lsn : (b.applied ?? b.lsn);
    if (b.hello) {
      this.c.failed.delete(from);
      this.match.set(from, b.lsn);
      for (const e of this.log.slice(b.lsn)) if (e) this.ship(from, e);
    }
    for (const [lsn, wt] of [...this.waiting].sort(([a], [b2]) => a - b2)) {
      if (lsn > upTo) break;
      wt.got.add(from);
      if (wt.got.size < wt.need) continue;
      this.waiting.delete(lsn);
      this.acknowledge(wt.entry, wt.client);
    }
  }

  /** The monitor made this follower the leader of a new epoch. */
  promote(epoch: number): void {
    const unapplied = this.position - this.applied();
    if (unapplied > 0) this.note(`applies the ${unapplied === 1 ? "entry" : `${unapplied} entries`} it received but held back, without waiting out its delay`);
    this.role = "leader";
    this.epoch = epoch;
    this.following = this.name;
    this.match.clear();
    this.lastShip.clear();
    this.shipped.clear();
    this.ahead.clear();
    this.log.length = this.position;
    this.rebuild();
    for (const f of this.followers()) this.c.world.send(this.name, f, "async", `epoch ${epoch}: follow ${this.name}`, { t: "follow", epoch });
    for (const r of this.held) this.answer(r.client, r.op, r.keys);
    this.held = [];
  }

  /** Steps down from leading: pending writes are refused, the log rewinds to the new leader's. */
  private stepDown(epoch: number, leader: string, why: string): void {
    this.c.fencedSeqs.push(this.note(`${why}: steps down`, "note", true));
    for (const wt of this.waiting.values()) {
      this.c.ops[wt.entry.op - 1]!.refusedWhy = `${this.name} was fenced before enough followers had it`;
      this.c.world.send(this.name, wt.client, "reply", "refused: fenced", { t: "refused", op: wt.entry.op, why: "fenced" });
    }
    this.waiting.clear();
    this.visible = this.position;
    this.role = "follower";
    this.epoch = epoch;
    this.rejoin(leader);
  }

  // ---- A follower. ----

  /** Follows `leader`: drops what it has that the leader does not, and asks for the rest. */
  rejoin(leader: string): void {
    const theirs = this.c.replica(leader).log;
    let p = 0;
    while (p < this.log.length && this.log[p] !== undefined && this.log[p]!.op === theirs[p]?.op) p++;
    const dropped = this.log.slice(p).filter((e): e is Entry => e !== undefined);
    this.log.length = p;
    this.ahead.clear();
    this.rebuild();
    this.following = leader;
    if (dropped.length) this.note(`rewinds to #${p}: drops ${dropped.map(label).join(", ")} (not on ${leader})`, "log", true);
    this.c.world.send(this.name, leader, "async", "ack", { t: "ack", lsn: this.position, hello: true });
  }

  private append(from: string, b: Extract<Body, { t: "append" }>): void {
    const e = b.entry;
    if (this.c.o.fencing === "epoch" && b.epoch < this.epoch) {
      this.c.fencedSeqs.push(this.note(`refuses ${label(e)} from ${from}: epoch ${b.epoch} < ${this.epoch}`, "note", true));
      this.c.world.send(this.name, from, "reply", `fenced: epoch ${this.epoch}`, { t: "fenced", epoch: this.epoch, leader: this.c.leader });
      return;
    }
    if (this.role === "leader") {
      this.note(`ignores ${label(e)} from ${from}: it leads epoch ${this.epoch}`);
      return;
    }
    if (b.epoch > this.epoch) this.epoch = b.epoch;
    this.take(e, from);
    this.c.sampleLag();
    this.c.world.touch();
    this.c.world.send(this.name, from, "async", "ack", { t: "ack", lsn: this.position, ...(this.delay() ? { applied: this.visible } : {}) });
    this.serveHeld();
  }

  /** Applies an entry: in log order (later ones wait for the gap to fill), or as it comes (Cosmos eventual). */
  private take(e: Entry, from: string): void {
    const there = this.log[e.lsn - 1];
    if (there && there.op !== e.op) {
      this.note(`overwrites ${label(there)} with ${label(e)} from ${from}`, "log", true);
      this.put(e);
    } else if (!there && (!this.c.o.inOrder || e.lsn === this.position + 1)) {
      this.put(e);
      for (let next = this.ahead.get(this.position + 2); next && this.c.o.inOrder; next = this.ahead.get(next.lsn + 1)) {
        this.ahead.delete(next.lsn);
        this.put(next);
      }
    } else if (!there && e.lsn > this.position + 1) this.ahead.set(e.lsn, e);
    this.recount();
  }

  private follow(from: string, b: Extract<Body, { t: "follow" }>): void {
    if (b.epoch < this.epoch) return;
    if (this.role === "leader") {
      if (this.c.o.fencing === "epoch" && b.epoch > this.epoch) this.stepDown(b.epoch, from, `hears of epoch ${b.epoch} from ${from}`);
      else this.note(`ignores ${from}'s epoch ${b.epoch}: still leads (no fencing)`, "note", true);
      return;
    }
    this.epoch = b.epoch;
    this.rejoin(from);
  }

  // ---- Reads. ----

  private read(from: string, b: Extract<Body, { t: "read" }>): void {
    const o = this.c.o;
    if (this.role === "follower" && o.read === "caught-up" && b.token > this.applied()) {
      this.held.push({ op: b.op, client: from, keys: b.keys, token: b.token });
      this.note(`holds ${from}'s read: at #${this.applied()}, ${from} has seen #${b.token}`);
      this.c.world.timer(this.name, o.readWaitMs, { t: "read-wait", op: b.op, client: from });
      return;
    }
    if (this.role === "follower" && o.read === "bounded" && this.c.leader !== this.name) {
      const m = this.c.missedAcked(this);
      const ms = m.count ? this.c.world.nowMs - m.oldestAckMs : 0;
      if (m.count > o.maxLagVersions || ms > o.maxLagMs) {
        const why = `${this.name} missed ${m.count} acknowledged write${m.count === 1 ? "" : "s"}, the oldest ${ms} ms old`;
        this.c.world.send(this.name, from, "reply", "too stale: ask the leader", { t: "go-leader", op: b.op, why });
        return;
      }
    }
    this.answer(from, b.op, b.keys);
  }

  private answer(client: string, op: number, keys: readonly string[]): void {
    const rec = this.c.ops[op - 1]!;
    const values = keys.map((key) => {
      const h = this.data.get(key);
      return { key, value: h ? h.value : null, version: h ? h.version : 0 };
    });
    const behind = this.c.behind(this);
    rec.replica = this.name;
    rec.values = values;
    rec.behindPositions = behind.positions;
    rec.behindMs = behind.ms;
    const text = values.map((v) => `${v.key}=${v.value === null ? "none" : String(v.value)}`).join(", ");
    this.c.world.send(this.name, client, "reply", text, { t: "values", op, values, position: this.applied() });
  }

  private serveHeld(): void {
    const ready = this.held.filter((r) => r.token <= this.applied());
    this.held = this.held.filter((r) => r.token > this.applied());
    for (const r of ready) this.answer(r.client, r.op, r.keys);
  }

  onMessage(m: Message<Body>): void {
    const b = m.body;
    if (b.t === "write" || b.t === "read") this.c.ops[b.op - 1]!.arriveSeq ??= this.c.world.trace.length - 1;
    if (b.t === "write") this.write(m.from, b);
    else if (b.t === "ack") this.acked(m.from, b);
    else if (b.t === "append") this.append(m.from, b);
    else if (b.t === "follow") this.follow(m.from, b);
    else if (b.t === "read") this.read(m.from, b);
    else if (b.t === "fenced" && this.role === "leader" && b.epoch > this.epoch)
      this.stepDown(b.epoch, b.leader, `fenced by ${m.from}: epoch ${this.epoch} < ${b.epoch}`);
  }

  onTimer(tag: Tag): void {
    const w = this.c.world;
    if (tag.t === "ship") {
      const e = this.log[tag.lsn - 1];
      if (this.role === "leader" && tag.epoch === this.epoch && e && !this.c.failed.has(tag.to)) {
        w.send(this.name, tag.to, "async", label(e), { t: "append", entry: e, epoch: this.epoch });
      }
    } else if (tag.t === "apply" && this.role === "follower") {
      this.applyDue();
    } else if (tag.t === "read-wait" && this.held.some((r) => r.op === tag.op)) {
      this.held = this.held.filter((r) => r.op !== tag.op);
      const why = `${this.name} was still at #${this.applied()} after ${this.c.o.readWaitMs} ms`;
      w.send(this.name, tag.client, "reply", "behind: ask the leader", { t: "go-leader", op: tag.op, why });
    }
  }

  onCrash(): void {
    this.waiting.clear();
    this.ahead.clear();
    this.held = [];
    this.lastShip.clear();
    this.shipped.clear();
  }

  onRecover(): void {
    if (this.c.leader !== this.name) {
      this.note(`restarts: ${this.c.leader} leads epoch ${this.c.epoch}, so it rejoins as a follower`, "note");
      this.role = "follower";
      this.epoch = Math.max(this.epoch, this.c.epoch);
      this.c.failed.delete(this.name);
      this.rejoin(this.c.leader);
      return;
    }
    this.note("restarts as the leader");
    this.reship();
  }
}

export const entryLabel = label;
