// Options of the saga simulator: the business flow, the style (orchestration or choreography),
// idempotent receivers, isolation countermeasures, scripted and random faults, and exploration.
import { s, type Infer } from "../../scenario/schema";
import { exploreSchema, networkSchema, retrySchema, untilSchema } from "./common-schema";

export const DEFAULT_STEPS = [
  { name: "order", service: "order", effect: "order" },
  { name: "payment", service: "payment", effect: "money" },
  { name: "inventory", service: "inventory", effect: "stock" },
  { name: "shipping", service: "shipping", effect: "shipment" },
] as const;
export const DEFAULT_PIVOT = "inventory";

function stepNames(root: unknown): string[] {
  const steps = (root as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) return DEFAULT_STEPS.map((x) => x.name);
  return steps.map((x) => (x as { name?: unknown } | null)?.name).filter((n): n is string => typeof n === "string");
}

function serviceNames(root: unknown): string[] {
  const steps = (root as { steps?: unknown } | null)?.steps;
  const list = Array.isArray(steps) ? steps.map((x) => (x as { service?: unknown; name?: unknown } | null)?.service ?? (x as { name?: unknown } | null)?.name).filter((n): n is string => typeof n === "string") : DEFAULT_STEPS.map((x) => x.service);
  const style = (root as { style?: unknown } | null)?.style;
  return style === "choreography" ? [...new Set(list)] : ["orchestrator", ...new Set(list)];
}

const stepRef = s.ref({ doc: "A step of the flow, by name.", what: "step", names: stepNames });

export const EFFECTS = [
  { value: "order", doc: "Creates the order (pending); compensation: rejects it." },
  { value: "money", doc: "Charges the customer's account `amount`; compensation: refunds it. Fails when the balance is too low." },
  { value: "stock", doc: "Reserves `quantity` units of the item; compensation: releases them. Fails when the stock is too low." },
  { value: "shipment", doc: "Schedules the shipment; compensation: cancels it." },
  { value: "none", doc: "A local transaction with no business value to conserve; compensation: undoes it." },
] as const;
export type Effect = (typeof EFFECTS)[number]["value"];

export const FAULT_TYPES = [
  { value: "step-fails", doc: "The step's local transaction fails for a business reason (card declined, out of stock) and is rolled back. Before or at the pivot the saga compensates; after it, the step is retried (`times` failures, then success)." },
  { value: "crash", doc: "A service crashes right after it commits `after` (a participant: its local transaction, before replying; the orchestrator: when the step's reply arrives, before it is written to the saga log), or at `atMs`. It restarts after `downMs` (0: stays down)." },
  { value: "duplicate", doc: "The request for `step` (the first one sent) is delivered twice." },
  { value: "lose-request", doc: "The first request for `step` is lost in the network." },
  { value: "lose-reply", doc: "The first reply from `step` is lost in the network, so the sender retries a step that did happen." },
  { value: "compensation-fails", doc: "The compensation of `step` fails `times` times (a transient error) before it succeeds; it is retried with backoff." },
] as const;

export const COUNTERMEASURES = [
  { value: "none", doc: "No isolation: effects are visible at once; a compensation restores the value it saw before (a before-image), overwriting what others did meanwhile." },
  { value: "semantic-lock", doc: "A step marks the account or stock it changed as pending; another saga touching a pending value waits (and retries) until the first saga completes or compensates." },
  { value: "commutative", doc: "Effects and compensations are increments and decrements, which commute: a compensation never overwrites another saga's change." },
  { value: "reread", doc: "A compensation re-reads the value first; if another saga changed it since, it applies the difference instead of restoring the old value." },
] as const;
export type Countermeasure = (typeof COUNTERMEASURES)[number]["value"];

export const DESIGNS = [
  { value: "dedup", doc: "Idempotent receivers (deduplication keys)." },
  { value: "no-dedup", doc: "Receivers that apply every message they get." },
  { value: "orchestration", doc: "A coordinator drives the saga." },
  { value: "choreography", doc: "Services react to each other's events." },
  ...COUNTERMEASURES.map((c) => ({ value: c.value, doc: `Isolation countermeasure: ${c.doc}` })),
] as const;
export type Design = (typeof DESIGNS)[number]["value"];

