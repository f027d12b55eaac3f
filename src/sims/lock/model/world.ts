// The lock world's mechanism on the shared network (src/core/network.ts): instances that SET NX PX,
// compare-and-delete and extend by token and expire keys on their own clocks; clients that acquire
// (one instance, or a majority within the validity time), work, maybe pause, write and release; a
// storage that may check fencing tokens. Every request and answer is a message on the network, the
// instances A cannot reach are messages the network drops, timeouts and work are timers, and A's
// pause is the network's pause: A runs nothing while its messages travel and keys expire.
import { createRng } from "../../../core/rng";
import { World as Network, type Message, type WorldEvent } from "../../../core/network";
import { CLIENTS, type Resolved } from "../scenario";
import { localClock, realTime, snapshot, type Client, type Instance, type Key, type Snapshot, type Storage } from "./state";
import type { Belief, LockEvent, LockResult, Pause, Style, Write } from "./types";
import type { Body, Tag } from "./messages";

type MutableBelief = { -readonly [K in keyof Belief]: Belief[K] };

/** What a client is waiting answers for: an acquisition or a renewal, by token. */
interface Round {
  readonly op: "set" | "extend";
  readonly token: number;
  readonly t0: number;
  readonly oks: number[];
  answers: number;
  decided: boolean;
}

export class World {
  readonly net: Network<Body, Tag>;
  private readonly instances: Instance[];
  private readonly clients: Client[];
  private readonly storage: Storage = { lastToken: undefined, lastWriter: undefined, accepted: 0, refused: 0 };
  private nextToken = 1;
  private readonly rounds = new Map<string, Round>();
  private readonly events: LockEvent[] = [];
  private readonly beliefs: MutableBelief[] = [];
  private readonly writes: Write[] = [];
  private readonly pauses: Pause[] = [];
  private readonly renewals: Record<string, number> = {};
  private readonly lost: { client: string; atMs: number; seq: number }[] = [];
  /** The world's state after each network event, for the timeline. */
  readonly after = new Map<number, Snapshot>();
  readonly before: Snapshot;

  constructor(private readonly r: Resolved) {
    // Every message takes latencyMs; the network loses only what it is told to (unreachable instances).
    const latency = { minDelayMs: r.latencyMs, maxDelayMs: r.latencyMs, loss: 0, duplicate: 0, reorder: false };
    this.net = new Network<Body, Tag>(createRng(1), latency);
    this.instances = r.names.map((name, i) => ({ name, driftPercent: r.drift[i]!, key: undefined }));
    this.clients = CLIENTS.map((name) => ({ name, holds: false, token: undefined, validUntilMs: undefined, paused: false, done: false, attempts: 0 }));
    this.before = this.state();
    this.net.watch = (e) => void (e.kind !== "send" && this.after.set(e.seq, this.state()));
    this.net.interfere = (m) => (this.reaches(m.from, m.to) ? undefined : { drop: true });
    for (const inst of this.instances) this.net.add({ name: inst.name, onMessage: (m) => this.onInstance(inst, m), onTimer: (t) => this.onExpire(inst, t) });
    for (const c of this.clients)
      this.net.add({
        name: c.name,
        onMessage: (m) => this.watched(() => this.onAnswer(c, m)),
        onTimer: (t) => this.onTimer(c, t),
        onResume: () => this.resumed(c),
      });
    this.net.add({ name: "storage", onMessage: (m) => this.onWrite(m) });
  }

  private get now(): number {
    return this.net.nowMs;
  }

  state(): Snapshot {
    const paused = (c: Client): Client => ({ ...c, paused: this.net.isPaused(c.name) });
    return snapshot(this.now, this.instances, this.clients.map(paused), this.storage);
  }

  /** The lock's view of the last network event (a delivery, a loss, a note): its words and the state after it. */
  private log(actor: string, kind: LockEvent["kind"], to: string, text: string, style: Style): number {
    const e = this.net.trace.toArray().at(-1)!;
    const state = this.state();
    this.after.set(e.seq, state);
    this.events.push({ seq: e.seq, atMs: this.now, actor, kind, to, text, style, state });
    return e.seq;
  }

