// Sagas in the message-passing world. Each step is a local transaction in its own service with a
// compensation. Orchestration: an orchestrator with a durable saga log sends requests, waits for
// replies, retries with backoff, compensates in reverse on failure and resumes from its log after a
// crash. Choreography: each service does its step when it hears the previous step's event and
// publishes its own; failures travel back as events. Participants are the same in both styles:
// idempotent or not, with or without an isolation countermeasure.
import { ScenarioError } from "../../core/errors";
import type { Rng } from "../../core/rng";
import { backoffMs, NAME, World, type Message, type WorldEvent } from "../../core/network";
import { DEFAULT_PIVOT, DEFAULT_STEPS, type Countermeasure, type Effect, type FaultSpec, type Options, type StepSpec } from "./saga-scenario";

export const ORCHESTRATOR = "orchestrator";

type Op = "do" | "undo" | "release";
type Reply = "done" | "failed" | "busy" | "undone" | "undo-failed" | "released";
type Body =
  | { readonly t: "request"; readonly op: Op; readonly saga: number; readonly step: number; readonly attempt: number }
  | { readonly t: "reply"; readonly op: Reply; readonly saga: number; readonly step: number }
  | { readonly t: "event"; readonly what: "done" | "failed" | "undone" | "completed"; readonly saga: number; readonly step: number; readonly key: string }
  | { readonly t: "ack"; readonly key: string };
type Tag =
  | { readonly t: "start"; readonly saga: number }
  | { readonly t: "wait" | "again"; readonly saga: number; readonly token: number }
  | { readonly t: "resend"; readonly key: string; readonly token: number }
  | { readonly t: "local"; readonly saga: number; readonly step: number; readonly attempt: number };

export type Outcome = "completed" | "compensated";

/** A step refused for lack of money or stock, with the sagas whose effects were then counted in. */
export interface Refusal {
  readonly saga: number;
  readonly step: number;
  readonly seq: number;
  readonly resource: "account" | "stock";
  readonly value: number;
  readonly needed: number;
  /** Sagas holding an effect on the value when it was read, with the event of that effect. */
  readonly holders: readonly { readonly saga: number; readonly delta: number; readonly seq: number }[];
}

/** A compensation that restored a before-image over another saga's change. */
export interface Overwrite {
  readonly saga: number;
  readonly step: number;
  readonly seq: number;
  readonly resource: "account" | "stock";
  readonly lost: number;
  readonly others: readonly number[];
}

export interface SagaRun {
  readonly steps: readonly StepSpec[];
  readonly pivot: number;
  readonly style: "orchestration" | "choreography";
  readonly idempotent: boolean;
  readonly countermeasure: Countermeasure;
  readonly events: readonly WorldEvent[];
  /** Outcome of each saga (index 0 is saga 1), undefined when it neither completed nor compensated. */
  readonly outcomes: readonly (Outcome | undefined)[];
  /** How many times each saga's step took effect, and was compensated. */
  readonly applied: readonly (readonly number[])[];
  readonly undone: readonly (readonly number[])[];
  /** Seq numbers of each saga's effects and compensations, per step. */
  readonly effectEvents: readonly (readonly (readonly number[])[])[];
  readonly undoEvents: readonly (readonly (readonly number[])[])[];
  readonly initial: { readonly account: number; readonly stock: number };
  readonly final: { readonly account: number; readonly stock: number };
  readonly amount: number;
  readonly quantity: number;
  readonly refusals: readonly Refusal[];
  readonly overwrites: readonly Overwrite[];
  readonly quiesced: boolean;
  readonly endMs: number;
  readonly downServices: readonly string[];
  readonly stats: { readonly messages: number; readonly lost: number; readonly duplicated: number; readonly retries: number; readonly dedups: number; readonly crashes: number; readonly blockedMs: number };
}

const resourceOf = (e: Effect): "account" | "stock" | undefined => (e === "money" ? "account" : e === "stock" ? "stock" : undefined);

/** The steps and pivot of a cell, with names checked so they are safe to draw. */
export function flowOf(options: Options): { steps: StepSpec[]; pivot: number } {
  const steps: StepSpec[] = (options.steps ?? DEFAULT_STEPS).map((x) => ({ name: x.name, service: x.service ?? x.name, effect: x.effect ?? "none" }));
  const seen = new Set<string>();
  for (const [i, st] of steps.entries()) {
    if (!NAME.test(st.name)) throw new ScenarioError(`Step ${i + 1}: step names may use letters, digits, "-" and "_", starting with a letter (got "${st.name}").`);
    if (!NAME.test(st.service)) throw new ScenarioError(`Step ${st.name}: service names may use letters, digits, "-" and "_", starting with a letter (got "${st.service}").`);
    if (seen.has(st.name)) throw new ScenarioError(`Two steps are named "${st.name}"; each step needs its own name.`);
    if (st.service === ORCHESTRATOR && options.style !== "choreography") throw new ScenarioError(`Step ${st.name}: "${ORCHESTRATOR}" is the coordinator's name; pick another service name.`);
    seen.add(st.name);
  }
  const pivotName = options.pivot ?? (options.steps ? undefined : DEFAULT_PIVOT);
  const pivot = pivotName === undefined ? steps.length - 1 : steps.findIndex((x) => x.name === pivotName);
  if (pivot < 0) throw new ScenarioError(`The pivot "${pivotName}" is not a step.`);
  return { steps, pivot };
}

