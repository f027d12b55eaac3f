// Options of the caching patterns and failure modes simulator: one schema gives the options type,
// validation, completions, hovers and docs/scenarios/cache-patterns.md. Most numeric keys have a
// default that depends on the scenario (a stampede wants one hot key and a short TTL, an avalanche
// a thousand keys), so they are optional here and filled in by resolve, which also refuses keys
// that do not apply to the scenario.
import { s, type Infer } from "../../scenario/schema";
import type { Example, ResolveContext } from "../types";

export const SCENARIOS = [
  {
    value: "write-back",
    doc:
      "Writes go to the cache and are acknowledged at once; the cache flushes dirty entries to the database every flushIntervalMs (or on `flush`). " +
      "A `crash` before the flush loses every write acknowledged since the last one.",
  },
  {
    value: "write-through",
    doc: "Writes go to the cache, which writes the database before acknowledging. Slower writes, nothing lost when the cache node dies.",
  },
  {
    value: "write-around",
    doc:
      "Writes go straight to the database and skip the cache. With invalidateOnWrite the cached copy is deleted, so the next read misses; without " +
      "it the cache keeps serving the old value until its TTL.",
  },
  {
    value: "read-through",
    doc:
      "The cache loads a missing key from the database itself, so the application only talks to the cache. Writes (if any) go to the database only " +
      "and leave the cached copy alone.",
  },
  {
    value: "refresh-ahead",
    doc:
      "Read-through with refresh-ahead: a read after refreshAheadFactor x TTL returns the cached value and reloads it in the background, so a key " +
      "read often never expires.",
  },
  {
    value: "stampede",
    doc: "Many clients read one hot key (or a few); when it expires they all miss at once and all query the database (thundering herd, dog-pile).",
  },
  { value: "penetration", doc: "Some requests ask for ids that do not exist. Nothing is ever cached for them, so each one goes through to the database." },
  { value: "avalanche", doc: "Many keys loaded at the same time with the same TTL expire together, and their reloads arrive at the database at once." },
] as const;

export type Scenario = (typeof SCENARIOS)[number]["value"];

/** Scenarios that follow one client's `ops` step by step. */
export const PATTERN_SCENARIOS: readonly Scenario[] = ["write-back", "write-through", "write-around", "read-through", "refresh-ahead"];
/** Scenarios that draw many clients' requests from the seed and compare strategies on them. */
export const LOAD_SCENARIOS: readonly Scenario[] = ["stampede", "penetration", "avalanche"];

export const STRATEGIES = [
  { value: "none", doc: "No protection: every miss queries the database." },
  {
    value: "single-flight",
    doc:
      "Request coalescing inside each application server: concurrent misses for the same key in one process share one database query. Servers do " +
      "not coordinate, so up to `servers` queries per expiry.",
  },
  {
    value: "lock",
    doc:
      "A distributed lock per key (SET lock NX PX lockTtlMs): the client that gets it queries the database and refills the cache; the others sleep " +
      "retryMs and read the cache again.",
  },
  {
    value: "lock-stale",
    doc: "The lock, but entries outlive their TTL by one more TTL as stale copies: while one client refreshes, the others are served the stale value at once.",
  },
  {
    value: "xfetch",
    doc:
      "Probabilistic early recomputation (XFetch, Vattani, Chierichetti and Lowenstein, VLDB 2015): a hit recomputes early when now - delta x beta " +
      "x ln(rand()) >= expiry, delta being how long the last recomputation took.",
  },
  { value: "jitter", doc: "TTL jitter: every TTL is stretched by a random factor between 1 and 1 + ttlJitter, so keys set together expire apart." },
  {
    value: "staggered-warmup",
    doc:
      "The initial load is spread evenly over warmupMs instead of happening at one instant, so the first expiries are spread too (later TTLs are " +
      "not jittered).",
  },
  { value: "refresh-ahead", doc: "A hit after refreshAheadFactor x TTL reloads the key in the background while the old value keeps being served." },
  {
    value: "negative-cache",
    doc:
      "Cache the database's 'not found' for negativeTtlMs, so a missing id reaches the database once per negative TTL (plus any requests that " +
      "arrive while that lookup is in flight).",
  },
  {
    value: "bloom-filter",
    doc:
      "A Bloom filter over every existing id sits in front of the cache: a definite 'no' is answered at once; only ids it might contain (including " +
      "its false positives) go on to the cache and database.",
  },
] as const;

