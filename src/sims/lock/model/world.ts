// The lock world's mechanism: instances that SET NX PX, compare-and-delete and extend by token and
// expire keys on their own clocks; clients that acquire (one instance, or a majority within the
// validity time), work, maybe pause, write and release; a storage that may check fencing tokens.
import type { EventQueue } from "../../../core/clock";
import type { TraceRecorder } from "../../../core/trace";
import { CLIENTS, type Resolved } from "../scenario";
import { localClock, realTime, snapshot, type Client, type Instance, type Key, type Storage } from "./state";
import type { Belief, LockEvent, LockResult, Pause, Style, Write } from "./types";

type MutableBelief = { -readonly [K in keyof Belief]: Belief[K] };

export class World {
  private readonly instances: Instance[];
  private readonly clients: Client[];
  private readonly storage: Storage = { lastToken: undefined, lastWriter: undefined, accepted: 0, refused: 0 };
  private nextToken = 1;
  private readonly beliefs: MutableBelief[] = [];
  private readonly writes: Write[] = [];
  private readonly pauses: Pause[] = [];
  private readonly renewals: Record<string, number> = {};
  private readonly lost: { client: string; atMs: number; seq: number }[] = [];

  constructor(
    private readonly r: Resolved,
    private readonly queue: EventQueue<() => void>,
    private readonly trace: TraceRecorder<LockEvent>,
  ) {
    this.instances = r.names.map((name, i) => ({ name, driftPercent: r.drift[i]!, key: undefined }));
    this.clients = CLIENTS.map((name) => ({ name, holds: false, token: undefined, validUntilMs: undefined, paused: false, done: false, attempts: 0 }));
  }

  private get now(): number {
    return this.queue.nowMs;
  }

  private at(delayMs: number, f: () => void): void {
    this.queue.schedule(Math.max(0, delayMs), f);
  }

  private log(actor: string, kind: LockEvent["kind"], to: string, text: string, style: Style): number {
    const state = snapshot(this.now, this.instances, this.clients, this.storage);
    return this.trace.record({ atMs: this.now, actor, kind, to, text, style, state }).seq;
  }

  /** Redlock's allowance for clock drift: ttl × driftFactor + 2 ms (none on a single instance). */
  private get driftMs(): number {
    return this.r.mode === "redlock" ? Math.round(this.r.ttlMs * this.r.driftFactor) + 2 : 0;
  }

  private reaches(c: Client, i: number): boolean {
    return !(c.name === "A" && this.r.unreachable.includes(i));
  }

  /** How long a client waits for all its answers: a round trip, or the timeout when one cannot come. */
  private waitMs(c: Client): number {
    const all = this.instances.every((_, i) => this.reaches(c, i));
    return all ? 2 * this.r.latencyMs : Math.max(this.r.timeoutMs, 2 * this.r.latencyMs);
  }

  start(): void {
    const [a, b] = this.clients;
    this.at(0, () => this.acquire(a!));
    this.at(this.r.secondStartMs, () => this.acquire(b!));
  }

  private expireLater(inst: Instance, key: Key): void {
    this.at(realTime(inst, key.expiresLocalMs) - this.now, () => {
      if (inst.key !== key) return;
      inst.key = undefined;
      this.log(inst.name, "expire", inst.name, `the key of ${key.holder} (token ${key.token}) expires: clock ${key.expiresLocalMs} ms`, "note");
    });
  }

  /** SET lock token NX PX ttl. */
  private setNx(inst: Instance, c: Client, token: number): boolean {
    if (inst.key) return false;
    inst.key = { holder: c.name, token, expiresLocalMs: localClock(inst, this.now) + this.r.ttlMs };
    this.expireLater(inst, inst.key);
    return true;
  }

  /** The compare-and-delete script: DEL only when the key still holds this token. */
  private compareAndDelete(inst: Instance, token: number): boolean {
    if (inst.key?.token !== token) return false;
    inst.key = undefined;
    return true;
  }

  /** The watchdog's compare-and-PEXPIRE script. */
  private extend(inst: Instance, token: number): boolean {
    if (inst.key?.token !== token) return false;
    inst.key = { ...inst.key, expiresLocalMs: localClock(inst, this.now) + this.r.ttlMs };
    this.expireLater(inst, inst.key);
    return true;
  }

  private endBelief(c: Client): void {
    c.holds = false;
    const b = this.beliefs.find((x) => x.client === c.name && x.toMs === undefined);
    if (b) b.toMs = this.now;
  }

  private acquire(c: Client): void {
    if (c.attempts >= this.r.maxAttempts) {
      c.done = true;
      this.log(c.name, "give-up", c.name, `gives up after ${c.attempts} attempts`, "note");
      return;
    }
    c.attempts++;
    const token = this.nextToken++;
    const t0 = this.now;
    const oks: number[] = [];
    this.instances.forEach((inst, i) => {
      this.at(this.r.latencyMs, () => {
        if (!this.reaches(c, i)) return void this.log(c.name, "set", inst.name, `SET lock ${token} NX PX ${this.r.ttlMs}: no answer`, "fault");
        const held = inst.key;
        const ok = this.setNx(inst, c, token);
        if (ok) oks.push(i);
        this.log(c.name, "set", inst.name, `SET lock ${token} NX PX ${this.r.ttlMs} → ${ok ? "OK" : `nil (${held!.holder} holds ${held!.token})`}`, "call");
      });
    });
    this.at(this.waitMs(c), () => this.decide(c, token, t0, oks));
  }

