// How a Kafka consumer group's leader splits partitions among members: the range, round-robin and
// sticky assignors of the Java client (RangeAssignor, RoundRobinAssignor, AbstractStickyAssignor),
// which librdkafka ports, and the two-step hand-over of the incremental cooperative protocol.
// Checked against librdkafka's mock cluster in test/librdkafka/; where Java and librdkafka differ,
// docs/kafka-librdkafka.md says which one this follows and why.

export type AssignorName = "range" | "roundrobin" | "sticky" | "cooperative-sticky";
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}
export interface GroupMember {
  readonly id: string; // member id (assignors order members by it, as Kafka does)
  readonly topics: readonly string[]; // subscription
  readonly owned?: readonly TopicPartition[]; // what it owns now (sticky / cooperative-sticky use it)
  readonly generation?: number;
}
/** Each member's target assignment, partitions sorted by topic then partition. */
export type Assignment = Readonly<Record<string, readonly TopicPartition[]>>;

/** Kafka compares names byte-wise (Java's String.compareTo, C's strcmp); the same for the ASCII ids and topics Kafka allows. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareIds(a.topic, b.topic) || a.partition - b.partition;
}

/** Topics that exist (one partition or more) and someone subscribes to, sorted by name. */
function subscribedTopics(members: readonly GroupMember[], partitionsPerTopic: Readonly<Record<string, number>>): string[] {
  const topics = new Set<string>();
  for (const m of members) for (const t of m.topics) if ((partitionsPerTopic[t] ?? 0) > 0) topics.add(t);
  return [...topics].sort(compareIds);
}

function emptyAssignment(members: readonly GroupMember[]): Record<string, TopicPartition[]> {
  const out: Record<string, TopicPartition[]> = {};
  for (const m of members) out[m.id] = [];
  return out;
}

function sorted(assignment: Record<string, TopicPartition[]>): Assignment {
  for (const id of Object.keys(assignment)) assignment[id]!.sort(compareTopicPartitions);
  return assignment;
}

/**
 * Range: per topic, the subscribers sorted by member id each take a contiguous run of partitions;
 * the first (partitions % subscribers) of them one more.
 */
function rangeAssign(members: readonly GroupMember[], partitionsPerTopic: Readonly<Record<string, number>>): Assignment {
  const out = emptyAssignment(members);
  for (const topic of subscribedTopics(members, partitionsPerTopic)) {
    const count = partitionsPerTopic[topic]!;
    const subscribers = members.filter((m) => m.topics.includes(topic)).sort((a, b) => compareIds(a.id, b.id));
    const per = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    subscribers.forEach((m, i) => {
      const start = per * i + Math.min(i, extra);
      const length = per + (i < extra ? 1 : 0);
      for (let p = start; p < start + length; p++) out[m.id]!.push({ topic, partition: p });
    });
  }
  return sorted(out);
}

/**
 * Round robin: every partition of every subscribed topic (topics by name, partitions in order) to
 * the next member, in member id order and wrapping around, that subscribes to its topic.
 */
function roundRobinAssign(members: readonly GroupMember[], partitionsPerTopic: Readonly<Record<string, number>>): Assignment {
  const out = emptyAssignment(members);
  const ring = [...members].sort((a, b) => compareIds(a.id, b.id));
  let next = -1;
  for (const topic of subscribedTopics(members, partitionsPerTopic)) {
    for (let partition = 0; partition < partitionsPerTopic[topic]!; partition++) {
      do next = (next + 1) % ring.length;
      while (!ring[next]!.topics.includes(topic));
      out[ring[next]!.id]!.push({ topic, partition });
    }
  }
  return sorted(out);
}