export type Strategy = (typeof STRATEGIES)[number]["value"];

const strategy = s.enum({ doc: "Protection against the failure mode (stampede, penetration and avalanche scenarios).", values: STRATEGIES, default: "none" });

/** One operation of an explicit run: `read a`, `write a 3`, `flush`, `crash` or `wait 500`. */
export type Op =
  | { readonly op: "read"; readonly key: string }
  | { readonly op: "write"; readonly key: string; readonly value: string }
  | { readonly op: "flush" }
  | { readonly op: "crash" }
  | { readonly op: "wait"; readonly ms: number };

const NAME = "[A-Za-z0-9_-]{1,16}";
const OP_PATTERNS: [RegExp, (m: RegExpMatchArray) => Op][] = [
  [new RegExp(`^read (${NAME})$`), (m) => ({ op: "read", key: m[1]! })],
  [new RegExp(`^write (${NAME}) (${NAME})$`), (m) => ({ op: "write", key: m[1]!, value: m[2]! })],
  [/^flush$/, () => ({ op: "flush" })],
  [/^crash$/, () => ({ op: "crash" })],
  [/^wait ([0-9]{1,8})$/, (m) => ({ op: "wait", ms: Number(m[1]) })],
];

const OP_HELP = "Write `read KEY`, `write KEY VALUE`, `flush`, `crash` or `wait MS` (keys and values: 1 to 16 letters, digits, - or _).";

/** Parse one operation, or say what is wrong with it. */
export function parseOp(text: string): Op | string {
  const t = text.trim().replace(/\s+/g, " ");
  for (const [re, make] of OP_PATTERNS) {
    const m = t.match(re);
    if (m) return make(m);
  }
  return `"${text.length > 40 ? text.slice(0, 40) + "…" : text}" is not an operation. ${OP_HELP}`;
}

const SCHEMA_DOC =
  "Caching patterns and their failure modes on a virtual clock. Write patterns (write-back, write-through, write-around, read-through, " +
  "refresh-ahead) follow the operations in `ops` one after another. Load scenarios (stampede, penetration, avalanche) draw Poisson request " +
  "arrivals from the seed and measure what reaches the database; `compare` runs several strategies on the same arrivals.";

const opItem = s.string({
  doc: "One operation: read KEY, write KEY VALUE, flush, crash or wait MS.",
  minLength: 1,
  maxLength: 60,
  check: (text) => {
    const r = parseOp(text);
    return typeof r === "string" ? { message: r, start: 0, end: text.length } : undefined;
  },
});

/** The strategies a load cell runs (its options, defaults applied): `compare`, else `strategy`. */
const strategiesOf = (o: Readonly<Record<string, unknown>>): readonly unknown[] =>
  (o.compare as readonly unknown[]).length ? (o.compare as readonly unknown[]) : [o.strategy];
const isLoad = (o: Readonly<Record<string, unknown>>) => LOAD_SCENARIOS.includes(o.scenario as Scenario);
/** A knob for a load cell that runs `s`. */
const runs = (s: Strategy) => (o: Readonly<Record<string, unknown>>) => isLoad(o) && strategiesOf(o).includes(s);

