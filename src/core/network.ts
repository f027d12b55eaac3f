// A message-passing world on a virtual clock, for every simulator whose actors talk by messages
// (sagas, two-phase commit, the outbox, quorums, replication, locks). Nodes (services) keep durable
// state in their own fields and lose only what they call volatile when they crash, and keep all of
// it through a pause (a stop-the-world GC: they run nothing until they resume); the network delays,
// loses, duplicates and reorders messages from the seeded generator; every send, delivery, loss,
// commit, compensation, crash, recovery, pause and resumption is a trace event, so checkers and
// diagrams are pure functions of the journal.
import { EventQueue } from "./clock";
import type { Rng } from "./rng";
import { TraceRecorder, type TraceEventBase } from "./trace";

/** Names of services, steps and participants: safe in diagrams and messages. */
export const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

export type EventKind =
  | "send"
  | "receive"
  | "drop"
  | "dedup"
  | "commit"
  | "rollback"
  | "compensate"
  | "fail"
  | "crash"
  | "recover"
  | "pause"
  | "resume"
  | "retry"
  | "log"
  | "blocked"
  | "note";

export type MessageStyle = "call" | "reply" | "async";

export interface WorldEvent extends TraceEventBase {
  readonly kind: EventKind;
  /** Short words for the diagram and the checker's prose. */
  readonly text: string;
  /** The other party of a send, receive or drop. */
  readonly peer?: string;
  /** The message a send, receive, drop or dedup is about. */
  readonly msg?: number;
  readonly style?: MessageStyle;
  /** The saga (or transaction, or order) the event belongs to, from 1. */
  readonly saga?: number;
  /** A delivery of a copy the network made, or of a message sent again. */
  readonly copy?: boolean;
  /** Drawn as a fault (lost message, failed step, crash). */
  readonly fault?: boolean;
}

export interface Message<B> {
  readonly id: number;
  readonly from: string;
  readonly to: string;
  readonly style: MessageStyle;
  /** What the diagram writes on the arrow. */
  readonly label: string;
  readonly body: B;
  readonly saga?: number;
  /** Set on the extra delivery when the network duplicates a message. */
  readonly copy?: boolean;
}

export interface NetworkOptions {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Probability that a message is lost. */
  readonly loss: number;
  /** Probability that a message is delivered twice. */
  readonly duplicate: number;
  /** Whether a later message may overtake an earlier one on the same channel. */
  readonly reorder: boolean;
}

/** What a scripted fault plan may decide about one message before the network does. */
export interface Interference {
  readonly drop?: boolean;
  readonly duplicate?: boolean;
  /** Extra delivery delay on top of the network's (a slow link or a busy sender), in ms. */
  readonly delayMs?: number;
}

export interface Node<B, T> {
  readonly name: string;
  onMessage(msg: Message<B>): void;
  onTimer?(tag: T): void;
  /** Forget volatile state (called as the node crashes). */
  onCrash?(): void;
  /** Rebuild from durable state (called as the node restarts). */
  onRecover?(): void;
  /** Called as a paused node runs again, before the messages and timers that waited for it. */
  onResume?(): void;
}

type Task<B, T> =
  | { readonly kind: "deliver"; readonly msg: Message<B> }
  | { readonly kind: "timer"; readonly node: string; readonly epoch: number; readonly tag: T }
  | { readonly kind: "crash"; readonly node: string; readonly downMs: number | undefined; readonly why: string }
  | { readonly kind: "restart"; readonly node: string; readonly epoch: number }
  | { readonly kind: "resume"; readonly node: string; readonly pause: number; readonly text: string };

interface NodeState<B, T> {
  readonly node: Node<B, T>;
  up: boolean;
  /** Incremented at every crash, so timers set before it never fire. */
  epoch: number;
  downSinceMs: number;
  downMs: number;
  /** Counts pauses; the current one while paused is set (a node paused keeps all its state). */
  pauses: number;
  paused: boolean;
  /** Deliveries and timers that came due while the node was paused, run in order as it resumes. */
  held: Task<B, T>[];
}

export class World<B, T = unknown> {
  readonly trace = new TraceRecorder<WorldEvent>();
  private readonly queue = new EventQueue<Task<B, T>>();
  private readonly nodes = new Map<string, NodeState<B, T>>();
  private readonly lastDelivery = new Map<string, number>();
  private nextMsg = 1;
  /** Scripted interference with a message, consulted before the random network. */
  interfere: (msg: Message<B>) => Interference | undefined = () => undefined;
  /**
   * Consulted as a message arrives: why its receiver can no longer get it (say, the connection it
   * came on was closed while it travelled), or undefined to deliver it. A discarded message is
   * drawn as a drop with that reason; it does not count as lost by the network.
   */
  discard: (msg: Message<B>) => string | undefined = () => undefined;
  /**
   * Watches one run (a presenter's timeline): called with each event as it is recorded, after the
   * state changes it describes. Unset while exploring, so many runs pay nothing for it.
   */
  watch: ((event: WorldEvent) => void) | undefined = undefined;
  messagesSent = 0;
  messagesLost = 0;
  messagesDuplicated = 0;

