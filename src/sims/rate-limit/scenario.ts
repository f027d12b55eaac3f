// Options of the rate-limiting simulator: one or several limiter algorithms, the traffic each key
// sends, and the limit. One schema gives the options type, validation, completions, hovers and
// docs/scenarios/rate-limit.md.
import { s, type Infer } from "../../scenario/schema";
import type { Example, ResolveContext } from "../types";

export const ALGORITHMS = [
  { value: "fixed-window", doc: "Count requests per window of windowMs aligned on the clock; reset at each boundary." },
  { value: "sliding-log", doc: "Keep the time of every admitted request; admit when fewer than limit fall in the last windowMs." },
  {
    value: "sliding-window",
    doc: "Fixed-window counters, with the previous window's count weighted by how much of it still overlaps the sliding window.",
  },
  { value: "token-bucket", doc: "A bucket of capacity tokens refilled at limit per windowMs; each request takes one token or is rejected." },
  { value: "leaky-bucket", doc: "A meter: a level that drains at limit per windowMs; a request adds one unless that overflows the capacity." },
  { value: "leaky-queue", doc: "A queue of capacity requests served one every windowMs / limit: requests wait instead of passing at once." },
  { value: "gcra", doc: "Generic cell rate algorithm: one theoretical arrival time per key instead of a token count." },
  { value: "nginx", doc: "nginx's limit_req: excess in thousandths of a request, millisecond clock, burst, nodelay and delay." },
  {
    value: "haproxy",
    doc: "HAProxy's stick-table http_req_rate(windowMs) with deny above limit: the current period's count plus the previous one's, weighted; denied requests count too.",
  },
] as const;

export type Algorithm = (typeof ALGORITHMS)[number]["value"];

const algorithm = s.enum({ doc: "The limiter algorithm.", values: ALGORITHMS, default: "fixed-window" });

export const PATTERNS = [
  { value: "steady", doc: "ratePerSecond requests a second, evenly spaced, from startMs to durationMs." },
  { value: "burst", doc: "count requests all at startMs." },
  { value: "boundary-burst", doc: "count requests: half just before the window boundary after startMs, half right on it." },
  { value: "clients", doc: "clients clients behind the one key, each sending ratePerSecond with a random offset." },
  { value: "trickle", doc: "ratePerSecond requests a second with random gaps (0.5 to 1.5 of the mean)." },
  { value: "explicit", doc: "Exactly the times in arrivalsMs." },
] as const;

export type Pattern = (typeof PATTERNS)[number]["value"];

const key = s.object("One key (a user, an IP address, an API key) and the traffic it sends.", {
  name: s.field(s.string({ doc: "The key's name.", minLength: 1, maxLength: 40, default: "user" })),
  traffic: s.field(s.enum({ doc: "The shape of the key's traffic.", values: PATTERNS, default: "steady" })),
  ratePerSecond: s.field(s.number({ doc: "Requests a second (steady, clients, trickle).", min: 0.01, max: 1000, default: 20, unit: "req/s" })),
  count: s.field(s.integer({ doc: "Requests in a burst (burst, boundary-burst).", min: 1, max: 1000, default: 20 })),
  clients: s.field(s.integer({ doc: "Clients behind the key (clients).", min: 1, max: 100, default: 5 })),
  startMs: s.field(s.integer({ doc: "When the traffic starts.", min: 0, max: 3_600_000, default: 0, unit: "ms" })),
  arrivalsMs: s.field(
    s.array({
      doc: "Explicit arrival times; setting them makes the traffic explicit.",
      items: s.integer({ doc: "An arrival time.", min: 0, max: 3_600_000, unit: "ms" }),
      maxItems: 2000,
    }),
  ),
});

export const MODES = [
  { value: "local", doc: "Each gateway node runs the algorithm with the whole limit, on its own: up to nodes × limit pass." },
  {
    value: "central-racy",
    doc: "A central counter (Redis): GET, compare, then INCR and, on a new key, EXPIRE, each a round trip. Concurrent requests read the same count, and a node that dies between INCR and EXPIRE leaves a key that never expires.",
  },
  { value: "central-atomic", doc: "The same counter in one atomic step (a Lua script doing INCR and PEXPIRE): exactly the limit per window." },
  { value: "sync", doc: "Local fixed-window counters, added up every syncMs: each node knows the others' counts as of the last sync." },
] as const;

export type Mode = (typeof MODES)[number]["value"];

const mode = s.enum({ doc: "How the gateway nodes share the limit.", values: MODES, default: "local" });

const distributed = s.object("Several gateway nodes in front of the service; requests go to them in turn.", {
  nodes: s.field(s.integer({ doc: "Gateway nodes (1: no distribution, the algorithms run as one limiter).", min: 1, max: 20, default: 1 })),
  mode: s.field(mode),
  compare: s.field(s.array({ doc: "Modes to run on the same arrivals, side by side; defaults to mode alone.", items: mode, maxItems: 4, default: [] })),
  latencyMs: s.field(s.integer({ doc: "One round trip between a node and the central counter.", min: 0, max: 10_000, default: 10, unit: "ms" })),
  syncMs: s.field(s.integer({ doc: "sync: how often nodes exchange their counts.", min: 1, max: 600_000, default: 500, unit: "ms" })),
  crashAtMs: s.field(
    s.integer({
      doc: "central-racy: the first node to create the key at or after this time dies between INCR and EXPIRE.",
      min: 0,
      max: 3_600_000,
      unit: "ms",
    }),
  ),
});

