// What both saga styles share: the world, the sagas' progress, the account and the stock, the
// participants' local transactions (a step and its compensation, idempotent or not, with or without
// an isolation countermeasure) and the faults. Orchestration and choreography differ only in which
// nodes send what to whom (orchestration.ts, choreography.ts).
import { backoffMs, World, type Message } from "../../../core/network";
import type { Rng } from "../../../core/rng";
import type { Fault, Setup, StepSpec } from "../scenario";
import { resourceOf, words } from "./types";
import type { Body, Op, Outcome, Overwrite, Participant, Phase, Refusal, Resource, SagaRun, SagaState, Tag } from "./types";
type Holding = Map<number, { delta: number; seq: number }>;

export class SagaSim {
  readonly world: World<Body, Tag>;
  readonly steps: readonly StepSpec[];
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
  readonly locks = new Map<Resource, number>();
  /** Current effects on each resource, per saga (for dirty-read detection). */
  readonly holding: Record<Resource, Holding> = { account: new Map(), stock: new Map() };
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
  /** Each saga's progress (the orchestrator's durable saga log; in choreography, where the saga is). */
  readonly log: { phase: Phase; step: number; releases: Set<number> }[];
  private readonly usedFaults = new Set<Fault>();
  /** A watched run's states: before the first event, and after each one (sends change nothing). */
  private readonly watched?: { readonly before: SagaState; readonly after: Map<number, SagaState> };

  /** `watch`: keep every actor's state after each event, for the timeline of the run an output draws. */
  constructor(
    readonly options: Setup,
    rng: Rng,
    watch = false,
  ) {
    const steps = options.steps;
    this.steps = steps;
    this.pivot = options.pivot;
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
    this.permanentFail = Array.from({ length: this.n }, () => steps.map(() => false));
    this.transientFails = grid();
    this.compFailsLeft = grid();
    this.planFaults(rng);
    this.world.interfere = (msg) => this.interfere(msg);
    if (watch) {
      const after = new Map<number, SagaState>();
      this.watched = { before: this.snapshot(), after };
      this.world.watch = (e) => {
        if (e.kind !== "send") after.set(e.seq, this.snapshot());
      };
    }
  }

  /** Every actor's state now, as plain data. */
  snapshot(): SagaState {
    const records: [number, number, "done" | "failed" | "undone"][] = [];
    const pending: { from: string; to: string; label: string }[] = [];
    for (const p of this.participants.values()) {
      for (const [key, rec] of p.records) {
        const [k, i] = key.split(":").map(Number) as [number, number];
        records.push([k, i, rec]);
      }
      for (const m of p.pending.values()) pending.push({ from: p.name, to: m.to, label: m.label });
    }
    records.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const held = (h: Holding) => [...h].map(([k, x]) => [k, x.delta] as const);
    return {
      log: this.log.map((l) => ({ phase: l.phase, step: l.step })),
      account: this.account,
      stock: this.stock,
      holding: { account: held(this.holding.account), stock: held(this.holding.stock) },
      locks: [...this.locks],
      records,
      applied: this.applied.map((r) => [...r]),
      undone: this.undone.map((r) => [...r]),
      pending,
    };
  }

  /** Faults: scripted ones first, then random draws for every saga and step, in a fixed order. */
  private planFaults(rng: Rng): void {
    const pivot = this.pivot;
    for (const f of this.options.faults) {
      const k = f.saga - 1;
      if (k >= this.n) continue;
      const i = f.step ?? -1;
      if (f.type === "step-fails") {
        if (i <= pivot) this.permanentFail[k]![i] = true;
        else this.transientFails[k]![i] = f.times;
      } else if (f.type === "compensation-fails") this.compFailsLeft[k]![i] = f.times;
    }
    const r = this.options.random;
    for (let k = 0; k < this.n; k++) {
      for (let i = 0; i < this.steps.length; i++) {
        if (r.stepFails > 0 && rng.chance(r.stepFails)) {
          if (i <= pivot) this.permanentFail[k]![i] = true;
          else this.transientFails[k]![i] = Math.max(this.transientFails[k]![i]!, rng.int(1, 2));
        }
      }
    }
  }

  sagaTag(k: number): string {
    return this.n > 1 ? `S${k + 1} ` : "";
  }

