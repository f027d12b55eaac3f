// The kafka model's partitioner and assignors (src/sims/kafka/model/) against librdkafka itself:
// scripts/librdkafka.mjs starts a driver (scripts/librdkafka_driver.py, Debian's confluent-kafka
// binding) that runs librdkafka's mock cluster, three brokers inside the driver's process.
//
// Partitioner: seeded keys (ASCII, non-ASCII, empty, long) are produced with
// partitioner=murmur2_random to topics of 1, 3, 7, 12 and 50 partitions; each delivery report says
// where librdkafka put the key, and partitionForKey must say the same for every key.
//
// Assignors: seeded consumer groups (2 to 4 members at first, 1 to 3 topics, each member subscribing
// to some of them) with partition.assignment.strategy range, roundrobin or cooperative-sticky join,
// then one member joins and one leaves. After each step the driver waits for the group to settle and
// records each member's member id (the mock's), assignment and rebalance callbacks, and what it
// owned when it sent each JoinGroup request. The model is given the same member ids and
// subscriptions (and, for cooperative-sticky, what each member told the leader it owned) and must
// give every member the same partitions; for cooperative-sticky, cooperativeMoves must also say
// what each member revoked, what it got in the step's first rebalance and what only in the
// follow-up one (the callbacks carry the generation they came in).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLibrdkafka, type Librdkafka } from "../../scripts/librdkafka.mjs";
import { partitionForKey } from "../../src/sims/kafka/model/partitioner";
import {
  assign,
  cooperativeMoves,
  LibrdkafkaUndefined,
  type Assignment,
  type AssignOptions,
  type AssignorName,
  type GroupMember,
  type TopicPartition,
} from "../../src/sims/kafka/model/assignors";
import { createRng, type Rng } from "../../src/core/rng";

const SEED = 20261201;
const KEYS = 2000;
const PARTITION_COUNTS = [1, 3, 7, 12, 50];
/** Groups per strategy: more for cooperative-sticky, whose rebalances depend on what members own. */
const GROUPS: Readonly<Partial<Record<AssignorName, number>>> = { range: 5, roundrobin: 5, "cooperative-sticky": 14 };

let kafka: Librdkafka | undefined;
const started = Date.now();
const totals = { keys: new Map<number, number>(), groups: 0, rebalances: 0, callbacks: 0, handOvers: 0, javaDiffers: 0, undefinedInLibrdkafka: 0 };
/** librdkafka 2.0.2's sticky assignor, where it departs from the Java client's (AssignOptions). */
const LIBRDKAFKA: AssignOptions = { librdkafkaBalanceCheckSkips: true, librdkafkaMovements: true };

before(async () => {
  kafka = await startLibrdkafka();
  console.log(`librdkafka ${kafka.librdkafka} (confluent-kafka ${kafka.binding}), mock cluster at ${kafka.bootstrap}`);
});

after(async () => {
  await kafka?.stop();
  const keys = [...totals.keys].map(([n, k]) => `${k} at ${n}`).join(", ");
  console.log(
    `librdkafka: keys compared per partition count: ${keys}; groups compared: ${totals.groups}; rebalances compared: ${totals.rebalances} (members' callbacks: ${totals.callbacks}; partitions handed over in a follow-up rebalance: ${totals.handOvers}; rebalances the Java client would assign otherwise: ${totals.javaDiffers}); left out: ${totals.undefinedInLibrdkafka} rebalances where librdkafka's assignor reads memory it has freed; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
});

// ---- keys ----

const ALPHABETS = ["abcdefghijklmnopqrstuvwxyz0123456789-_:./", "éèàüößøåñçÉÅ", "ключевойданные", "キーの値分区消费者", "🦀🚀🎉👩‍💻", "\u0000\u0001\t\n ~"];

function generatedKey(rng: Rng): string {
  const form = rng.int(0, 9);
  if (form === 0) return "";
  if (form === 1) return `user-${rng.int(0, 1_000_000)}`;
  const length = form === 2 ? rng.int(40, 200) : rng.int(1, 24);
  let key = "";
  const alphabet = [...ALPHABETS[rng.int(0, ALPHABETS.length - 1)]!];
  for (let i = 0; i < length; i++) key += alphabet[rng.int(0, alphabet.length - 1)];
  return key;
}

test("partitionForKey puts every key where librdkafka's murmur2_random partitioner does", async () => {
  const rng = createRng(SEED);
  const keys = ["", "kafka", "é", "🦀", ...Array.from({ length: KEYS - 4 }, () => generatedKey(rng))];
  assert.ok(keys.filter((k) => k === "").length > 1 && keys.some((k) => [...k].some((c) => c.codePointAt(0)! > 0x7f)));
  for (const n of PARTITION_COUNTS) {
    const { partitions } = await kafka!.request<{ partitions: number[] }>({ op: "keys", topic: `keys-${n}`, partitions: n, keys });
    assert.equal(partitions.length, keys.length);
    const wrong = keys.map((k, i) => ({ key: k, librdkafka: partitions[i], model: partitionForKey(k, n) })).filter((r) => r.librdkafka !== r.model);
    assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} of ${keys.length} keys placed differently with ${n} partitions`);
    totals.keys.set(n, keys.length);
  }
});

