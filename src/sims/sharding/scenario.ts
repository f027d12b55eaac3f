// Options of the sharding simulator: one schema for validation, completions, hovers and docs, the
// examples a new cell starts from, and resolve, which checks the changes against the cluster they
// apply to (node names, nodes that must or must not exist, keys to move) before anything runs.
import { s, type Infer } from "../../scenario/schema";
import type { Example, ResolveContext } from "../types";

export const STRATEGIES = [
  { value: "mod", doc: "hash(key) mod N over the live nodes. Simple and balanced, but changing N moves almost every key." },
  {
    value: "ring",
    doc: "Consistent-hash ring: each node owns the arc before each of its virtual nodes. A change moves only the keys of the arcs that change hands.",
  },
  {
    value: "rendezvous",
    doc: "Rendezvous (highest random weight) hashing: every key scores every node and goes to the highest; removing a node moves only its keys.",
  },
  {
    value: "jump",
    doc: "Jump consistent hash (Lamping and Veach): perfect balance and minimal movement, but nodes can only be added or removed at the end of the list.",
  },
  {
    value: "bounded",
    doc:
      "Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam): a ring whose nodes refuse keys beyond ceil((1+epsilon) x average); " +
      "refused keys walk on clockwise.",
  },
  {
    value: "range",
    doc:
      "Range sharding: contiguous ranges of the key space (the key itself for sequential keys, its hash for hashed keys); " +
      "a range that grows past splitKeys splits at its median and the new half goes to the least loaded node.",
  },
  {
    value: "directory",
    doc:
      "A directory (lookup table) records each key's node; keys start hash-assigned and only move when the directory is told to " +
      "(explicit moves, or hand-overs when nodes join or leave).",
  },
] as const;

export type Strategy = (typeof STRATEGIES)[number]["value"];

const strategy = s.enum({ doc: "How keys are placed on nodes.", values: STRATEGIES, default: "ring" });

const KEY_PATTERNS = [
  { value: "hashed", doc: "key-0, key-1, …; range sharding ranges over their hashes (hash-range partitioning), so arrivals land all over the key space." },
  { value: "sequential", doc: "Timestamps t-0000000000, t-0000000001, …: each new key sorts after all the others." },
] as const;

const ACTIONS = [
  { value: "move", doc: "Directory only: move one key (named in key) to the node." },
  { value: "add", doc: "A new node joins (at the end of the node list)." },
  { value: "remove", doc: "A node leaves, planned: its keys are handed over." },
  { value: "fail", doc: "A node crashes: it leaves the placement like a removal, and its keys are lost until re-replicated." },
  { value: "weight", doc: "A node's weight changes (ring, bounded and rendezvous honour weights)." },
] as const;

const change = s.object("One change to the cluster.", {
  action: s.required(s.enum({ doc: "What happens.", values: ACTIONS })),
  node: s.required(s.string({ doc: "The node's name, such as n4.", minLength: 1, maxLength: 40 })),
  weight: s.field(s.number({ doc: "For add and weight: the node's weight (capacity relative to 1).", min: 0.01, max: 100, default: 1 })),
  key: s.field(s.string({ doc: "For move: the key to move, such as key-42.", minLength: 1, maxLength: 60 })),
});

const POPULARITIES = [
  { value: "uniform", doc: "Every key equally popular." },
  { value: "zipf", doc: "Zipf(alpha): key i is requested in proportion to 1/(i+1)^alpha." },
  { value: "celebrity", doc: "One celebrity key (the first) gets celebrityShare of all requests; the rest are uniform." },
] as const;

const REPLICA_PLACEMENTS = [
  { value: "distinct-nodes", doc: "The next distinct physical nodes (clockwise on a ring, next highest score for rendezvous)." },
  { value: "next-points", doc: "Naively the next ring points, which may belong to the same physical node: the checker flags such replica sets." },
] as const;

/** Range sharding keeps every key's rank in memory. */
const RANGE_MAX_KEYS = 200_000;

/** The strategies a cell runs (its options, defaults applied): `compare`, else `strategy`. */
const strategiesOf = (o: Readonly<Record<string, unknown>>): readonly unknown[] =>
  (o.compare as readonly unknown[]).length ? (o.compare as readonly unknown[]) : [o.strategy];
const changesOf = (o: Readonly<Record<string, unknown>>) => o.changes as readonly { readonly action: string }[];

