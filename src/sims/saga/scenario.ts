// Options of the saga simulator: the business flow, the style (orchestration or choreography),
// idempotent receivers, isolation countermeasures, scripted and random faults, and exploration.
// `resolve` checks the names of steps and services and refuses faults that could never fire, for
// the cell and for every design it compares, and gives the model step indexes instead of names.
import type { Design } from "../../core/explore";
import { NAME } from "../../core/network";
import { exploreSeeded } from "../../scenario/explore";
import { networkSchema, untilMsSchema } from "../../scenario/network";
import { s, type Infer } from "../../scenario/schema";
import type { Example, ResolveContext } from "../types";

export const ORCHESTRATOR = "orchestrator";

export const DEFAULT_STEPS = [
  { name: "order", service: "order", effect: "order" },
  { name: "payment", service: "payment", effect: "money" },
  { name: "inventory", service: "inventory", effect: "stock" },
  { name: "shipping", service: "shipping", effect: "shipment" },
] as const;
export const DEFAULT_PIVOT = "inventory";

type Raw = { readonly [key: string]: unknown } | null;

function stepNames(root: unknown): string[] {
  const steps = (root as Raw)?.steps;
  if (!Array.isArray(steps)) return DEFAULT_STEPS.map((x) => x.name);
  return steps.map((x) => (x as Raw)?.name).filter((n): n is string => typeof n === "string");
}

function serviceNames(root: unknown): string[] {
  const steps = (root as Raw)?.steps;
  const list = Array.isArray(steps)
    ? steps.map((x) => (x as Raw)?.service ?? (x as Raw)?.name).filter((n): n is string => typeof n === "string")
    : DEFAULT_STEPS.map((x) => x.service);
  return (root as Raw)?.style === "choreography" ? [...new Set(list)] : [ORCHESTRATOR, ...new Set(list)];
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
  {
    value: "step-fails",
    doc:
      "The step's local transaction fails for a business reason (card declined, out of stock) and is rolled back. " +
      "Before or at the pivot the saga compensates; after it, the step is retried (`times` failures, then success).",
  },
  {
    value: "crash",
    doc:
      "A service crashes right after it commits `after` (a participant: its local transaction, before replying; the orchestrator: " +
      "when the step's reply arrives, before it is written to the saga log), or at `atMs`. It restarts after `downMs` (0: stays down).",
  },
  { value: "duplicate", doc: "The request for `step` (the first one sent) is delivered twice." },
  { value: "lose-request", doc: "The first request for `step` is lost in the network." },
  { value: "lose-reply", doc: "The first reply from `step` is lost in the network, so the sender retries a step that did happen." },
  { value: "compensation-fails", doc: "The compensation of `step` fails `times` times (a transient error) before it succeeds; it is retried with backoff." },
] as const;
export type FaultType = (typeof FAULT_TYPES)[number]["value"];

export const COUNTERMEASURES = [
  {
    value: "none",
    doc: "No isolation: effects are visible at once; a compensation restores the value it saw before (a before-image), overwriting what others did meanwhile.",
  },
  {
    value: "semantic-lock",
    doc:
      "A step marks the account or stock it changed as pending; another saga touching a pending value waits (and retries) " +
      "until the first saga completes or compensates.",
  },
  {
    value: "commutative",
    doc: "Effects and compensations are increments and decrements, which commute: a compensation never overwrites another saga's change.",
  },
  {
    value: "reread",
    doc: "A compensation re-reads the value first; if another saga changed it since, it applies the difference instead of restoring the old value.",
  },
] as const;
export type Countermeasure = (typeof COUNTERMEASURES)[number]["value"];

export const DESIGNS = [
  { value: "dedup", doc: "Idempotent receivers (deduplication keys)." },
  { value: "no-dedup", doc: "Receivers that apply every message they get." },
  { value: "orchestration", doc: "A coordinator drives the saga." },
  { value: "choreography", doc: "Services react to each other's events." },
  ...COUNTERMEASURES.map((c) => ({ value: c.value, doc: `Isolation countermeasure: ${c.doc}` })),
] as const;
export type DesignName = (typeof DESIGNS)[number]["value"];