function words(st: StepSpec, op: Op, options: Options): string {
  const q = options.quantity;
  const a = options.amount;
  if (op === "release") return `release ${resourceOf(st.effect) ?? st.name}`;
  switch (st.effect) {
    case "order": return op === "do" ? "create order" : "reject order";
    case "money": return op === "do" ? `charge ${a}` : `refund ${a}`;
    case "stock": return op === "do" ? `reserve ${q}` : `release ${q}`;
    case "shipment": return op === "do" ? "schedule shipment" : "cancel shipment";
    case "none": return op === "do" ? st.name : `undo ${st.name}`;
  }
}

interface Participant {
  readonly name: string;
  /** Deduplication records: saga:step → what happened (only consulted when idempotent). */
  readonly records: Map<string, "done" | "failed" | "undone">;
  /** Before-images and values written, per saga:step. */
  readonly before: Map<string, number>;
  readonly written: Map<string, number>;
  /** Choreography: events to publish, kept until acknowledged (durable with the outbox). */
  pending: Map<string, Message<Body>>;
}

class SagaSim {
  readonly world: World<Body, Tag>;
  readonly steps: StepSpec[];
  readonly pivot: number;
  readonly n: number;
  readonly outcomes: (Outcome | undefined)[];
  readonly applied: number[][];
  readonly undone: number[][];
  readonly effectEvents: number[][][];
  readonly undoEvents: number[][][];
  account: number;
  stock: number;
  readonly refusals: Refusal[] = [];
  readonly overwrites: Overwrite[] = [];
  /** Semantic locks: resource → saga holding it pending. */
  readonly locks = new Map<"account" | "stock", number>();
  readonly lockSince = new Map<number, number>();
  /** Current effects on each resource, per saga (for dirty-read detection). */
  readonly holding = { account: new Map<number, { delta: number; seq: number }>(), stock: new Map<number, { delta: number; seq: number }>() };
  readonly participants = new Map<string, Participant>();
  /** Scripted and random decisions. */
  readonly permanentFail: boolean[][];
  readonly transientFails: number[][];
  readonly compFailsLeft: number[][];
  retries = 0;
  dedups = 0;
  /** Whether the last request a participant handled was a repeat it recognised. */
  lastWasRepeat = false;
  crashes = 0;
  blockedMs = 0;
  readonly blockedSince = new Map<string, number>();
  // Orchestrator: durable log and volatile waits.
  readonly log: { phase: "requested" | "forward" | "compensating" | "completed" | "compensated"; step: number; releases: Set<number> }[];
  /** Per saga: the answer awaited, the attempt number and how many attempts in a row went unanswered. */
  private waiting = new Map<number, { token: number; attempt: number; silent: number }>();
  private tokens = 0;
  private readonly usedFaults = new Set<FaultSpec>();

  constructor(readonly options: Options, rng: Rng) {
    const { steps, pivot } = flowOf(options);
    this.steps = steps;
    this.pivot = pivot;
    this.n = options.sagas;
    this.world = new World<Body, Tag>(rng, options.network);
    this.account = options.balance;
    this.stock = options.stock;
    const grid = () => Array.from({ length: this.n }, () => steps.map(() => 0));
    this.outcomes = Array.from({ length: this.n }, () => undefined);
    this.applied = grid();
    this.undone = grid();
    this.effectEvents = Array.from({ length: this.n }, () => steps.map(() => [] as number[]));
    this.undoEvents = Array.from({ length: this.n }, () => steps.map(() => [] as number[]));
    this.log = Array.from({ length: this.n }, () => ({ phase: "requested" as const, step: 0, releases: new Set<number>() }));
    // Faults: scripted ones first, then random draws for every saga and step, in a fixed order.
    this.permanentFail = Array.from({ length: this.n }, () => steps.map(() => false));
    this.transientFails = grid();
    this.compFailsLeft = grid();
    for (const f of options.faults) this.checkFault(f);
    for (const f of options.faults) {
      const k = f.saga - 1;
      if (k >= this.n) continue;
      const i = f.step !== undefined ? this.stepIndex(f.step) : -1;
      if (f.type === "step-fails") {
        if (i <= pivot) this.permanentFail[k]![i] = true;
        else this.transientFails[k]![i] = f.times;
      } else if (f.type === "compensation-fails") this.compFailsLeft[k]![i] = f.times;
    }
    const r = options.random;
    for (let k = 0; k < this.n; k++) {
      for (let i = 0; i < steps.length; i++) {
        if (r.stepFails > 0 && rng.chance(r.stepFails)) {
          if (i <= pivot) this.permanentFail[k]![i] = true;
          else this.transientFails[k]![i] = Math.max(this.transientFails[k]![i]!, rng.int(1, 2));
        }
      }
    }
    this.world.interfere = (msg) => this.interfere(msg);
  }