// ---- groups ----

interface JoinStep {
  readonly join: { name: string; topics: string[] }[];
}
interface LeaveStep {
  readonly leave: string[];
}
interface GroupSpec {
  readonly id: string;
  readonly strategy: AssignorName;
  readonly topics: Record<string, number>;
  readonly steps: (JoinStep | LeaveStep)[];
}
interface Event {
  readonly type: "assign" | "revoke";
  readonly generation: number;
  readonly partitions: [string, number][];
}
interface Run {
  readonly generation: number;
  readonly leader: string;
  readonly members: Record<string, { topics: string[]; ownedCount: number }>;
  readonly assignment: Record<string, [string, number][]>;
}
interface GroupResult {
  readonly id: string;
  readonly snapshots: Snapshot[];
  readonly runs: Run[];
}
interface Snapshot {
  readonly generation: number;
  readonly members: {
    name: string;
    memberId: string;
    topics: string[];
    assignment: [string, number][];
    events: Event[];
    /** What it owned when it sent each JoinGroup request, by the generation of the response. */
    joined: Record<string, [string, number][]>;
  }[];
}

function subscription(rng: Rng, topics: string[]): string[] {
  const picked = topics.filter(() => rng.chance(0.6));
  return picked.length > 0 ? picked : [topics[rng.int(0, topics.length - 1)]!];
}

function generatedGroup(rng: Rng, strategy: AssignorName, index: number): GroupSpec {
  const id = `${strategy}-${index}`;
  const topicNames = Array.from({ length: rng.int(1, 3) }, (_, t) => `${id}-t${t}`);
  // librdkafka before 2.6.1 can loop forever in its sticky assignor when a member could own fewer
  // partitions than the group has members less one (confluentinc/librdkafka#4800): cooperative
  // groups get topics of 5 or more partitions, enough for the 6 members a group has at most.
  const topics = Object.fromEntries(topicNames.map((t) => [t, strategy === "cooperative-sticky" ? rng.int(5, 10) : rng.int(1, 8)]));
  const same = rng.chance(0.4);
  const shared = subscription(rng, topicNames);
  const sub = (): string[] => (same ? shared : subscription(rng, topicNames));
  const first = Array.from({ length: rng.int(2, 4) }, (_, m) => ({ name: `m${m}`, topics: sub() }));
  const joiner = { name: `m${first.length}`, topics: sub() };
  const leaver = first[rng.int(0, first.length - 1)]!.name;
  const two = [1, 2].map((k) => ({ name: `m${first.length + k}`, topics: sub() }));
  return { id, strategy, topics, steps: [{ join: first }, { join: [joiner] }, { leave: [leaver] }, { join: two }] };
}

const tpOf = ([topic, partition]: [string, number]): TopicPartition => ({ topic, partition });
const keyOf = (p: TopicPartition): string => `${p.topic}[${p.partition}]`;
const show = (ps: readonly TopicPartition[]): string => ps.map(keyOf).join(" ") || "-";
const minus = (a: readonly TopicPartition[], b: readonly TopicPartition[]): TopicPartition[] => a.filter((p) => !b.some((q) => keyOf(q) === keyOf(p)));
const sortTps = (ps: TopicPartition[]): TopicPartition[] => ps.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
const sameAssignment = (a: Assignment, b: Assignment): boolean => Object.keys(a).every((id) => show(a[id]!) === show(b[id] ?? []));

/** The partitions of a member's callbacks of one kind in one generation. */
function callbacks(events: readonly Event[], type: Event["type"], generation: number): TopicPartition[] {
  return sortTps(events.filter((e) => e.type === type && e.generation === generation).flatMap((e) => e.partitions.map(tpOf)));
}

/** The model's assignment as librdkafka's, and whether the Java client's would differ; undefined where librdkafka's is undefined. */
function librdkafkaTarget(spec: GroupSpec, members: readonly GroupMember[]): Assignment | undefined {
  try {
    const target = assign(spec.strategy, members, spec.topics, LIBRDKAFKA);
    if (!sameAssignment(target, assign(spec.strategy, members, spec.topics))) totals.javaDiffers++;
    return target;
  } catch (e) {
    if (!(e instanceof LibrdkafkaUndefined)) throw e;
    totals.undefinedInLibrdkafka++;
    return undefined;
  }
}

