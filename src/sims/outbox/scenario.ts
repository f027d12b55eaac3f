// Options of the dual-write and outbox simulator: the design, the orders, scripted and random
// crashes, the network and exploration; `resolve` checks that every scripted crash can happen.
import type { Design } from "../../core/explore";
import { exploreSeeded } from "../../scenario/explore";
import { networkSchema, untilMsSchema } from "../../scenario/network";
import { count } from "../../present/prose";
import { s, type Infer } from "../../scenario/schema";
import type { Example, ResolveContext } from "../types";

export const ORDER = "order";
export const RELAY = "relay";
export const BROKER = "broker";
export const SHIPPING = "shipping";

export const DESIGNS = [
  { value: "dual-write", doc: "Commit the order, then publish the event: a crash in between loses the event." },
  { value: "publish-first", doc: "Publish the event, then commit the order: a crash in between announces an order that does not exist." },
  {
    value: "outbox",
    doc: "Commit the order and an outbox row together; a relay polls the outbox, publishes, then marks the row sent. The consumer applies every delivery.",
  },
  { value: "outbox-dedup", doc: "The outbox, and a consumer that records each event id with its effect and skips ids it has seen." },
] as const;
export type DesignName = (typeof DESIGNS)[number]["value"];

const SERVICES = [
  { value: "order", doc: "The order service." },
  { value: "relay", doc: "The outbox relay." },
  { value: "shipping", doc: "The consumer." },
] as const;

const POINTS = [
  { value: "commit", doc: "order: right after committing the order (before publishing, in dual-write)." },
  {
    value: "publish",
    doc: "order (publish-first): right after publishing, before committing. relay: after the broker acknowledged, before marking the row sent.",
  },
  { value: "consume", doc: "shipping: after applying the event, before acknowledging it." },
] as const;
export type Point = (typeof POINTS)[number]["value"];

const fault = s.object("One scripted crash.", {
  service: s.required(s.enum({ doc: "Who crashes.", values: SERVICES })),
  after: s.required(s.enum({ doc: "When.", values: POINTS })),
  order: s.field(s.integer({ doc: "Which order (from 1).", min: 1, max: 50, default: 1 })),
  downMs: s.field(s.integer({ doc: "How long the service stays down (0: it never restarts).", min: 0, max: 3_600_000, default: 200, unit: "ms" })),
});

export const schema = s.object(
  "An order service stores orders and must tell the shipping service about each one through a broker. Compare writing the database and " +
    "publishing separately (dual write) with the transactional outbox and a relay, under crashes and a lossy network.",
  {
    design: s.knob(s.enum({ doc: "How the order service gets its event out.", values: DESIGNS, default: "outbox-dedup" })),
    orders: s.field(s.integer({ doc: "Orders placed, one every orderGapMs from t=0.", min: 1, max: 50, default: 3 })),
    orderGapMs: s.field(s.integer({ doc: "Gap between orders.", min: 0, max: 60_000, default: 50, unit: "ms" })),
    pollMs: s.field(s.integer({ doc: "Outbox: how often the relay looks for unsent rows.", min: 1, max: 60_000, default: 30, unit: "ms" })),
    timeoutMs: s.field(
      s.integer({
        doc: "How long a publisher waits for the broker's acknowledgement, and the broker for the consumer's, before sending again (backing off, doubling).",
        min: 1,
        max: 60_000,
        default: 100,
        unit: "ms",
      }),
    ),
    faults: s.field(s.array({ doc: "Scripted crashes.", default: [], maxItems: 10, items: fault })),
    random: s.field(
      s.object("Crashes drawn from the seed: at each of the points above, the service crashes with this probability.", {
        crash: s.field(s.number({ doc: "Probability of a crash at each crash point.", min: 0, max: 1, default: 0 })),
        downMs: s.field(s.integer({ doc: "How long a randomly crashed service stays down.", min: 1, max: 600_000, default: 200, unit: "ms" })),
      }),
    ),
    network: s.field(networkSchema),
    explore: s.field(
      exploreSeeded(
        "Instead of one run, many: this many seeds drawn from the cell's seed, or these seeds; " +
          "the outcomes are counted per design (faults come from `random`).",
        20_000,
      ),
    ),
    compare: s.field(
      s.array({ doc: "Explore: designs run on the same seeds.", default: [], maxItems: 4, items: s.enum({ doc: "A design.", values: DESIGNS }) }),
    ),
    untilMs: s.field(untilMsSchema(10_000)),
  },
);

export type Options = Infer<typeof schema>;

export const examples: readonly Example[] = [
  {
    name: "dual write, crash in between",
    description: "The order is stored, the event is lost.",
    body: "design: dual-write\norders: 1\nfaults:\n  - service: order\n    after: commit\n",
  },
  {
    name: "outbox, relay crash",
    description: "The relay publishes, crashes before marking the row, and publishes again.",
    body: "design: outbox\norders: 1\nfaults:\n  - service: relay\n    after: publish\n",
  },
  {
    name: "compare designs",
    description: "1,000 seeds with random crashes.",
    body: "explore: 1000\ncompare: [dual-write, publish-first, outbox, outbox-dedup]\nrandom:\n  crash: 0.1\n",
  },
];

/** One run's options: the cell without exploration, its scripted crashes keyed by where they strike. */
export interface Setup extends Omit<Options, "faults" | "explore" | "compare"> {
  /** `service:point:order` → how long the service stays down (undefined: it never restarts). */
  readonly crashes: ReadonlyMap<string, number | undefined>;
}

export interface Resolved {
  readonly run: Setup;
  /** With `explore:`: the seeds (a count drawn from the cell's seed, or a list) and the designs run on each. */
  readonly explore?: { readonly cases: number | readonly number[]; readonly designs: readonly Design<Setup>[] };
}

export const crashKey = (service: string, point: Point, order: number): string => `${service}:${point}:${order}`;

/** Where each service can crash. */
const CRASH_POINTS: Readonly<Record<(typeof SERVICES)[number]["value"], readonly Point[]>> = {
  order: ["commit", "publish"],
  relay: ["publish"],
  shipping: ["consume"],
};

export function resolve(o: Options, ctx: ResolveContext): Resolved {
  const crashes = new Map<string, number | undefined>();
  o.faults.forEach((f, i) => {
    const placed = `${count(o.orders, "order")} ${o.orders > 1 ? "are" : "is"} placed`;
    if (f.order > o.orders) ctx.fail(["faults", i, "order"], `The crash names order ${f.order}, but only ${placed}.`);
    if (!CRASH_POINTS[f.service].includes(f.after)) {
      const where = "the order service crashes after commit or publish, the relay after publish, shipping after consume";
      ctx.fail(["faults", i, "after"], `${f.service} has no crash point "${f.after}": ${where}.`);
    }
    crashes.set(crashKey(f.service, f.after, f.order), f.downMs === 0 ? undefined : f.downMs);
  });
  const { faults: _faults, explore, compare, ...rest } = o;
  const run: Setup = { ...rest, crashes };
  if (explore === undefined) return { run };
  const designs = compare.length
    ? [...new Set(compare)].map((d) => ({ name: d as string, options: { ...run, design: d }, keys: { design: d } }))
    : [{ name: run.design as string, options: run }];
  return { run, explore: { cases: explore, designs } };
}