  constructor(
    readonly rng: Rng,
    readonly net: NetworkOptions,
  ) {}

  get nowMs(): number {
    return this.queue.nowMs;
  }

  add(node: Node<B, T>): void {
    this.nodes.set(node.name, { node, up: true, epoch: 0, downSinceMs: 0, downMs: 0, pauses: 0, paused: false, held: [] });
  }

  isUp(name: string): boolean {
    return this.nodes.get(name)?.up ?? false;
  }

  /** Whether a node is paused: up, its state kept, but running nothing (a stop-the-world pause). */
  isPaused(name: string): boolean {
    return this.nodes.get(name)?.paused ?? false;
  }

  /** Total time a node spent down (so far). */
  downtimeMs(name: string): number {
    const s = this.nodes.get(name);
    if (!s) return 0;
    return s.downMs + (s.up ? 0 : this.nowMs - s.downSinceMs);
  }

  record(event: Omit<WorldEvent, "seq" | "atMs">): WorldEvent {
    const e = this.trace.record({ atMs: this.nowMs, ...event } as Omit<WorldEvent, "seq">);
    this.watch?.(e);
    return e;
  }

  /**
   * Tells the watcher that state changed after the last event was recorded and belongs to it (what a
   * received message changed, the bookkeeping after a commit): it is watched again.
   */
  touch(): void {
    if (this.watch && this.trace.length > 0) this.watch(this.trace.toArray()[this.trace.length - 1]!);
  }

  /** Send a message; a node that is down or paused sends nothing. Returns the message id (0 if not sent). */
  send(from: string, to: string, style: MessageStyle, label: string, body: B, saga?: number, again = false): number {
    if (!this.isUp(from) || this.isPaused(from)) return 0;
    const msg: Message<B> = { id: this.nextMsg++, from, to, style, label, body, ...(saga !== undefined ? { saga } : {}) };
    this.messagesSent++;
    this.record({
      actor: from,
      kind: "send",
      text: label,
      peer: to,
      msg: msg.id,
      style,
      ...(saga !== undefined ? { saga } : {}),
      ...(again ? { copy: true } : {}),
    });
    const scripted = this.interfere(msg) ?? {};
    if (scripted.drop || (scripted.drop === undefined && this.rng.chance(this.net.loss))) {
      this.messagesLost++;
      this.record({
        actor: from,
        kind: "drop",
        text: `${label} (lost in the network)`,
        peer: to,
        msg: msg.id,
        style,
        fault: true,
        ...(saga !== undefined ? { saga } : {}),
      });
      return msg.id;
    }
    this.queue.schedule(this.delay(from, to) + (scripted.delayMs ?? 0), { kind: "deliver", msg });
    if (scripted.duplicate || (scripted.duplicate === undefined && this.rng.chance(this.net.duplicate))) {
      this.messagesDuplicated++;
      this.queue.schedule(this.delay(from, to), { kind: "deliver", msg: { ...msg, copy: true } });
    }
    return msg.id;
  }

  private delay(from: string, to: string): number {
    const d = this.net.minDelayMs >= this.net.maxDelayMs ? this.net.minDelayMs : this.rng.int(this.net.minDelayMs, this.net.maxDelayMs);
    if (this.net.reorder) return d;
    // FIFO channel: never deliver before the previous message on the same channel.
    const key = `${from}>${to}`;
    const at = Math.max(this.nowMs + d, this.lastDelivery.get(key) ?? 0);
    this.lastDelivery.set(key, at);
    return at - this.nowMs;
  }

  /** A timer on a node; it is forgotten if the node crashes first. */
  timer(node: string, delayMs: number, tag: T): void {
    const s = this.nodes.get(node);
    if (!s || !s.up) return;
    this.queue.schedule(Math.max(0, delayMs), { kind: "timer", node, epoch: s.epoch, tag });
  }