const STYLES = [
  {
    value: "orchestration",
    doc: "An orchestrator sends each step's request and waits for its reply, logging progress in a durable saga log; after a crash it resumes from the log.",
  },
  {
    value: "choreography",
    doc: "Each service does its step when it hears the previous one's event and publishes its own; failures travel back as events that trigger compensations.",
  },
] as const;
export type Style = (typeof STYLES)[number]["value"];

const step = s.object("One step: a local transaction and its compensation.", {
  name: s.required(s.string({ doc: "The step's name (letters, digits, - and _).", minLength: 1, maxLength: 32 })),
  service: s.field(s.string({ doc: "The service that runs it (defaults to the step's name).", minLength: 1, maxLength: 32 })),
  effect: s.field(s.enum({ doc: "What the step changes.", values: EFFECTS, default: "none" })),
});

const retrySchema = s.object("How a sender retries a request that got no answer: it waits timeoutMs, then backs off exponentially.", {
  timeoutMs: s.field(s.integer({ doc: "How long to wait for an answer before sending again.", min: 1, max: 60_000, default: 100, unit: "ms" })),
  backoff: s.field(s.number({ doc: "Each further wait is this many times the previous one.", min: 1, max: 10, default: 2 })),
  maxDelayMs: s.field(s.integer({ doc: "The longest wait between two attempts.", min: 1, max: 600_000, default: 1600, unit: "ms" })),
  attempts: s.field(
    s.integer({
      doc:
        "Saga steps before the pivot: attempts without an answer before the step counts as failed and the saga compensates " +
        "(the step may still have happened, so it is compensated too). Steps after the pivot and compensations are retried until they succeed.",
      min: 1,
      max: 100,
      default: 4,
    }),
  ),
});

const fault = s.object("One scripted fault.", {
  type: s.required(s.enum({ doc: "What goes wrong.", values: FAULT_TYPES })),
  step: s.field(stepRef),
  service: s.field(s.ref({ doc: "crash: the service that crashes (orchestrator or a step's service).", what: "service", names: serviceNames })),
  after: s.field(stepRef),
  atMs: s.field(s.integer({ doc: "crash: when, instead of `after`.", min: 0, max: 3_600_000, unit: "ms" })),
  downMs: s.field(s.integer({ doc: "crash: how long the service stays down (0: it never restarts).", min: 0, max: 3_600_000, default: 200, unit: "ms" })),
  saga: s.field(s.integer({ doc: "Which saga the fault hits (from 1).", min: 1, max: 20, default: 1 })),
  times: s.field(s.integer({ doc: "step-fails after the pivot and compensation-fails: how many attempts fail.", min: 1, max: 50, default: 1 })),
});

const random = s.object("Faults drawn from the seed, independently for every saga and step.", {
  stepFails: s.field(s.number({ doc: "Probability that a step fails for a business reason.", min: 0, max: 1, default: 0 })),
  compensationFails: s.field(s.number({ doc: "Probability that each attempt at a compensation fails transiently.", min: 0, max: 0.9, default: 0 })),
  crash: s.field(
    s.number({
      doc:
        "Probability that a service crashes right after a local transaction (before it replies or publishes), " +
        "and that the orchestrator crashes as a step's reply arrives (before it is logged).",
      min: 0,
      max: 1,
      default: 0,
    }),
  ),
  downMs: s.field(s.integer({ doc: "How long a randomly crashed service stays down.", min: 1, max: 600_000, default: 200, unit: "ms" })),
});

