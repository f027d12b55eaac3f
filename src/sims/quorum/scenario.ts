// Options of the quorum simulator (Dynamo-style leaderless replication): the ring, N, R and W, how
// conflicts are settled, read repair, sloppy quorums with hinted handoff, anti-entropy, clocks, the
// clients' operations, scripted faults and the network; `resolve` checks names, ranges that must
// agree (R and W at most N, N at most the ring) and builds the variants a `compare:` asks for.
import { NAME } from "../../core/network";
import { networkSchema, untilMsSchema } from "../../scenario/network";
import { s, type Infer } from "../../scenario/schema";
import type { Example, ResolveContext } from "../types";

const CONFLICTS = [
  {
    value: "lww",
    doc: "Last writer wins: each write carries its coordinator's wall-clock time (with that node's skew); a replica keeps the highest timestamp and silently drops the rest.",
  },
  {
    value: "version-vectors",
    doc: "Version vectors: concurrent writes are kept side by side as siblings and returned together; the client merges them with its next write.",
  },
] as const;
export type Conflicts = (typeof CONFLICTS)[number]["value"];

const READ_REPAIR = [
  { value: "none", doc: "Stale replicas are left as they are (only anti-entropy and hinted handoff fix them)." },
  { value: "async", doc: "The coordinator answers the client at once, then writes the newest version back to the stale replicas it heard from." },
  {
    value: "blocking",
    doc: "The coordinator writes the newest version back to the stale replicas among its R replies and waits for them before answering (ABD-style write-back).",
  },
] as const;
export type ReadRepair = (typeof READ_REPAIR)[number]["value"];

/** The ring's node names for a cell: n1 … nK. */
export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

function namesOf(root: unknown): string[] {
  const n = (root as { nodes?: unknown } | null)?.nodes;
  return nodeNames(typeof n === "number" && n >= 1 && n <= 8 ? n : 5);
}

const node = (doc: string) => s.ref({ doc, what: "node", names: namesOf });

const operation = s.object("One client operation.", {
  at: s.required(s.integer({ doc: "When the client calls it (later if the client's previous operation has not returned).", min: 0, max: 600_000, unit: "ms" })),
  client: s.required(s.string({ doc: "The client (session); its operations follow one another.", minLength: 1, maxLength: 32 })),
  op: s.required(
    s.enum({
      doc: "What the client asks.",
      values: [
        { value: "write", doc: "Store `value` under `key`." },
        { value: "read", doc: "Read `key`." },
      ],
    }),
  ),
  key: s.field(s.string({ doc: "The key.", default: "k", minLength: 1, maxLength: 16 })),
  value: s.field(s.integer({ doc: "write: the value stored.", min: -1_000_000, max: 1_000_000 })),
  via: s.field(node("The node that coordinates it (default: the first preferred replica of the key that is up).")),
});

const fault = s.object("One scripted fault.", {
  type: s.required(
    s.enum({
      doc: "What goes wrong.",
      values: [
        { value: "crash", doc: "The node crashes at `atMs` and restarts after `downMs` (0: never); what it stored survives." },
        { value: "slow", doc: "Messages the node sends (to `to` only, when given) between `atMs` and `atMs + forMs` take `extraMs` longer." },
      ],
    }),
  ),
  node: s.required(node("The node.")),
  to: s.field(node("slow: only the messages to this node are slow.")),
  atMs: s.field(s.integer({ doc: "When the fault starts.", min: 0, max: 600_000, default: 0, unit: "ms" })),
  downMs: s.field(s.integer({ doc: "crash: how long the node stays down (0: never restarts).", min: 0, max: 600_000, default: 1000, unit: "ms" })),
  extraMs: s.field(s.integer({ doc: "slow: the extra delay.", min: 0, max: 60_000, default: 300, unit: "ms" })),
  forMs: s.field(s.integer({ doc: "slow: how long the node stays slow.", min: 1, max: 600_000, default: 20, unit: "ms" })),
});

const clock = s.object("One node's clock.", {
  node: s.required(node("The node.")),
  skewMs: s.required(s.integer({ doc: "How far its clock is ahead (positive) or behind (negative) real time.", min: -60_000, max: 60_000, unit: "ms" })),
});

