// Options of the Kafka simulator: one topic with partitions replicated over brokers; a producer with
// Kafka's acks, retries, max.in.flight and idempotence settings; a consumer group with its assignor
// and commit strategy; and faults (brokers crashing or falling behind, produce requests or their
// acknowledgements lost, consumers joining, leaving or crashing). `resolve` checks what the options
// mean together, refusing what Kafka's own clients refuse (idempotence with acks other than all, or
// with more than 5 requests in flight).
import { NAME } from "../../core/network";
import { networkSchema, untilMsSchema } from "../../scenario/network";
import { s, type Infer } from "../../scenario/schema";
import type { Example, ResolveContext } from "../types";

export const ASSIGNORS = [
  { value: "range", doc: "RangeAssignor: each member gets a contiguous range of each topic's partitions (eager protocol)." },
  { value: "roundrobin", doc: "RoundRobinAssignor: partitions dealt to members in turn (eager protocol)." },
  { value: "sticky", doc: "StickyAssignor: balanced, keeping as many partitions where they were as it can (eager protocol)." },
  {
    value: "cooperative-sticky",
    doc: "CooperativeStickyAssignor: the sticky assignment reached by incremental cooperative rebalancing (KIP-429): only moving partitions are revoked.",
  },
] as const;
export type Assignor = (typeof ASSIGNORS)[number]["value"];

export const COMMITS = [
  {
    value: "auto",
    doc: "enable.auto.commit: at each poll, once `autoCommitIntervalMs` has passed, commit the position after the records the last poll returned.",
  },
  { value: "before", doc: "Commit the batch's offsets, then process it: a crash in between skips records (at most once)." },
  { value: "after", doc: "Process the batch, then commit its offsets: a crash in between processes records again (at least once)." },
  {
    value: "transactional",
    doc: "Read-process-write in a transaction: the outputs and the input offsets commit together or not at all (exactly once with read_committed).",
  },
] as const;
export type Commit = (typeof COMMITS)[number]["value"];

export const ISOLATIONS = [
  { value: "read_committed", doc: "The reader of the output sees only records of committed transactions (and those written outside transactions)." },
  { value: "read_uncommitted", doc: "The reader of the output sees every record written, including those of aborted transactions." },
] as const;
export type Isolation = (typeof ISOLATIONS)[number]["value"];

const FAULT_TYPES = [
  { value: "broker-crash", doc: "A broker stops (`broker`, `atMs`, `downMs`); the controller moves leadership off it after `detectMs`." },
  { value: "follower-stall", doc: "A broker stops fetching as a follower from `atMs` to `untilMs` (a slow disk, a long pause): it drops out of the ISR." },
  {
    value: "lose-request",
    doc:
      "The first produce request carrying record `record` is lost in the network. The producer times it out after `requestTimeoutMs` and closes " +
      "the connection: every other request in flight on it is sent again too.",
  },
  {
    value: "lose-ack",
    doc:
      "The broker's answer to the first produce request carrying record `record` is lost. The producer times the request out after " +
      "`requestTimeoutMs` and closes the connection: every other request in flight on it is sent again too.",
  },
  {
    value: "hold-ack",
    doc:
      "The broker holds its answer to the first produce request carrying record `record` past the request timeout, and the answers behind it on the " +
      "connection wait too: the producer times the request out, closes the connection and sends again every request that was in flight on it.",
  },
  { value: "consumer-crash", doc: "A consumer stops at `atMs` without leaving the group (it stops heartbeating), and restarts after `downMs` (0: never)." },
  {
    value: "consumer-pause",
    doc: "A consumer stops for `downMs` at `atMs` (a stop-the-world pause) and then carries on where it was, not knowing time passed: a zombie if the group gave up on it.",
  },
  { value: "consumer-leave", doc: "A consumer leaves the group cleanly at `atMs` (LeaveGroup)." },
  { value: "consumer-join", doc: "A new consumer joins the group at `atMs`." },
] as const;
export type FaultType = (typeof FAULT_TYPES)[number]["value"];

