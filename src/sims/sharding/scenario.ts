// Options of the sharding simulator: one schema for validation, completions, hovers and docs.
import { s, type Infer } from "../../scenario/schema";

export const STRATEGIES = [
  { value: "mod", doc: "hash(key) mod N over the live nodes. Simple and balanced, but changing N moves almost every key." },
  { value: "ring", doc: "Consistent-hash ring: each node owns the arc before each of its virtual nodes. A change moves only the keys of the arcs that change hands." },
  { value: "rendezvous", doc: "Rendezvous (highest random weight) hashing: every key scores every node and goes to the highest; removing a node moves only its keys." },
  { value: "jump", doc: "Jump consistent hash (Lamping and Veach): perfect balance and minimal movement, but nodes can only be added or removed at the end of the list." },
  { value: "bounded", doc: "Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam): a ring whose nodes refuse keys beyond ceil((1+epsilon) x average); refused keys walk on clockwise." },
  { value: "range", doc: "Range sharding: contiguous ranges of the key space (the key itself for sequential keys, its hash for hashed keys); a range that grows past splitKeys splits at its median and the new half goes to the least loaded node." },
  { value: "directory", doc: "A directory (lookup table) records each key's node; keys start hash-assigned and only move when the directory is told to (explicit moves, or hand-overs when nodes join or leave)." },
] as const;

export type Strategy = (typeof STRATEGIES)[number]["value"];

const strategy = s.enum({ doc: "How keys are placed on nodes.", values: STRATEGIES, default: "ring" });

export const schema = s.object("Place keys on nodes with one or more strategies, then apply changes (nodes joining, leaving or failing, weights changing) one after another and count what moves.", {
  strategy: s.field(strategy),
  compare: s.field(s.array({ doc: "Strategies to run side by side on the same keys and changes (defaults to strategy alone).", items: strategy, maxItems: 5, default: [] })),
  keys: s.field(s.integer({ doc: "How many keys to place (named key-0, key-1, ...).", min: 1, max: 2_000_000, default: 10_000 })),
  nodes: s.field(s.integer({ doc: "Nodes at the start, named n0, n1, ...", min: 1, max: 1000, default: 4 })),
  virtualNodes: s.field(s.integer({ doc: "Ring and bounded loads: points on the ring per node (per unit of weight).", min: 1, max: 1000, default: 100 })),
  epsilon: s.field(s.number({ doc: "Bounded loads: a node takes at most ceil((1 + epsilon) x average) keys.", min: 0.01, max: 10, default: 0.25 })),
  replicas: s.field(s.integer({ doc: "Copies of each key: the owner plus the next distinct nodes (clockwise on a ring).", min: 1, max: 10, default: 1 })),
  keyPattern: s.field(s.enum({ doc: "How keys are named, which matters to range sharding.", values: [
    { value: "hashed", doc: "key-0, key-1, …; range sharding ranges over their hashes (hash-range partitioning), so arrivals land all over the key space." },
    { value: "sequential", doc: "Timestamps t-0000000000, t-0000000001, …: each new key sorts after all the others." },
  ], default: "hashed" })),
  splitKeys: s.field(s.integer({ doc: "Range sharding: a range holding more keys than this splits in two.", min: 2, max: 1_000_000, default: 1000 })),
  changes: s.field(s.array({ doc: "Changes applied one after another; keys moved are counted after each.", default: [], maxItems: 50, items: s.object("One change to the cluster.", {
    action: s.required(s.enum({ doc: "What happens.", values: [
      { value: "move", doc: "Directory only: move one key (named in key) to the node." },
      { value: "add", doc: "A new node joins (at the end of the node list)." },
      { value: "remove", doc: "A node leaves, planned: its keys are handed over." },
      { value: "fail", doc: "A node crashes: it leaves the placement like a removal, and its keys are lost until re-replicated." },
      { value: "weight", doc: "A node's weight changes (ring, bounded and rendezvous honour weights)." },
    ] })),
    node: s.required(s.string({ doc: "The node's name, such as n4.", minLength: 1, maxLength: 40 })),
    weight: s.field(s.number({ doc: "For add and weight: the node's weight (capacity relative to 1).", min: 0.01, max: 100, default: 1 })),
    key: s.field(s.string({ doc: "For move: the key to move, such as key-42.", minLength: 1, maxLength: 60 })),
  }) })),
  popularity: s.field(s.enum({ doc: "How requests spread over keys.", values: [
    { value: "uniform", doc: "Every key equally popular." },
    { value: "zipf", doc: "Zipf(alpha): key i is requested in proportion to 1/(i+1)^alpha." },
    { value: "celebrity", doc: "One celebrity key (the first) gets celebrityShare of all requests; the rest are uniform." },
  ], default: "uniform" })),
  celebrityShare: s.field(s.number({ doc: "Share of all requests that go to the celebrity key.", min: 0, max: 1, default: 0.3 })),
  saltBuckets: s.field(s.integer({ doc: "Salting: the celebrity key is split into this many sub-keys (key#0, key#1, …) placed like any key; writes spread over them and reads must ask them all.", min: 1, max: 64, default: 1 })),
  zipfAlpha: s.field(s.number({ doc: "Skew of the Zipf popularity.", min: 0, max: 3, default: 1 })),
  requests: s.field(s.integer({ doc: "Requests drawn from the popularity to count load per node.", min: 0, max: 2_000_000, default: 100_000 })),
  loadBound: s.field(s.number({ doc: "The checker flags nodes holding more than this multiple of the average number of keys.", min: 1, max: 100, default: 1.5 })),
  replicaPlacement: s.field(s.enum({ doc: "How the copies after the owner are chosen.", values: [
    { value: "distinct-nodes", doc: "The next distinct physical nodes (clockwise on a ring, next highest score for rendezvous)." },
    { value: "next-points", doc: "Naively the next ring points, which may belong to the same physical node: the checker flags such replica sets." },
  ], default: "distinct-nodes" })),
});

export type Options = Infer<typeof schema>;