export const schema = s.object(
  "Place keys on nodes with one or more strategies, then apply changes (nodes joining, leaving or failing, weights changing) one after another " +
    "and count what moves.",
  {
    // Knobs, each where it applies: compare wins over strategy and moves need the directory; changes
    // name nodes, so turning the node count is offered only to a cell without changes.
    strategy: s.knob(strategy, (o) => {
      if ((o.compare as readonly unknown[]).length > 0 || changesOf(o).some((c) => c.action === "move")) return false;
      return (o.keys as number) > RANGE_MAX_KEYS ? STRATEGIES.map((x) => x.value).filter((x) => x !== "range") : true;
    }),
    compare: s.field(
      s.array({
        doc: "Strategies to run side by side on the same keys and changes (defaults to strategy alone).",
        items: strategy,
        maxItems: 5,
        default: [],
      }),
    ),
    keys: s.field(s.integer({ doc: "How many keys to place (named key-0, key-1, ...).", min: 1, max: 2_000_000, default: 10_000 })),
    nodes: s.knob(s.integer({ doc: "Nodes at the start, named n0, n1, ...", min: 1, max: 1000, default: 4 }), (o) => changesOf(o).length === 0),
    virtualNodes: s.knob(
      s.integer({ doc: "Ring and bounded loads: points on the ring per node (per unit of weight).", min: 1, max: 1000, default: 100 }),
      (o) => strategiesOf(o).some((x) => x === "ring" || x === "bounded"),
    ),
    epsilon: s.knob(s.number({ doc: "Bounded loads: a node takes at most ceil((1 + epsilon) x average) keys.", min: 0.01, max: 10, default: 0.25 }), (o) =>
      strategiesOf(o).includes("bounded"),
    ),
    replicas: s.field(
      s.integer({
        doc: "Copies of each key: the owner plus the next distinct nodes (clockwise on a ring).",
        min: 1,
        max: 10,
        default: 1,
      }),
    ),
    keyPattern: s.field(s.enum({ doc: "How keys are named, which matters to range sharding.", values: KEY_PATTERNS, default: "hashed" })),
    splitKeys: s.field(s.integer({ doc: "Range sharding: a range holding more keys than this splits in two.", min: 2, max: 1_000_000, default: 1000 })),
    changes: s.field(s.array({ doc: "Changes applied one after another; keys moved are counted after each.", default: [], maxItems: 50, items: change })),
    popularity: s.field(s.enum({ doc: "How requests spread over keys.", values: POPULARITIES, default: "uniform" })),
    celebrityShare: s.field(s.number({ doc: "Share of all requests that go to the celebrity key.", min: 0, max: 1, default: 0.3 })),
    saltBuckets: s.knob(
      s.integer({
        doc:
          "Salting: the celebrity key is split into this many sub-keys (key#0, key#1, …) placed like any key; " +
          "writes spread over them and reads must ask them all.",
        min: 1,
        max: 64,
        default: 1,
      }),
      (o) => o.popularity === "celebrity" && (o.requests as number) > 0,
    ),
    zipfAlpha: s.knob(
      s.number({ doc: "Skew of the Zipf popularity.", min: 0, max: 3, default: 1 }),
      (o) => o.popularity === "zipf" && (o.requests as number) > 0,
    ),
    requests: s.field(s.integer({ doc: "Requests drawn from the popularity to count load per node.", min: 0, max: 2_000_000, default: 100_000 })),
    loadBound: s.field(
      s.number({
        doc: "The checker flags nodes holding more than this multiple of the average number of keys.",
        min: 1,
        max: 100,
        default: 1.5,
      }),
    ),
    replicaPlacement: s.field(s.enum({ doc: "How the copies after the owner are chosen.", values: REPLICA_PLACEMENTS, default: "distinct-nodes" })),
  },
);

export type Options = Infer<typeof schema>;
export type Change = Options["changes"][number];

export const examples: readonly Example[] = [
  {
    name: "mod N versus the ring",
    description: "Grow from 4 to 5 nodes and compare how many keys move.",
    body: "keys: 10000\nnodes: 4\ncompare: [mod, ring, rendezvous, jump]\nchanges:\n  - action: add\n    node: n4\n",
  },
  {
    name: "virtual nodes and balance",
    description: "How even is a ring with few virtual nodes?",
    body: "strategy: ring\nkeys: 20000\nnodes: 8\nvirtualNodes: 4\nloadBound: 1.3\n",
  },
  {
    name: "bounded loads",
    description: "Cap every node at (1+ε) times the average.",
    body: "compare: [ring, bounded]\nkeys: 10000\nnodes: 8\nvirtualNodes: 8\nepsilon: 0.1\n",
  },
];