const fault = s.object("One fault.", {
  type: s.required(s.enum({ doc: "What happens.", values: FAULT_TYPES })),
  atMs: s.field(s.integer({ doc: "When.", min: 0, max: 3_600_000, default: 0, unit: "ms" })),
  downMs: s.field(
    s.integer({
      doc: "broker-crash, consumer-crash: how long it stays down (0: for good); consumer-pause: how long the pause lasts.",
      min: 0,
      max: 3_600_000,
      default: 0,
      unit: "ms",
    }),
  ),
  untilMs: s.field(s.integer({ doc: "follower-stall: when the broker fetches again (0: never).", min: 0, max: 3_600_000, default: 0, unit: "ms" })),
  broker: s.field(
    s.string({
      doc: "broker-crash, follower-stall: the broker (b1, b2, …), or `leader` for the first leader of partition 0.",
      maxLength: 32,
      default: "leader",
    }),
  ),
  consumer: s.field(s.string({ doc: "consumer-*: the consumer (c1, c2, …).", maxLength: 32, default: "c1" })),
  record: s.field(
    s.integer({ doc: "lose-request, lose-ack, hold-ack: the record, by its number (1 is the first produced).", min: 1, max: 100_000, default: 1 }),
  ),
});

const record = s.object("One record the producer sends.", {
  key: s.field(s.string({ doc: "The key (empty: a null key, placed by the sticky partitioner).", maxLength: 32, default: "" })),
  atMs: s.field(s.integer({ doc: "When the application calls send() (default: right after the previous record).", min: 0, max: 3_600_000, unit: "ms" })),
  partition: s.field(s.integer({ doc: "An explicit partition, overriding the key's.", min: 0, max: 63 })),
});

const workload = s.object("Records drawn from the seed, after `records`.", {
  records: s.field(s.integer({ doc: "How many records (0: none).", min: 0, max: 5000, default: 0 })),
  keys: s.field(s.integer({ doc: "How many distinct keys (k1, k2, …); 0: null keys.", min: 0, max: 1000, default: 4 })),
  hotKeyShare: s.field(s.number({ doc: "Share of records that carry the first key (a hot key).", min: 0, max: 1, default: 0 })),
  everyMs: s.field(s.integer({ doc: "Time between two records.", min: 0, max: 60_000, default: 5, unit: "ms" })),
});

const ACKS_OPTIONS = [
  s.integer({ doc: "0 or 1.", min: 0, max: 1 }),
  s.enum({ doc: "all: every in-sync replica.", values: [{ value: "all", doc: "All in-sync replicas." }] }),
] as const;
const ACKS_DOC = "acks: 0 (no answer awaited), 1 (the leader has it) or all (every in-sync replica has it).";
const acks = s.union({ doc: ACKS_DOC, default: "all", options: ACKS_OPTIONS });

/** What `compare:` takes: a setting of one of these keys. */
const comparable = s.object("One setting to compare: any of these keys, the rest as the cell says.", {
  name: s.field(s.string({ doc: "The setting's name in the table (default: what it sets).", maxLength: 40, default: "" })),
  acks: s.field(s.union({ doc: ACKS_DOC, options: ACKS_OPTIONS })),
  idempotence: s.field(s.boolean({ doc: "enable.idempotence." })),
  maxInFlight: s.field(s.integer({ doc: "max.in.flight.requests.per.connection.", min: 1, max: 10 })),
  minInsyncReplicas: s.field(s.integer({ doc: "min.insync.replicas.", min: 1, max: 5 })),
  uncleanLeaderElection: s.field(s.boolean({ doc: "unclean.leader.election.enable." })),
  assignor: s.field(s.enum({ doc: "partition.assignment.strategy.", values: ASSIGNORS })),
  commit: s.field(s.enum({ doc: "The commit strategy.", values: COMMITS })),
  isolation: s.field(s.enum({ doc: "isolation.level of the output's reader.", values: ISOLATIONS })),
});

const hasFault = (o: Readonly<Record<string, unknown>>, ...types: string[]) =>
  Array.isArray(o.faults) && o.faults.some((f) => types.includes((f as { type?: string }).type ?? ""));