  /** Crash a node now (from inside a handler or a scheduled fault); it restarts after downMs, or never. */
  crash(node: string, downMs: number | undefined, why: string): void {
    const s = this.nodes.get(node);
    if (!s || !s.up) return;
    s.up = false;
    s.epoch++;
    s.downSinceMs = this.nowMs;
    s.paused = false;
    const held = s.held.splice(0);
    this.record({ actor: node, kind: "crash", text: `CRASH: ${why}${downMs === undefined ? ", stays down" : `, down ${downMs} ms`}`, fault: true });
    s.node.onCrash?.();
    // What the node forgot is part of its crash.
    this.touch();
    if (downMs !== undefined) this.queue.schedule(downMs, { kind: "restart", node, epoch: s.epoch });
    // Messages that waited for a paused node are lost with it; its timers are forgotten.
    for (const task of held) if (task.kind === "deliver") this.perform(task);
  }

  /**
   * Pause a node now for pauseMs (a stop-the-world garbage collection, a VM stop): it keeps its state
   * but runs nothing and sends nothing; messages reach it and its timers come due as usual, and wait,
   * in order, until it resumes. Other nodes and the messages it sent before go on.
   */
  pause(node: string, pauseMs: number, why: string, resumed = `resumes after ${pauseMs} ms`): void {
    const s = this.nodes.get(node);
    if (!s || !s.up || s.paused) return;
    s.paused = true;
    s.pauses++;
    this.record({ actor: node, kind: "pause", text: why, fault: true });
    this.queue.schedule(Math.max(0, pauseMs), { kind: "resume", node, pause: s.pauses, text: resumed });
  }

  private resume(node: string, pause: number, text: string): void {
    const s = this.nodes.get(node);
    if (!s || !s.paused || s.pauses !== pause) return;
    s.paused = false;
    this.record({ actor: node, kind: "resume", text });
    s.node.onResume?.();
    for (const task of s.held.splice(0)) this.perform(task);
  }

  crashAt(atMs: number, node: string, downMs: number | undefined, why: string): void {
    this.queue.scheduleAt(Math.max(atMs, this.nowMs), { kind: "crash", node, downMs, why });
  }

  /** Run until nothing is left to happen (quiescence) or the horizon. Returns whether it quiesced. */
  run(untilMs: number, maxTasks = 200_000): boolean {
    let tasks = 0;
    for (let next = this.queue.peek(); next; next = this.queue.peek()) {
      if (next.atMs > untilMs || ++tasks > maxTasks) return false;
      const task = this.queue.pop()!.payload;
      this.perform(task);
    }
    return true;
  }

  /** A message that reached its receiver's address but not the receiver: drawn as a drop, with the reason. */
  private dropOnArrival(msg: Message<B>, reason: string): void {
    this.record({
      actor: msg.from,
      kind: "drop",
      text: `${msg.label} (${reason})`,
      peer: msg.to,
      msg: msg.id,
      style: msg.style,
      fault: true,
      ...(msg.saga !== undefined ? { saga: msg.saga } : {}),
    });
  }

  private perform(task: Task<B, T>): void {
    if (task.kind === "deliver" || task.kind === "timer") {
      const s = this.nodes.get(task.kind === "deliver" ? task.msg.to : task.node);
      if (s?.up && s.paused) return void s.held.push(task);
    }
    switch (task.kind) {
      case "deliver": {
        const msg = task.msg;
        const s = this.nodes.get(msg.to);
        const saga = msg.saga !== undefined ? { saga: msg.saga } : {};
        if (!s || !s.up) {
          this.messagesLost++;
          return this.dropOnArrival(msg, `lost: ${msg.to} is down`);
        }
        const discarded = this.discard(msg);
        if (discarded !== undefined) return this.dropOnArrival(msg, discarded);
        this.record({
          actor: msg.to,
          kind: "receive",
          text: msg.label,
          peer: msg.from,
          msg: msg.id,
          style: msg.style,
          ...saga,
          ...(msg.copy ? { copy: true } : {}),
        });
        s.node.onMessage(msg);
        return;
      }
      case "timer": {
        const s = this.nodes.get(task.node);
        if (s && s.up && s.epoch === task.epoch) s.node.onTimer?.(task.tag);
        return;
      }
      case "crash":
        this.crash(task.node, task.downMs, task.why);
        return;
      case "restart": {
        const s = this.nodes.get(task.node);
        if (!s || s.up || s.epoch !== task.epoch) return;
        s.up = true;
        s.downMs += this.nowMs - s.downSinceMs;
        this.record({ actor: task.node, kind: "recover", text: "restarted" });
        s.node.onRecover?.();
        return;
      }
      case "resume":
        this.resume(task.node, task.pause, task.text);
        return;
    }
  }
}

/** Exponential backoff: the wait before attempt n (n ≥ 2), capped. */
export function backoffMs(baseMs: number, factor: number, capMs: number, attempt: number): number {
  return Math.min(capMs, Math.round(baseMs * factor ** Math.max(0, attempt - 2)));
}
