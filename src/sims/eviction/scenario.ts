// Options of the eviction lab: one schema for validation, completions, hovers and docs, the examples
// a new cell starts from, and resolve, which checks what the options mean before anything runs.
import { s, type Infer } from "../../scenario/schema";
import type { Example, ResolveContext } from "../types";

export const POLICIES = [
  { value: "lru", doc: "Least recently used: a hit moves the object to the head; the tail leaves." },
  { value: "fifo", doc: "First in, first out: hits change nothing; the oldest insertion leaves." },
  {
    value: "lfu",
    doc:
      "Least frequently used, counting hits while cached (from 1 at insertion); ties go to the object that reached the lowest count first. " +
      "Counts are forgotten on eviction.",
  },
  {
    value: "clock",
    doc: "CLOCK (FIFO with reinsertion, one reference bit): a hit sets the bit; the hand gives objects with the bit set a second chance.",
  },
  {
    value: "arc",
    doc: "Adaptive Replacement Cache: recency list T1 and frequency list T2 with ghost lists B1 and B2 that steer the split between them.",
  },
  {
    value: "2q",
    doc: "2Q: new objects enter a FIFO (25% of the cache); an id remembered after leaving it (ghost FIFO, 50%) enters the main LRU when requested again.",
  },
  {
    value: "s3-fifo",
    doc: "S3-FIFO: a small FIFO (10%), a main FIFO with reinsertion (90%) and a ghost queue; one-hit wonders leave from the small queue quickly.",
  },
  { value: "sieve", doc: "SIEVE: a FIFO with a visited bit and a hand that evicts the first unvisited object in place; survivors never move." },
  {
    value: "w-tinylfu",
    doc:
      "W-TinyLFU: a 1% LRU window before a segmented LRU, with a frequency sketch deciding whether a window victim may displace main's victim. " +
      "Needs a capacity of at least 100 objects (the window is 1% of it).",
  },
  {
    value: "redis-lru",
    doc: "Redis allkeys-lru: evict the longest-idle key among maxmemory-samples random keys, merged into a pool of 16 candidates.",
  },
  { value: "redis-lfu", doc: "Redis allkeys-lfu: the same sampling, scored by a logarithmic access counter that decays over time." },
] as const;

const policy = s.enum({ doc: "An eviction policy.", values: POLICIES, default: "lru" });

export const WORKLOADS = [
  { value: "zipf", doc: "Zipf(zipfAlpha) popularity over `objects` objects: object 0 is the most popular." },
  { value: "uniform", doc: "Every object equally likely." },
  {
    value: "scan",
    doc: "A Zipf hot set, with a scan of `scanLength` objects never seen before starting every `scanEvery` requests (a backup, a batch job, a crawler).",
  },
  { value: "shifting", doc: "Zipf popularity whose hot set moves `shifts` times over the run to objects that were cold." },
  {
    value: "loop",
    doc: "Objects 0, 1, …, objects-1 requested in order, over and over: a loop a little larger than the cache defeats LRU and FIFO completely.",
  },
  {
    value: "trace",
    doc: "Requests read from the CSV file named in `trace`, next to the notebook, streamed so a long trace never sits in memory.",
  },
] as const;

const CAPACITIES = [
  { value: "objects", doc: "Objects: every object takes one slot, whatever its size." },
  { value: "bytes", doc: "Bytes: objects take their size (objectSize for generated workloads, the size column of a trace)." },
] as const;