  private stepIndex(name: string): number {
    const i = this.steps.findIndex((x) => x.name === name);
    if (i < 0) throw new ScenarioError(`Unknown step "${name}". Steps: ${this.steps.map((x) => x.name).join(", ")}.`);
    return i;
  }

  private checkFault(f: FaultSpec): void {
    const needsStep = f.type !== "crash";
    if (needsStep && f.step === undefined) throw new ScenarioError(`A ${f.type} fault needs \`step\`: which step it hits.`);
    if (f.saga > this.n) throw new ScenarioError(`The ${f.type} fault names saga ${f.saga}, but only ${this.n} saga${this.n > 1 ? "s run" : " runs"} (set \`sagas\`).`);
    if (f.step !== undefined) {
      const i = this.stepIndex(f.step);
      const choreo = this.options.style === "choreography";
      // Faults that could never fire are refused rather than silently ignored.
      if (f.type === "compensation-fails" && i > this.pivot) throw new ScenarioError(`${f.step} comes after the pivot (${this.steps[this.pivot]!.name}), so it is never compensated; a compensation-fails fault needs a step up to the pivot.`);
      if (choreo && i === 0 && (f.type === "duplicate" || f.type === "lose-request")) throw new ScenarioError(`In choreography nothing asks ${f.step} to run (it starts the saga), so there is no request to ${f.type === "duplicate" ? "duplicate" : "lose"}; pick a later step.`);
      if (choreo && i === this.steps.length - 1 && i > this.pivot && f.type === "lose-reply") throw new ScenarioError(`In choreography ${f.step}, the last step and past the pivot, publishes no event, so there is nothing to lose; pick an earlier step.`);
    }
    if (f.type === "crash") {
      if (f.service === undefined) throw new ScenarioError("A crash fault needs `service`: which service crashes.");
      if (f.after === undefined && f.atMs === undefined) throw new ScenarioError(`The crash of ${f.service} needs \`after\` (a step) or \`atMs\` (a time).`);
      const known = this.options.style === "choreography" ? this.steps.map((x) => x.service) : [ORCHESTRATOR, ...this.steps.map((x) => x.service)];
      if (!known.includes(f.service)) throw new ScenarioError(`Unknown service "${f.service}". Services: ${[...new Set(known)].join(", ")}.`);
      if (f.after !== undefined && f.service !== ORCHESTRATOR && this.steps[this.stepIndex(f.after)]!.service !== f.service) throw new ScenarioError(`${f.service} does not run step ${f.after}, so it cannot crash after it; the orchestrator or ${this.steps[this.stepIndex(f.after)]!.service} can.`);
    }
  }

  private sagaTag(k: number): string {
    return this.n > 1 ? `S${k + 1} ` : "";
  }

  // ---------------------------------------------------------------- scripted network faults
  private interfere(msg: Message<Body>): { drop?: boolean; duplicate?: boolean } | undefined {
    const b = msg.body;
    for (const f of this.options.faults) {
      if (f.type !== "duplicate" && f.type !== "lose-request" && f.type !== "lose-reply") continue;
      if (this.usedFaults.has(f) || f.step === undefined || msg.saga !== f.saga) continue;
      const i = this.stepIndex(f.step);
      const isRequest = (b.t === "request" && b.op === "do" && b.step === i) || (b.t === "event" && b.what === "done" && b.step === i - 1 && msg.to === this.steps[i]!.service);
      const isReply = (b.t === "reply" && (b.op === "done" || b.op === "failed") && b.step === i) || (b.t === "event" && (b.what === "done" || b.what === "failed") && b.step === i && msg.from === this.steps[i]!.service);
      if ((f.type === "lose-reply" ? isReply : isRequest)) {
        this.usedFaults.add(f);
        return f.type === "duplicate" ? { duplicate: true, drop: false } : { drop: true };
      }
    }
    return undefined;
  }

  private scriptedCrash(service: string, k: number, i: number): boolean {
    for (const f of this.options.faults) {
      if (f.type !== "crash" || this.usedFaults.has(f) || f.service !== service || f.after === undefined || f.saga !== k + 1) continue;
      if (this.stepIndex(f.after) !== i) continue;
      this.usedFaults.add(f);
      this.crash(service, f.downMs === 0 ? undefined : f.downMs, `after ${this.steps[i]!.name} of saga ${k + 1}`);
      return true;
    }
    return false;
  }

  private maybeCrash(service: string, k: number, i: number): void {
    if (this.scriptedCrash(service, k, i)) return;
    const r = this.options.random;
    if (r.crash > 0 && this.world.rng.chance(r.crash)) this.crash(service, r.downMs, "random");
  }

  private crash(service: string, downMs: number | undefined, why: string): void {
    this.crashes++;
    this.world.crash(service, downMs, why);
  }

  // ---------------------------------------------------------------- participants
  participant(name: string): Participant {
    let p = this.participants.get(name);
    if (!p) {
      p = { name, records: new Map(), before: new Map(), written: new Map(), pending: new Map() };
      this.participants.set(name, p);
    }
    return p;
  }