export const schema = s.object(SCHEMA_DOC, {
  // Knobs, each where it applies. A cell with ops stays a pattern and one with a strategy stays a
  // load scenario: the scenario knob offers only what the rest of the cell fits.
  scenario: {
    ...s.required(s.enum({ doc: "The pattern or failure mode to simulate.", values: SCENARIOS })),
    knob: (o: Readonly<Record<string, unknown>>) =>
      o.ops !== undefined ? PATTERN_SCENARIOS : o.strategy !== "none" || (o.compare as readonly unknown[]).length > 0 ? LOAD_SCENARIOS : true,
  },
  strategy: s.knob(strategy, (o) => isLoad(o) && (o.compare as readonly unknown[]).length === 0),
  compare: s.field(
    s.array({
      doc: "Load scenarios: strategies to run on the same request arrivals, drawn as one line each on the database-load chart (defaults to strategy alone).",
      items: strategy,
      maxItems: 10,
      default: [],
    }),
  ),
  ops: s.field(
    s.array({
      doc:
        `Write patterns: what one client does, in order. ${OP_HELP} ` +
        "Each cache call takes cacheLatencyMs and each database call dbLatencyMs. Without ops, a script that shows the pattern is used.",
      items: opItem,
      maxItems: 60,
    }),
  ),
  ttlMs: s.knob(
    s.integer({
      doc: "Time a cached value lives. Default 1000 for write patterns and stampede, 60000 for penetration, 5000 for avalanche.",
      min: 1,
      max: 86_400_000,
      unit: "ms",
    }),
  ),
  durationMs: s.field(
    s.integer({
      doc: "Load scenarios: how long clients send requests. Default 4000 (stampede), 10000 (penetration), 12000 (avalanche).",
      min: 100,
      max: 600_000,
      unit: "ms",
    }),
  ),
  rps: s.field(
    s.integer({
      doc: "Load scenarios: requests per second from all clients together (Poisson arrivals). Default 1000 (stampede, penetration), 2000 (avalanche).",
      min: 1,
      max: 50_000,
    }),
  ),
  keys: s.field(
    s.integer({
      doc:
        "Load scenarios: keys that exist and are requested uniformly. Default 1 hot key (stampede), 1000 (penetration, avalanche). All are cached " +
        "when the run starts.",
      min: 1,
      max: 100_000,
    }),
  ),
  absentKeys: s.field(
    s.integer({
      doc: "Penetration: how many different ids that do not exist are asked for (few: the same ids come back; many: every request is a new id).",
      min: 1,
      max: 1_000_000,
      default: 50,
    }),
  ),
  absentShare: s.field(s.number({ doc: "Penetration: share of requests that ask for an id that does not exist.", min: 0, max: 1, default: 0.5 })),
  servers: s.knob(
    s.integer({
      doc: "Load scenarios: application servers; requests go to them in turn. Single-flight coalesces within one server only.",
      min: 1,
      max: 64,
      default: 1,
    }),
    runs("single-flight"),
  ),
  cacheLatencyMs: s.field(s.number({ doc: "Round trip of one cache call.", min: 0, max: 1000, default: 1, unit: "ms" })),
  dbLatencyMs: s.field(
    s.number({
      doc: "Time the database takes to answer one query once it starts on it. Default 10 for write patterns, 50 for stampede and penetration, 20 for avalanche.",
      min: 0.1,
      max: 10_000,
      unit: "ms",
    }),
  ),
  dbCapacity: s.field(
    s.integer({
      doc:
        "Load scenarios: queries per second the database can serve. It works on round(dbCapacity x dbLatencyMs / 1000) queries at once and queues the " +
        "rest; the checker reports db-overload when a time bucket's load exceeds this. Default 200 (stampede), 500 (penetration), 1000 (avalanche).",
      min: 1,
      max: 10_000_000,
    }),
  ),
  bucketMs: s.field(
    s.integer({
      doc: "Load scenarios: width of the time buckets in which database load is counted.",
      min: 1,
      max: 60_000,
      default: 100,
      unit: "ms",
    }),
  ),
  herdLimit: s.field(
    s.integer({
      doc: "The checker reports a stampede when more than this many queries for one key are in flight together.",
      min: 1,
      max: 10_000,
      default: 5,
    }),
  ),
  penetrationLimit: s.field(
    s.number({
      doc: "Penetration: the checker reports penetration when more than this share of the requests for missing ids reach the database.",
      min: 0,
      max: 1,
      default: 0.1,
    }),
  ),
  flushIntervalMs: s.knob(
    s.integer({
      doc: "Write-back: the cache flushes its dirty entries to the database this often (0: only on `flush`).",
      min: 0,
      max: 86_400_000,
      default: 1000,
      unit: "ms",
    }),
    (o) => o.scenario === "write-back",
  ),
  invalidateOnWrite: s.knob(
    s.boolean({
      doc: "Write-around: delete the cached copy when writing to the database. Without it, reads keep getting the old value until its TTL.",
      default: true,
    }),
    (o) => o.scenario === "write-around",
  ),
  refreshAheadFactor: s.knob(
    s.number({
      doc:
        "Refresh-ahead: a read of an entry older than this fraction of its TTL triggers a background reload (Oracle Coherence calls it the " +
        "refresh-ahead factor).",
      min: 0.05,
      max: 0.99,
      default: 0.8,
    }),
    (o) => o.scenario === "refresh-ahead" || runs("refresh-ahead")(o),
  ),
  lockTtlMs: s.field(
    s.integer({
      doc: "Lock strategies: the lock expires after this long if its holder never releases it.",
      min: 1,
      max: 600_000,
      default: 1000,
      unit: "ms",
    }),
  ),
  retryMs: s.field(
    s.integer({
      doc: "Lock: a client that did not get the lock sleeps this long before reading the cache again.",
      min: 1,
      max: 60_000,
      default: 20,
      unit: "ms",
    }),
  ),
  beta: s.knob(
    s.number({
      doc: "XFetch: how eagerly to recompute early (1 is the paper's recommended default; larger is earlier).",
      min: 0.01,
      max: 100,
      default: 1,
    }),
    runs("xfetch"),
  ),
  ttlJitter: s.knob(
    s.number({ doc: "Jitter: each TTL becomes TTL x (1 + u x ttlJitter) for a random u in [0, 1).", min: 0, max: 10, default: 0.5 }),
    runs("jitter"),
  ),
  warmupMs: s.field(
    s.integer({
      doc: "Staggered warm-up: the initial load is spread evenly over this long before the run starts. Default half the TTL.",
      min: 0,
      max: 86_400_000,
      unit: "ms",
    }),
  ),
  negativeTtlMs: s.knob(
    s.integer({ doc: "Negative caching: how long a 'not found' stays cached.", min: 1, max: 86_400_000, default: 2000, unit: "ms" }),
    runs("negative-cache"),
  ),
  bloomBits: s.field(s.integer({ doc: "Bloom filter: bits in the array (m). Default 10 per existing key.", min: 8, max: 100_000_000 })),
  bloomHashes: s.field(s.integer({ doc: "Bloom filter: hash functions (k). Default the optimum round(m / n x ln 2).", min: 1, max: 32 })),
  maxDiagramEvents: s.field(
    s.integer({
      doc: "Most trace events drawn in the sequence diagram; the rest are counted in a note.",
      min: 5,
      max: 300,
      default: 40,
    }),
  ),
});

