// Orchestration: an orchestrator with a durable saga log sends each step's request, waits for the
// reply, retries with backoff, compensates in reverse on failure and resumes from its log after a
// crash. The participants only answer requests.
import type { Message, Node } from "../../../core/network";
import { ORCHESTRATOR } from "../scenario";
import type { SagaSim } from "./sim";
import { resourceOf, type Body, type Op, type Reply, type Tag } from "./types";

export class Orchestrator implements Node<Body, Tag> {
  readonly name = ORCHESTRATOR;
  /** Per saga: the answer awaited, the attempt number and how many attempts in a row went unanswered (volatile). */
  private waiting = new Map<number, { token: number; attempt: number; silent: number }>();
  private tokens = 0;

  constructor(private readonly sim: SagaSim) {}

  private logStep(k: number, text: string): void {
    this.sim.world.record({ actor: ORCHESTRATOR, kind: "log", saga: k + 1, text: `${this.sim.sagaTag(k)}${text}` });
  }

  private startSaga(k: number): void {
    this.sim.log[k] = { phase: "forward", step: 0, releases: new Set() };
    this.logStep(k, "saga log: started");
    this.sendRequest(k, 1, false);
  }

  /** Waits for saga k's answer: the timer that fires with this token means none came. */
  private await(k: number, attempt: number, silent: number): void {
    const token = ++this.tokens;
    this.waiting.set(k, { token, attempt, silent });
    this.sim.world.timer(ORCHESTRATOR, this.sim.retryDelay(attempt), { t: "wait", saga: k, token });
  }

  private sendRequest(k: number, attempt: number, again: boolean, silent = 0): void {
    const sim = this.sim;
    const l = sim.log[k]!;
    const st = sim.steps[l.step]!;
    const op: Op = l.phase === "forward" ? "do" : "undo";
    const label = `${sim.sagaTag(k)}${sim.words(st, op)}${attempt > 1 ? ` (attempt ${attempt})` : ""}`;
    sim.world.send(ORCHESTRATOR, st.service, "call", label, { t: "request", op, saga: k, step: l.step, attempt }, k + 1, again || attempt > 1);
    this.await(k, attempt, silent);
  }

  private sendReleases(k: number, attempt: number): void {
    const sim = this.sim;
    for (const i of sim.log[k]!.releases) {
      const st = sim.steps[i]!;
      const label = `${sim.sagaTag(k)}${sim.words(st, "release")}${attempt > 1 ? ` (attempt ${attempt})` : ""}`;
      sim.world.send(ORCHESTRATOR, st.service, "async", label, { t: "request", op: "release", saga: k, step: i, attempt }, k + 1, attempt > 1);
    }
    this.await(k, attempt, 0);
  }

  onTimer(tag: Tag): void {
    const sim = this.sim;
    if (tag.t === "start") {
      if (sim.log[tag.saga]!.phase === "requested") this.startSaga(tag.saga);
      return;
    }
    if (tag.t !== "wait" && tag.t !== "again") return;
    const k = tag.saga;
    const wait = this.waiting.get(k);
    if (!wait || wait.token !== tag.token) return;
    const l = sim.log[k]!;
    const attempt = wait.attempt + 1;
    if (tag.t === "again") return this.sendRequest(k, attempt, true);
    if (l.phase === "completed" || l.phase === "compensated") {
      if (l.releases.size === 0) return;
      sim.retries++;
      sim.world.record({ actor: ORCHESTRATOR, kind: "retry", saga: k + 1, text: `${sim.sagaTag(k)}no answer to release: send again` });
      return this.sendReleases(k, attempt);
    }
    const st = sim.steps[l.step]!;
    if (l.phase === "forward" && l.step <= sim.pivot && wait.silent + 1 >= sim.options.retry.attempts) {
      this.logStep(k, `saga log: ${st.name} unanswered ${wait.silent + 1} times; compensate it (it may have happened)`);
      l.phase = "compensating";
      sim.world.touch();
      return this.sendRequest(k, 1, false);
    }
    sim.retries++;
    const text = `${sim.sagaTag(k)}no answer from ${st.service}: send again (attempt ${attempt})`;
    sim.world.record({ actor: ORCHESTRATOR, kind: "retry", saga: k + 1, text });
    this.sendRequest(k, attempt, true, wait.silent + 1);
  }

  onMessage(msg: Message<Body>): void {
    const b = msg.body;
    if (b.t !== "reply") return;
    const k = b.saga;
    const l = this.sim.log[k]!;
    if (b.op === "released") {
      l.releases.delete(b.step);
      if (l.releases.size === 0) this.waiting.delete(k);
      return;
    }
    const forward = l.phase === "forward" && (b.op === "done" || b.op === "failed" || b.op === "busy");
    const expected = forward || (l.phase === "compensating" && (b.op === "undone" || b.op === "undo-failed"));
    if (!expected || b.step !== l.step) {
      // Not deduplication: the orchestrator's own state machine is past that step, whatever the receivers do.
      this.sim.world.record({ actor: ORCHESTRATOR, kind: "note", saga: k + 1, text: `${this.sim.sagaTag(k)}late answer ignored (the saga is past that step)` });
      return;
    }
    this.answered(k, b.op);
  }