export const schema = s.object(
  "A Kafka topic on a simulated cluster: a producer appends records to partition leaders, followers replicate them, a consumer group reads and " +
    "processes them into an output; the checker follows every record end to end (order per key, duplicates, losses with their causes, lag, rebalance stalls).",
  {
    brokers: s.field(s.integer({ doc: "How many brokers (b1, b2, …).", min: 1, max: 5, default: 3 })),
    partitions: s.knob(s.integer({ doc: "Partitions of the topic.", min: 1, max: 32, default: 3 }), () => ({ min: 1, max: 12 })),
    replicationFactor: s.field(s.integer({ doc: "Replicas of each partition (at most `brokers`).", min: 1, max: 5, default: 3 })),
    minInsyncReplicas: s.knob(
      s.integer({
        doc: "min.insync.replicas (Kafka's default is 1): with acks=all, a write is refused while fewer replicas are in sync.",
        min: 1,
        max: 5,
        default: 1,
      }),
      (o) => ({ min: 1, max: Number(o.replicationFactor ?? 3) }),
    ),
    uncleanLeaderElection: s.knob(
      s.boolean({
        doc: "unclean.leader.election.enable: when no in-sync replica is alive, elect an out-of-sync one (and lose what it lacks).",
        default: false,
      }),
      (o) => hasFault(o, "broker-crash"),
    ),
    replicaLagMaxMs: s.field(
      s.integer({
        doc: "replica.lag.time.max.ms: a follower that has not caught up for this long leaves the ISR.",
        min: 10,
        max: 600_000,
        default: 100,
        unit: "ms",
      }),
    ),
    fetchMs: s.field(s.integer({ doc: "How often a follower fetches from its leader.", min: 1, max: 10_000, default: 10, unit: "ms" })),
    detectMs: s.field(s.integer({ doc: "How long the controller takes to notice a broker is gone.", min: 1, max: 600_000, default: 50, unit: "ms" })),
    acks: s.field(acks),
    retries: s.knob(s.integer({ doc: "retries: how many times the producer sends a record again after an error or a timeout.", min: 0, max: 100, default: 5 })),
    maxInFlight: s.knob(s.integer({ doc: "max.in.flight.requests.per.connection (here per partition).", min: 1, max: 10, default: 5 })),
    idempotence: s.knob(
      s.boolean({ doc: "enable.idempotence: a producer id and a sequence number per partition let the broker drop duplicates.", default: false }),
    ),
    requestTimeoutMs: s.field(
      s.integer({ doc: "request.timeout.ms: how long the producer waits for an answer.", min: 1, max: 600_000, default: 300, unit: "ms" }),
    ),
    retryBackoffMs: s.field(s.integer({ doc: "retry.backoff.ms: the wait before a retry.", min: 0, max: 60_000, default: 20, unit: "ms" })),
    stickyBatch: s.field(
      s.integer({ doc: "Null keys: records sent to one partition before the sticky partitioner picks another (a batch).", min: 1, max: 1000, default: 4 }),
    ),
    records: s.field(s.array({ doc: "The records, in send order.", default: [], maxItems: 500, items: record })),
    workload: s.field(workload),
    consumers: s.field(s.integer({ doc: "Consumers in the group at the start (c1, c2, …).", min: 0, max: 16, default: 2 })),
    assignor: s.knob(s.enum({ doc: "partition.assignment.strategy.", values: ASSIGNORS, default: "range" })),
    commit: s.knob(s.enum({ doc: "When the consumers commit their offsets.", values: COMMITS, default: "after" })),
    isolation: s.knob(
      s.enum({ doc: "isolation.level of whoever reads the output.", values: ISOLATIONS, default: "read_committed" }),
      (o) => o.commit === "transactional",
    ),
    autoCommitIntervalMs: s.field(s.integer({ doc: "auto.commit.interval.ms.", min: 1, max: 600_000, default: 50, unit: "ms" })),
    maxPollRecords: s.field(s.integer({ doc: "max.poll.records: records one poll returns at most.", min: 1, max: 500, default: 5 })),
    processMs: s.field(s.integer({ doc: "How long processing one record takes.", min: 0, max: 60_000, default: 4, unit: "ms" })),
    sessionTimeoutMs: s.knob(
      s.integer({ doc: "session.timeout.ms: a member silent this long is removed from the group.", min: 10, max: 600_000, default: 150, unit: "ms" }),
      (o) => (Number(o.consumers ?? 0) > 0 ? { min: 30, max: 1000 } : false),
    ),
    heartbeatMs: s.field(s.integer({ doc: "heartbeat.interval.ms.", min: 1, max: 60_000, default: 30, unit: "ms" })),
    faults: s.field(s.array({ doc: "Faults, in any order.", default: [], maxItems: 20, items: fault })),
    compare: s.field(s.array({ doc: "The same records and seed under several settings.", default: [], maxItems: 6, items: comparable })),
    network: s.field(networkSchema),
    untilMs: s.field(untilMsSchema(1000)),
  },
);

