// Options of the cache-aside race simulator: one schema gives the options type, validation,
// completions, hovers and docs/scenarios/cache-aside.md. A cell either follows explicit `steps` (one
// run) or explores many random interleavings (`explore:`, the shared key for many runs).
import { s, type Infer } from "../../scenario/schema";
import { exploreSeeded } from "../../scenario/explore";
import type { Example, ResolveContext } from "../types";

export const STRATEGIES = [
  {
    value: "update-then-delete",
    doc:
      "Plain cache-aside: the writer updates the database, then deletes the cached key. A reader that loaded the old value before the update can " +
      "put it back after the delete.",
  },
  {
    value: "delete-then-update",
    doc: "The writer deletes the key first, then updates the database. A reader that misses between the two loads the old value and caches it.",
  },
  {
    value: "delayed-double-delete",
    doc: "Update, delete, then delete again after doubleDeleteDelayMs. Removes a stale value put back inside the delay, not one put back later.",
  },
  {
    value: "lease",
    doc:
      "Leases as in Facebook's memcache: a miss hands the reader a lease token, a delete invalidates the key's outstanding tokens, and a set with " +
      "an invalidated token is refused.",
  },
  {
    value: "versioned-cas",
    doc:
      "Rows carry a version. Cache writes are compare-and-set on it: a value is stored only if the cache holds nothing or an older version. The " +
      "writer stores the new version instead of deleting.",
  },
] as const;

export type Strategy = (typeof STRATEGIES)[number]["value"];

const strategy = s.enum({ doc: "How the writer keeps the cache in step with the database.", values: STRATEGIES, default: "update-then-delete" });

export const ACTORS = ["reader", "writer"] as const;
export type Actor = (typeof ACTORS)[number];

const actor = s.enum({
  doc: "The actor taking its next step.",
  values: [
    { value: "reader", doc: "Reads the key: get from the cache; on a miss, load from the database and set the cache." },
    { value: "writer", doc: "Writes a new value under the chosen strategy." },
  ],
});

/** How many random interleavings a cell without `steps` explores when it does not say. */
export const DEFAULT_EXPLORE = 500;

export const schema = s.object(
  "A reader and a writer share one cached key under cache-aside. With `steps` the run follows that exact interleaving; " +
    "without it, `explore` random interleavings are drawn from the seed.",
  {
    strategy: s.knob(strategy),
    steps: s.field(
      s.array({
        doc: "Explicit interleaving: which actor takes its next step, in order. Steps left over when the list ends run afterwards, the reader's first.",
        items: actor,
        maxItems: 200,
      }),
    ),
    reads: s.knob(s.integer({ doc: "How many times the reader reads the key, one after the other.", min: 1, max: 20, default: 1 })),
    ttlMs: s.field(s.integer({ doc: "Time a cached value lives before it expires.", min: 1, max: 86_400_000, default: 60_000, unit: "ms" })),
    doubleDeleteDelayMs: s.field(s.integer({ doc: "Delay before the second delete of delayed-double-delete.", min: 0, max: 60_000, default: 50, unit: "ms" })),
    explore: s.field(
      exploreSeeded(`Random interleavings to draw when no steps are given (${DEFAULT_EXPLORE} when left out): a count, or a list of seeds.`, 100_000),
    ),
    compare: s.field(
      s.array({
        doc: "Strategies to run on the same random interleavings (random mode); defaults to strategy alone.",
        items: strategy,
        maxItems: 5,
        default: [],
      }),
    ),
    cacheLatencyMsMax: s.field(
      s.integer({
        doc: "Random mode: a cache operation takes 1 to this many milliseconds.",
        min: 1,
        max: 10_000,
        default: 5,
        unit: "ms",
      }),
    ),
    dbLatencyMsMax: s.field(
      s.integer({
        doc: "Random mode: a database operation takes 1 to this many milliseconds.",
        min: 1,
        max: 10_000,
        default: 40,
        unit: "ms",
      }),
    ),
    startJitterMs: s.field(
      s.integer({
        doc: "Random mode: each actor starts at a random time between 0 and this.",
        min: 0,
        max: 60_000,
        default: 60,
        unit: "ms",
      }),
    ),
    readGapMsMax: s.field(s.integer({ doc: "Random mode: pause between the reader's reads, up to this long.", min: 0, max: 60_000, default: 100, unit: "ms" })),
  },
  { runs: { to: "explore" } },
);

export type Options = Infer<typeof schema>;

/** What the model runs on: either one explicit interleaving, or an exploration of the strategies. */
export interface Resolved extends Omit<Options, "steps" | "explore" | "compare"> {
  /** The explicit interleaving (absent: explore random ones). */
  readonly steps?: readonly Actor[];
  /** The random interleavings to explore: a count drawn from the cell's seed, or given seeds. */
  readonly explore: number | readonly number[];
  /** The strategies an exploration runs on the same interleavings: `compare` without repeats, or `strategy`. */
  readonly strategies: readonly Strategy[];
}

/**
 * Nothing here can disagree (a step list that asks an actor to move after it is done is found by
 * the model, which has to play the steps to know). Steps win over `explore`, as they always have.
 */
export function resolve(options: Options, _ctx: ResolveContext): Resolved {
  const { steps, explore, compare, ...rest } = options;
  return {
    ...rest,
    ...(steps && steps.length > 0 ? { steps } : {}),
    explore: explore ?? DEFAULT_EXPLORE,
    strategies: compare.length > 0 ? [...new Set(compare)] : [rest.strategy],
  };
}

export const examples: readonly Example[] = [
  {
    name: "the classic race",
    description: "Reader misses and loads, writer updates and deletes, reader caches the old value.",
    body: "strategy: update-then-delete\nsteps: [reader, reader, writer, writer, reader]\n",
  },
  {
    name: "leases close the race",
    description: "The same interleaving with memcache-style leases.",
    body: "strategy: lease\nsteps: [reader, reader, writer, writer, reader]\n",
  },
  {
    name: "compare strategies",
    description: "Random interleavings for every strategy, charted.",
    body: "explore: 500\ncompare: [update-then-delete, delete-then-update, delayed-double-delete, lease, versioned-cas]\nreads: 3\n",
  },
];