  /** Run step i of saga k at its service. Returns what the sender is told. */
  doStep(p: Participant, k: number, i: number, committed?: () => void): "done" | "failed" | "busy" {
    const w = this.world;
    const st = this.steps[i]!;
    const key = `${k}:${i}`;
    const saga = k + 1;
    this.lastWasRepeat = false;
    if (this.options.idempotent) {
      const rec = p.records.get(key);
      if (rec) {
        this.dedups++;
        this.lastWasRepeat = true;
        w.record({ actor: p.name, kind: "dedup", saga, text: rec === "undone" ? `${this.sagaTag(k)}${st.name} already compensated: request ignored` : `${this.sagaTag(k)}${st.name} already ${rec}: same answer again` });
        return rec === "done" ? "done" : "failed";
      }
    }
    const res = resourceOf(st.effect);
    if (res && this.options.countermeasure === "semantic-lock") {
      const holder = this.locks.get(res);
      if (holder !== undefined && holder !== k) {
        w.record({ actor: p.name, kind: "blocked", saga, text: `${this.sagaTag(k)}${res} pending for saga ${holder + 1}: try later` });
        if (!this.blockedSince.has(key)) this.blockedSince.set(key, w.nowMs);
        return "busy";
      }
    }
    const since = this.blockedSince.get(key);
    if (since !== undefined) {
      this.blockedMs += w.nowMs - since;
      this.blockedSince.delete(key);
    }
    if (this.permanentFail[k]![i]) {
      w.record({ actor: p.name, kind: "fail", saga, fault: true, text: `${this.sagaTag(k)}${st.name} fails: ${st.effect === "money" ? "card declined" : st.effect === "stock" ? "item unavailable" : "business rule refused it"}; rolled back` });
      if (this.options.idempotent) p.records.set(key, "failed");
      return "failed";
    }
    if (this.transientFails[k]![i]! > 0) {
      this.transientFails[k]![i]!--;
      w.record({ actor: p.name, kind: "fail", saga, fault: true, text: `${this.sagaTag(k)}${st.name} fails (transient); rolled back` });
      return "failed";
    }
    const need = st.effect === "money" ? this.options.amount : st.effect === "stock" ? this.options.quantity : 0;
    if (res) {
      const value = res === "account" ? this.account : this.stock;
      if (value < need) {
        const ev = w.record({ actor: p.name, kind: "fail", saga, fault: true, text: `${this.sagaTag(k)}${res === "account" ? `declined: balance ${value} < ${need}` : `out of stock: ${value} < ${need}`}; rolled back` });
        this.refusals.push({ saga: k, step: i, seq: ev.seq, resource: res, value, needed: need, holders: [...this.holding[res]].map(([s2, h]) => ({ saga: s2, delta: h.delta, seq: h.seq })) });
        if (this.options.idempotent && i <= this.pivot) p.records.set(key, "failed");
        return "failed";
      }
      p.before.set(key, value);
      const after = value - need;
      if (res === "account") this.account = after;
      else this.stock = after;
      p.written.set(key, after);
      if (this.options.countermeasure === "semantic-lock") this.locks.set(res, k);
    }
    const ev = w.record({ actor: p.name, kind: "commit", saga, text: `${this.sagaTag(k)}${words(st, "do", this.options)}${res ? ` (${res === "account" ? "balance" : "stock"} ${res === "account" ? this.account : this.stock})` : ""}${this.options.countermeasure === "semantic-lock" && res ? ", marked pending" : ""}` });
    if (res) {
      const h = this.holding[res].get(k);
      this.holding[res].set(k, { delta: (h?.delta ?? 0) + need, seq: ev.seq });
    }
    this.applied[k]![i]!++;
    this.effectEvents[k]![i]!.push(ev.seq);
    if (this.options.idempotent) p.records.set(key, "done");
    committed?.();
    this.maybeCrash(p.name, k, i);
    return "done";
  }

