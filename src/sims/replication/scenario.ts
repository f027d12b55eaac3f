// Options of the replication simulator: a leader and followers on the shared network, each follower
// with its own lag; clients that write and read keys, and where their reads go; a leader crash and
// the failover that follows; a partition that leaves two leaders, and whether epochs fence the old
// one; Azure Cosmos DB's five consistency levels as settings of the same machinery. `resolve` checks
// names and times, and turns a Cosmos level into the replication mode and read target it stands for.
import { NAME } from "../../core/network";
import { networkSchema, untilMsSchema } from "../../scenario/network";
import { s, type Infer } from "../../scenario/schema";
import type { Example, ResolveContext } from "../types";

export const MODES = [
  { value: "sync", doc: "A write is acknowledged once every follower has applied it." },
  { value: "semi-sync", doc: "A write is acknowledged once `acks` followers have applied it." },
  { value: "async", doc: "A write is acknowledged as soon as the leader has it; followers catch up later." },
] as const;
export type Mode = (typeof MODES)[number]["value"];

export const TARGETS = [
  { value: "leader", doc: "Every read goes to the leader the client knows." },
  { value: "any", doc: "Each read goes to a follower drawn from the seed (a read replica)." },
  { value: "sticky", doc: "A client's reads all go to one follower, drawn from the seed at its first read." },
  {
    value: "caught-up",
    doc:
      "A read carries the client's token (the highest log position it has written or read); the follower drawn answers once it has applied that " +
      "position, and after `readWaitMs` without it sends the client to the leader.",
  },
  {
    value: "bounded",
    doc: "A follower answers only if it is at most `maxLagVersions` positions and `maxLagMs` behind the leader's acknowledged writes; otherwise the leader answers.",
  },
] as const;
export type Target = (typeof TARGETS)[number]["value"];

export const LEVELS = [
  { value: "custom", doc: "No Cosmos DB level: `replication` and `read` as written." },
  { value: "strong", doc: "Cosmos DB strong: reads see the latest committed write. Here: sync replication, reads at the leader." },
  { value: "bounded-staleness", doc: "Cosmos DB bounded staleness: reads lag by at most K versions or T time. Here: async, `bounded` reads." },
  { value: "session", doc: "Cosmos DB session: a session token gives read-your-writes and monotonic reads. Here: async, `caught-up` reads." },
  { value: "consistent-prefix", doc: "Cosmos DB consistent prefix: no out-of-order writes. Here: async, any follower, entries applied in log order." },
  { value: "eventual", doc: "Cosmos DB eventual: no ordering promise. Here: async, any follower, entries applied as they arrive (out of order)." },
] as const;
export type Level = (typeof LEVELS)[number]["value"];
export type CosmosLevel = Exclude<Level, "custom">;

const FAILOVER = [
  { value: "most-advanced", doc: "Promote the follower that has applied the most of the log." },
  { value: "any", doc: "Promote a follower drawn from the seed, however far behind it is." },
  { value: "none", doc: "No failover: writes wait for the old leader to come back." },
] as const;
export type Failover = (typeof FAILOVER)[number]["value"];

const FENCING = [
  { value: "none", doc: "Nothing stops an old leader: replicas take its writes, and two leaders may accept writes at once." },
  { value: "epoch", doc: "Every leader has an epoch (term); replicas that saw a higher one refuse the old leader's writes, and it steps down." },
] as const;
export type Fencing = (typeof FENCING)[number]["value"];

const promote = s.object("Promote a follower to leader at a given time while the old leader keeps running (it is not told: no fencing reaches it).", {
  follower: s.field(s.string({ doc: "The follower promoted (empty: none).", maxLength: 32, default: "" })),
  atMs: s.field(s.integer({ doc: "When (0: never).", min: 0, max: 3_600_000, default: 0, unit: "ms" })),
});

/** What `compare:` takes: replication modes, read targets, Cosmos DB levels. */
export type Setting = Mode | Target | CosmosLevel;
const SETTINGS = [...MODES, ...TARGETS, ...LEVELS.filter((l) => l.value !== "custom").map((l) => ({ value: l.value as CosmosLevel, doc: l.doc }))] as readonly {
  value: Setting;
  doc: string;
}[];