/** Options for reproducing one implementation exactly; the defaults follow the Java client. */
export interface AssignOptions {
  /**
   * librdkafka before 2.6.1 (the sticky assignor's isBalanced; fixed by confluentinc/librdkafka#4800)
   * reuses its loop index: after checking a member that could take more partitions, it jumps to
   * the index after that member's count of possible partitions, so it may call an assignment
   * balanced that the Java client keeps improving (or, jumping back, loop forever: then `assign`
   * throws). Set to reproduce librdkafka 2.0.2 (Debian bookworm).
   */
  readonly librdkafkaBalanceCheckSkips?: boolean;
  /**
   * How the sticky assignor keeps track of the moves it makes. When a partition is to move, the
   * Java client first looks for a partition that moved the opposite way earlier and moves that
   * one instead, so moves undo each other rather than pile up (PartitionMovements). librdkafka's
   * port (rdkafka_sticky_assignor.c, 2.0.2 and still in 2.6) differs in three ways, reproduced when
   * this is set:
   * - it looks for a move from the new owner to the current owner (Java: to the member the
   *   partition first came from), because it builds that pair before updating the source;
   * - the partition it finds is a pointer into that list of moves, and it deletes the partition's
   *   record from that same list before using the pointer, so the partition that actually moves
   *   back is the next one in the list;
   * - it never deletes a partition's record when the partition moves back.
   * Where librdkafka would then read memory it has freed, or stop on one of its own assertions,
   * `assign` throws a LibrdkafkaUndefined error instead of guessing.
   */
  readonly librdkafkaMovements?: boolean;
}

export function assign(
  name: AssignorName,
  members: readonly GroupMember[],
  partitionsPerTopic: Readonly<Record<string, number>>,
  options: AssignOptions = {},
): Assignment {
  if (members.length === 0) return {};
  const ids = new Set(members.map((m) => m.id));
  if (ids.size !== members.length) throw new Error("member ids must be distinct");
  switch (name) {
    case "range":
      return rangeAssign(members, partitionsPerTopic);
    case "roundrobin":
      return roundRobinAssign(members, partitionsPerTopic);
    case "sticky":
    case "cooperative-sticky":
      return sorted(stickyAssign(members, subscribedTopics(members, partitionsPerTopic), partitionsPerTopic, options));
  }
}

const keyOf = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

/**
 * For the incremental cooperative protocol: given what members own and the new target, what each member must revoke in the first rebalance, and what it gets in the follow-up rebalance.
 * In the first rebalance a member keeps what it owns and is still its target, gives up the rest
 * (`revoke`), and gets the target partitions nobody owns; a target partition that another member
 * still owns is handed over only in the follow-up rebalance (`assignAfter`), once that member has
 * revoked it (the Java client's CooperativeStickyAssignor and librdkafka's
 * rd_kafka_cooperative_protocol_adjust_assignment).
 */
export function cooperativeMoves(owned: Assignment, target: Assignment): { readonly revoke: Assignment; readonly assignAfter: Assignment } {
  const ownerOf = new Map<string, string>();
  for (const [id, parts] of Object.entries(owned)) for (const tp of parts) ownerOf.set(keyOf(tp), id);
  const revoke: Record<string, TopicPartition[]> = {};
  const assignAfter: Record<string, TopicPartition[]> = {};
  const targetOf = new Map<string, string>();
  for (const [id, parts] of Object.entries(target)) for (const tp of parts) targetOf.set(keyOf(tp), id);
  for (const id of new Set([...Object.keys(owned), ...Object.keys(target)])) {
    revoke[id] = (owned[id] ?? []).filter((tp) => targetOf.get(keyOf(tp)) !== id);
    assignAfter[id] = (target[id] ?? []).filter((tp) => {
      const owner = ownerOf.get(keyOf(tp));
      return owner !== undefined && owner !== id;
    });
  }
  return { revoke: sorted(revoke), assignAfter: sorted(assignAfter) };
}