export type Options = Infer<typeof schema>;

/** Options with every scenario-dependent default filled in. */
export type Resolved = Required<Omit<Options, "ops" | "compare">> & { readonly ops: readonly Op[]; readonly strategies: readonly Strategy[] };

const DEFAULT_OPS: Record<string, readonly string[]> = {
  "write-back": ["write a 1", "write b 2", "wait 1000", "write a 3", "write c 4", "crash", "read a", "read c"],
  "write-through": ["write a 1", "write b 2", "write a 3", "crash", "read a", "read b"],
  "write-around": ["write a 1", "read a", "read a", "write a 2", "read a"],
  "read-through": ["write a 1", "read a", "read a", "wait 1000", "read a"],
  "refresh-ahead": ["write a 1", "read a", "wait 850", "read a", "wait 300", "read a"],
};

function pick<T>(value: T | undefined, byScenario: Partial<Record<Scenario, T>>, scenario: Scenario, fallback: T): T {
  return value ?? byScenario[scenario] ?? fallback;
}

/** The number of Bloom filter hash functions that minimises the false positive rate: (m/n) ln 2, at least 1. */
export function optimalHashes(m: number, n: number): number {
  return Math.max(1, Math.round((m / n) * Math.LN2));
}

/** Keys that apply to one kind of scenario only are refused on the other, on the key itself. */
function checkKinds(o: Options, ctx: ResolveContext): void {
  const sc = o.scenario;
  if (PATTERN_SCENARIOS.includes(sc)) {
    if (o.strategy !== "none" || o.compare.length > 0) {
      const message = `strategy and compare apply to the stampede, penetration and avalanche scenarios; ${sc} is a pattern of its own, so leave them out.`;
      ctx.fail([o.strategy !== "none" ? "strategy" : "compare"], message);
    }
  } else if (o.ops !== undefined) {
    ctx.fail(["ops"], `ops apply to the write patterns (${PATTERN_SCENARIOS.join(", ")}); ${sc} draws its requests from the seed.`);
  }
}