const follower = s.object("One follower (replica) and how far it lags.", {
  name: s.required(s.string({ doc: "The follower's name.", minLength: 1, maxLength: 32 })),
  lagMs: s.field(s.integer({ doc: "How long each log entry takes to reach the follower and be applied.", min: 0, max: 600_000, default: 10, unit: "ms" })),
  lagMaxMs: s.field(
    s.integer({ doc: "When above lagMs: each entry's lag is drawn from the seed between lagMs and this.", min: 0, max: 600_000, default: 0, unit: "ms" }),
  ),
  pauseAtMs: s.field(s.integer({ doc: "The follower stops receiving the log at this time (0: never).", min: 0, max: 3_600_000, default: 0, unit: "ms" })),
  resumeAtMs: s.field(s.integer({ doc: "…and catches up from this time (0: stays paused to the end).", min: 0, max: 3_600_000, default: 0, unit: "ms" })),
  applyDelayMs: s.field(
    s.integer({
      doc:
        "An entry the follower has received becomes visible to reads there only this long after the leader wrote it (PostgreSQL's " +
        "recovery_min_apply_delay); promotion applies everything received at once.",
      min: 0,
      max: 3_600_000,
      default: 0,
      unit: "ms",
    }),
  ),
});

export const WAITS_FOR = [
  { value: "applied", doc: "The follower has applied the write: a read there right after sees it (PostgreSQL's synchronous_commit = remote_apply)." },
  {
    value: "received",
    doc: "The follower has received the write, not necessarily applied it: durable on two replicas, yet a read there may not see it (PostgreSQL's on or remote_write).",
  },
] as const;
export type WaitsFor = (typeof WAITS_FOR)[number]["value"];

const value = s.union({ doc: "The value written.", options: [s.integer({ doc: "A number." }), s.string({ doc: "A string.", maxLength: 32 })] });
const keyList = s.union({
  doc: "The key read, or several keys read together from one replica at one moment.",
  options: [
    s.string({ doc: "A key.", minLength: 1, maxLength: 32 }),
    s.array({ doc: "Keys.", minItems: 1, maxItems: 6, items: s.string({ doc: "A key.", minLength: 1, maxLength: 32 }) }),
  ],
});

const op = s.object("One client operation: `write` with `value`, or `read`.", {
  atMs: s.required(
    s.integer({ doc: "When the client issues it (later, if its previous operation has not returned yet).", min: 0, max: 3_600_000, unit: "ms" }),
  ),
  client: s.required(s.string({ doc: "The client (a session).", minLength: 1, maxLength: 32 })),
  write: s.field(s.string({ doc: "The key written.", minLength: 1, maxLength: 32 })),
  value: s.field(value),
  read: s.field(keyList),
  from: s.field(s.string({ doc: "A read: the replica that answers it, by name, whatever `read` says.", minLength: 1, maxLength: 32 })),
});

const workload = s.object("Operations drawn from the seed, besides `ops`.", {
  clients: s.field(s.integer({ doc: "How many clients (c1, c2, …); 0: none.", min: 0, max: 10, default: 0 })),
  ops: s.field(s.integer({ doc: "Operations per client.", min: 1, max: 200, default: 10 })),
  keys: s.field(s.integer({ doc: "How many keys (x, y, z, then k4, …).", min: 1, max: 10, default: 2 })),
  gapMs: s.field(s.integer({ doc: "Average gap between a client's operations.", min: 1, max: 60_000, default: 20, unit: "ms" })),
  writes: s.field(s.number({ doc: "Share of operations that are writes.", min: 0, max: 1, default: 0.5 })),
});

const crash = s.object("The leader crashes.", {
  atMs: s.field(s.integer({ doc: "When (0: no crash).", min: 0, max: 3_600_000, default: 0, unit: "ms" })),
  downMs: s.field(s.integer({ doc: "How long it stays down (0: for good).", min: 0, max: 3_600_000, default: 0, unit: "ms" })),
});

const partition = s.object("A network partition that cuts the leader (and the clients listed) off from the rest.", {
  atMs: s.field(s.integer({ doc: "When it starts (0: no partition).", min: 0, max: 3_600_000, default: 0, unit: "ms" })),
  healAtMs: s.field(s.integer({ doc: "When it heals (0: never).", min: 0, max: 3_600_000, default: 0, unit: "ms" })),
  clients: s.field(
    s.array({
      doc: "Clients on the leader's side: they keep talking to the old leader.",
      default: [],
      maxItems: 10,
      items: s.string({ doc: "A client.", minLength: 1, maxLength: 32 }),
    }),
  ),
});

/** What a cell compares (its `compare:` list, as written). */
const compared = (o: Readonly<Record<string, unknown>>): unknown[] => (Array.isArray(o.compare) ? o.compare : []);

/**
 * A knob for replication or read: only where it changes the run, that is without a Cosmos DB level
 * (which replaces both) and without a comparison over the same choice.
 */