  /** A note on the network's trace (drawn over the actor), seen by the lock as `kind`. */
  private note(actor: string, kind: LockEvent["kind"], text: string): number {
    this.net.record({ actor, kind: "note", text });
    return this.log(actor, kind, actor, text, "note");
  }

  /** Runs a client's handler; when it only sent messages, the delivery's step shows what it changed. */
  private watched(f: () => void): void {
    const seq = this.net.trace.length - 1;
    f();
    const since = this.net.trace.toArray().slice(seq + 1);
    if (since.every((e) => e.kind === "send")) this.after.set(seq, this.state());
  }

  /** Redlock's allowance for clock drift: ttl × driftFactor + 2 ms (none on a single instance). */
  private get driftMs(): number {
    return this.r.mode === "redlock" ? Math.round(this.r.ttlMs * this.r.driftFactor) + 2 : 0;
  }

  private reaches(from: string, to: string): boolean {
    const i = this.r.names.indexOf(to);
    return !(from === "A" && i >= 0 && this.r.unreachable.includes(i));
  }

  /** How long a client waits for answers that do not come: the timeout, and a round trip at least. */
  private get timeoutMs(): number {
    return Math.max(this.r.timeoutMs, 2 * this.r.latencyMs);
  }

  private send(from: string, to: string, body: Body, label: string): void {
    this.net.send(from, to, body.op === "answer" ? "reply" : "call", label, body);
  }

  start(): void {
    this.net.timer("A", 0, { kind: "acquire" });
    this.net.timer("B", this.r.secondStartMs, { kind: "acquire" });
  }

  run(horizonMs: number): void {
    this.start();
    this.net.run(horizonMs, Number.MAX_SAFE_INTEGER);
  }

  // ---- instances ----

  private expireLater(inst: Instance, key: Key): void {
    this.net.timer(inst.name, realTime(inst, key.expiresLocalMs) - this.now, { kind: "expire", key });
  }

  private onExpire(inst: Instance, t: Tag): void {
    if (t.kind !== "expire" || inst.key !== t.key) return;
    inst.key = undefined;
    this.note(inst.name, "expire", `the key of ${t.key.holder} (token ${t.key.token}) expires: clock ${t.key.expiresLocalMs} ms`);
  }

  private onInstance(inst: Instance, m: Message<Body>): void {
    const b = m.body;
    if (b.op === "set") return this.setNx(inst, m.from, b.token);
    if (b.op === "del") return this.compareAndDelete(inst, m.from, b.token);
    if (b.op === "extend") return this.extend(inst, m.from, b.token);
  }

  /** SET lock token NX PX ttl. */
  private setNx(inst: Instance, client: string, token: number): void {
    const held = inst.key;
    if (!held) {
      inst.key = { holder: client, token, expiresLocalMs: localClock(inst, this.now) + this.r.ttlMs };
      this.expireLater(inst, inst.key);
    }
    const said = held ? `nil (${held.holder} holds ${held.token})` : "OK";
    this.log(client, "set", inst.name, `SET lock ${token} NX PX ${this.r.ttlMs} → ${said}`, "call");
    this.send(inst.name, client, { op: "answer", of: "set", token, ok: !held }, said);
  }

  /** The compare-and-delete script: DEL only when the key still holds this token. */
  private compareAndDelete(inst: Instance, client: string, token: number): void {
    const other = inst.key;
    const ok = other?.token === token;
    if (ok) inst.key = undefined;
    const said = ok ? "deleted" : other ? `not mine (${other.holder} holds ${other.token}), kept` : "no key";
    this.log(client, "release", inst.name, `release ${token} (compare-and-delete) → ${said}`, "call");
    this.send(inst.name, client, { op: "answer", of: "del", token, ok }, said);
  }

  /** The watchdog's compare-and-PEXPIRE script. */
  private extend(inst: Instance, client: string, token: number): void {
    const ok = inst.key?.token === token;
    if (ok) {
      inst.key = { ...inst.key!, expiresLocalMs: localClock(inst, this.now) + this.r.ttlMs };
      this.expireLater(inst, inst.key);
    }
    const text = `extend ${token} by ${this.r.ttlMs} ms (compare-and-PEXPIRE) → ${ok ? "extended" : "not mine"}`;
    this.log(client, "renew", inst.name, text, ok ? "call" : "fault");
    this.send(inst.name, client, { op: "answer", of: "extend", token, ok }, ok ? "extended" : "not mine");
  }