const trace = s.object("workload: trace — a CSV file next to the notebook, one request per line (the format libCacheSim's csv reader takes).", {
  file: s.required(s.string({ doc: "Path of the CSV file, relative to the notebook's folder.", minLength: 1, maxLength: 400 })),
  idColumn: s.field(
    s.integer({
      doc: "Column of the object id (1 is the first). Numeric ids keep their value; others are names.",
      min: 1,
      max: 100,
      default: 1,
    }),
  ),
  sizeColumn: s.field(
    s.integer({
      doc: "Column of the object size in bytes; 0 when the trace has none (every object counts 1).",
      min: 0,
      max: 100,
      default: 0,
    }),
  ),
  header: s.field(s.boolean({ doc: "The first line names the columns and is skipped.", default: false })),
  delimiter: s.field(s.string({ doc: "The character between columns.", minLength: 1, maxLength: 1, default: "," })),
  limit: s.field(s.integer({ doc: "Stop after this many requests (0: the whole file).", min: 0, max: 1_000_000_000, default: 0 })),
});

const objectSize = s.object("Generated workloads: each object's size in bytes, fixed per object and log-uniform between min and max.", {
  min: s.field(s.integer({ doc: "Smallest object.", min: 1, max: 1_000_000_000, default: 100, unit: "bytes" })),
  max: s.field(s.integer({ doc: "Largest object.", min: 1, max: 1_000_000_000, default: 100, unit: "bytes" })),
});

export const schema = s.object("Replay one request stream through one or more eviction policies at one or more cache sizes, and compare hit and miss ratios.", {
  // Knobs: a cell that compares policies or sizes says so in compare and cacheSizes, which win.
  policy: s.knob(policy, (o) => (o.compare as readonly unknown[]).length === 0),
  compare: s.field(s.array({ doc: "Policies to run side by side on the same requests (defaults to policy alone).", items: policy, maxItems: 11, default: [] })),
  cacheSize: s.knob(
    s.integer({ doc: "Capacity of the cache, in objects (or bytes with `capacity: bytes`).", min: 1, max: 1_000_000_000_000, default: 1000 }),
    (o) => (o.cacheSizes as readonly unknown[]).length === 0,
  ),
  cacheSizes: s.field(
    s.array({
      doc: "Several capacities: each policy runs at each, and a miss-ratio curve is drawn (replaces cacheSize).",
      items: s.integer({ doc: "A capacity.", min: 1, max: 1_000_000_000_000 }),
      maxItems: 16,
      default: [],
    }),
  ),
  capacity: s.field(s.enum({ doc: "What the cache size counts.", values: CAPACITIES, default: "objects" })),
  // A trace needs its file: only a cell that names one offers it.
  workload: s.knob(
    s.enum({ doc: "Where the requests come from.", values: WORKLOADS, default: "zipf" }),
    (o) => o.trace !== undefined || WORKLOADS.filter((w) => w.value !== "trace").map((w) => w.value),
  ),
  objects: s.field(s.integer({ doc: "Generated workloads: how many distinct objects (the hot set for scan).", min: 1, max: 10_000_000, default: 10_000 })),
  requests: s.field(s.integer({ doc: "Generated workloads: how many requests.", min: 1, max: 20_000_000, default: 100_000 })),
  zipfAlpha: s.knob(
    s.number({ doc: "Skew of Zipf popularity (0 is uniform; around 1 is typical of web and key-value traffic).", min: 0, max: 3, default: 1 }),
    (o) => o.workload === "zipf" || o.workload === "scan" || o.workload === "shifting",
  ),
  scanLength: s.field(s.integer({ doc: "scan: objects in each scan.", min: 1, max: 10_000_000, default: 2000 })),
  scanEvery: s.field(s.integer({ doc: "scan: a new scan starts every this many requests.", min: 1, max: 20_000_000, default: 20_000 })),
  shifts: s.field(s.integer({ doc: "shifting: how many times the hot set moves during the run.", min: 1, max: 1000, default: 4 })),
  objectSize: s.field(objectSize),
  trace: s.field(trace),
  samples: s.field(s.integer({ doc: "Redis policies: keys sampled per eviction (maxmemory-samples).", min: 1, max: 64, default: 5 })),
  lfuLogFactor: s.field(
    s.integer({
      doc: "redis-lfu: lfu-log-factor; higher values make the counter climb more slowly.",
      min: 0,
      max: 1_000_000,
      default: 10,
    }),
  ),
  lfuDecayTime: s.field(
    s.integer({
      doc: "redis-lfu: lfu-decay-time, minutes per decrement of an idle key's counter (0: never).",
      min: 0,
      max: 1_000_000,
      default: 1,
      unit: "minutes",
    }),
  ),
  requestsPerSecond: s.field(
    s.integer({
      doc: "Redis policies: request rate, which turns request numbers into Redis's clock.",
      min: 1,
      max: 100_000_000,
      default: 1000,
    }),
  ),
  diagramRequests: s.field(
    s.integer({
      doc: "Requests drawn in the sequence diagram (client, cache, database) of the first policy; 0 for none.",
      min: 0,
      max: 60,
      default: 12,
    }),
  ),
  timeline: s.field(s.integer({ doc: "Points on the hit-ratio-over-time chart.", min: 2, max: 500, default: 50 })),
});