export type Options = Infer<typeof schema>;
export type Acks = 0 | 1 | "all";

export const examples: readonly Example[] = [
  {
    name: "keys, partitions and a consumer group",
    description: "Twelve keyed records over three partitions, read by two consumers with the range assignor.",
    body: "partitions: 3\nconsumers: 2\nworkload: { records: 12, keys: 4 }\n",
  },
  {
    name: "a consumer joins: eager against cooperative rebalancing",
    description: "A third consumer joins mid-run; the range assignor stops everyone, cooperative-sticky only the partitions that move.",
    body:
      "partitions: 12\nconsumers: 3\nworkload: { records: 120, keys: 24, everyMs: 4 }\nfaults:\n  - { type: consumer-join, consumer: c4, atMs: 300 }\nuntilMs: 2000\n" +
      "compare:\n  - { assignor: range }\n  - { assignor: cooperative-sticky }\n",
  },
  {
    name: "an acknowledged record lost on failover",
    description: "acks=all with min.insync.replicas=1: the ISR shrinks to the leader, which acknowledges alone and then crashes; unclean election.",
    body:
      "partitions: 1\nminInsyncReplicas: 1\nuncleanLeaderElection: true\nconsumers: 1\nworkload: { records: 8, keys: 2, everyMs: 25 }\nfaults:\n" +
      "  - { type: follower-stall, broker: b2, atMs: 0 }\n  - { type: follower-stall, broker: b3, atMs: 0 }\n  - { type: broker-crash, broker: b1, atMs: 400 }\n",
  },
];

export interface RecordSpec {
  /** From 1, in send order. */
  readonly id: number;
  readonly key: string | null;
  readonly atMs: number;
  readonly partition: number | undefined;
}

export interface FaultSpec {
  readonly type: FaultType;
  readonly atMs: number;
  readonly downMs: number | undefined;
  readonly untilMs: number | undefined;
  readonly broker: string;
  readonly consumer: string;
  readonly record: number;
}

/** One run's settings. */
export interface Setup {
  readonly brokers: number;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  readonly uncleanLeaderElection: boolean;
  readonly replicaLagMaxMs: number;
  readonly fetchMs: number;
  readonly detectMs: number;
  readonly acks: Acks;
  readonly retries: number;
  readonly maxInFlight: number;
  readonly idempotence: boolean;
  readonly requestTimeoutMs: number;
  readonly retryBackoffMs: number;
  readonly stickyBatch: number;
  readonly records: readonly RecordSpec[];
  readonly workload: Options["workload"];
  readonly consumers: number;
  readonly assignor: Assignor;
  readonly commit: Commit;
  readonly isolation: Isolation;
  readonly autoCommitIntervalMs: number;
  readonly maxPollRecords: number;
  readonly processMs: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly faults: readonly FaultSpec[];
  readonly network: Options["network"];
  readonly untilMs: number;
}

export interface Resolved {
  readonly run: Setup;
  readonly compare?: readonly { readonly name: string; readonly options: Setup }[];
}

const acksOf = (a: number | string): Acks => (a === 0 ? 0 : a === 1 ? 1 : "all");

type Setting = Options["compare"][number];

/** The name of a setting of `compare:` in tables: its own, or what it sets. */
export function settingName(c: Setting): string {
  if (c.name) return c.name;
  return Object.entries(c)
    .filter(([k]) => k !== "name")
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(", ");
}

function apply(run: Setup, c: Setting): Setup {
  const { name: _name, acks: a, ...rest } = c;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return { ...run, ...defined, ...(a !== undefined ? { acks: acksOf(a) } : {}) };
}