  /** Compensate step i of saga k at its service. */
  undoStep(p: Participant, k: number, i: number, committed?: () => void): "undone" | "undo-failed" {
    const w = this.world;
    const st = this.steps[i]!;
    const key = `${k}:${i}`;
    const saga = k + 1;
    this.lastWasRepeat = false;
    if (this.options.idempotent) {
      const rec = p.records.get(key);
      if (rec === "undone") {
        this.dedups++;
        this.lastWasRepeat = true;
        w.record({ actor: p.name, kind: "dedup", saga, text: `${this.sagaTag(k)}${st.name} already compensated: same answer again` });
        return "undone";
      }
      if (rec !== "done") {
        p.records.set(key, "undone");
        w.record({ actor: p.name, kind: "compensate", saga, text: `${this.sagaTag(k)}nothing to undo for ${st.name}; remembered, so a late request is ignored` });
        committed?.();
        return "undone";
      }
    }
    if (this.compFailsLeft[k]![i]! > 0 || (this.options.random.compensationFails > 0 && w.rng.chance(this.options.random.compensationFails))) {
      if (this.compFailsLeft[k]![i]! > 0) this.compFailsLeft[k]![i]!--;
      w.record({ actor: p.name, kind: "fail", saga, fault: true, text: `${this.sagaTag(k)}${words(st, "undo", this.options)} fails (transient); rolled back` });
      return "undo-failed";
    }
    const res = resourceOf(st.effect);
    let detail = "";
    if (res) {
      const need = st.effect === "money" ? this.options.amount : this.options.quantity;
      const current = res === "account" ? this.account : this.stock;
      const before = p.before.get(key);
      const written = p.written.get(key);
      let next = current + need;
      if (this.options.countermeasure === "none" && before !== undefined) {
        next = before;
        if (next !== current + need) {
          const others = [...this.holding[res].keys()].filter((x) => x !== k);
          this.overwrites.push({ saga: k, step: i, seq: w.trace.length, resource: res, lost: current + need - next, others });
          detail = ` by restoring ${before} (was ${current}: other changes overwritten)`;
        } else detail = ` by restoring ${before}`;
      } else if (this.options.countermeasure === "reread" && written !== undefined) {
        detail = current === written ? ` (re-read ${current}: unchanged, restore ${before})` : ` (re-read ${current}, not the ${written} written: add ${need} instead of restoring ${before})`;
      }
      if (res === "account") this.account = next;
      else this.stock = next;
      const h = this.holding[res].get(k);
      if (h) {
        if (h.delta - need <= 0) this.holding[res].delete(k);
        else this.holding[res].set(k, { delta: h.delta - need, seq: h.seq });
      }
      if (this.locks.get(res) === k) this.locks.delete(res);
      detail += ` → ${res === "account" ? "balance" : "stock"} ${next}`;
    }
    const ev = w.record({ actor: p.name, kind: "compensate", saga, text: `${this.sagaTag(k)}${words(st, "undo", this.options)}${detail}` });
    this.undone[k]![i]!++;
    this.undoEvents[k]![i]!.push(ev.seq);
    if (this.options.idempotent) p.records.set(key, "undone");
    committed?.();
    this.maybeCrash(p.name, k, i);
    return "undone";
  }

  releaseLocks(p: Participant, k: number): void {
    for (const [res, holder] of this.locks) {
      if (holder === k && this.steps.some((x) => x.service === p.name && resourceOf(x.effect) === res)) {
        this.locks.delete(res);
        this.world.record({ actor: p.name, kind: "commit", saga: k + 1, text: `${this.sagaTag(k)}${res} no longer pending` });
      }
    }
  }

  retryDelay(attempt: number): number {
    const r = this.options.retry;
    return backoffMs(r.timeoutMs, r.backoff, r.maxDelayMs, attempt + 1);
  }

  // ---------------------------------------------------------------- orchestration
  orchestratorNode() {
    return {
      name: ORCHESTRATOR,
      onMessage: (msg: Message<Body>) => this.orchestratorReceive(msg),
      onTimer: (tag: Tag) => this.orchestratorTimer(tag),
      onCrash: () => {
        this.waiting = new Map();
      },
      onRecover: () => {
        for (let k = 0; k < this.n; k++) {
          const l = this.log[k]!;
          if (l.phase === "forward" || l.phase === "compensating") {
            this.world.record({ actor: ORCHESTRATOR, kind: "log", saga: k + 1, text: `${this.sagaTag(k)}saga log: resume at ${this.steps[l.step]!.name} (${l.phase === "forward" ? "going forward" : "compensating"})` });
            this.sendRequest(k, 1, true);
          } else if (l.phase === "requested" && this.world.nowMs >= k * this.options.startGapMs) this.startSaga(k);
          else if (l.phase === "requested") this.world.timer(ORCHESTRATOR, k * this.options.startGapMs - this.world.nowMs, { t: "start", saga: k });
          else if (l.releases.size > 0) this.sendReleases(k, 1);
        }
      },
    };
  }

  private logStep(k: number, text: string): void {
    this.world.record({ actor: ORCHESTRATOR, kind: "log", saga: k + 1, text: `${this.sagaTag(k)}${text}` });
  }

  startSaga(k: number): void {
    this.log[k] = { phase: "forward", step: 0, releases: new Set() };
    this.logStep(k, "saga log: started");
    this.sendRequest(k, 1, false);
  }

  private sendRequest(k: number, attempt: number, again: boolean, silent = 0): void {
    const l = this.log[k]!;
    const st = this.steps[l.step]!;
    const op: Op = l.phase === "forward" ? "do" : "undo";
    const label = `${this.sagaTag(k)}${words(st, op, this.options)}${attempt > 1 ? ` (attempt ${attempt})` : ""}`;
    this.world.send(ORCHESTRATOR, st.service, "call", label, { t: "request", op, saga: k, step: l.step, attempt }, k + 1, again || attempt > 1);
    const token = ++this.tokens;
    this.waiting.set(k, { token, attempt, silent });
    this.world.timer(ORCHESTRATOR, this.retryDelay(attempt), { t: "wait", saga: k, token });
  }

  private sendReleases(k: number, attempt: number): void {
    for (const i of this.log[k]!.releases) {
      const st = this.steps[i]!;
      this.world.send(ORCHESTRATOR, st.service, "async", `${this.sagaTag(k)}${words(st, "release", this.options)}${attempt > 1 ? ` (attempt ${attempt})` : ""}`, { t: "request", op: "release", saga: k, step: i, attempt }, k + 1, attempt > 1);
    }
    const token = ++this.tokens;
    this.waiting.set(k, { token, attempt, silent: 0 });
    this.world.timer(ORCHESTRATOR, this.retryDelay(attempt), { t: "wait", saga: k, token });
  }