export const schema = s.object("One or more sagas over a flow of steps (by default order → payment → inventory → shipping), each step a local transaction in its own service with a compensation. Faults are scripted in `faults` or drawn from the seed with the probabilities in `random`; `explore` runs many seeds and counts outcomes per design.", {
  style: s.field(s.enum({ doc: "Who drives the saga.", default: "orchestration", values: [
    { value: "orchestration", doc: "An orchestrator sends each step's request and waits for its reply, logging progress in a durable saga log; after a crash it resumes from the log." },
    { value: "choreography", doc: "Each service does its step when it hears the previous one's event and publishes its own; failures travel back as events that trigger compensations." },
  ] })),
  steps: s.field(s.array({ doc: "The flow, in order. Defaults to order, payment, inventory, shipping.", minItems: 1, maxItems: 8, items: s.object("One step: a local transaction and its compensation.", {
    name: s.required(s.string({ doc: "The step's name (letters, digits, - and _).", minLength: 1, maxLength: 32 })),
    service: s.field(s.string({ doc: "The service that runs it (defaults to the step's name).", minLength: 1, maxLength: 32 })),
    effect: s.field(s.enum({ doc: "What the step changes.", values: EFFECTS, default: "none" })),
  }) })),
  pivot: s.field(stepRef),
  sagas: s.field(s.integer({ doc: "How many sagas run, each for its own order, on the same account and stock.", min: 1, max: 20, default: 1 })),
  startGapMs: s.field(s.integer({ doc: "Saga n starts (n−1) × startGapMs after the first.", min: 0, max: 60_000, default: 10, unit: "ms" })),
  amount: s.field(s.integer({ doc: "What each order costs.", min: 1, max: 1_000_000, default: 30 })),
  quantity: s.field(s.integer({ doc: "Units of the item each order takes.", min: 1, max: 1_000_000, default: 1 })),
  balance: s.field(s.integer({ doc: "The customer's account balance at the start.", min: 0, max: 1_000_000_000, default: 100 })),
  stock: s.field(s.integer({ doc: "Units of the item in stock at the start.", min: 0, max: 1_000_000_000, default: 10 })),
  idempotent: s.field(s.boolean({ doc: "Receivers remember each request's deduplication key (saga and step) in the same local transaction as its effect, answer a repeat with the first answer, and ignore a request whose compensation already ran.", default: true })),
  countermeasure: s.field(s.enum({ doc: "How concurrent sagas are kept from seeing or overwriting each other's uncommitted work.", values: COUNTERMEASURES, default: "none" })),
  outbox: s.field(s.boolean({ doc: "Choreography: events a service must publish are stored with its local transaction and published again after a crash. With false, an event not yet sent when the service crashes is lost.", default: true })),
  retry: s.field(retrySchema),
  network: s.field(networkSchema),
  faults: s.field(s.array({ doc: "Scripted faults.", default: [], maxItems: 20, items: s.object("One scripted fault.", {
    type: s.required(s.enum({ doc: "What goes wrong.", values: FAULT_TYPES })),
    step: s.field(stepRef),
    service: s.field(s.ref({ doc: "crash: the service that crashes (orchestrator or a step's service).", what: "service", names: serviceNames })),
    after: s.field(stepRef),
    atMs: s.field(s.integer({ doc: "crash: when, instead of `after`.", min: 0, max: 3_600_000, unit: "ms" })),
    downMs: s.field(s.integer({ doc: "crash: how long the service stays down (0: it never restarts).", min: 0, max: 3_600_000, default: 200, unit: "ms" })),
    saga: s.field(s.integer({ doc: "Which saga the fault hits (from 1).", min: 1, max: 20, default: 1 })),
    times: s.field(s.integer({ doc: "step-fails after the pivot and compensation-fails: how many attempts fail.", min: 1, max: 50, default: 1 })),
  }) })),
  random: s.field(s.object("Faults drawn from the seed, independently for every saga and step.", {
    stepFails: s.field(s.number({ doc: "Probability that a step fails for a business reason.", min: 0, max: 1, default: 0 })),
    compensationFails: s.field(s.number({ doc: "Probability that each attempt at a compensation fails transiently.", min: 0, max: 0.9, default: 0 })),
    crash: s.field(s.number({ doc: "Probability that a service crashes right after a local transaction (before it replies or publishes), and that the orchestrator crashes as a step's reply arrives (before it is logged).", min: 0, max: 1, default: 0 })),
    downMs: s.field(s.integer({ doc: "How long a randomly crashed service stays down.", min: 1, max: 600_000, default: 200, unit: "ms" })),
  })),
  explore: s.field(exploreSchema),
  compare: s.field(s.array({ doc: "Explore: designs run on the same seeds, each changing one choice of the cell (dedup vs no-dedup, orchestration vs choreography, or an isolation countermeasure).", default: [], maxItems: 6, items: s.enum({ doc: "A design choice.", values: DESIGNS }) })),
  untilMs: s.field(untilSchema),
});

export type Options = Infer<typeof schema>;
export type FaultSpec = Options["faults"][number];
export type StepSpec = { readonly name: string; readonly service: string; readonly effect: Effect };