// ---------------------------------------------------------------------------------------------
// Sticky (eager and cooperative): the general algorithm of the Java client's AbstractStickyAssignor
// as librdkafka's rdkafka_sticky_assignor.c ports it. Keep every valid owned partition, give the
// others to the least loaded eligible member, then move partitions while that improves the balance,
// preferring moves that undo earlier ones; if the balance score did not improve, keep the
// assignment from before the moves.

type Key = string;

/** Partition moves made during one assignment, per topic and (from, to) pair, so a move can undo an earlier one instead of adding another. */
class Movements {
  private readonly byPartition = new Map<Key, { readonly src: string; readonly dst: string }>();
  private readonly byTopic = new Map<string, Map<string, TopicPartition[]>>();

  private remove(tp: TopicPartition): { readonly src: string; readonly dst: string } {
    const pair = this.byPartition.get(keyOf(tp))!;
    this.byPartition.delete(keyOf(tp));
    const pairs = this.byTopic.get(tp.topic)!;
    const pairKey = `${pair.src}\u0000${pair.dst}`;
    const list = pairs.get(pairKey)!.filter((p) => p.partition !== tp.partition);
    if (list.length === 0) pairs.delete(pairKey);
    else pairs.set(pairKey, list);
    if (pairs.size === 0) this.byTopic.delete(tp.topic);
    return pair;
  }

  private add(tp: TopicPartition, src: string, dst: string): void {
    this.byPartition.set(keyOf(tp), { src, dst });
    const pairs = this.byTopic.get(tp.topic) ?? new Map<string, TopicPartition[]>();
    this.byTopic.set(tp.topic, pairs);
    const pairKey = `${src}\u0000${dst}`;
    pairs.set(pairKey, [...(pairs.get(pairKey) ?? []), tp]);
  }

  private move(tp: TopicPartition, from: string, to: string): void {
    if (!this.byPartition.has(keyOf(tp))) return this.add(tp, from, to);
    const earlier = this.remove(tp);
    if (earlier.src !== to) this.add(tp, earlier.src, to);
  }

  /** The partition to move from `from` to `to` in place of `tp`: one that moved the other way earlier, if any. */
  private actualPartitionToMove(tp: TopicPartition, from: string, to: string): TopicPartition {
    const pairs = this.byTopic.get(tp.topic);
    if (!pairs) return tp;
    const earlier = this.byPartition.get(keyOf(tp));
    const origin = earlier ? earlier.src : from;
    return pairs.get(`${to}\u0000${origin}`)?.[0] ?? tp;
  }

  moveFor(tp: TopicPartition, to: string, ownerOf: (tp: TopicPartition) => string): { readonly actual: TopicPartition; readonly from: string } {
    const actual = this.actualPartitionToMove(tp, ownerOf(tp), to);
    const from = ownerOf(actual);
    this.move(actual, from, to);
    return { actual, from };
  }
}

/** Thrown where librdkafka's sticky assignor would read freed memory or stop on an assertion (AssignOptions.librdkafkaMovements). */
export class LibrdkafkaUndefined extends Error {}

/** A recorded move, as librdkafka keeps it: an object whose identity matters (see LibrdkafkaMovements). */
interface Pair {
  readonly src: string;
  readonly dst: string;
  freed: boolean;
}

/**
 * librdkafka's PartitionMovements, step for step (AssignOptions.librdkafkaMovements): a record
 * per partition that is replaced but never deleted, and per topic a list of partitions per
 * (from, to) pair, keyed by the record object that opened the list.
 */
class LibrdkafkaMovements {
  private readonly records = new Map<Key, Pair>();
  private readonly byTopic = new Map<string, Map<string, { key: Pair; list: TopicPartition[] }>>();

  private list(topic: string, src: string, dst: string): TopicPartition[] | undefined {
    const entry = this.byTopic.get(topic)?.get(`${src}\u0000${dst}`);
    if (entry?.key.freed) throw new LibrdkafkaUndefined(`librdkafka compares against a move record it has freed (${topic}: ${src} to ${dst})`);
    return entry?.list;
  }