  // ---- the storage ----

  private onWrite(m: Message<Body>): void {
    if (m.body.op !== "write") return;
    const token = m.body.token;
    const s = this.storage;
    const accepted = !this.r.fencing || s.lastToken === undefined || token >= s.lastToken;
    const before = { lastToken: s.lastToken, lastWriter: s.lastWriter };
    if (accepted) Object.assign(s, { lastToken: token, lastWriter: m.from, accepted: s.accepted + 1 });
    else s.refused++;
    const said = accepted ? "accepted" : `refused: token ${s.lastToken} already seen`;
    const seq = this.log(m.from, "write", "storage", `write with token ${token} → ${said}`, accepted ? "call" : "fault");
    const answer = accepted ? "accepted" : `refused (it has seen token ${s.lastToken})`;
    this.writes.push({ client: m.from, token, atMs: this.now, accepted, ...before, seq });
    this.send("storage", m.from, { op: "answer", of: "write", token, ok: accepted }, answer);
  }

  // ---- clients ----

  private onTimer(c: Client, t: Tag): void {
    switch (t.kind) {
      case "acquire":
        return this.acquire(c);
      case "decide":
      case "renewed":
        // The timeout: answers due at this very instant are delivered first, then the client decides.
        if (!t.final) return this.net.timer(c.name, 0, { ...t, final: true });
        return t.kind === "decide" ? this.decide(c, t.token) : this.renewed(c, t.token);
      case "work":
        return this.beforeWrite(c);
      case "write":
        return this.write(c);
      case "renew":
        return this.renew(c, t.token);
    }
  }

  /** Sends `op` to every instance (the network drops what cannot arrive) and waits for the answers. */
  private ask(c: Client, op: "set" | "extend", token: number, label: string): void {
    this.rounds.set(c.name, { op, token, t0: this.now, oks: [], answers: 0, decided: false });
    for (const inst of this.instances) {
      const dropsBefore = this.net.messagesLost;
      this.send(c.name, inst.name, { op, token }, label);
      if (op === "set" && this.net.messagesLost > dropsBefore) this.log(c.name, "set", inst.name, `${label}: no answer`, "fault");
    }
    this.net.timer(c.name, this.timeoutMs, { kind: op === "set" ? "decide" : "renewed", token, final: false });
  }

  private onAnswer(c: Client, m: Message<Body>): void {
    const b = m.body;
    if (b.op !== "answer") return;
    if (b.of === "write") return this.release(c);
    const round = this.rounds.get(c.name);
    if (!round || round.decided || round.token !== b.token || round.op !== b.of) return;
    round.answers++;
    if (b.ok) round.oks.push(this.instances.findIndex((i) => i.name === m.from));
    // Every instance answered: no need to wait for the timeout.
    if (round.answers < this.instances.length) return;
    if (b.of === "set") this.decide(c, b.token);
    else this.renewed(c, b.token);
  }

  private acquire(c: Client): void {
    if (c.attempts >= this.r.maxAttempts) {
      c.done = true;
      this.note(c.name, "give-up", `gives up after ${c.attempts} attempts`);
      return;
    }
    c.attempts++;
    const token = this.nextToken++;
    this.ask(c, "set", token, `SET lock ${token} NX PX ${this.r.ttlMs}`);
  }

