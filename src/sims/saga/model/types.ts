// What a saga run passes around and returns: the messages and timers of the world, what each
// participant remembers, and the run's result for the checker and the presenter.
import type { Explored } from "../../../core/explore";
import type { Message, WorldEvent } from "../../../core/network";
import type { Countermeasure, Effect, StepSpec, Style } from "../scenario";

export type Op = "do" | "undo" | "release";
export type Reply = "done" | "failed" | "busy" | "undone" | "undo-failed" | "released";
export type Body =
  | { readonly t: "request"; readonly op: Op; readonly saga: number; readonly step: number; readonly attempt: number }
  | { readonly t: "reply"; readonly op: Reply; readonly saga: number; readonly step: number }
  | { readonly t: "event"; readonly what: "done" | "failed" | "undone" | "completed"; readonly saga: number; readonly step: number; readonly key: string }
  | { readonly t: "ack"; readonly key: string };
export type Tag =
  | { readonly t: "start"; readonly saga: number }
  | { readonly t: "wait" | "again"; readonly saga: number; readonly token: number }
  | { readonly t: "resend"; readonly key: string; readonly token: number }
  | { readonly t: "local"; readonly saga: number; readonly step: number; readonly attempt: number };

export type Outcome = "completed" | "compensated";
/** Where a saga is: the orchestrator's durable saga log (in choreography, where the services have taken it). */
export type Phase = "requested" | "forward" | "compensating" | "completed" | "compensated";
/** What a receiver remembers of a request (its deduplication record). */
export type DedupRecord = "done" | "failed" | "undone";
export type Resource = "account" | "stock";

/** A step refused for lack of money or stock, with the sagas whose effects were then counted in. */
export interface Refusal {
  readonly saga: number;
  readonly step: number;
  readonly seq: number;
  readonly resource: Resource;
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
  readonly resource: Resource;
  readonly lost: number;
  readonly others: readonly number[];
}

/** Every actor's state at one moment of a watched run (the run an output draws), for its timeline. */
export interface SagaState {
  /** Each saga's entry in the saga log. */
  readonly log: readonly { readonly phase: Phase; readonly step: number }[];
  readonly account: number;
  readonly stock: number;
  /** Per resource, the sagas whose effect on it stands, with how much: [saga, amount]. */
  readonly holding: Readonly<Record<Resource, readonly (readonly [number, number])[]>>;
  /** Semantic locks: [resource, saga]. */
  readonly locks: readonly (readonly [Resource, number])[];
  /** Receivers' deduplication records: [saga, step, record]. */
  readonly records: readonly (readonly [number, number, DedupRecord])[];
  /** How many times each saga's step took effect, and was compensated, so far. */
  readonly applied: readonly (readonly number[])[];
  readonly undone: readonly (readonly number[])[];
  /** Choreography: events published and not yet acknowledged (kept in the outbox, or in memory). */
  readonly pending: readonly { readonly from: string; readonly to: string; readonly label: string }[];
}

/** A watched run's states: before the first event, after each event (sends left out: they change nothing), and at rest. */
export interface SagaStates {
  readonly before: SagaState;
  readonly after: ReadonlyMap<number, SagaState>;
  readonly end: SagaState;
}

export interface SagaRun {
  readonly steps: readonly StepSpec[];
  readonly pivot: number;
  readonly style: Style;
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
  /** Present when the run was watched (runSaga's `watch`): every actor's state, event by event. */
  readonly watched?: SagaStates;
  readonly stats: {
    readonly messages: number;
    readonly lost: number;
    readonly duplicated: number;
    readonly retries: number;
    readonly dedups: number;
    readonly crashes: number;
    readonly blockedMs: number;
  };
}

/** How an exploration classes a run. */
export type RunClass = "completed" | "compensated" | "stuck" | "violated";
export const CLASSES: readonly RunClass[] = ["completed", "compensated", "stuck", "violated"];

export type SagaResult = { readonly mode: "run"; readonly run: SagaRun } | Explored<RunClass, SagaRun>;

/** What a participant service keeps. */
export interface Participant {
  readonly name: string;
  /** Deduplication records: saga:step → what happened (only consulted when idempotent). */
  readonly records: Map<string, DedupRecord>;
  /** Before-images and values written, per saga:step. */
  readonly before: Map<string, number>;
  readonly written: Map<string, number>;
  /** Choreography: events to publish, kept until acknowledged (durable with the outbox). */
  pending: Map<string, Message<Body>>;
}

export const resourceOf = (e: Effect): Resource | undefined => (e === "money" ? "account" : e === "stock" ? "stock" : undefined);

/** What a step's request or compensation is called in the diagram. */
export function words(st: StepSpec, op: Op, amount: number, quantity: number): string {
  if (op === "release") return `release ${resourceOf(st.effect) ?? st.name}`;
  switch (st.effect) {
    case "order":
      return op === "do" ? "create order" : "reject order";
    case "money":
      return op === "do" ? `charge ${amount}` : `refund ${amount}`;
    case "stock":
      return op === "do" ? `reserve ${quantity}` : `release ${quantity}`;
    case "shipment":
      return op === "do" ? "schedule shipment" : "cancel shipment";
    case "none":
      return op === "do" ? st.name : `undo ${st.name}`;
  }
}