const turns =
  (values: readonly { readonly value: string }[]) =>
  (o: Readonly<Record<string, unknown>>): boolean =>
    (o.consistency ?? "custom") === "custom" && !compared(o).some((x) => values.some((v) => v.value === x) || LEVELS.some((l) => l.value === x));

/** Whether the leader is lost at some point (a crash or a partition): where failover and fencing matter. */
const starts = (o: Readonly<Record<string, unknown>>, key: "crash" | "partition"): boolean => {
  const at = (o[key] as { atMs?: unknown } | undefined)?.atMs;
  return typeof at === "number" && at > 0;
};

/** Whether a cell reads within a staleness bound (where maxLagMs is worth turning). */
const bounded = (o: Readonly<Record<string, unknown>>) => o.read === "bounded" || o.consistency === "bounded-staleness";

export const schema = s.object(
  "Single-leader replication on a simulated network: the leader ships its log to followers that lag behind; clients write at the leader and " +
    "read where `read` says; the checker judges the clients' history (linearizability, session guarantees) and counts acknowledged writes lost in a failover.",
  {
    leader: s.field(s.string({ doc: "The leader's name.", minLength: 1, maxLength: 32, default: "primary" })),
    followers: s.field(
      s.array({
        doc: "The followers, each with its lag.",
        minItems: 1,
        maxItems: 6,
        default: [
          { name: "f1", lagMs: 10 },
          { name: "f2", lagMs: 50 },
        ],
        items: follower,
      }),
    ),
    replication: s.knob(s.enum({ doc: "When the leader acknowledges a write.", values: MODES, default: "async" }), turns(MODES)),
    acks: s.field(s.integer({ doc: "semi-sync: how many followers must have applied a write before it is acknowledged.", min: 1, max: 6, default: 1 })),
    syncWaitsFor: s.field(
      s.enum({ doc: "sync and semi-sync: what the leader waits for from a follower before it acknowledges a write.", values: WAITS_FOR, default: "applied" }),
    ),
    read: s.knob(s.enum({ doc: "Where clients read.", values: TARGETS, default: "leader" }), turns(TARGETS)),
    consistency: s.knob(
      s.enum({
        doc: "An Azure Cosmos DB consistency level, as a setting of this simulator (replaces `replication` and `read`).",
        values: LEVELS,
        default: "custom",
      }),
      (o) => !compared(o).some((x) => LEVELS.some((l) => l.value === x)),
    ),
    readWaitMs: s.field(
      s.integer({ doc: "caught-up: how long a follower holds a read before sending the client to the leader.", min: 0, max: 60_000, default: 100, unit: "ms" }),
    ),
    maxLagVersions: s.field(s.integer({ doc: "bounded: most log positions a follower may be behind when it answers (K).", min: 0, max: 1000, default: 2 })),
    maxLagMs: s.knob(
      s.integer({ doc: "bounded: longest a follower may miss an acknowledged write when it answers (T).", min: 0, max: 600_000, default: 50, unit: "ms" }),
      bounded,
    ),
    ops: s.field(s.array({ doc: "The clients' operations, in any order.", default: [], maxItems: 200, items: op })),
    workload: s.field(workload),
    crash: s.field(crash),
    partition: s.field(partition),
    promote: s.field(promote),
    failover: s.knob(
      s.enum({ doc: "Which follower becomes leader when the leader is lost.", values: FAILOVER, default: "most-advanced" }),
      (o) => starts(o, "crash") || starts(o, "partition"),
    ),
    detectMs: s.field(
      s.integer({ doc: "How long it takes to notice the leader is gone and promote a follower.", min: 1, max: 600_000, default: 50, unit: "ms" }),
    ),
    fencing: s.knob(s.enum({ doc: "What stops an old leader that did not notice it was replaced.", values: FENCING, default: "none" }), (o) =>
      starts(o, "partition"),
    ),
    timeoutMs: s.field(s.integer({ doc: "How long a client waits for an answer before giving up.", min: 1, max: 600_000, default: 300, unit: "ms" })),
    network: s.field(networkSchema),
    compare: s.field(
      s.array({
        doc: "The same operations and seed under several settings: replication modes, read targets or Cosmos DB levels.",
        default: [],
        maxItems: 8,
        items: s.enum({ doc: "A replication mode, a read target or a Cosmos DB level.", values: SETTINGS }),
      }),
    ),
    untilMs: s.field(untilMsSchema(3000)),
  },
);

export type Options = Infer<typeof schema>;