  /** The answer saga k waited for. */
  private answered(k: number, op: Exclude<Reply, "released">): void {
    const sim = this.sim;
    const l = sim.log[k]!;
    const attempt = this.waiting.get(k)?.attempt ?? 1;
    const st = sim.steps[l.step]!;
    switch (op) {
      case "done":
        return this.stepDone(k);
      case "busy":
      case "undo-failed":
        return this.retryLater(k, attempt, op === "busy" ? `${st.name} busy` : `compensation of ${st.name} failed`);
      case "failed":
        if (l.step > sim.pivot) return this.retryLater(k, attempt, `${st.name} is past the pivot`);
        this.logStep(k, `saga log: ${st.name} failed; compensate in reverse`);
        return this.compensateFrom(k, l.step - 1);
      case "undone":
        this.logStep(k, `saga log: ${st.name} compensated`);
        return this.compensateFrom(k, l.step - 1);
    }
  }

  private stepDone(k: number): void {
    const sim = this.sim;
    const l = sim.log[k]!;
    // A crash here comes before the reply is written to the saga log: the reply is lost with the
    // orchestrator's memory, the log still says the step was requested, and after the restart
    // the orchestrator sends the request again.
    if (sim.scriptedCrash(ORCHESTRATOR, k, l.step)) return;
    const r = sim.options.random;
    if (r.crash > 0 && sim.world.rng.chance(r.crash)) return sim.crash(ORCHESTRATOR, r.downMs, "random");
    this.logStep(k, `saga log: ${sim.steps[l.step]!.name} done`);
    if (l.step + 1 < sim.steps.length) {
      l.step++;
      sim.world.touch();
      return this.sendRequest(k, 1, false);
    }
    l.phase = "completed";
    sim.outcomes[k] = "completed";
    this.waiting.delete(k);
    this.logStep(k, "saga log: completed");
    if (sim.options.countermeasure !== "semantic-lock") return;
    sim.steps.forEach((x, i) => {
      if (resourceOf(x.effect)) l.releases.add(i);
    });
    if (l.releases.size) this.sendReleases(k, 1);
  }

  /** The answer said "not now" (busy, a transient failure): re-arm the wait so the timer that fires resends. */
  private retryLater(k: number, attempt: number, why: string): void {
    const sim = this.sim;
    sim.retries++;
    sim.world.record({ actor: ORCHESTRATOR, kind: "retry", saga: k + 1, text: `${sim.sagaTag(k)}${why}: retry in ${sim.retryDelay(attempt)} ms` });
    const token = ++this.tokens;
    this.waiting.set(k, { token, attempt, silent: 0 });
    sim.world.timer(ORCHESTRATOR, sim.retryDelay(attempt), { t: "again", saga: k, token });
  }

  private compensateFrom(k: number, i: number): void {
    const l = this.sim.log[k]!;
    if (i < 0) {
      l.phase = "compensated";
      this.sim.outcomes[k] = "compensated";
      this.waiting.delete(k);
      this.logStep(k, "saga log: compensated");
      return;
    }
    l.phase = "compensating";
    l.step = i;
    this.sim.world.touch();
    this.sendRequest(k, 1, false);
  }

  onCrash(): void {
    this.waiting = new Map();
  }

  onRecover(): void {
    const sim = this.sim;
    for (let k = 0; k < sim.n; k++) {
      const l = sim.log[k]!;
      const startMs = k * sim.options.startGapMs;
      if (l.phase === "forward" || l.phase === "compensating") {
        const where = `resume at ${sim.steps[l.step]!.name} (${l.phase === "forward" ? "going forward" : "compensating"})`;
        sim.world.record({ actor: ORCHESTRATOR, kind: "log", saga: k + 1, text: `${sim.sagaTag(k)}saga log: ${where}` });
        this.sendRequest(k, 1, true);
      } else if (l.phase === "requested" && sim.world.nowMs >= startMs) this.startSaga(k);
      else if (l.phase === "requested") sim.world.timer(ORCHESTRATOR, startMs - sim.world.nowMs, { t: "start", saga: k });
      else if (l.releases.size > 0) this.sendReleases(k, 1);
    }
  }
}

/** A participant in orchestration: it runs what the orchestrator asks and answers. */
export class OrchestratedService implements Node<Body, Tag> {
  constructor(
    private readonly sim: SagaSim,
    readonly name: string,
  ) {}

  onMessage(msg: Message<Body>): void {
    const b = msg.body;
    if (b.t !== "request") return;
    const sim = this.sim;
    const p = sim.participant(this.name);
    const st = sim.steps[b.step]!;
    let reply: Reply;
    if (b.op === "release") {
      sim.releaseLocks(p, b.saga);
      reply = "released";
    } else reply = b.op === "do" ? sim.doStep(p, b.saga, b.step) : sim.undoStep(p, b.saga, b.step);
    const said = reply === "undone" ? `${st.name} compensated` : reply === "undo-failed" ? `compensation of ${st.name} failed` : `${st.name} ${reply}`;
    const text = reply === "released" ? "released" : said;
    sim.world.send(this.name, ORCHESTRATOR, "reply", `${sim.sagaTag(b.saga)}${text}`, { t: "reply", op: reply, saga: b.saga, step: b.step }, b.saga + 1);
  }
}