const variant = s.object("One setting of the comparison; options left out are the cell's.", {
  n: s.field(s.integer({ doc: "Replicas per key.", min: 1, max: 5 })),
  r: s.field(s.integer({ doc: "Replies a read waits for.", min: 1, max: 5 })),
  w: s.field(s.integer({ doc: "Acknowledgements a write waits for.", min: 1, max: 5 })),
  conflicts: s.field(s.enum({ doc: "How conflicting writes are settled.", values: CONFLICTS })),
  readRepair: s.field(s.enum({ doc: "Read repair.", values: READ_REPAIR })),
  sloppy: s.field(s.boolean({ doc: "Sloppy quorums with hinted handoff." })),
});

/** R and W are turned within this cell's N: more would only fail to resolve. */
const upToN = (options: Readonly<Record<string, unknown>>) => ({ max: typeof options.n === "number" ? options.n : 5 });

export const schema = s.object(
  "Dynamo-style leaderless replication: each key lives on N nodes of a ring; a coordinator sends every write and read to them and waits for W " +
    "acknowledgements or R replies. Sloppy quorums with hinted handoff, read repair, anti-entropy, and conflicts settled by last-writer-wins " +
    "(with clock skew) or kept as siblings under version vectors.",
  {
    nodes: s.field(s.integer({ doc: "Nodes on the ring, named n1, n2, …", min: 2, max: 8, default: 5 })),
    n: s.field(s.integer({ doc: "Replicas per key (the first N nodes of its preference list).", min: 1, max: 5, default: 3 })),
    r: s.knob(s.integer({ doc: "Replies a read waits for (counting the coordinator's own copy when it is a replica).", min: 1, max: 5, default: 2 }), upToN),
    w: s.knob(
      s.integer({ doc: "Acknowledgements a write waits for (counting the coordinator's own copy when it is a replica).", min: 1, max: 5, default: 2 }),
      upToN,
    ),
    conflicts: s.knob(s.enum({ doc: "How conflicting writes are settled.", values: CONFLICTS, default: "lww" })),
    readRepair: s.knob(s.enum({ doc: "What a read does about stale replicas it heard from.", values: READ_REPAIR, default: "none" })),
    sloppy: s.knob(
      s.boolean({
        doc: "Sloppy quorums: while preferred replicas are down, writes and reads go to the next nodes on the ring, which keep a hint and hand the write back when the owner returns.",
        default: true,
      }),
    ),
    antiEntropyMs: s.field(
      s.integer({
        doc: "Anti-entropy: every this often, each node compares its data with the next node on the ring (a Merkle-tree exchange, modelled as a full sync). 0: off.",
        min: 0,
        max: 600_000,
        default: 0,
        unit: "ms",
      }),
    ),
    handoffMs: s.field(
      s.integer({ doc: "How often a node holding hints checks whether their owners are back.", min: 1, max: 60_000, default: 100, unit: "ms" }),
    ),
    timeoutMs: s.field(
      s.integer({ doc: "How long a coordinator waits for W or R answers before failing the operation.", min: 1, max: 60_000, default: 500, unit: "ms" }),
    ),
    clocks: s.field(s.array({ doc: "Clock skew of some nodes (the others keep real time).", default: [], maxItems: 8, items: clock })),
    ops: s.required(s.array({ doc: "The clients' operations.", minItems: 1, maxItems: 40, items: operation })),
    faults: s.field(s.array({ doc: "Scripted faults.", default: [], maxItems: 10, items: fault })),
    network: s.field(networkSchema),
    compare: s.field(
      s.array({ doc: "Run the same operations under several settings and compare what held and the latency paid.", default: [], maxItems: 6, items: variant }),
    ),
    untilMs: s.field(untilMsSchema(3000)),
  },
);

export type Options = Infer<typeof schema>;

export const examples: readonly Example[] = [
  {
    name: "quorum write and read",
    description: "N=3, W=2, R=2: a write, then a read from an overlapping quorum.",
    body: "ops:\n  - { at: 0, client: alice, op: write, value: 1 }\n  - { at: 100, client: bob, op: read }\n",
  },
  {
    name: "new then old",
    description: "R + W > N, yet a read sees a write in progress and a later read does not.",
    body:
      "network: { minDelayMs: 10, maxDelayMs: 10 }\nreadRepair: none\nops:\n  - { at: 0, client: alice, op: write, value: 1, via: n1 }\n" +
      "  - { at: 20, client: bob, op: read, via: n1 }\n  - { at: 90, client: carol, op: read, via: n3 }\n" +
      "faults:\n  - { type: slow, node: n1, atMs: 0, forMs: 15, extraMs: 400 }\n  - { type: crash, node: n1, atMs: 85, downMs: 1000 }\n",
  },
  {
    name: "clock skew drops a write",
    description: "Last writer wins with a clock 100 ms behind: a later write is acknowledged and lost.",
    body:
      "clocks:\n  - { node: n2, skewMs: -100 }\nops:\n  - { at: 0, client: alice, op: write, value: 1, via: n1 }\n" +
      "  - { at: 60, client: bob, op: write, value: 2, via: n2 }\n  - { at: 150, client: carol, op: read }\n",
  },
];