export interface NodeSpec {
  readonly name: string;
  readonly weight: number;
}

/** What the model runs on: the options, with the strategies and the live nodes of every step spelled out. */
export interface Resolved extends Options {
  /** The strategies to run, each once, in the order written (`compare`, else `strategy`). */
  readonly strategies: readonly Strategy[];
  /** The live nodes at the start (n0, n1, …) and after each change, in list order. */
  readonly nodesPerStep: readonly (readonly NodeSpec[])[];
}

/** Node names are drawn in diagrams and written in labels ("add n4"): plain words only. */
const NODE_NAME = /^[A-Za-z0-9_.-]+$/;

/** The live nodes after change `i`, or a problem on the change when it cannot apply to them. */
function applyChange(nodes: readonly NodeSpec[], c: Change, i: number, ctx: ResolveContext): readonly NodeSpec[] {
  const at = nodes.findIndex((n) => n.name === c.node);
  const where = `Change ${i + 1} (${c.action} ${c.node})`;
  const fail = (message: string) => ctx.fail(["changes", i, "node"], `${where}: ${message}`);
  if (c.action === "add") {
    if (at >= 0) fail(`${c.node} is already in the cluster.`);
    return [...nodes, { name: c.node, weight: c.weight }];
  }
  if (at < 0) fail(`there is no node ${c.node}; the live nodes are ${nodes.map((n) => n.name).join(", ")}.`);
  if (c.action === "weight") return nodes.map((n, k) => (k === at ? { ...n, weight: c.weight } : n));
  if (c.action === "move") return nodes;
  if (nodes.length === 1) fail("it is the last node; a cluster needs at least one.");
  return nodes.filter((_, k) => k !== at);
}

/** Key names: key-0, key-1, … or zero-padded timestamps that sort in arrival order. */
export function keyName(i: number, pattern: Options["keyPattern"] = "hashed"): string {
  return pattern === "sequential" ? `t-${String(i).padStart(10, "0")}` : `key-${i}`;
}

/** Whether `key` names one of the scenario's keys. */
function isKey(key: string, options: Options): boolean {
  const digits = /^(?:key-|t-)([0-9]+)$/.exec(key)?.[1];
  if (digits === undefined) return false;
  const i = Number(digits);
  return i < options.keys && keyName(i, options.keyPattern) === key;
}

/**
 * Every check on what the options mean, in the order a run would meet them: node names, the size
 * range sharding can hold, moves only for a directory, each change against the nodes live when it
 * happens, and keys that exist for every move.
 */
export function resolve(options: Options, ctx: ResolveContext): Resolved {
  options.changes.forEach((c, i) => {
    if (!NODE_NAME.test(c.node)) {
      ctx.fail(["changes", i, "node"], `Change ${i + 1}: node names may use letters, digits, "_", "." and "-" only (got "${c.node}").`);
    }
  });
  const strategies = options.compare.length ? [...new Set(options.compare)] : [options.strategy];
  if (strategies.includes("range") && options.keys > RANGE_MAX_KEYS) {
    ctx.fail(["keys"], "Range sharding keeps every key's rank in memory: use at most 200,000 keys with it.");
  }
  const move = options.changes.findIndex((c) => c.action === "move");
  if (move >= 0 && strategies.some((x) => x !== "directory")) {
    ctx.fail(["changes", move, "action"], "move changes only apply to the directory strategy: a computed placement has no table to edit.");
  }
  const nodesPerStep: (readonly NodeSpec[])[] = [Array.from({ length: options.nodes }, (_, i) => ({ name: `n${i}`, weight: 1 }))];
  options.changes.forEach((c, i) => nodesPerStep.push(applyChange(nodesPerStep[i]!, c, i, ctx)));
  options.changes.forEach((c, i) => {
    if (c.action !== "move" || (c.key !== undefined && isKey(c.key, options))) return;
    const message = `Change ${i + 1}: move needs key: with an existing key, such as ${keyName(0, options.keyPattern)} (got ${c.key ?? "nothing"}).`;
    ctx.fail(["changes", i, c.key === undefined ? "action" : "key"], message);
  });
  return { ...options, strategies, nodesPerStep };
}