  /** What a step's request or compensation is called in the diagram. */
  words(st: StepSpec, op: Op): string {
    return words(st, op, this.options.amount, this.options.quantity);
  }

  // ---------------------------------------------------------------- scripted faults
  private interfere(msg: Message<Body>): { drop?: boolean; duplicate?: boolean } | undefined {
    const b = msg.body;
    for (const f of this.options.faults) {
      if (f.type !== "duplicate" && f.type !== "lose-request" && f.type !== "lose-reply") continue;
      if (this.usedFaults.has(f) || f.step === undefined || msg.saga !== f.saga) continue;
      const i = f.step;
      const service = this.steps[i]!.service;
      const request = b.t === "request" && b.op === "do" && b.step === i;
      const isRequest = request || (b.t === "event" && b.what === "done" && b.step === i - 1 && msg.to === service);
      const reply = b.t === "reply" && (b.op === "done" || b.op === "failed") && b.step === i;
      const isReply = reply || (b.t === "event" && (b.what === "done" || b.what === "failed") && b.step === i && msg.from === service);
      if (f.type === "lose-reply" ? isReply : isRequest) {
        this.usedFaults.add(f);
        return f.type === "duplicate" ? { duplicate: true, drop: false } : { drop: true };
      }
    }
    return undefined;
  }