  private add(tp: TopicPartition, src: string, dst: string): void {
    const previous = this.records.get(keyOf(tp));
    if (previous) previous.freed = true; // RD_MAP_SET frees the value it replaces
    const pair: Pair = { src, dst, freed: false };
    this.records.set(keyOf(tp), pair);
    const pairs = this.byTopic.get(tp.topic) ?? new Map<string, { key: Pair; list: TopicPartition[] }>();
    this.byTopic.set(tp.topic, pairs);
    // RD_MAP_GET_OR_SET compares against the key of an existing list: maybe a record freed above.
    const entry = this.list(tp.topic, src, dst) ? pairs.get(`${src}\u0000${dst}`)! : { key: pair, list: [] };
    pairs.set(`${src}\u0000${dst}`, entry);
    entry.list.push(tp);
  }

  /** PartitionMovements_movePartition. */
  private move(tp: TopicPartition, from: string, to: string): void {
    const record = this.records.get(keyOf(tp));
    if (!record) return this.add(tp, from, to);
    const list = this.list(tp.topic, record.src, record.dst);
    if (!list) throw new LibrdkafkaUndefined(`librdkafka asserts a list of moves for ${tp.topic}[${tp.partition}] that it has deleted`);
    const at = list.findIndex((p) => p.partition === tp.partition);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) {
      const pairs = this.byTopic.get(tp.topic)!;
      pairs.delete(`${record.src}\u0000${record.dst}`);
      if (pairs.size === 0) this.byTopic.delete(tp.topic);
    }
    if (record.dst !== from) throw new LibrdkafkaUndefined(`librdkafka's assertion on the move of ${tp.topic}[${tp.partition}] fails`);
    // Moving back to where it came from: the record stays (librdkafka never deletes one). Otherwise
    // `tp` cannot have come from `found` (its record would be the pair (to, from)).
    if (record.src === to) return;
    this.add(tp, record.src, to);
  }

  moveFor(tp: TopicPartition, to: string, ownerOf: (tp: TopicPartition) => string): { readonly actual: TopicPartition; readonly from: string } {
    const current = ownerOf(tp);
    const record = this.byTopic.has(tp.topic) ? this.records.get(keyOf(tp)) : undefined;
    if (record && record.dst !== current) throw new LibrdkafkaUndefined(`librdkafka's assertion on the move of ${tp.topic}[${tp.partition}] fails`);
    const found = this.byTopic.has(tp.topic) ? this.list(tp.topic, to, current) : undefined;
    const first = found ? found[0]! : tp;
    const from = ownerOf(first);
    this.move(first, from, to);
    // The pointer into `found` now reads whatever the deletion shifted into its place.
    const actual = found ? found[0] : first;
    if (!actual) throw new LibrdkafkaUndefined(`librdkafka moves a partition read from a list of moves it has freed`);
    return { actual, from };
  }
}

interface StickyState {
  /** Current assignment of the members that can still take part in reassignment. */
  readonly current: Map<string, TopicPartition[]>;
  readonly owner: Map<Key, string>;
  /** The partition's owner of the generation before the current owner's, when members report both. */
  readonly previousOwner: Map<Key, string>;
  readonly potential: Map<string, TopicPartition[]>;
  readonly potentialKeys: Map<string, Set<Key>>;
  /** Partition → members that can own it, in the order librdkafka builds it (topics by name, members by id, partitions in order). */
  readonly consumersOf: Map<Key, string[]>;
  /** Every partition someone subscribes to, by topic then partition. */
  readonly partitions: TopicPartition[];
  /** Members by current assignment size, then id. */
  sorted: string[];
  /** Reproduce librdkafka's departures from the Java client (AssignOptions). */
  readonly options: AssignOptions;
  readonly movements: Movements | LibrdkafkaMovements;
}