/**
 * Compares every rebalance librdkafka's leader ran in one group: the model, given the members,
 * subscriptions and (cooperative-sticky) the partitions each member told the leader it owned,
 * must assign what the leader did; each member's callbacks in that generation must then be what
 * the model says: the whole assignment for eager strategies; under cooperative-sticky, what it
 * gets minus what another member still owned, and what it gave up revoked. Returns the
 * disagreements in words.
 */
function compareGroup(spec: GroupSpec, result: GroupResult): string[] {
  const cooperative = spec.strategy === "cooperative-sticky";
  const history = new Map<string, { name: string; events: Event[]; joined: Record<string, [string, number][]> }>();
  for (const snapshot of result.snapshots)
    for (const m of snapshot.members) {
      const h = history.get(m.memberId) ?? { name: m.name, events: [], joined: {} };
      h.events.push(...m.events);
      Object.assign(h.joined, m.joined);
      history.set(m.memberId, h);
    }
  const problems: string[] = [];
  for (const run of [...result.runs].sort((a, b) => a.generation - b.generation)) {
    const G = run.generation;
    const events = (id: string): Event[] => history.get(id)?.events ?? [];
    const told = (id: string): TopicPartition[] | undefined => history.get(id)?.joined[G]?.map(tpOf);
    const members: GroupMember[] = Object.entries(run.members).map(([id, m]) => ({
      id,
      topics: m.topics,
      owned: cooperative ? sortTps(told(id) ?? []) : [],
      generation: G - 1,
    }));
    // The leader's log gives each member's owned partitions as a count: the member's own log must agree.
    const unknown = cooperative ? members.filter((m) => told(m.id)?.length !== run.members[m.id]!.ownedCount) : [];
    for (const m of unknown)
      problems.push(
        `generation ${G}, ${m.id}: told the leader it owned ${run.members[m.id]!.ownedCount} partitions, its log says ${told(m.id)?.length ?? "nothing"}`,
      );
    const target = unknown.length === 0 ? librdkafkaTarget(spec, members) : undefined;
    if (!target) continue;
    const leaderOf = (id: string) => sortTps((run.assignment[id] ?? []).map(tpOf));
    for (const m of members.filter((x) => show(leaderOf(x.id)) !== show(target[x.id]!)))
      problems.push(`generation ${G}, leader ${run.leader}, ${m.id}: librdkafka ${show(leaderOf(m.id))}, model ${show(target[m.id]!)}`);
    totals.rebalances++;
    const owned: Assignment = Object.fromEntries(members.map((m) => [m.id, m.owned ?? []]));
    const { revoke, assignAfter } = cooperativeMoves(owned, target);
    for (const m of members) {
      if (!events(m.id).some((e) => e.type === "assign" && e.generation === G)) continue;
      const want = cooperative
        ? { assigned: minus(minus(target[m.id]!, owned[m.id]!), assignAfter[m.id]!), revoked: revoke[m.id]! }
        : { assigned: target[m.id]! };
      const got = { assigned: callbacks(events(m.id), "assign", G), revoked: callbacks(events(m.id), "revoke", G) };
      const who = `generation ${G}, ${history.get(m.id)!.name} (${m.id})`;
      if (show(got.assigned) !== show(want.assigned)) problems.push(`${who} on_assign: librdkafka ${show(got.assigned)}, model ${show(want.assigned)}`);
      if (want.revoked && show(got.revoked) !== show(want.revoked))
        problems.push(`${who} on_revoke: librdkafka ${show(got.revoked)}, model ${show(want.revoked)}`);
      totals.callbacks++;
      totals.handOvers += cooperative ? assignAfter[m.id]!.length : 0;
    }
  }
  return problems;
}

test("assign and cooperativeMoves give every member what librdkafka's range, roundrobin and cooperative-sticky assignors give it", async () => {
  const rng = createRng(SEED + 1);
  const specs = Object.entries(GROUPS).flatMap(([s, n]) => Array.from({ length: n }, (_, i) => generatedGroup(rng, s as AssignorName, i)));
  const { groups } = await kafka!.request<{ groups: GroupResult[] }>({ op: "groups", groups: specs });
  if (process.env.DSNB_LIBRDKAFKA_DUMP) (await import("node:fs")).writeFileSync(process.env.DSNB_LIBRDKAFKA_DUMP, JSON.stringify({ specs, groups }, null, 1));
  const disagreements: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const result = groups[i]!;
    assert.equal(result.snapshots.length, spec.steps.length);
    assert.ok(result.runs.length >= spec.steps.length, `${spec.id}: ${result.runs.length} assignor runs logged for ${spec.steps.length} steps`);
    for (const p of compareGroup(spec, result)) disagreements.push(`${spec.id}: ${p}`);
    totals.groups++;
  }
  assert.deepEqual(disagreements, []);
});