  scriptedCrash(service: string, k: number, i: number): boolean {
    for (const f of this.options.faults) {
      if (f.type !== "crash" || this.usedFaults.has(f) || f.service !== service || f.after === undefined || f.saga !== k + 1) continue;
      if (f.after !== i) continue;
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

  crash(service: string, downMs: number | undefined, why: string): void {
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

  /** An idempotent receiver answers a step it has a record of as it did the first time. */
  private repeatedDo(p: Participant, k: number, i: number): "done" | "failed" | undefined {
    const rec = this.options.idempotent ? p.records.get(`${k}:${i}`) : undefined;
    if (!rec) return undefined;
    const st = this.steps[i]!;
    this.dedups++;
    this.lastWasRepeat = true;
    const text = rec === "undone" ? `${st.name} already compensated: request ignored` : `${st.name} already ${rec}: same answer again`;
    this.world.record({ actor: p.name, kind: "dedup", saga: k + 1, text: `${this.sagaTag(k)}${text}` });
    return rec === "done" ? "done" : "failed";
  }

  /** Semantic lock: a value pending for another saga makes this step wait; the wait is counted once it runs. */
  private busy(p: Participant, k: number, i: number, res: Resource | undefined): boolean {
    const w = this.world;
    const key = `${k}:${i}`;
    if (res && this.options.countermeasure === "semantic-lock") {
      const holder = this.locks.get(res);
      if (holder !== undefined && holder !== k) {
        w.record({ actor: p.name, kind: "blocked", saga: k + 1, text: `${this.sagaTag(k)}${res} pending for saga ${holder + 1}: try later` });
        if (!this.blockedSince.has(key)) this.blockedSince.set(key, w.nowMs);
        return true;
      }
    }
    const since = this.blockedSince.get(key);
    if (since !== undefined) {
      this.blockedMs += w.nowMs - since;
      this.blockedSince.delete(key);
    }
    return false;
  }

  /** A scripted or drawn failure of the step: a business refusal, or a transient one. */
  private failed(p: Participant, k: number, i: number): boolean {
    const st = this.steps[i]!;
    const saga = k + 1;
    if (this.permanentFail[k]![i]) {
      const why = st.effect === "money" ? "card declined" : st.effect === "stock" ? "item unavailable" : "business rule refused it";
      if (this.options.idempotent) p.records.set(`${k}:${i}`, "failed");
      this.world.record({ actor: p.name, kind: "fail", saga, fault: true, text: `${this.sagaTag(k)}${st.name} fails: ${why}; rolled back` });
      return true;
    }
    if (this.transientFails[k]![i]! > 0) {
      this.transientFails[k]![i]!--;
      this.world.record({ actor: p.name, kind: "fail", saga, fault: true, text: `${this.sagaTag(k)}${st.name} fails (transient); rolled back` });
      return true;
    }
    return false;
  }

  /** Takes `need` from the account or stock; false (a refusal, recorded) when there is too little. */
  private take(p: Participant, k: number, i: number, res: Resource, need: number): boolean {
    const key = `${k}:${i}`;
    const value = res === "account" ? this.account : this.stock;
    if (value < need) {
      const why = res === "account" ? `declined: balance ${value} < ${need}` : `out of stock: ${value} < ${need}`;
      if (this.options.idempotent && i <= this.pivot) p.records.set(key, "failed");
      const ev = this.world.record({ actor: p.name, kind: "fail", saga: k + 1, fault: true, text: `${this.sagaTag(k)}${why}; rolled back` });
      const holders = [...this.holding[res]].map(([s2, h]) => ({ saga: s2, delta: h.delta, seq: h.seq }));
      this.refusals.push({ saga: k, step: i, seq: ev.seq, resource: res, value, needed: need, holders });
      return false;
    }
    p.before.set(key, value);
    const after = value - need;
    if (res === "account") this.account = after;
    else this.stock = after;
    p.written.set(key, after);
    if (this.options.countermeasure === "semantic-lock") this.locks.set(res, k);
    return true;
  }

  /** Run step i of saga k at its service. Returns what the sender is told. */
  doStep(p: Participant, k: number, i: number, committed?: () => void): "done" | "failed" | "busy" {
    const st = this.steps[i]!;
    this.lastWasRepeat = false;
    const repeat = this.repeatedDo(p, k, i);
    if (repeat) return repeat;
    const res = resourceOf(st.effect);
    if (this.busy(p, k, i, res)) return "busy";
    if (this.failed(p, k, i)) return "failed";
    const need = st.effect === "money" ? this.options.amount : st.effect === "stock" ? this.options.quantity : 0;
    if (res && !this.take(p, k, i, res, need)) return "failed";
    const value = res ? ` (${res === "account" ? "balance" : "stock"} ${res === "account" ? this.account : this.stock})` : "";
    const pending = this.options.countermeasure === "semantic-lock" && res ? ", marked pending" : "";
    const ev = this.world.record({ actor: p.name, kind: "commit", saga: k + 1, text: `${this.sagaTag(k)}${this.words(st, "do")}${value}${pending}` });
    if (res) {
      const h = this.holding[res].get(k);
      this.holding[res].set(k, { delta: (h?.delta ?? 0) + need, seq: ev.seq });
    }
    this.applied[k]![i]!++;
    this.effectEvents[k]![i]!.push(ev.seq);
    if (this.options.idempotent) p.records.set(`${k}:${i}`, "done");
    this.world.touch();
    committed?.();
    this.world.touch();
    this.maybeCrash(p.name, k, i);
    return "done";
  }

  /** An idempotent receiver answers a repeated compensation again, and one for a step it never did with "nothing to undo". */
  private repeatedUndo(p: Participant, k: number, i: number, committed?: () => void): boolean {
    if (!this.options.idempotent) return false;
    const st = this.steps[i]!;
    const key = `${k}:${i}`;
    const rec = p.records.get(key);
    if (rec === "undone") {
      this.dedups++;
      this.lastWasRepeat = true;
      this.world.record({ actor: p.name, kind: "dedup", saga: k + 1, text: `${this.sagaTag(k)}${st.name} already compensated: same answer again` });
      return true;
    }
    if (rec === "done") return false;
    p.records.set(key, "undone");
    const text = `${this.sagaTag(k)}nothing to undo for ${st.name}; remembered, so a late request is ignored`;
    this.world.record({ actor: p.name, kind: "compensate", saga: k + 1, text });
    committed?.();
    this.world.touch();
    return true;
  }

  /** Gives back what step i of saga k took, as the countermeasure says; returns how the diagram describes it. */
  private giveBack(p: Participant, k: number, i: number, res: Resource): string {
    const st = this.steps[i]!;
    const key = `${k}:${i}`;
    const need = st.effect === "money" ? this.options.amount : this.options.quantity;
    const current = res === "account" ? this.account : this.stock;
    const before = p.before.get(key);
    const written = p.written.get(key);
    let next = current + need;
    let detail = "";
    if (this.options.countermeasure === "none" && before !== undefined) {
      next = before;
      if (next !== current + need) {
        const others = [...this.holding[res].keys()].filter((x) => x !== k);
        this.overwrites.push({ saga: k, step: i, seq: this.world.trace.length, resource: res, lost: current + need - next, others });
        detail = ` by restoring ${before} (was ${current}: other changes overwritten)`;
      } else detail = ` by restoring ${before}`;
    } else if (this.options.countermeasure === "reread" && written !== undefined) {
      detail =
        current === written
          ? ` (re-read ${current}: unchanged, restore ${before})`
          : ` (re-read ${current}, not the ${written} written: add ${need} instead of restoring ${before})`;
    }
    if (res === "account") this.account = next;
    else this.stock = next;
    const h = this.holding[res].get(k);
    if (h) {
      if (h.delta - need <= 0) this.holding[res].delete(k);
      else this.holding[res].set(k, { delta: h.delta - need, seq: h.seq });
    }
    if (this.locks.get(res) === k) this.locks.delete(res);
    return `${detail} → ${res === "account" ? "balance" : "stock"} ${next}`;
  }

  /** Compensate step i of saga k at its service. */
  undoStep(p: Participant, k: number, i: number, committed?: () => void): "undone" | "undo-failed" {
    const w = this.world;
    const st = this.steps[i]!;
    this.lastWasRepeat = false;
    if (this.repeatedUndo(p, k, i, committed)) return "undone";
    const r = this.options.random;
    if (this.compFailsLeft[k]![i]! > 0 || (r.compensationFails > 0 && w.rng.chance(r.compensationFails))) {
      if (this.compFailsLeft[k]![i]! > 0) this.compFailsLeft[k]![i]!--;
      w.record({ actor: p.name, kind: "fail", saga: k + 1, fault: true, text: `${this.sagaTag(k)}${this.words(st, "undo")} fails (transient); rolled back` });
      return "undo-failed";
    }
    const res = resourceOf(st.effect);
    const detail = res ? this.giveBack(p, k, i, res) : "";
    const ev = w.record({ actor: p.name, kind: "compensate", saga: k + 1, text: `${this.sagaTag(k)}${this.words(st, "undo")}${detail}` });
    this.undone[k]![i]!++;
    this.undoEvents[k]![i]!.push(ev.seq);
    if (this.options.idempotent) p.records.set(`${k}:${i}`, "undone");
    this.world.touch();
    committed?.();
    this.world.touch();
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

  // ---------------------------------------------------------------- running
  /** Runs the world, its nodes added and the sagas' starts scheduled; `nodes` are all its nodes' names. */
  run(nodes: readonly string[]): SagaRun {
    const w = this.world;
    for (const f of this.options.faults) {
      if (f.type === "crash" && f.atMs !== undefined && f.after === undefined) {
        this.crashes++;
        w.crashAt(f.atMs, f.service!, f.downMs === 0 ? undefined : f.downMs, `at ${f.atMs} ms`);
      }
    }
    const quiesced = w.run(this.options.untilMs);
    for (const since of this.blockedSince.values()) this.blockedMs += w.nowMs - since;
    w.watch = undefined;
    return this.result(
      quiesced,
      nodes.filter((s) => !w.isUp(s)),
    );
  }

  private result(quiesced: boolean, downServices: readonly string[]): SagaRun {
    const w = this.world;
    const o = this.options;
    return {
      steps: this.steps,
      pivot: this.pivot,
      style: o.style,
      idempotent: o.idempotent,
      countermeasure: o.countermeasure,
      events: w.trace.toArray(),
      outcomes: this.outcomes,
      applied: this.applied,
      undone: this.undone,
      effectEvents: this.effectEvents,
      undoEvents: this.undoEvents,
      initial: { account: o.balance, stock: o.stock },
      final: { account: this.account, stock: this.stock },
      amount: o.amount,
      quantity: o.quantity,
      refusals: this.refusals,
      overwrites: this.overwrites,
      quiesced,
      endMs: w.nowMs,
      downServices,
      ...(this.watched ? { watched: { ...this.watched, end: this.snapshot() } } : {}),
      stats: {
        messages: w.messagesSent,
        lost: w.messagesLost,
        duplicated: w.messagesDuplicated,
        retries: this.retries,
        dedups: this.dedups,
        crashes: this.crashes,
        blockedMs: this.blockedMs,
      },
    };
  }
}