export const schema = s.object(
  "One or more sagas over a flow of steps (by default order → payment → inventory → shipping), each step a local transaction in its own service " +
    "with a compensation. Faults are scripted in `faults` or drawn from the seed with the probabilities in `random`; `explore` runs many seeds " +
    "and counts outcomes per design.",
  {
    style: s.knob(s.enum({ doc: "Who drives the saga.", default: "orchestration", values: STYLES })),
    steps: s.field(s.array({ doc: "The flow, in order. Defaults to order, payment, inventory, shipping.", minItems: 1, maxItems: 8, items: step })),
    pivot: s.field(stepRef),
    sagas: s.field(s.integer({ doc: "How many sagas run, each for its own order, on the same account and stock.", min: 1, max: 20, default: 1 })),
    startGapMs: s.field(s.integer({ doc: "Saga n starts (n−1) × startGapMs after the first.", min: 0, max: 60_000, default: 10, unit: "ms" })),
    amount: s.field(s.integer({ doc: "What each order costs.", min: 1, max: 1_000_000, default: 30 })),
    quantity: s.field(s.integer({ doc: "Units of the item each order takes.", min: 1, max: 1_000_000, default: 1 })),
    balance: s.field(s.integer({ doc: "The customer's account balance at the start.", min: 0, max: 1_000_000_000, default: 100 })),
    stock: s.field(s.integer({ doc: "Units of the item in stock at the start.", min: 0, max: 1_000_000_000, default: 10 })),
    idempotent: s.knob(
      s.boolean({
        doc:
          "Receivers remember each request's deduplication key (saga and step) in the same local transaction as its effect, " +
          "answer a repeat with the first answer, and ignore a request whose compensation already ran.",
        default: true,
      }),
    ),
    countermeasure: s.knob(
      s.enum({ doc: "How concurrent sagas are kept from seeing or overwriting each other's uncommitted work.", values: COUNTERMEASURES, default: "none" }),
    ),
    outbox: s.field(
      s.boolean({
        doc:
          "Choreography: events a service must publish are stored with its local transaction and published again after a crash. " +
          "With false, an event not yet sent when the service crashes is lost.",
        default: true,
      }),
    ),
    retry: s.field(retrySchema),
    network: s.field(networkSchema),
    faults: s.field(s.array({ doc: "Scripted faults.", default: [], maxItems: 20, items: fault })),
    random: s.field(random),
    explore: s.field(
      exploreSeeded(
        "Instead of one run, many: this many seeds drawn from the cell's seed, or these seeds; " +
          "the outcomes are counted per design (faults come from `random`).",
        20_000,
      ),
    ),
    compare: s.field(
      s.array({
        doc:
          "Explore: designs run on the same seeds, each changing one choice of the cell " +
          "(dedup vs no-dedup, orchestration vs choreography, or an isolation countermeasure).",
        default: [],
        maxItems: 6,
        items: s.enum({ doc: "A design choice.", values: DESIGNS }),
      }),
    ),
    untilMs: s.field(untilMsSchema(30_000)),
  },
);

export type Options = Infer<typeof schema>;
export type FaultSpec = Options["faults"][number];
export type StepSpec = { readonly name: string; readonly service: string; readonly effect: Effect };

export const examples: readonly Example[] = [
  {
    name: "payment fails",
    description: "The card is declined; the order is rejected.",
    body: "style: orchestration\nfaults:\n  - type: step-fails\n    step: payment\n",
  },
  {
    name: "orchestrator crashes",
    description: "The orchestrator crashes after the payment and resumes from its saga log.",
    body: "faults:\n  - type: crash\n    service: orchestrator\n    after: payment\n    downMs: 300\n",
  },
  {
    name: "idempotent or not",
    description: "1,000 seeds with lost and duplicated messages, with and without deduplication.",
    body: "explore: 1000\ncompare: [dedup, no-dedup]\nnetwork:\n  loss: 0.05\n  duplicate: 0.05\nrandom:\n  stepFails: 0.1\n  crash: 0.02\n",
  },
  {
    name: "two sagas, one account",
    description: "A dirty read: the second saga is refused on a charge the first later refunds.",
    body:
      "sagas: 2\nbalance: 100\namount: 60\ncountermeasure: none\nnetwork:\n  minDelayMs: 10\n  maxDelayMs: 10\n" +
      "faults:\n  - type: step-fails\n    step: inventory\n    saga: 1\n",
  },
];

