// Choreography: each service does its step when it hears the previous step's `done` event and
// publishes its own; a `failed` event travels back and each service compensates its own step and
// passes the word on. Events are delivered at least once: a publisher keeps each event until the
// consumer acknowledges it (durably with the outbox, in memory without).
import type { Message, Node } from "../../../core/network";
import type { SagaSim } from "./sim";
import { resourceOf, type Body, type Tag } from "./types";

type What = "done" | "failed" | "undone" | "completed";

export class ChoreographedService implements Node<Body, Tag> {
  constructor(
    private readonly sim: SagaSim,
    readonly name: string,
  ) {}

  /** Keep an event to publish with the local transaction (it is sent once the transaction is over). */
  private stage(to: string, what: What, k: number, step: number): string {
    const sim = this.sim;
    const key = `${what}:${k}:${step}:${to}`;
    const st = sim.steps[step]!;
    const label = `${sim.sagaTag(k)}${what === "completed" ? "saga completed" : `${st.name} ${what === "undone" ? "compensated" : what}`}`;
    const from = this.name;
    sim.participant(from).pending.set(key, { id: 0, from, to, style: "async", label, body: { t: "event", what, saga: k, step, key }, saga: k + 1 });
    // Kept with the local transaction just recorded.
    sim.world.touch();
    return key;
  }

  private publish(keys: readonly string[], again: boolean): void {
    const p = this.sim.participant(this.name);
    for (const key of keys) {
      const m = p.pending.get(key);
      if (!m) continue;
      this.sim.world.send(this.name, m.to, "async", m.label, m.body, m.saga, again);
      this.sim.world.timer(this.name, this.sim.retryDelay(1), { t: "resend", key, token: 2 });
    }
  }

  onCrash(): void {
    if (!this.sim.options.outbox) this.sim.participant(this.name).pending = new Map();
  }

  onRecover(): void {
    const { world: w, options } = this.sim;
    const p = this.sim.participant(this.name);
    const n = p.pending.size;
    if (n > 0) w.record({ actor: this.name, kind: "log", text: `outbox: ${n} event${n > 1 ? "s" : ""} not yet acknowledged, publish again` });
    this.publish([...p.pending.keys()], true);
    // Sagas this service starts and has not started yet.
    if (this.sim.steps[0]!.service !== this.name) return;
    for (let k = 0; k < this.sim.n; k++) {
      if (this.sim.log[k]!.phase === "requested") w.timer(this.name, Math.max(0, k * options.startGapMs - w.nowMs), { t: "start", saga: k });
    }
  }

  onTimer(tag: Tag): void {
    const sim = this.sim;
    if (tag.t === "start") {
      const k = tag.saga;
      if (sim.log[k]!.phase !== "requested") return;
      sim.log[k]!.phase = "forward";
      this.doStep(k, 0);
    } else if (tag.t === "resend") {
      const m = sim.participant(this.name).pending.get(tag.key);
      if (!m) return;
      sim.retries++;
      sim.world.record({ actor: this.name, kind: "retry", saga: m.saga, text: `no ack for ${m.label}: publish again` });
      sim.world.send(this.name, m.to, "async", m.label, m.body, m.saga, true);
      sim.world.timer(this.name, sim.retryDelay(tag.token), { t: "resend", key: tag.key, token: tag.token + 1 });
    } else if (tag.t === "local") {
      this.doStep(tag.saga, tag.step, tag.attempt);
    }
  }

  onMessage(msg: Message<Body>): void {
    const b = msg.body;
    if (b.t === "ack") {
      this.sim.participant(this.name).pending.delete(b.key);
      return;
    }
    if (b.t !== "event") return;
    const k = b.saga;
    let settled = true;
    if (b.what === "done") settled = this.doStep(k, b.step + 1);
    else if (b.what === "failed" || b.what === "undone") settled = this.undoStep(k, b.step - 1);
    else this.sim.releaseLocks(this.sim.participant(this.name), k);
    // Acknowledge once handled: an event whose handling crashed or must be tried again is not
    // acknowledged, so its publisher sends it again (at-least-once delivery).
    if (settled) this.sim.world.send(this.name, msg.from, "reply", "ack", { t: "ack", key: b.key });
  }

  /** The last step is done: the saga completed; with semantic locks, every service holding one is told. */
  private completed(k: number, i: number, keys: string[]): void {
    const sim = this.sim;
    if (sim.outcomes[k] === undefined) sim.outcomes[k] = "completed";
    sim.log[k]!.phase = "completed";
    if (sim.options.countermeasure !== "semantic-lock") return;
    for (const t of new Set(sim.steps.filter((x) => resourceOf(x.effect)).map((x) => x.service))) {
      if (t === this.name) sim.releaseLocks(sim.participant(this.name), k);
      else keys.push(this.stage(t, "completed", k, i));
    }
  }

  /** Do step i; returns false when it must be tried again later. */
  private doStep(k: number, i: number, attempt = 1): boolean {
    const sim = this.sim;
    const keys: string[] = [];
    const r = sim.doStep(sim.participant(this.name), k, i, () => {
      if (i + 1 < sim.steps.length) keys.push(this.stage(sim.steps[i + 1]!.service, "done", k, i));
      else this.completed(k, i, keys);
    });
    // A crashed service sends nothing; a repeat it recognised was answered when it first came.
    if (!sim.world.isUp(this.name)) return false;
    if (sim.lastWasRepeat) return true;
    if (r === "done") this.publish(keys, false);
    else if (r === "busy" || (r === "failed" && i > sim.pivot)) {
      return this.retry(k, i, attempt, r === "busy" ? "busy" : `${sim.steps[i]!.name} is past the pivot`);
    } else if (i > 0) this.publish([this.stage(sim.steps[i - 1]!.service, "failed", k, i)], false);
    else if (sim.outcomes[k] === undefined) {
      sim.outcomes[k] = "compensated";
      sim.log[k]!.phase = "compensated";
    }
    return true;
  }

  /** Step i must be tried again: a later step waits for its event to come again; the first retries on a timer. */
  private retry(k: number, i: number, attempt: number, reason: string): boolean {
    const sim = this.sim;
    sim.retries++;
    const why = `${sim.sagaTag(k)}${reason}`;
    if (i > 0) {
      sim.world.record({ actor: this.name, kind: "retry", saga: k + 1, text: `${why}: not acknowledged, so the event comes again` });
      return false;
    }
    sim.world.record({ actor: this.name, kind: "retry", saga: k + 1, text: `${why}: retry in ${sim.retryDelay(attempt)} ms` });
    sim.world.timer(this.name, sim.retryDelay(attempt), { t: "local", saga: k, step: i, attempt: attempt + 1 });
    return true;
  }

  /** Compensate step i; returns false when it must be tried again later. */
  private undoStep(k: number, i: number): boolean {
    const sim = this.sim;
    const keys: string[] = [];
    const r = sim.undoStep(sim.participant(this.name), k, i, () => {
      if (i > 0) keys.push(this.stage(sim.steps[i - 1]!.service, "undone", k, i));
      else {
        if (sim.outcomes[k] === undefined) sim.outcomes[k] = "compensated";
        sim.log[k]!.phase = "compensated";
      }
    });
    if (!sim.world.isUp(this.name)) return false;
    if (sim.lastWasRepeat) return true;
    if (r === "undo-failed") {
      sim.retries++;
      const text = `${sim.sagaTag(k)}compensation failed: not acknowledged, so the event comes again`;
      sim.world.record({ actor: this.name, kind: "retry", saga: k + 1, text });
      return false;
    }
    this.publish(keys, false);
    return true;
  }
}