export type DistributedOptions = Infer<typeof distributed>;

export const schema = s.object(
  "Requests from one or more keys meet a rate limiter. Each key has a limiter of its own (or, with `shared`, all keys share one).",
  {
    algorithm: s.knob(algorithm),
    compare: s.field(
      s.array({
        doc: "Algorithms to run on the same arrivals, side by side; defaults to algorithm alone.",
        items: algorithm,
        maxItems: ALGORITHMS.length,
        default: [],
      }),
    ),
    limit: s.knob(s.integer({ doc: "Requests allowed per window (the rate is limit per windowMs).", min: 1, max: 10_000, default: 10 })),
    windowMs: s.field(s.integer({ doc: "The window length; the rate is limit per windowMs.", min: 1, max: 3_600_000, default: 1000, unit: "ms" })),
    burst: s.knob(
      s.integer({
        doc: "Buckets and GCRA: the capacity (0: the limit). nginx: the requests in excess of the rate it holds (its burst=).",
        min: 0,
        max: 10_000,
        default: 0,
      }),
    ),
    nodelay: s.knob(
      s.boolean({ doc: "nginx: pass requests within the burst at once instead of delaying them.", default: false }),
      (o) => o.algorithm === "nginx",
    ),
    delay: s.field(s.integer({ doc: "nginx: the first this many excess requests pass undelayed (its delay=).", min: 0, max: 10_000 })),
    shared: s.field(s.boolean({ doc: "One limiter for all keys instead of one per key.", default: false })),
    durationMs: s.field(s.integer({ doc: "How long steady traffic runs.", min: 1, max: 600_000, default: 3000, unit: "ms" })),
    distributed: s.field(distributed),
    keys: s.field(s.array({ doc: "The keys and their traffic (default: one steady key).", items: key, maxItems: 10, default: [] })),
  },
);

export type Options = Infer<typeof schema>;
export type KeyOptions = Infer<typeof key>;

export interface Resolved extends Omit<Options, "compare" | "keys" | "burst"> {
  readonly algorithms: readonly Algorithm[];
  /** With more than one node: the distributed modes to run instead of the algorithms. */
  readonly modes: readonly Mode[];
  readonly keys: readonly KeyOptions[];
  /** nginx's burst as written. */
  readonly burst: number;
  /** Bucket and GCRA capacity: burst, or the limit when burst is 0. */
  readonly capacity: number;
}

export function resolve(options: Options, ctx: ResolveContext): Resolved {
  const { compare, keys, ...rest } = options;
  const given = keys.length > 0 ? keys : [{ name: "user", traffic: "steady" as const, ratePerSecond: 20, count: 20, clients: 5, startMs: 0 }];
  const seen = new Set<string>();
  given.forEach((k, i) => {
    if (seen.has(k.name)) ctx.fail(["keys", i, "name"], `Two keys are named "${k.name}".`);
    seen.add(k.name);
    if (k.traffic === "explicit" && !k.arrivalsMs) ctx.fail(["keys", i, "traffic"], "Explicit traffic needs arrivalsMs.");
  });
  return {
    ...rest,
    algorithms: compare.length > 0 ? [...new Set(compare)] : [rest.algorithm],
    modes: rest.distributed.nodes > 1 ? [...new Set(rest.distributed.compare.length > 0 ? rest.distributed.compare : [rest.distributed.mode])] : [],
    keys: given.map((k) => (k.arrivalsMs ? { ...k, traffic: "explicit" as const } : k)),
    capacity: rest.burst > 0 ? rest.burst : rest.limit,
  };
}

export const examples: readonly Example[] = [
  {
    name: "the boundary burst",
    description: "A fixed window admits twice the limit across a boundary.",
    body: "algorithm: fixed-window\nlimit: 10\nkeys:\n  - name: user\n    traffic: boundary-burst\n    count: 20\n    startMs: 0\n",
  },
  {
    name: "compare algorithms",
    description: "Every algorithm on the same bursty arrivals.",
    body:
      "compare: [fixed-window, sliding-log, sliding-window, token-bucket, leaky-bucket, leaky-queue, gcra, nginx]\nlimit: 5\nburst: 5\n" +
      "keys:\n  - name: user\n    traffic: boundary-burst\n    count: 12\n",
  },
  {
    name: "nginx burst and nodelay",
    description: "limit_req rate=5r/s burst=5 nodelay against a burst of 12.",
    body: "algorithm: nginx\nlimit: 5\nburst: 5\nnodelay: true\nkeys:\n  - name: user\n    traffic: burst\n    count: 12\n",
  },
  {
    name: "distributed limiting",
    description: "Three gateway nodes: local limiters, a racy and an atomic central counter, synchronised counts.",
    body: "limit: 10\ndistributed:\n  nodes: 3\n  compare: [local, central-racy, central-atomic, sync]\n  latencyMs: 20\nkeys:\n  - name: user\n    traffic: steady\n    ratePerSecond: 40\n",
  },
];