export type Options = Infer<typeof schema>;
export type PolicyName = (typeof POLICIES)[number]["value"];

export const examples: readonly Example[] = [
  {
    name: "compare policies on Zipf",
    description: "Eight policies on the same Zipf(1) requests.",
    body: "workload: zipf\nobjects: 10000\nrequests: 100000\ncacheSize: 500\ncompare: [lru, fifo, clock, sieve, s3-fifo, arc, 2q, w-tinylfu]\n",
  },
  {
    name: "miss-ratio curve",
    description: "Miss ratio against cache size for several policies.",
    body:
      "workload: zipf\nobjects: 20000\nrequests: 200000\ncacheSizes: [20, 60, 200, 600, 2000, 6000]\n" +
      "compare: [lru, fifo, sieve, s3-fifo, arc, w-tinylfu]\n",
  },
  {
    name: "scans through a hot set",
    description: "A scan flushes LRU; scan-resistant policies keep the hot set.",
    body: "workload: scan\nobjects: 2000\nrequests: 200000\nscanLength: 5000\nscanEvery: 20000\ncacheSize: 1000\ncompare: [lru, s3-fifo, arc, 2q]\n",
  },
  {
    name: "replay a CSV trace",
    description: "Stream requests from a CSV file next to the notebook.",
    body: "workload: trace\ntrace:\n  file: requests.csv\n  idColumn: 1\n  sizeColumn: 0\ncacheSizes: [100, 1000, 10000]\ncompare: [lru, sieve, s3-fifo]\n",
  },
];

/** What the model runs on: the options, with the policies, sizes and object sizes spelled out. */
export interface Resolved extends Options {
  /** The policies to run, each once, in the order written (`compare`, else `policy`). */
  readonly policies: readonly PolicyName[];
  /** The capacities to run, each once, smallest first (`cacheSizes`, else `cacheSize`). */
  readonly sizes: readonly number[];
  /** Generated workloads: the smallest and largest object, in bytes. */
  readonly objectSizes: { readonly min: number; readonly max: number };
}

/** Every check on what the options mean: a trace workload names its file, object sizes are a range. */
export function resolve(options: Options, ctx: ResolveContext): Resolved {
  if (options.workload === "trace" && !options.trace) {
    ctx.fail(["workload"], "workload: trace needs a `trace:` block naming the CSV file (trace: { file: requests.csv }).");
  }
  const objectSizes = { min: options.objectSize?.min ?? 100, max: options.objectSize?.max ?? 100 };
  if (options.workload !== "trace" && objectSizes.min > objectSizes.max) {
    ctx.fail(["objectSize", "min"], `objectSize: min (${objectSizes.min}) is larger than max (${objectSizes.max}).`);
  }
  return {
    ...options,
    policies: options.compare.length > 0 ? [...new Set(options.compare)] : [options.policy],
    sizes: options.cacheSizes.length > 0 ? [...new Set(options.cacheSizes)].sort((a, b) => a - b) : [options.cacheSize],
    objectSizes,
  };
}