function resort(s: StickyState): void {
  s.sorted.sort((a, b) => s.current.get(a)!.length - s.current.get(b)!.length || compareIds(a, b));
}

function stickyState(
  members: readonly GroupMember[],
  topics: readonly string[],
  partitionsPerTopic: Readonly<Record<string, number>>,
  options: AssignOptions,
): StickyState {
  const byId = [...members].sort((a, b) => compareIds(a.id, b.id));
  const s: StickyState = {
    current: new Map(byId.map((m) => [m.id, []])),
    owner: new Map(),
    previousOwner: new Map(),
    potential: new Map(byId.map((m) => [m.id, []])),
    potentialKeys: new Map(byId.map((m) => [m.id, new Set()])),
    consumersOf: new Map(),
    partitions: [],
    sorted: [],
    options,
    movements: options.librdkafkaMovements ? new LibrdkafkaMovements() : new Movements(),
  };
  for (const topic of topics) for (let partition = 0; partition < partitionsPerTopic[topic]!; partition++) s.partitions.push({ topic, partition });
  for (const topic of topics)
    for (const m of byId.filter((x) => x.topics.includes(topic)))
      for (let partition = 0; partition < partitionsPerTopic[topic]!; partition++) {
        const tp = { topic, partition };
        s.potential.get(m.id)!.push(tp);
        s.potentialKeys.get(m.id)!.add(keyOf(tp));
        s.consumersOf.set(keyOf(tp), [...(s.consumersOf.get(keyOf(tp)) ?? []), m.id]);
      }
  return s;
}

/** Owned partitions: the claim of the highest generation wins; the one before it is remembered as the previous owner. */
function prepopulate(s: StickyState, members: readonly GroupMember[]): void {
  const claims = new Map<Key, { tp: TopicPartition; by: { id: string; generation: number }[] }>();
  for (const m of members)
    for (const tp of m.owned ?? []) {
      const claim = claims.get(keyOf(tp)) ?? { tp, by: [] };
      claims.set(keyOf(tp), claim);
      const generation = m.generation ?? -1;
      if (generation !== -1 && claim.by.some((c) => c.generation === generation)) continue;
      claim.by.push({ id: m.id, generation });
    }
  for (const [key, claim] of claims) {
    claim.by.sort((a, b) => b.generation - a.generation);
    s.current.get(claim.by[0]!.id)!.push(claim.tp);
    s.owner.set(key, claim.by[0]!.id);
    if (claim.by[1]) s.previousOwner.set(key, claim.by[1].id);
  }
}

function identicalSubscriptions(s: StickyState): boolean {
  const lists = [...s.consumersOf.values()].map((c) => c.join("\u0000"));
  const potentials = [...s.potentialKeys.values()].map((k) => [...k].join("\u0001"));
  return lists.every((l) => l === lists[0]) && potentials.every((p) => p === potentials[0]);
}

/**
 * The order in which partitions are considered for moves. With different subscriptions: the
 * partitions with fewest possible owners first. With identical ones: one partition at a time from
 * the most loaded member (one that had another owner before first), then the partitions nobody
 * owns, in reverse of the order they were listed (librdkafka walks its map that way).
 */
function sortPartitions(s: StickyState): TopicPartition[] {
  const all = [...s.partitions];
  if (!identicalSubscriptions(s)) {
    const count = (tp: TopicPartition): number => s.consumersOf.get(keyOf(tp))!.length;
    return all.sort((a, b) => count(a) - count(b) || compareTopicPartitions(a, b));
  }
  const remaining = new Map<string, TopicPartition[]>();
  for (const [id, parts] of s.current) {
    const valid = [...parts].sort(compareTopicPartitions).filter((tp) => s.consumersOf.has(keyOf(tp)));
    if (valid.length > 0) remaining.set(id, valid);
  }
  const order = [...remaining.keys()];
  const byLoad = (): void => void order.sort((a, b) => remaining.get(a)!.length - remaining.get(b)!.length || compareIds(a, b));
  byLoad();
  const out: TopicPartition[] = [];
  while (order.length > 0) {
    const parts = remaining.get(order[order.length - 1]!)!;
    if (parts.length === 0) {
      order.pop();
      continue;
    }
    const moved = parts.findIndex((tp) => s.previousOwner.has(keyOf(tp)));
    out.push(parts.splice(Math.max(moved, 0), 1)[0]!);
    byLoad();
  }
  if (out.length === 0) return all.sort(compareTopicPartitions);
  const listed = new Set(out.map(keyOf));
  return [...out, ...all.reverse().filter((tp) => !listed.has(keyOf(tp)))];
}