export const examples: readonly Example[] = [
  {
    name: "reading your own write from a lagging follower",
    description: "Async replication; c1 writes x and reads it back from a follower 50 ms behind.",
    body: "replication: async\nread: any\nops:\n  - { atMs: 0, client: c1, write: x, value: 1 }\n  - { atMs: 30, client: c1, read: x }\n",
  },
  {
    name: "failover loses acknowledged writes",
    description: "Async replication; the leader crashes with writes its followers never got.",
    body:
      "replication: async\nfollowers:\n  - { name: f1, lagMs: 40 }\n  - { name: f2, lagMs: 80 }\nops:\n" +
      "  - { atMs: 0, client: c1, write: x, value: 1 }\n  - { atMs: 60, client: c1, write: x, value: 2 }\n  - { atMs: 200, client: c1, read: x }\n" +
      "crash: { atMs: 80 }\n",
  },
  {
    name: "replication modes side by side",
    description: "A seeded workload under sync, semi-sync and async replication, reads from any follower.",
    body: "read: any\nworkload: { clients: 2, ops: 6 }\ncompare: [sync, semi-sync, async]\n",
  },
];

/** One scripted or drawn operation. */
export interface OpSpec {
  readonly atMs: number;
  readonly client: string;
  readonly kind: "write" | "read";
  readonly keys: readonly string[];
  readonly value?: string | number;
  /** A read answered by this replica, whatever the read target. */
  readonly from?: string;
}

export interface FollowerSpec {
  readonly name: string;
  readonly lagMs: number;
  readonly lagMaxMs: number;
  readonly pauseAtMs: number | undefined;
  readonly resumeAtMs: number | undefined;
  readonly applyDelayMs: number;
}

/** One run's settings. */
export interface Setup {
  readonly leader: string;
  readonly followers: readonly FollowerSpec[];
  readonly mode: Mode;
  readonly acks: number;
  readonly syncWaitsFor: WaitsFor;
  readonly read: Target;
  /** The Cosmos DB level this run stands for, if any. */
  readonly level: CosmosLevel | undefined;
  /** Followers apply the log in order (false: as entries arrive, Cosmos eventual). */
  readonly inOrder: boolean;
  readonly readWaitMs: number;
  readonly maxLagVersions: number;
  readonly maxLagMs: number;
  readonly ops: readonly OpSpec[];
  readonly workload: Options["workload"];
  readonly crash: { readonly atMs: number; readonly downMs: number | undefined } | undefined;
  readonly partition: { readonly atMs: number; readonly healAtMs: number | undefined; readonly clients: readonly string[] } | undefined;
  /** A follower promoted at a given time, the old leader still running. */
  readonly promote: { readonly follower: string; readonly atMs: number } | undefined;
  readonly failover: Failover;
  readonly detectMs: number;
  readonly fencing: Fencing;
  readonly timeoutMs: number;
  readonly network: Options["network"];
  readonly untilMs: number;
}

export interface Resolved {
  readonly run: Setup;
  /** With `compare:`: the setting each run stands for, and its options. */
  readonly compare?: readonly { readonly name: Setting; readonly options: Setup }[];
}

/** A Cosmos DB level as this simulator's settings. */
export function levelSettings(level: CosmosLevel): Pick<Setup, "mode" | "read" | "inOrder" | "level"> {
  switch (level) {
    case "strong":
      return { mode: "sync", read: "leader", inOrder: true, level };
    case "bounded-staleness":
      return { mode: "async", read: "bounded", inOrder: true, level };
    case "session":
      return { mode: "async", read: "caught-up", inOrder: true, level };
    case "consistent-prefix":
      return { mode: "async", read: "any", inOrder: true, level };
    case "eventual":
      return { mode: "async", read: "any", inOrder: false, level };
  }
}

/** The run under one setting of `compare:`. */
export function withSetting(run: Setup, setting: Setting): Setup {
  if (MODES.some((m) => m.value === setting)) return { ...run, mode: setting as Mode };
  if (TARGETS.some((t) => t.value === setting)) return { ...run, read: setting as Target };
  return { ...run, ...levelSettings(setting as CosmosLevel) };
}