  private orchestratorTimer(tag: Tag): void {
    if (tag.t === "start") {
      if (this.log[tag.saga]!.phase === "requested") this.startSaga(tag.saga);
      return;
    }
    if (tag.t !== "wait" && tag.t !== "again") return;
    const k = tag.saga;
    const wait = this.waiting.get(k);
    if (!wait || wait.token !== tag.token) return;
    const l = this.log[k]!;
    const attempt = wait.attempt + 1;
    if (tag.t === "again") {
      this.sendRequest(k, attempt, true);
      return;
    }
    if (l.phase === "completed" || l.phase === "compensated") {
      if (l.releases.size === 0) return;
      this.retries++;
      this.world.record({ actor: ORCHESTRATOR, kind: "retry", saga: k + 1, text: `${this.sagaTag(k)}no answer to release: send again` });
      this.sendReleases(k, attempt);
      return;
    }
    const st = this.steps[l.step]!;
    if (l.phase === "forward" && l.step <= this.pivot && wait.silent + 1 >= this.options.retry.attempts) {
      this.logStep(k, `saga log: ${st.name} unanswered ${wait.silent + 1} times; compensate it (it may have happened)`);
      l.phase = "compensating";
      this.sendRequest(k, 1, false);
      return;
    }
    this.retries++;
    this.world.record({ actor: ORCHESTRATOR, kind: "retry", saga: k + 1, text: `${this.sagaTag(k)}no answer from ${st.service}: send again (attempt ${attempt})` });
    this.sendRequest(k, attempt, true, wait.silent + 1);
  }

  private orchestratorReceive(msg: Message<Body>): void {
    const b = msg.body;
    if (b.t !== "reply") return;
    const k = b.saga;
    const l = this.log[k]!;
    if (b.op === "released") {
      l.releases.delete(b.step);
      if (l.releases.size === 0) this.waiting.delete(k);
      return;
    }
    const expected = (l.phase === "forward" && (b.op === "done" || b.op === "failed" || b.op === "busy")) || (l.phase === "compensating" && (b.op === "undone" || b.op === "undo-failed"));
    if (!expected || b.step !== l.step) {
      // Not deduplication: the orchestrator's own state machine is past that step, whatever the receivers do.
      this.world.record({ actor: ORCHESTRATOR, kind: "note", saga: k + 1, text: `${this.sagaTag(k)}late answer ignored (the saga is past that step)` });
      return;
    }
    const wait = this.waiting.get(k);
    const attempt = wait?.attempt ?? 1;
    const st = this.steps[l.step]!;
    switch (b.op) {
      case "done": {
        // A crash here comes before the reply is written to the saga log: the reply is lost with the
        // orchestrator's memory, the log still says the step was requested, and after the restart
        // the orchestrator sends the request again.
        if (this.scriptedCrash(ORCHESTRATOR, k, l.step)) return;
        if (this.options.random.crash > 0 && this.world.rng.chance(this.options.random.crash)) {
          this.crash(ORCHESTRATOR, this.options.random.downMs, "random");
          return;
        }
        this.logStep(k, `saga log: ${st.name} done`);
        if (l.step + 1 < this.steps.length) {
          l.step++;
          this.sendRequest(k, 1, false);
        } else {
          l.phase = "completed";
          this.outcomes[k] = "completed";
          this.waiting.delete(k);
          this.logStep(k, "saga log: completed");
          if (this.options.countermeasure === "semantic-lock") {
            this.steps.forEach((x, i) => {
              if (resourceOf(x.effect)) l.releases.add(i);
            });
            if (l.releases.size) this.sendReleases(k, 1);
          }
        }
        return;
      }
      case "busy":
      case "undo-failed":
        this.retries++;
        this.world.record({ actor: ORCHESTRATOR, kind: "retry", saga: k + 1, text: `${this.sagaTag(k)}${b.op === "busy" ? `${st.name} busy` : `compensation of ${st.name} failed`}: retry in ${this.retryDelay(attempt)} ms` });
        this.world.timer(ORCHESTRATOR, this.retryDelay(attempt), { t: "again", saga: k, token: this.rearm(k, attempt) });
        return;
      case "failed":
        if (l.step > this.pivot) {
          this.retries++;
          this.world.record({ actor: ORCHESTRATOR, kind: "retry", saga: k + 1, text: `${this.sagaTag(k)}${st.name} is past the pivot: retry in ${this.retryDelay(attempt)} ms` });
          this.world.timer(ORCHESTRATOR, this.retryDelay(attempt), { t: "again", saga: k, token: this.rearm(k, attempt) });
          return;
        }
        this.logStep(k, `saga log: ${st.name} failed; compensate in reverse`);
        this.compensateFrom(k, l.step - 1);
        return;
      case "undone":
        this.logStep(k, `saga log: ${st.name} compensated`);
        this.compensateFrom(k, l.step - 1);
        return;
    }
  }

  /** Re-arm the wait so the timer that fires resends (the answer said "not now"). */
  private rearm(k: number, attempt: number): number {
    const token = ++this.tokens;
    this.waiting.set(k, { token, attempt, silent: 0 });
    return token;
  }