/** Drop owned partitions that no longer exist or whose topic the owner left; returns the partitions still to assign and whether a revocation is needed. */
function dropInvalid(
  s: StickyState,
  members: readonly GroupMember[],
  sortedPartitions: readonly TopicPartition[],
): { unassigned: TopicPartition[]; revocationRequired: boolean } {
  const kept = new Set<Key>();
  let revocationRequired = false;
  for (const m of members) {
    const valid = s.current.get(m.id)!.filter((tp) => {
      if (!s.consumersOf.has(keyOf(tp))) {
        s.owner.delete(keyOf(tp));
        return false;
      }
      if (!m.topics.includes(tp.topic)) {
        revocationRequired = true;
        return false;
      }
      kept.add(keyOf(tp));
      return true;
    });
    s.current.set(m.id, valid);
  }
  return { unassigned: sortedPartitions.filter((tp) => !kept.has(keyOf(tp))), revocationRequired };
}

function give(s: StickyState, tp: TopicPartition): void {
  const to = s.sorted.find((id) => s.potentialKeys.get(id)!.has(keyOf(tp)));
  if (to === undefined) return;
  s.current.get(to)!.push(tp);
  s.owner.set(keyOf(tp), to);
  resort(s);
}

/** Whether no member could take a partition from one with more than it: then moves stop. */
function isBalanced(s: StickyState): boolean {
  const count = (id: string): number => s.current.get(id)!.length;
  if (count(s.sorted[0]!) >= count(s.sorted[s.sorted.length - 1]!) - 1) return true;
  const jumpedTo = new Set<number>();
  for (let i = 0; i < s.sorted.length; i++) {
    const id = s.sorted[i]!;
    const mine = s.current.get(id)!;
    const potential = s.potential.get(id)!;
    if (mine.length === potential.length) continue;
    const have = new Set(mine.map(keyOf));
    for (const tp of potential) {
      if (have.has(keyOf(tp))) continue;
      const other = s.owner.get(keyOf(tp));
      if (other !== undefined && s.current.has(other) && mine.length < count(other)) return false;
    }
    if (!s.options.librdkafkaBalanceCheckSkips) continue;
    i = potential.length;
    if (jumpedTo.has(i)) throw new Error("librdkafka's sticky assignor (before 2.6.1) loops forever on this group");
    jumpedTo.add(i);
  }
  return true;
}

function moveTo(s: StickyState, tp: TopicPartition, to: string): void {
  const { actual, from } = s.movements.moveFor(tp, to, (p) => s.owner.get(keyOf(p))!);
  s.current.get(to)!.push(actual);
  // Like rd_kafka_topic_partition_list_del: the first copy, if any.
  const mine = s.current.get(from)!;
  const at = mine.findIndex((p) => keyOf(p) === keyOf(actual));
  s.current.set(
    from,
    mine.filter((_, i) => i !== at),
  );
  s.owner.set(keyOf(actual), to);
  resort(s);
}