/** A scripted fault with its steps as indexes in the flow. */
export interface Fault {
  readonly type: FaultType;
  /** The step it hits (every type but crash). */
  readonly step: number | undefined;
  /** crash: who crashes, and after which step or at what time. */
  readonly service: string | undefined;
  readonly after: number | undefined;
  readonly atMs: number | undefined;
  readonly downMs: number;
  /** The saga it hits, from 1. */
  readonly saga: number;
  readonly times: number;
}

/** One run's options: the cell without exploration, with its flow, pivot and faults resolved. */
export interface Setup extends Omit<Options, "steps" | "pivot" | "faults" | "explore" | "compare"> {
  readonly steps: readonly StepSpec[];
  /** The index of the pivot step. */
  readonly pivot: number;
  readonly faults: readonly Fault[];
}

export interface Resolved {
  readonly run: Setup;
  /** With `explore:`: the seeds (a count drawn from the cell's seed, or a list) and the designs run on each. */
  readonly explore?: { readonly cases: number | readonly number[]; readonly designs: readonly Design<Setup>[] };
}

/** The cell key and value that a design stands for. */
export function designKeys(d: DesignName): { idempotent: boolean } | { style: Style } | { countermeasure: Countermeasure } {
  if (d === "dedup" || d === "no-dedup") return { idempotent: d === "dedup" };
  if (d === "orchestration" || d === "choreography") return { style: d };
  return { countermeasure: d };
}

function describeDesign(o: Setup): string {
  return `${o.style}, ${o.idempotent ? "dedup" : "no dedup"}${o.countermeasure !== "none" ? `, ${o.countermeasure}` : ""}`;
}

const SAFE = 'may use letters, digits, "-" and "_", starting with a letter';

/** Every step's name and service are safe to draw, the names distinct, and no service is called like the orchestrator. */
function checkFlow(steps: readonly StepSpec[], style: Style, written: boolean, ctx: ResolveContext): void {
  const seen = new Set<string>();
  const at = (i: number, key: "name" | "service") => (written ? ["steps", i, key] : ["style"]);
  steps.forEach((st, i) => {
    if (!NAME.test(st.name)) ctx.fail(at(i, "name"), `Step ${i + 1}: step names ${SAFE} (got "${st.name}").`);
    if (!NAME.test(st.service)) ctx.fail(at(i, "service"), `Step ${st.name}: service names ${SAFE} (got "${st.service}").`);
    if (seen.has(st.name)) ctx.fail(at(i, "name"), `Two steps are named "${st.name}"; each step needs its own name.`);
    if (st.service === ORCHESTRATOR && style !== "choreography") {
      ctx.fail(at(i, "service"), `Step ${st.name}: "${ORCHESTRATOR}" is the coordinator's name; pick another service name.`);
    }
    seen.add(st.name);
  });
}

function pivotOf(o: Options, steps: readonly StepSpec[], ctx: ResolveContext): number {
  const name = o.pivot ?? (o.steps ? undefined : DEFAULT_PIVOT);
  const pivot = name === undefined ? steps.length - 1 : steps.findIndex((x) => x.name === name);
  if (pivot < 0) ctx.fail(["pivot"], `The pivot "${name}" is not a step.`);
  return pivot;
}

function resolveFault(f: FaultSpec, i: number, steps: readonly StepSpec[], ctx: ResolveContext): Fault {
  const index = (name: string | undefined, key: "step" | "after") => {
    if (name === undefined) return undefined;
    const x = steps.findIndex((st) => st.name === name);
    if (x < 0) ctx.fail(["faults", i, key], `Unknown step "${name}". Steps: ${steps.map((st) => st.name).join(", ")}.`);
    return x;
  };
  const { type, service, atMs, downMs, saga, times } = f;
  return { type, step: index(f.step, "step"), service, after: index(f.after, "after"), atMs, downMs, saga, times };
}