  private compensateFrom(k: number, i: number): void {
    const l = this.log[k]!;
    if (i < 0) {
      l.phase = "compensated";
      this.outcomes[k] = "compensated";
      this.waiting.delete(k);
      this.logStep(k, "saga log: compensated");
      return;
    }
    l.phase = "compensating";
    l.step = i;
    this.sendRequest(k, 1, false);
  }

  participantNodeOrchestrated(name: string) {
    return {
      name,
      onMessage: (msg: Message<Body>) => {
        const b = msg.body;
        if (b.t !== "request") return;
        const p = this.participant(name);
        const st = this.steps[b.step]!;
        let reply: Reply;
        if (b.op === "release") {
          this.releaseLocks(p, b.saga);
          reply = "released";
        } else reply = b.op === "do" ? this.doStep(p, b.saga, b.step) : this.undoStep(p, b.saga, b.step);
        const text = reply === "done" ? `${st.name} done` : reply === "failed" ? `${st.name} failed` : reply === "busy" ? `${st.name} busy` : reply === "undone" ? `${st.name} compensated` : reply === "released" ? "released" : `compensation of ${st.name} failed`;
        this.world.send(name, ORCHESTRATOR, "reply", `${this.sagaTag(b.saga)}${text}`, { t: "reply", op: reply, saga: b.saga, step: b.step }, b.saga + 1);
      },
    };
  }

  // ---------------------------------------------------------------- choreography
  /** Keep an event to publish with the local transaction (it is sent once the transaction is over). */
  private stage(from: string, to: string, what: "done" | "failed" | "undone" | "completed", k: number, step: number): string {
    const key = `${what}:${k}:${step}:${to}`;
    const st = this.steps[step]!;
    const label = `${this.sagaTag(k)}${what === "completed" ? "saga completed" : `${st.name} ${what === "undone" ? "compensated" : what}`}`;
    this.participant(from).pending.set(key, { id: 0, from, to, style: "async", label, body: { t: "event", what, saga: k, step, key }, saga: k + 1 });
    return key;
  }

  private publish(from: string, keys: readonly string[], again: boolean): void {
    const p = this.participant(from);
    for (const key of keys) {
      const m = p.pending.get(key);
      if (!m) continue;
      this.world.send(from, m.to, "async", m.label, m.body, m.saga, again);
      this.world.timer(from, this.retryDelay(1), { t: "resend", key, token: 2 });
    }
  }

  choreographyNode(name: string) {
    const volatile = !this.options.outbox;
    return {
      name,
      onMessage: (msg: Message<Body>) => this.choreoReceive(name, msg),
      onTimer: (tag: Tag) => this.choreoTimer(name, tag),
      onCrash: () => {
        if (volatile) this.participant(name).pending = new Map();
      },
      onRecover: () => {
        const p = this.participant(name);
        if (p.pending.size > 0) this.world.record({ actor: name, kind: "log", text: `outbox: ${p.pending.size} event${p.pending.size > 1 ? "s" : ""} not yet acknowledged, publish again` });
        this.publish(name, [...p.pending.keys()], true);
        // Sagas this service starts and has not started yet.
        if (this.steps[0]!.service === name) {
          for (let k = 0; k < this.n; k++) if (this.log[k]!.phase === "requested") this.world.timer(name, Math.max(0, k * this.options.startGapMs - this.world.nowMs), { t: "start", saga: k });
        }
      },
    };
  }

  private choreoTimer(name: string, tag: Tag): void {
    const p = this.participant(name);
    if (tag.t === "start") {
      const k = tag.saga;
      if (this.log[k]!.phase !== "requested") return;
      this.log[k]!.phase = "forward";
      this.choreoDo(name, k, 0);
    } else if (tag.t === "resend") {
      const m = p.pending.get(tag.key);
      if (!m) return;
      this.retries++;
      this.world.record({ actor: name, kind: "retry", saga: m.saga, text: `no ack for ${m.label}: publish again` });
      this.world.send(name, m.to, "async", m.label, m.body, m.saga, true);
      this.world.timer(name, this.retryDelay(tag.token), { t: "resend", key: tag.key, token: tag.token + 1 });
    } else if (tag.t === "local") {
      this.choreoDo(name, tag.saga, tag.step, tag.attempt);
    }
  }

  private choreoReceive(name: string, msg: Message<Body>): void {
    const b = msg.body;
    const p = this.participant(name);
    if (b.t === "ack") {
      p.pending.delete(b.key);
      return;
    }
    if (b.t !== "event") return;
    const k = b.saga;
    let settled = true;
    if (b.what === "done") settled = this.choreoDo(name, k, b.step + 1);
    else if (b.what === "failed" || b.what === "undone") settled = this.choreoUndo(name, k, b.step - 1);
    else this.releaseLocks(p, k);
    // Acknowledge once handled: an event whose handling crashed or must be tried again is not
    // acknowledged, so its publisher sends it again (at-least-once delivery).
    if (settled) this.world.send(name, msg.from, "reply", "ack", { t: "ack", key: b.key });
  }