function checkNames(o: Options, ctx: ResolveContext): void {
  const seen = new Set<string>();
  const check = (name: string, path: (string | number)[]) => {
    if (!NAME.test(name)) ctx.fail(path, `Names may use letters, digits, "-" and "_", starting with a letter (got "${name}").`);
    if (seen.has(name)) ctx.fail(path, `The name "${name}" is taken: replicas and clients need names of their own.`);
    seen.add(name);
  };
  check(o.leader, ["leader"]);
  o.followers.forEach((f, i) => check(f.name, ["followers", i, "name"]));
  const clients = new Set<string>();
  o.ops.forEach((x, i) => {
    if (!clients.has(x.client)) check(x.client, ["ops", i, "client"]);
    clients.add(x.client);
  });
  if (o.acks > o.followers.length) ctx.fail(["acks"], `semi-sync needs ${o.acks} acknowledgements but there are only ${o.followers.length} followers.`);
  const replicas = [o.leader, ...o.followers.map((f) => f.name)];
  o.ops.forEach((x, i) => {
    if (x.from !== undefined && !replicas.includes(x.from)) ctx.fail(["ops", i, "from"], `No replica is called "${x.from}".`);
    if (x.from !== undefined && x.read === undefined) ctx.fail(["ops", i, "from"], "Only a read is answered `from` a replica.");
  });
  if (o.promote.atMs > 0 && !o.followers.some((f) => f.name === o.promote.follower))
    ctx.fail(["promote", "follower"], `No follower is called "${o.promote.follower}".`);
  o.partition.clients.forEach((c, i) => {
    if (!clients.has(c) && !/^c\d+$/.test(c)) ctx.fail(["partition", "clients", i], `No client is called "${c}".`);
  });
}

function opSpec(x: Options["ops"][number], i: number, ctx: ResolveContext): OpSpec {
  if ((x.write === undefined) === (x.read === undefined))
    ctx.fail(["ops", i], "An operation either writes (`write: key` with `value`) or reads (`read: key`).");
  if (x.write !== undefined) {
    if (x.value === undefined) ctx.fail(["ops", i, "write"], `The write of ${x.write} needs a \`value\`.`);
    return { atMs: x.atMs, client: x.client, kind: "write", keys: [x.write], value: x.value };
  }
  const keys = typeof x.read === "string" ? [x.read] : [...new Set(x.read)];
  return { atMs: x.atMs, client: x.client, kind: "read", keys, ...(x.from !== undefined ? { from: x.from } : {}) };
}

export function resolve(o: Options, ctx: ResolveContext): Resolved {
  checkNames(o, ctx);
  const followers = o.followers.map((f, i) => {
    if (f.resumeAtMs > 0 && f.resumeAtMs <= f.pauseAtMs) ctx.fail(["followers", i, "resumeAtMs"], "A follower resumes after it pauses.");
    return {
      name: f.name,
      lagMs: f.lagMs,
      lagMaxMs: Math.max(f.lagMs, f.lagMaxMs),
      pauseAtMs: f.pauseAtMs > 0 ? f.pauseAtMs : undefined,
      resumeAtMs: f.pauseAtMs > 0 && f.resumeAtMs > 0 ? f.resumeAtMs : undefined,
      applyDelayMs: f.applyDelayMs,
    };
  });
  const p = o.partition;
  if (p.atMs > 0 && p.healAtMs > 0 && p.healAtMs <= p.atMs) ctx.fail(["partition", "healAtMs"], "A partition heals after it starts.");
  const base: Setup = {
    leader: o.leader,
    followers,
    mode: o.replication,
    acks: o.acks,
    syncWaitsFor: o.syncWaitsFor,
    read: o.read,
    level: undefined,
    inOrder: true,
    readWaitMs: o.readWaitMs,
    maxLagVersions: o.maxLagVersions,
    maxLagMs: o.maxLagMs,
    ops: o.ops.map((x, i) => opSpec(x, i, ctx)),
    workload: o.workload,
    crash: o.crash.atMs > 0 ? { atMs: o.crash.atMs, downMs: o.crash.downMs > 0 ? o.crash.downMs : undefined } : undefined,
    partition: p.atMs > 0 ? { atMs: p.atMs, healAtMs: p.healAtMs > 0 ? p.healAtMs : undefined, clients: p.clients } : undefined,
    promote: o.promote.atMs > 0 ? { follower: o.promote.follower, atMs: o.promote.atMs } : undefined,
    failover: o.failover,
    detectMs: o.detectMs,
    fencing: o.fencing,
    timeoutMs: o.timeoutMs,
    network: o.network,
    untilMs: o.untilMs,
  };
  const run = o.consistency === "custom" ? base : { ...base, ...levelSettings(o.consistency) };
  if (run.ops.length === 0 && run.workload.clients === 0) ctx.fail(["ops"], "Give the clients something to do: `ops:` or `workload: { clients: 2 }`.");
  if (!o.compare.length) return { run };
  return { run, compare: [...new Set(o.compare)].map((name) => ({ name, options: withSetting(run, name) })) };
}