/** One pass of moves over `partitions` until balanced; repeated while it moves something. Returns whether anything moved. */
function performReassignments(s: StickyState, partitions: readonly TopicPartition[]): boolean {
  let performed = false;
  let modified: boolean;
  const size = (id: string): number => s.current.get(id)?.length ?? 0;
  do {
    modified = false;
    for (let i = 0; i < partitions.length && !isBalanced(s); i++) {
      const tp = partitions[i]!;
      const owner = s.owner.get(keyOf(tp))!;
      const previous = s.previousOwner.get(keyOf(tp));
      if (previous !== undefined && s.current.has(previous) && size(owner) > size(previous) + 1) {
        moveTo(s, tp, previous);
        performed = modified = true;
        continue;
      }
      const better = s.consumersOf.get(keyOf(tp))!.some((other) => other !== owner && size(owner) > size(other) + 1);
      if (!better) continue;
      moveTo(
        s,
        tp,
        s.sorted.find((id) => s.potentialKeys.get(id)!.has(keyOf(tp)))!,
      );
      performed = modified = true;
    }
  } while (modified);
  return performed;
}

/** Sum over all pairs of members of the difference in their assignment sizes: 0 is perfectly balanced. */
function balanceScore(current: ReadonlyMap<string, readonly TopicPartition[]>): number {
  const sizes = [...current.values()].map((p) => p.length);
  let score = 0;
  for (let i = 0; i < sizes.length; i++) for (let j = i + 1; j < sizes.length; j++) score += Math.abs(sizes[i]! - sizes[j]!);
  return score;
}

/** Members that own all they could and none of whose partitions anyone else could own sit out the moves. */
function setAsideFixed(s: StickyState): Map<string, TopicPartition[]> {
  const fixed = new Map<string, TopicPartition[]>();
  for (const id of [...s.sorted]) {
    const mine = s.current.get(id)!;
    const canMove = mine.length < s.potential.get(id)!.length || mine.some((tp) => s.consumersOf.get(keyOf(tp))!.length >= 2);
    if (canMove) continue;
    fixed.set(id, mine);
    s.current.delete(id);
    s.sorted = s.sorted.filter((x) => x !== id);
  }
  return fixed;
}

function balance(s: StickyState, sortedPartitions: TopicPartition[], unassigned: TopicPartition[], revocationRequired: boolean): void {
  const initializing = s.current.get(s.sorted[s.sorted.length - 1]!)!.length === 0;
  for (const tp of unassigned) give(s, tp);
  const movable = (tp: TopicPartition): boolean => s.consumersOf.get(keyOf(tp))!.length >= 2;
  const reassignable = sortedPartitions.filter(movable);
  const newlyAssigned = unassigned.filter(movable);
  const fixed = setAsideFixed(s);
  const before = new Map([...s.current].map(([id, parts]) => [id, [...parts]]));
  const ownersBefore = new Map(s.owner);
  if (!revocationRequired && newlyAssigned.length > 0) performReassignments(s, newlyAssigned);
  const performed = performReassignments(s, reassignable);
  if (!initializing && performed && balanceScore(s.current) >= balanceScore(before)) {
    for (const [id, parts] of before) s.current.set(id, parts);
    s.owner.clear();
    for (const [k, v] of ownersBefore) s.owner.set(k, v);
  }
  for (const [id, parts] of fixed) s.current.set(id, parts);
}

function stickyAssign(
  members: readonly GroupMember[],
  topics: readonly string[],
  partitionsPerTopic: Readonly<Record<string, number>>,
  options: AssignOptions,
): Record<string, TopicPartition[]> {
  const s = stickyState(members, topics, partitionsPerTopic, options);
  prepopulate(s, members);
  const sortedPartitions = sortPartitions(s);
  const { unassigned, revocationRequired } = dropInvalid(s, members, sortedPartitions);
  s.sorted = [...s.current.keys()];
  resort(s);
  balance(s, sortedPartitions, unassigned, revocationRequired);
  const out: Record<string, TopicPartition[]> = {};
  for (const m of members) out[m.id] = [...s.current.get(m.id)!];
  return out;
}