  /** Do step i; returns false when it must be tried again later. */
  private choreoDo(name: string, k: number, i: number, attempt = 1): boolean {
    const p = this.participant(name);
    const keys: string[] = [];
    const r = this.doStep(p, k, i, () => {
      if (i + 1 < this.steps.length) keys.push(this.stage(name, this.steps[i + 1]!.service, "done", k, i));
      else {
        if (this.outcomes[k] === undefined) this.outcomes[k] = "completed";
        this.log[k]!.phase = "completed";
        if (this.options.countermeasure === "semantic-lock") {
          for (const t of new Set(this.steps.filter((x) => resourceOf(x.effect)).map((x) => x.service))) {
            if (t === name) this.releaseLocks(p, k);
            else keys.push(this.stage(name, t, "completed", k, i));
          }
        }
      }
    });
    // A crashed service sends nothing; a repeat it recognised was answered when it first came.
    if (!this.world.isUp(name)) return false;
    if (this.lastWasRepeat) return true;
    if (r === "done") this.publish(name, keys, false);
    else if (r === "busy" || (r === "failed" && i > this.pivot)) {
      this.retries++;
      const why = `${this.sagaTag(k)}${r === "busy" ? "busy" : `${this.steps[i]!.name} is past the pivot`}`;
      if (i > 0) {
        this.world.record({ actor: name, kind: "retry", saga: k + 1, text: `${why}: not acknowledged, so the event comes again` });
        return false;
      }
      this.world.record({ actor: name, kind: "retry", saga: k + 1, text: `${why}: retry in ${this.retryDelay(attempt)} ms` });
      this.world.timer(name, this.retryDelay(attempt), { t: "local", saga: k, step: i, attempt: attempt + 1 });
    } else if (i > 0) this.publish(name, [this.stage(name, this.steps[i - 1]!.service, "failed", k, i)], false);
    else if (this.outcomes[k] === undefined) {
      this.outcomes[k] = "compensated";
      this.log[k]!.phase = "compensated";
    }
    return true;
  }

  /** Compensate step i; returns false when it must be tried again later. */
  private choreoUndo(name: string, k: number, i: number): boolean {
    const p = this.participant(name);
    const keys: string[] = [];
    const finish = () => {
      if (i > 0) keys.push(this.stage(name, this.steps[i - 1]!.service, "undone", k, i));
      else {
        if (this.outcomes[k] === undefined) this.outcomes[k] = "compensated";
        this.log[k]!.phase = "compensated";
      }
    };
    const r = this.undoStep(p, k, i, finish);
    if (!this.world.isUp(name)) return false;
    if (this.lastWasRepeat) return true;
    if (r === "undo-failed") {
      this.retries++;
      this.world.record({ actor: name, kind: "retry", saga: k + 1, text: `${this.sagaTag(k)}compensation failed: not acknowledged, so the event comes again` });
      return false;
    }
    this.publish(name, keys, false);
    return true;
  }

  // ---------------------------------------------------------------- running
  run(): SagaRun {
    const w = this.world;
    const services = [...new Set(this.steps.map((x) => x.service))];
    if (this.options.style === "orchestration") {
      w.add(this.orchestratorNode());
      for (const s of services) w.add(this.participantNodeOrchestrated(s));
      for (let k = 0; k < this.n; k++) w.timer(ORCHESTRATOR, k * this.options.startGapMs, { t: "start", saga: k });
    } else {
      for (const s of services) w.add(this.choreographyNode(s));
      for (let k = 0; k < this.n; k++) w.timer(this.steps[0]!.service, k * this.options.startGapMs, { t: "start", saga: k });
    }
    for (const f of this.options.faults) {
      if (f.type === "crash" && f.atMs !== undefined && f.after === undefined) {
        this.crashes++;
        w.crashAt(f.atMs, f.service!, f.downMs === 0 ? undefined : f.downMs, `at ${f.atMs} ms`);
      }
    }
    const quiesced = w.run(this.options.untilMs);
    for (const since of this.blockedSince.values()) this.blockedMs += w.nowMs - since;
    const all = this.options.style === "orchestration" ? [ORCHESTRATOR, ...services] : services;
    return {
      steps: this.steps,
      pivot: this.pivot,
      style: this.options.style,
      idempotent: this.options.idempotent,
      countermeasure: this.options.countermeasure,
      events: w.trace.toArray(),
      outcomes: this.outcomes,
      applied: this.applied,
      undone: this.undone,
      effectEvents: this.effectEvents,
      undoEvents: this.undoEvents,
      initial: { account: this.options.balance, stock: this.options.stock },
      final: { account: this.account, stock: this.stock },
      amount: this.options.amount,
      quantity: this.options.quantity,
      refusals: this.refusals,
      overwrites: this.overwrites,
      quiesced,
      endMs: w.nowMs,
      downServices: all.filter((s) => !w.isUp(s)),
      stats: { messages: w.messagesSent, lost: w.messagesLost, duplicated: w.messagesDuplicated, retries: this.retries, dedups: this.dedups, crashes: this.crashes, blockedMs: this.blockedMs },
    };
  }
}

export function runSaga(options: Options, rng: Rng): SagaRun {
  return new SagaSim(options, rng).run();
}