function parseOps(o: Options, ctx: ResolveContext): Op[] {
  return (o.ops ?? DEFAULT_OPS[o.scenario] ?? []).map((text, i) => {
    const r = parseOp(text);
    return typeof r === "string" ? ctx.fail(["ops", i], `Operation ${i + 1}: ${r}`) : r;
  });
}

/** Checks that the keys fit the scenario, parses the operations, and fills in the scenario's defaults. */
export function resolve(o: Options, ctx: ResolveContext): Resolved {
  checkKinds(o, ctx);
  const sc = o.scenario;
  const ttlMs = pick(o.ttlMs, { penetration: 60_000, avalanche: 5000 }, sc, 1000);
  const keys = pick(o.keys, { stampede: 1 }, sc, 1000);
  const bloomBits = o.bloomBits ?? Math.max(8, 10 * keys);
  return {
    scenario: sc,
    strategy: o.strategy,
    strategies: o.compare.length > 0 ? [...new Set(o.compare)] : [o.strategy],
    ops: parseOps(o, ctx),
    ttlMs,
    durationMs: pick(o.durationMs, { stampede: 4000, penetration: 10_000 }, sc, 12_000),
    rps: pick(o.rps, { avalanche: 2000 }, sc, 1000),
    keys,
    absentKeys: o.absentKeys,
    absentShare: o.absentShare,
    servers: o.servers,
    cacheLatencyMs: o.cacheLatencyMs,
    dbLatencyMs: pick(o.dbLatencyMs, { stampede: 50, penetration: 50, avalanche: 20 }, sc, 10),
    dbCapacity: pick(o.dbCapacity, { avalanche: 1000, penetration: 500 }, sc, 200),
    bucketMs: o.bucketMs,
    herdLimit: o.herdLimit,
    penetrationLimit: o.penetrationLimit,
    flushIntervalMs: o.flushIntervalMs,
    invalidateOnWrite: o.invalidateOnWrite,
    refreshAheadFactor: o.refreshAheadFactor,
    lockTtlMs: o.lockTtlMs,
    retryMs: o.retryMs,
    beta: o.beta,
    ttlJitter: o.ttlJitter,
    warmupMs: o.warmupMs ?? Math.round(ttlMs / 2),
    negativeTtlMs: o.negativeTtlMs,
    bloomBits,
    bloomHashes: o.bloomHashes ?? Math.min(32, optimalHashes(bloomBits, keys)),
    maxDiagramEvents: o.maxDiagramEvents,
  };
}

export const examples: readonly Example[] = [
  {
    name: "write-back loses writes",
    description: "The cache node dies before its next flush: the writes it acknowledged since the last one are gone.",
    body: "scenario: write-back\nops: [write a 1, write b 2, wait 1000, write a 3, write c 4, crash, read a, read c]\n",
  },
  {
    name: "stampede and its fixes",
    description: "A hot key expires under 1000 requests per second; compare the protections.",
    body: "scenario: stampede\ncompare: [none, single-flight, lock, lock-stale, xfetch, jitter]\n",
  },
  {
    name: "penetration by missing ids",
    description: "Requests for ids that do not exist, with negative caching and a Bloom filter.",
    body: "scenario: penetration\ncompare: [none, negative-cache, bloom-filter]\n",
  },
  {
    name: "avalanche",
    description: "A thousand keys loaded together expire together; jitter and a staggered warm-up spread them.",
    body: "scenario: avalanche\ncompare: [none, jitter, staggered-warmup, refresh-ahead]\n",
  },
];