/** One run's settings. */
export interface Setup extends Omit<Options, "compare" | "ops" | "faults" | "clocks"> {
  readonly names: readonly string[];
  readonly ops: readonly Options["ops"][number][];
  readonly crashes: readonly { readonly node: string; readonly atMs: number; readonly downMs: number | undefined }[];
  readonly slow: readonly { readonly node: string; readonly to?: string; readonly fromMs: number; readonly toMs: number; readonly extraMs: number }[];
  readonly skewMs: Readonly<Record<string, number>>;
}

export interface Resolved {
  readonly run: Setup;
  /** With `compare:`: each variant's name and settings. */
  readonly compare?: readonly { readonly name: string; readonly run: Setup }[];
}

type Variant = Options["compare"][number];

function variantName(v: Variant, base: Setup): string {
  const parts: string[] = [];
  if (v.n !== undefined || v.r !== undefined || v.w !== undefined) parts.push(`N=${v.n ?? base.n} R=${v.r ?? base.r} W=${v.w ?? base.w}`);
  if (v.conflicts !== undefined) parts.push(v.conflicts);
  if (v.readRepair !== undefined) parts.push(`read repair ${v.readRepair}`);
  if (v.sloppy !== undefined) parts.push(v.sloppy ? "sloppy" : "strict");
  return parts.join(", ") || "as written";
}

function checkQuorum(n: number, r: number, w: number, nodes: number, ctx: ResolveContext, path: (string | number)[] = []): void {
  if (n > nodes) ctx.fail([...path, "n"], `N is ${n}, but the ring has only ${nodes} nodes.`);
  if (r > n) ctx.fail([...path, "r"], `R is ${r}, more than the N = ${n} replicas a key has.`);
  if (w > n) ctx.fail([...path, "w"], `W is ${w}, more than the N = ${n} replicas a key has.`);
}

export function resolve(o: Options, ctx: ResolveContext): Resolved {
  checkQuorum(o.n, o.r, o.w, o.nodes, ctx);
  const names = nodeNames(o.nodes);
  o.ops.forEach((op, i) => {
    if (op.op === "write" && op.value === undefined) ctx.fail(["ops", i], "A write needs a `value`.");
    if (!NAME.test(op.client))
      ctx.fail(["ops", i, "client"], `Client names may use letters, digits, "-" and "_", starting with a letter (got "${op.client}").`);
    if (names.includes(op.client)) ctx.fail(["ops", i, "client"], `"${op.client}" is a node of the ring; give the client another name.`);
    if (op.via !== undefined && !names.includes(op.via)) ctx.fail(["ops", i, "via"], `The ring has nodes ${names[0]} to ${names[names.length - 1]} only.`);
  });
  const skewMs: Record<string, number> = {};
  for (const c of o.clocks) skewMs[c.node] = c.skewMs;
  const { compare, ops, faults, clocks: _clocks, ...rest } = o;
  const run: Setup = {
    ...rest,
    names: nodeNames(o.nodes),
    ops: [...ops].map((op, i) => ({ ...op, i })).sort((a, b) => a.at - b.at || a.i - b.i),
    crashes: faults.filter((f) => f.type === "crash").map((f) => ({ node: f.node, atMs: f.atMs, downMs: f.downMs === 0 ? undefined : f.downMs })),
    slow: faults
      .filter((f) => f.type === "slow")
      .map((f) => ({ node: f.node, ...(f.to !== undefined ? { to: f.to } : {}), fromMs: f.atMs, toMs: f.atMs + f.forMs, extraMs: f.extraMs })),
    skewMs,
  };
  if (!compare.length) return { run };
  const variants = compare.map((v, i) => {
    const merged: Setup = { ...run, ...v };
    checkQuorum(merged.n, merged.r, merged.w, merged.nodes, ctx, ["compare", i]);
    return { name: variantName(v, run), run: merged };
  });
  return { run, compare: variants };
}