/** Kafka's own refusals and this simulator's limits, on one run's settings. */
function checkSetup(r: Setup, ctx: ResolveContext, at: (key: string) => (string | number)[]): void {
  if (r.replicationFactor > r.brokers)
    ctx.fail(at("replicationFactor"), `A replication factor of ${r.replicationFactor} needs as many brokers (there are ${r.brokers}).`);
  if (r.minInsyncReplicas > r.replicationFactor)
    ctx.fail(
      at("minInsyncReplicas"),
      `min.insync.replicas=${r.minInsyncReplicas} cannot exceed the replication factor (${r.replicationFactor}): acks=all would never succeed.`,
    );
  if (r.idempotence && r.acks !== "all") ctx.fail(at("acks"), "Kafka refuses enable.idempotence=true unless acks=all (a ConfigException in the producer).");
  if (r.idempotence && r.maxInFlight > 5)
    ctx.fail(at("maxInFlight"), "Kafka refuses enable.idempotence=true with more than 5 requests in flight: the broker keeps the last 5 batches per producer.");
}

function checkNames(o: Options, ctx: ResolveContext): void {
  o.records.forEach((r, i) => {
    if (r.partition !== undefined && r.partition >= o.partitions) ctx.fail(["records", i, "partition"], `The topic has partitions 0 to ${o.partitions - 1}.`);
    if (r.key && !NAME.test(r.key)) ctx.fail(["records", i, "key"], `Keys may use letters, digits, "-" and "_", starting with a letter (got "${r.key}").`);
  });
  o.faults.forEach((f, i) => {
    if ((f.type === "broker-crash" || f.type === "follower-stall") && f.broker !== "leader" && !/^b[1-9]$/.test(f.broker))
      ctx.fail(["faults", i, "broker"], `Brokers are called b1 to b${o.brokers}, or \`leader\`.`);
    const n = Number(f.broker.slice(1));
    if ((f.type === "broker-crash" || f.type === "follower-stall") && f.broker !== "leader" && n > o.brokers)
      ctx.fail(["faults", i, "broker"], `There are only ${o.brokers} brokers.`);
    if (f.type.startsWith("consumer-") && !/^c[0-9]{1,2}$/.test(f.consumer)) ctx.fail(["faults", i, "consumer"], "Consumers are called c1, c2, …");
    if (f.type === "follower-stall" && f.untilMs > 0 && f.untilMs <= f.atMs) ctx.fail(["faults", i, "untilMs"], "A stall ends after it starts.");
  });
}

/** A consumer that joins later is not one of the group's first ones, and joins once. */
function checkJoins(o: Options, ctx: ResolveContext): void {
  const joins = new Map<string, number>();
  o.faults.forEach((f, i) => {
    if (f.type !== "consumer-join") return;
    if (Number(f.consumer.slice(1)) <= o.consumers)
      ctx.fail(
        ["faults", i, "consumer"],
        `${f.consumer} is in the group from the start (consumers: ${o.consumers}); one that joins later is c${o.consumers + 1} or above.`,
      );
    else if (joins.has(f.consumer))
      ctx.fail(["faults", i, "consumer"], `${f.consumer} already joins (faults[${joins.get(f.consumer)}]); a consumer joins once.`);
    joins.set(f.consumer, i);
  });
}

export function resolve(o: Options, ctx: ResolveContext): Resolved {
  checkNames(o, ctx);
  checkJoins(o, ctx);
  let t = 0;
  const records: RecordSpec[] = o.records.map((r, i) => {
    t = r.atMs ?? (i === 0 ? 0 : t + 1);
    return { id: i + 1, key: r.key ? r.key : null, atMs: t, partition: r.partition };
  });
  if (records.length === 0 && o.workload.records === 0)
    ctx.fail(["records"], "Give the producer something to send: `records:` or `workload: { records: 20 }`.");
  const run: Setup = {
    ...o,
    acks: acksOf(o.acks),
    records,
    faults: o.faults.map((f) => ({
      type: f.type,
      atMs: f.atMs,
      downMs: f.downMs > 0 ? f.downMs : undefined,
      untilMs: f.untilMs > 0 ? f.untilMs : undefined,
      broker: f.broker,
      consumer: f.consumer,
      record: f.record,
    })),
  };
  checkSetup(run, ctx, (k) => [k]);
  if (!o.compare.length) return { run };
  const compare = o.compare.map((c, i) => {
    const options = apply(run, c);
    checkSetup(options, ctx, (k) => (k in c ? ["compare", i, k] : [k]));
    return { name: settingName(c), options };
  });
  return { run, compare };
}