  private decide(c: Client, token: number, t0: number, oks: readonly number[]): void {
    const elapsed = this.now - t0;
    const validity = this.r.ttlMs - elapsed - this.driftMs;
    const n = this.instances.length;
    if (oks.length >= this.r.quorum && validity > 0) {
      c.holds = true;
      c.token = token;
      c.validUntilMs = this.now + validity;
      const of = n > 1 ? ` on ${oks.length} of ${n} instances` : "";
      const seq = this.log(c.name, "granted", c.name, `holds the lock, token ${token}${of}: valid ${validity} ms, until t=${c.validUntilMs} ms`, "note");
      this.beliefs.push({ client: c.name, token, fromMs: this.now, toMs: undefined, seq });
      if (this.r.renewal) this.at(Math.max(1, Math.floor(this.r.ttlMs / 3)), () => this.renew(c, token));
      this.at(this.r.workMs, () => this.beforeWrite(c));
      return;
    }
    const why = oks.length < this.r.quorum ? `${oks.length} of ${n} said OK` : `validity spent (${validity} ms)`;
    this.log(c.name, "refused", c.name, `no lock: ${why}; tries again in ${this.r.retryMs} ms`, "note");
    for (const i of oks) this.at(this.r.latencyMs, () => this.unlock(c, this.instances[i]!, token));
    this.at(this.r.retryMs, () => this.acquire(c));
  }

  private unlock(c: Client, inst: Instance, token: number): void {
    const other = inst.key;
    const ok = this.compareAndDelete(inst, token);
    const said = ok ? "deleted" : other ? `not mine (${other.holder} holds ${other.token}), kept` : "no key";
    this.log(c.name, "release", inst.name, `release ${token} (compare-and-delete) → ${said}`, "call");
  }

  /** The end of the work: check the lease, then (A) pause, then write. */
  private beforeWrite(c: Client): void {
    if (c.validUntilMs !== undefined && this.now >= c.validUntilMs) {
      const seq = this.log(c.name, "give-up", c.name, `its lease ended at t=${c.validUntilMs} ms: gives up without writing`, "note");
      this.lost.push({ client: c.name, atMs: this.now, seq });
      return this.release(c);
    }
    if (c.name !== "A" || this.r.pauseMs === 0) return this.write(c);
    c.paused = true;
    const note = `lease valid until t=${c.validUntilMs} ms: goes on, and stops the world for ${this.r.pauseMs} ms (GC pause)`;
    const seq = this.log(c.name, "pause", c.name, note, "note");
    this.pauses.push({ client: c.name, fromMs: this.now, toMs: this.now + this.r.pauseMs, seq });
    this.at(this.r.pauseMs, () => {
      c.paused = false;
      this.log(c.name, "resume", c.name, `resumes after ${this.r.pauseMs} ms, still believing it holds token ${c.token}`, "note");
      this.write(c);
    });
  }

  private write(c: Client): void {
    const token = c.token!;
    this.at(this.r.latencyMs, () => {
      const s = this.storage;
      const accepted = !this.r.fencing || s.lastToken === undefined || token >= s.lastToken;
      const before = { lastToken: s.lastToken, lastWriter: s.lastWriter };
      if (accepted) Object.assign(s, { lastToken: token, lastWriter: c.name, accepted: s.accepted + 1 });
      else s.refused++;
      const text = `write with token ${token} → ${accepted ? "accepted" : `refused: token ${s.lastToken} already seen`}`;
      const seq = this.log(c.name, "write", "storage", text, accepted ? "call" : "fault");
      this.writes.push({ client: c.name, token, atMs: this.now, accepted, ...before, seq });
      this.at(this.r.latencyMs, () => this.release(c));
    });
  }

  private release(c: Client): void {
    const token = c.token!;
    this.endBelief(c);
    c.done = true;
    this.instances.forEach((inst, i) => {
      if (this.reaches(c, i)) this.at(this.r.latencyMs, () => this.unlock(c, inst, token));
    });
  }

  private renew(c: Client, token: number): void {
    if (c.done || !c.holds || c.token !== token) return;
    const paused = this.pauses.find((p) => p.client === c.name && p.toMs > this.now);
    if (c.paused && paused) return this.at(paused.toMs - this.now, () => this.renew(c, token));
    const t0 = this.now;
    let oks = 0;
    this.instances.forEach((inst, i) => {
      if (!this.reaches(c, i)) return;
      this.at(this.r.latencyMs, () => {
        const ok = this.extend(inst, token);
        if (ok) oks++;
        this.log(
          c.name,
          "renew",
          inst.name,
          `extend ${token} by ${this.r.ttlMs} ms (compare-and-PEXPIRE) → ${ok ? "extended" : "not mine"}`,
          ok ? "call" : "fault",
        );
      });
    });
    this.at(this.waitMs(c), () => {
      if (c.token !== token || !c.holds) return;
      if (oks >= this.r.quorum) {
        c.validUntilMs = t0 + this.r.ttlMs - this.driftMs;
        this.renewals[c.name] = (this.renewals[c.name] ?? 0) + 1;
      } else c.validUntilMs = Math.min(c.validUntilMs ?? this.now, this.now);
      this.at(Math.max(1, Math.floor(this.r.ttlMs / 3)) - (this.now - t0), () => this.renew(c, token));
    });
  }

  result(): LockResult {
    return {
      events: this.trace.toArray(),
      beliefs: this.beliefs.map((b) => ({ ...b })),
      writes: this.writes,
      pauses: this.pauses,
      renewals: { ...this.renewals },
      lost: this.lost,
      starved: this.clients.filter((c) => !this.beliefs.some((b) => b.client === c.name)).map((c) => c.name),
    };
  }
}