/** A fault that could never fire in this setup is refused rather than silently ignored. */
function checkStepFault(f: Fault, i: number, o: Setup, ctx: ResolveContext): void {
  if (f.step === undefined) return;
  const name = o.steps[f.step]!.name;
  const choreo = o.style === "choreography";
  if (f.type === "compensation-fails" && f.step > o.pivot) {
    const why = `${name} comes after the pivot (${o.steps[o.pivot]!.name}), so it is never compensated`;
    ctx.fail(["faults", i, "step"], `${why}; a compensation-fails fault needs a step up to the pivot.`);
  }
  if (choreo && f.step === 0 && (f.type === "duplicate" || f.type === "lose-request")) {
    const what = f.type === "duplicate" ? "duplicate" : "lose";
    ctx.fail(["faults", i, "step"], `In choreography nothing asks ${name} to run (it starts the saga), so there is no request to ${what}; pick a later step.`);
  }
  if (choreo && f.step === o.steps.length - 1 && f.step > o.pivot && f.type === "lose-reply") {
    const why = `In choreography ${name}, the last step and past the pivot, publishes no event`;
    ctx.fail(["faults", i, "step"], `${why}, so there is nothing to lose; pick an earlier step.`);
  }
}

function checkCrash(f: Fault, i: number, o: Setup, ctx: ResolveContext): void {
  if (f.service === undefined) return ctx.fail(["faults", i], "A crash fault needs `service`: which service crashes.");
  if (f.after === undefined && f.atMs === undefined) ctx.fail(["faults", i], `The crash of ${f.service} needs \`after\` (a step) or \`atMs\` (a time).`);
  const services = o.steps.map((x) => x.service);
  const known = o.style === "choreography" ? services : [ORCHESTRATOR, ...services];
  if (!known.includes(f.service)) ctx.fail(["faults", i, "service"], `Unknown service "${f.service}". Services: ${[...new Set(known)].join(", ")}.`);
  const runner = f.after === undefined ? f.service : o.steps[f.after]!.service;
  if (f.service !== ORCHESTRATOR && runner !== f.service) {
    const why = `${f.service} does not run step ${o.steps[f.after!]!.name}, so it cannot crash after it`;
    ctx.fail(["faults", i, "after"], `${why}; the orchestrator or ${runner} can.`);
  }
}

function checkFaults(o: Setup, ctx: ResolveContext): void {
  o.faults.forEach((f, i) => {
    if (f.type !== "crash" && f.step === undefined) ctx.fail(["faults", i], `A ${f.type} fault needs \`step\`: which step it hits.`);
    if (f.saga > o.sagas) {
      ctx.fail(["faults", i, "saga"], `The ${f.type} fault names saga ${f.saga}, but only ${o.sagas} saga${o.sagas > 1 ? "s run" : " runs"} (set \`sagas\`).`);
    }
    checkStepFault(f, i, o, ctx);
    if (f.type === "crash") checkCrash(f, i, o, ctx);
  });
}

export function resolve(o: Options, ctx: ResolveContext): Resolved {
  const steps: StepSpec[] = (o.steps ?? DEFAULT_STEPS).map((x) => ({ name: x.name, service: x.service ?? x.name, effect: x.effect ?? "none" }));
  checkFlow(steps, o.style, o.steps !== undefined, ctx);
  const pivot = pivotOf(o, steps, ctx);
  const { steps: _steps, pivot: _pivot, faults, explore, compare, ...rest } = o;
  const run: Setup = { ...rest, steps, pivot, faults: faults.map((f, i) => resolveFault(f, i, steps, ctx)) };
  if (explore === undefined) {
    checkFaults(run, ctx);
    return { run };
  }
  const designs = compare.length
    ? [...new Set(compare)].map((d) => ({ name: d as string, options: { ...run, ...designKeys(d) } as Setup, keys: designKeys(d) }))
    : [{ name: describeDesign(run), options: run }];
  // Each design runs the cell under its own choices: a fault may fire in one style and never in another.
  for (const d of designs) {
    checkFlow(steps, d.options.style, o.steps !== undefined, ctx);
    checkFaults(d.options, ctx);
  }
  return { run, explore: { cases: explore, designs } };
}
