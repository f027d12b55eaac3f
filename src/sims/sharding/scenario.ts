// Options of the sharding simulator: one schema for validation, completions, hovers and docs.
import { s, type Infer } from "../../scenario/schema";

export const STRATEGIES = [
  { value: "mod", doc: "hash(key) mod N over the live nodes. Simple and balanced, but changing N moves almost every key." },
  { value: "ring", doc: "Consistent-hash ring: each node owns the arc before each of its virtual nodes. A change moves only the keys of the arcs that change hands." },
  { value: "rendezvous", doc: "Rendezvous (highest random weight) hashing: every key scores every node and goes to the highest; removing a node moves only its keys." },
  { value: "jump", doc: "Jump consistent hash (Lamping and Veach): perfect balance and minimal movement, but nodes can only be added or removed at the end of the list." },
  { value: "bounded", doc: "Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam): a ring whose nodes refuse keys beyond ceil((1+epsilon) x average); refused keys walk on clockwise." },
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
  changes: s.field(s.array({ doc: "Changes applied one after another; keys moved are counted after each.", default: [], maxItems: 50, items: s.object("One change to the cluster.", {
    action: s.required(s.enum({ doc: "What happens.", values: [
      { value: "add", doc: "A new node joins (at the end of the node list)." },
      { value: "remove", doc: "A node leaves, planned: its keys are handed over." },
      { value: "fail", doc: "A node crashes: it leaves the placement like a removal, and its keys are lost until re-replicated." },
      { value: "weight", doc: "A node's weight changes (ring, bounded and rendezvous honour weights)." },
    ] })),
    node: s.required(s.string({ doc: "The node's name, such as n4.", minLength: 1, maxLength: 40 })),
    weight: s.field(s.number({ doc: "For add and weight: the node's weight (capacity relative to 1).", min: 0.01, max: 100, default: 1 })),
  }) })),
  popularity: s.field(s.enum({ doc: "How requests spread over keys.", values: [{ value: "uniform", doc: "Every key equally popular." }, { value: "zipf", doc: "Zipf(alpha): key i is requested in proportion to 1/(i+1)^alpha." }], default: "uniform" })),
  zipfAlpha: s.field(s.number({ doc: "Skew of the Zipf popularity.", min: 0, max: 3, default: 1 })),
  requests: s.field(s.integer({ doc: "Requests drawn from the popularity to count load per node.", min: 0, max: 2_000_000, default: 100_000 })),
  loadBound: s.field(s.number({ doc: "The checker flags nodes holding more than this multiple of the average number of keys.", min: 1, max: 100, default: 1.5 })),
  replicaPlacement: s.field(s.enum({ doc: "How the copies after the owner are chosen.", values: [
    { value: "distinct-nodes", doc: "The next distinct physical nodes (clockwise on a ring, next highest score for rendezvous)." },
    { value: "next-points", doc: "Naively the next ring points, which may belong to the same physical node: the checker flags such replica sets." },
  ], default: "distinct-nodes" })),
});

export type Options = Infer<typeof schema>;