  private decide(c: Client, token: number): void {
    const round = this.rounds.get(c.name);
    if (!round || round.decided || round.token !== token || round.op !== "set") return;
    round.decided = true;
    const oks = round.oks;
    const validity = this.r.ttlMs - (this.now - round.t0) - this.driftMs;
    const n = this.instances.length;
    if (oks.length >= this.r.quorum && validity > 0) {
      Object.assign(c, { holds: true, token, validUntilMs: this.now + validity });
      const of = n > 1 ? ` on ${oks.length} of ${n} instances` : "";
      const seq = this.note(c.name, "granted", `holds the lock, token ${token}${of}: valid ${validity} ms, until t=${c.validUntilMs} ms`);
      this.beliefs.push({ client: c.name, token, fromMs: this.now, toMs: undefined, seq });
      if (this.r.renewal) this.net.timer(c.name, Math.max(1, Math.floor(this.r.ttlMs / 3)), { kind: "renew", token });
      this.net.timer(c.name, this.r.workMs, { kind: "work" });
      return;
    }
    const why = oks.length < this.r.quorum ? `${oks.length} of ${n} said OK` : `validity spent (${validity} ms)`;
    this.note(c.name, "refused", `no lock: ${why}; tries again in ${this.r.retryMs} ms`);
    for (const i of oks) this.send(c.name, this.instances[i]!.name, { op: "del", token }, `release ${token}`);
    this.net.timer(c.name, this.r.retryMs, { kind: "acquire" });
  }

  /** The end of the work: check the lease, then (A) pause, then write. */
  private beforeWrite(c: Client): void {
    if (c.validUntilMs !== undefined && this.now >= c.validUntilMs) {
      const seq = this.note(c.name, "give-up", `its lease ended at t=${c.validUntilMs} ms: gives up without writing`);
      this.lost.push({ client: c.name, atMs: this.now, seq });
      return this.release(c);
    }
    if (c.name !== "A" || this.r.pauseMs === 0) return this.write(c);
    // The write is next: it waits for the pause like everything else A would do.
    this.net.timer(c.name, 0, { kind: "write" });
    const text = `lease valid until t=${c.validUntilMs} ms: goes on, and stops the world for ${this.r.pauseMs} ms (GC pause)`;
    this.net.pause(c.name, this.r.pauseMs, text, `resumes after ${this.r.pauseMs} ms, still believing it holds token ${c.token}`);
    const seq = this.log(c.name, "pause", c.name, text, "note");
    this.pauses.push({ client: c.name, fromMs: this.now, toMs: this.now + this.r.pauseMs, seq });
  }

  /** Called as the network resumes a paused client (net.pause), before its waiting timers and messages. */
  private resumed(c: Client): void {
    const e = this.net.trace.toArray().at(-1)!;
    this.log(c.name, "resume", c.name, e.text, "note");
  }

  private write(c: Client): void {
    this.send(c.name, "storage", { op: "write", token: c.token! }, `write with token ${c.token}`);
  }

  private release(c: Client): void {
    const token = c.token!;
    c.holds = false;
    const b = this.beliefs.find((x) => x.client === c.name && x.toMs === undefined);
    if (b) b.toMs = this.now;
    c.done = true;
    for (const inst of this.instances) this.send(c.name, inst.name, { op: "del", token }, `release ${token}`);
  }

  private renew(c: Client, token: number): void {
    if (c.done || !c.holds || c.token !== token) return;
    this.ask(c, "extend", token, `extend ${token} by ${this.r.ttlMs} ms`);
  }

  private renewed(c: Client, token: number): void {
    const round = this.rounds.get(c.name);
    if (!round || round.decided || round.token !== token || round.op !== "extend") return;
    round.decided = true;
    if (c.token !== token || !c.holds) return;
    if (round.oks.length >= this.r.quorum) {
      c.validUntilMs = round.t0 + this.r.ttlMs - this.driftMs;
      this.renewals[c.name] = (this.renewals[c.name] ?? 0) + 1;
    } else c.validUntilMs = Math.min(c.validUntilMs ?? this.now, this.now);
    this.net.timer(c.name, Math.max(1, Math.floor(this.r.ttlMs / 3)) - (this.now - round.t0), { kind: "renew", token });
  }

  result(): LockResult {
    const trace: readonly WorldEvent[] = this.net.trace.toArray();
    return {
      events: this.events,
      trace,
      watched: { before: this.before, after: this.after, end: this.state() },
      beliefs: this.beliefs.map((b) => ({ ...b })),
      writes: this.writes,
      pauses: this.pauses,
      renewals: { ...this.renewals },
      lost: this.lost,
      starved: this.clients.filter((c) => !this.beliefs.some((b) => b.client === c.name)).map((c) => c.name),
    };
  }
}
