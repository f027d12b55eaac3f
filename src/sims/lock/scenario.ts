// Options of the distributed-lock simulator: two clients take turns at one lock, held on a single
// Redis instance or by Redlock over several; the first client may pause (a GC or a VM stop) past
// its lease, and the storage both write to may check fencing tokens. One schema gives the options
// type, validation, completions, hovers and docs/scenarios/lock.md.
import { s, type Infer } from "../../scenario/schema";
import type { Example, ResolveContext } from "../types";

export const MODES = [
  { value: "single", doc: "One Redis instance: SET key token NX PX ttl to acquire, a compare-and-delete script to release." },
  {
    value: "redlock",
    doc: "Redlock: the same SET on every instance; the lock is held when a majority said OK within the validity time (ttl − elapsed − drift).",
  },
] as const;

export type Mode = (typeof MODES)[number]["value"];

export const CLIENTS = ["A", "B"] as const;

export const schema = s.object(
  "Two clients, A and B, each acquire a lease lock, work, write to a storage service and release. A acquires first; B tries from secondStartMs and retries until it gets the lock.",
  {
    mode: s.knob(s.enum({ doc: "Where the lock lives.", values: MODES, default: "single" })),
    fencing: s.knob(s.boolean({ doc: "The storage refuses a write whose fencing token is older than one it has already accepted.", default: false })),
    pauseMs: s.knob(
      s.integer({
        doc: "A stops the world (a GC pause, a VM stop) for this long, after checking its lease and before writing.",
        min: 0,
        max: 600_000,
        default: 1500,
        unit: "ms",
      }),
    ),
    ttlMs: s.knob(s.integer({ doc: "The lease: the key's time to live (PX).", min: 10, max: 600_000, default: 1000, unit: "ms" })),
    renewal: s.field(
      s.boolean({ doc: "A watchdog in each client extends its lease every ttlMs / 3 while the client runs (not while it is paused).", default: false }),
    ),
    workMs: s.field(s.integer({ doc: "How long a client works between acquiring and writing.", min: 0, max: 600_000, default: 50, unit: "ms" })),
    secondStartMs: s.field(s.integer({ doc: "When B first tries to acquire.", min: 0, max: 600_000, default: 100, unit: "ms" })),
    retryMs: s.field(
      s.integer({ doc: "How long a client waits before trying again after failing to acquire.", min: 1, max: 600_000, default: 200, unit: "ms" }),
    ),
    maxAttempts: s.field(s.integer({ doc: "Attempts a client makes before giving up.", min: 1, max: 200, default: 30 })),
    latencyMs: s.field(s.integer({ doc: "One way between a client and an instance or the storage.", min: 0, max: 10_000, default: 2, unit: "ms" })),
    timeoutMs: s.field(s.integer({ doc: "How long a client waits for an instance that does not answer.", min: 1, max: 60_000, default: 50, unit: "ms" })),
    instances: s.field(s.integer({ doc: "Redlock: the number of independent Redis instances.", min: 3, max: 9, default: 5 })),
    driftPercent: s.field(
      s.array({
        doc: "Each instance's clock error: +10 runs 10% fast, so its keys expire early (redlock: one per instance; single: the first).",
        items: s.number({ doc: "How much fast (+) or slow (−) this instance's clock runs.", min: -90, max: 1000, unit: "%" }),
        maxItems: 9,
        default: [],
      }),
    ),
    driftFactor: s.field(
      s.number({ doc: "Redlock: the clock drift a client allows for (validity = ttl − elapsed − ttl × driftFactor − 2 ms).", min: 0, max: 0.5, default: 0.01 }),
    ),
    unreachableFromA: s.field(
      s.array({
        doc: "Redlock: instances (numbered from 1) that A cannot reach; its requests to them time out (ignored on a single instance).",
        items: s.integer({ doc: "An instance number.", min: 1, max: 9 }),
        maxItems: 9,
        default: [],
      }),
    ),
  },
);

export type Options = Infer<typeof schema>;

export interface Resolved extends Omit<Options, "driftPercent" | "unreachableFromA"> {
  /** The instances' names: "redis", or "r1" … "rN". */
  readonly names: readonly string[];
  /** Each instance's clock drift, in percent. */
  readonly drift: readonly number[];
  /** Instance indexes (from 0) A cannot reach. */
  readonly unreachable: readonly number[];
  /** Instances needed to hold the lock. */
  readonly quorum: number;
}

export function resolve(options: Options, ctx: ResolveContext): Resolved {
  const { driftPercent, unreachableFromA, ...rest } = options;
  const n = rest.mode === "redlock" ? rest.instances : 1;
  // Checked against the Redlock instance count in either mode, so turning the mode knob keeps a cell valid.
  if (driftPercent.length > rest.instances) ctx.fail(["driftPercent"], `${driftPercent.length} drifts for ${rest.instances} instances.`);
  unreachableFromA.forEach((i, k) => {
    if (i > rest.instances) ctx.fail(["unreachableFromA", k], `There are ${rest.instances} instances.`);
  });
  return {
    ...rest,
    names: n === 1 ? ["redis"] : Array.from({ length: n }, (_, i) => `r${i + 1}`),
    drift: Array.from({ length: n }, (_, i) => driftPercent[i] ?? 0),
    // A single instance is always reachable: unreachableFromA is Redlock's.
    unreachable: n === 1 ? [] : [...new Set(unreachableFromA.map((i) => i - 1))].sort((a, b) => a - b),
    quorum: Math.floor(n / 2) + 1,
  };
}

export const examples: readonly Example[] = [
  {
    name: "a pause longer than the lease",
    description: "A pauses 1.5 s holding a 1 s lease; B acquires and both write.",
    body: "mode: single\nttlMs: 1000\npauseMs: 1500\nfencing: false\n",
  },
  {
    name: "fencing tokens",
    description: "The same pause; the storage refuses A's write with an older token.",
    body: "mode: single\nttlMs: 1000\npauseMs: 1500\nfencing: true\n",
  },
  {
    name: "Redlock and a fast clock",
    description: "Five instances, A reaches three; one of them runs fast and B gets a majority while A still holds.",
    body: "mode: redlock\nttlMs: 1000\npauseMs: 0\nworkMs: 800\nunreachableFromA: [4, 5]\ndriftPercent: [0, 0, 100, 0, 0]\n",
  },
  {
    name: "lease renewal",
    description: "A works 3 s on a 1 s lease; a watchdog extends it while A runs.",
    body: "mode: single\nttlMs: 1000\npauseMs: 0\nworkMs: 3000\nrenewal: true\n",
  },
];
