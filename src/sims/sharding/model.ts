// Places keys on nodes with each strategy, applies the scenario's changes one by one and records
// who owns what after each step: the numbers behind movement, balance and replica checks.
import { ScenarioError } from "../../core/errors";
import type { Rng } from "../../core/rng";
import { murmur3 } from "../../core/hash/murmur3";
import { keyName } from "./hash";
export { keyName } from "./hash";
import { directoryRun, rangeRun, statefulOwnerOf, type RangeSummary } from "./stateful";
import { jump, modN, rendezvous, ring, successor, type NodeSpec, type Placement, type Ring } from "./strategies";
import type { Options, Strategy } from "./scenario";

export interface Step {
  /** "start", or the change in words ("add n4"). */
  readonly label: string;
  readonly nodes: readonly NodeSpec[];
  /** For each key, the index of its owner in `nodes`. */
  readonly owners: Int32Array;
  /** Keys per node, in `nodes` order. */
  readonly keyCounts: readonly number[];
  /** Requests per node, in `nodes` order. */
  readonly requestCounts: readonly number[];
  /** Keys whose owner differs from the previous step. */
  readonly moved: number;
  /** Moved keys whose previous owner is still live and was not the node the change was about. */
  readonly needless: number;
  /** What theory predicts for `moved / keys` with this strategy and change, when it predicts one. */
  readonly expectedMoveFraction?: number;
  /** Replica sets holding the same physical node twice. */
  readonly duplicateReplicaSets: number;
  /** A few moved keys, for the rebalancing diagram: [key index, from node, to node]. */
  readonly sampleMoves: readonly [number, string, string][];
  /** Range sharding: writes per node over the most recent inserts. */
  readonly recentWrites?: readonly number[];
  /** Salting: the distinct nodes the celebrity key's sub-keys live on (reads fan in to all of them). */
  readonly celebrityNodes?: number;
}

export interface StrategyRun {
  readonly strategy: Strategy;
  readonly steps: readonly Step[];
  /** Bounded loads: the capacity each node had at each step. */
  readonly capacities?: readonly number[];
  /** Range sharding: the ranges at the start, in key order. */
  readonly ranges?: readonly RangeSummary[];
}

export interface ShardingResult {
  readonly keys: number;
  readonly runs: readonly StrategyRun[];
  /** Requests per key index (sampled from the popularity). */
  readonly requestsPerKey: Uint32Array;
}

export interface KeyHashes {
  readonly h: Uint32Array;
  readonly h2: Uint32Array;
}


export function hashKeys(count: number, pattern: Options["keyPattern"] = "hashed"): KeyHashes {
  const h = new Uint32Array(count);
  const h2 = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const name = keyName(i, pattern);
    h[i] = murmur3(name);
    h2[i] = murmur3(name, 0x5bd1e995);
  }
  return { h, h2 };
}

function placement(strategy: Strategy, nodes: readonly NodeSpec[], options: Options): Placement | undefined {
  switch (strategy) {
    case "range":
    case "directory":
      return undefined;
    case "mod":
      return modN(nodes);
    case "ring":
    case "bounded":
      return ring(nodes, options.virtualNodes);
    case "rendezvous":
      return rendezvous(nodes);
    case "jump":
      return jump(nodes);
  }
}

/** Bounded loads: walk clockwise from the key's point to the first node below capacity. */
function placeBounded(r: Ring, nodeCount: number, keys: KeyHashes, epsilon: number): { owners: Int32Array; capacity: number } {
  const n = keys.h.length;
  const capacity = Math.ceil(((1 + epsilon) * n) / nodeCount);
  const loads = new Int32Array(nodeCount);
  const owners = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let p = successor(r.points, keys.h[i]!);
    while (loads[r.owners[p]!]! >= capacity) p = p + 1 === r.points.length ? 0 : p + 1;
    owners[i] = r.owners[p]!;
    loads[owners[i]!]!++;
  }
  return { owners, capacity };
}

/** The nodes holding a key's copies: the owner, then the next ones clockwise (or in list order). */
function replicaSet(p: Placement, nodeCount: number, keyHash: number, owner: number, options: Options): number[] {
  const set = [owner];
  const r = Math.min(options.replicas, options.replicaPlacement === "next-points" ? options.replicas : nodeCount);
  const ringLike = (p as Ring).points !== undefined ? (p as Ring) : undefined;
  if (!ringLike) {
    for (let k = 1; k < r; k++) set.push((owner + k) % nodeCount);
    return set;
  }
  let at = successor(ringLike.points, keyHash);
  for (let steps = 1; set.length < r && steps < ringLike.points.length; steps++) {
    at = at + 1 === ringLike.points.length ? 0 : at + 1;
    const node = ringLike.owners[at]!;
    if (options.replicaPlacement === "next-points" || !set.includes(node)) set.push(node);
  }
  return set;
}

/** Replica sets that hold one physical node more than once. */
function duplicateReplicaSets(p: Placement, nodeCount: number, keys: KeyHashes, owners: Int32Array, options: Options): number {
  if (options.replicas <= 1) return 0;
  let duplicates = 0;
  for (let i = 0; i < owners.length; i++) {
    const set = replicaSet(p, nodeCount, keys.h[i]!, owners[i]!, options);
    if (new Set(set).size < set.length) duplicates++;
  }
  return duplicates;
}

function counts(owners: Int32Array, n: number, weightsPerKey?: Uint32Array): number[] {
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < owners.length; i++) out[owners[i]!] += weightsPerKey ? weightsPerKey[i]! : 1;
  return out;
}

function applyChange(nodes: NodeSpec[], change: Options["changes"][number], index: number): NodeSpec[] {
  const at = nodes.findIndex((n) => n.name === change.node);
  const where = `Change ${index + 1} (${change.action} ${change.node})`;
  if (change.action === "add") {
    if (at >= 0) throw new ScenarioError(`${where}: ${change.node} is already in the cluster.`);
    return [...nodes, { name: change.node, weight: change.weight }];
  }
  if (at < 0) throw new ScenarioError(`${where}: there is no node ${change.node}; the live nodes are ${nodes.map((n) => n.name).join(", ")}.`);
  if (change.action === "weight") return nodes.map((n, i) => (i === at ? { ...n, weight: change.weight } : n));
  if (change.action === "move") return nodes;
  if (nodes.length === 1) throw new ScenarioError(`${where}: it is the last node; a cluster needs at least one.`);
  return nodes.filter((_, i) => i !== at);
}

/** Theory's share of keys that must move for a change, for strategies that guarantee minimal movement. */
function expectedFraction(strategy: Strategy, before: readonly NodeSpec[], after: readonly NodeSpec[]): number | undefined {
  if (before.length === after.length) return undefined;
  const b = before.length;
  const a = after.length;
  if (a > b) return strategy === "mod" ? b / a : 1 / a;
  if (a < b) return strategy === "mod" ? (b - 1) / b : 1 / b;
  return undefined;
}

/** Zipf (or uniform) request counts per key, drawn from the seeded generator via the CDF. */
export function drawRequests(keys: number, options: Options, rng: Rng): Uint32Array {
  const out = new Uint32Array(keys);
  if (options.requests === 0) return out;
  if (options.popularity === "celebrity") {
    for (let r = 0; r < options.requests; r++) out[rng.chance(options.celebrityShare) ? 0 : rng.int(0, keys - 1)]!++;
    return out;
  }
  if (options.popularity === "uniform") {
    for (let r = 0; r < options.requests; r++) out[rng.int(0, keys - 1)]!++;
    return out;
  }
  const cdf = new Float64Array(keys);
  let sum = 0;
  for (let i = 0; i < keys; i++) cdf[i] = sum += 1 / Math.pow(i + 1, options.zipfAlpha);
  for (let r = 0; r < options.requests; r++) {
    const u = rng.float() * sum;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    out[lo]!++;
  }
  return out;
}

/** The live nodes before and after each change ("start" first). */
function nodesPerStep(options: Options): { nodes: NodeSpec[][]; changes: (Options["changes"][number] | undefined)[]; labels: string[] } {
  let nodes: NodeSpec[] = Array.from({ length: options.nodes }, (_, i) => ({ name: `n${i}`, weight: 1 }));
  const out = [nodes];
  options.changes.forEach((c, i) => {
    nodes = applyChange(nodes, c, i);
    out.push(nodes);
  });
  const labels = ["start", ...options.changes.map((c) => `${c.action} ${c.action === "move" ? `${c.key ?? "?"} to ` : ""}${c.node}${c.action === "weight" ? ` to ${c.weight}` : ""}`)];
  return { nodes: out, changes: [undefined, ...options.changes], labels };
}

/** Requests per node, with the celebrity key's requests spread over its salted sub-keys. */
function requestLoad(owners: Int32Array, nodes: readonly NodeSpec[], requests: Uint32Array, options: Options, subOwner: (name: string) => number): { counts: number[]; celebrityNodes?: number } {
  const out = counts(owners, nodes.length, requests);
  if (options.saltBuckets <= 1 || options.popularity !== "celebrity" || requests.length === 0) return { counts: out };
  const hot = requests[0]!;
  out[owners[0]!] -= hot;
  const used = new Set<number>();
  for (let s = 0; s < options.saltBuckets; s++) {
    const share = Math.floor(hot / options.saltBuckets) + (s < hot % options.saltBuckets ? 1 : 0);
    const node = subOwner(`${keyName(0, options.keyPattern)}#${s}`);
    out[node] += share;
    used.add(node);
  }
  return { counts: out, celebrityNodes: used.size };
}

function runStrategy(strategy: Strategy, keys: KeyHashes, requests: Uint32Array, options: Options): StrategyRun {
  const plan = nodesPerStep(options);
  const names = Array.from({ length: keys.h.length }, (_, i) => keyName(i, options.keyPattern));
  const stateful = strategy === "range" ? rangeRun(options, options.keyPattern === "sequential" ? undefined : keys.h, plan.nodes, plan.changes, names.length) : strategy === "directory" ? directoryRun(names, keys.h, plan.nodes, plan.changes) : undefined;
  const steps: Step[] = [];
  const capacities: number[] = [];
  plan.nodes.forEach((nodes, si) => {
    const change = plan.changes[si];
    const before = plan.nodes[Math.max(0, si - 1)]!;
    const index = new Map(nodes.map((n, i) => [n.name, i]));
    const p = placement(strategy, nodes, options);
    let owners: Int32Array;
    if (stateful) owners = Int32Array.from(stateful.owners[si]!, (name) => index.get(name)!);
    else if (strategy === "bounded") {
      const b = placeBounded(p as Ring, nodes.length, keys, options.epsilon);
      owners = b.owners;
      capacities.push(b.capacity);
    } else {
      owners = new Int32Array(keys.h.length);
      for (let i = 0; i < owners.length; i++) owners[i] = p!.owner(keys.h[i]!, keys.h2[i]!);
    }
    const prev = steps[steps.length - 1];
    let moved = 0;
    let needless = 0;
    const sampleMoves: [number, string, string][] = [];
    if (prev && change) {
      const live = new Set(nodes.map((n) => n.name));
      for (let i = 0; i < owners.length; i++) {
        const from = prev.nodes[prev.owners[i]!]!.name;
        const to = nodes[owners[i]!]!.name;
        if (from === to) continue;
        moved++;
        if (live.has(from) && from !== change.node && to !== change.node) needless++;
        if (sampleMoves.length < 12) sampleMoves.push([i, from, to]);
      }
    }
    const expected = change ? expectedFraction(strategy, before, nodes) : undefined;
    const subOwner = (name: string) => (p ? p.owner(murmur3(name), murmur3(name, 0x5bd1e995)) : index.get(statefulOwnerOf(name, nodes))!);
    const load = requestLoad(owners, nodes, requests, options, subOwner);
    steps.push({
      label: plan.labels[si]!,
      nodes,
      owners,
      keyCounts: counts(owners, nodes.length),
      requestCounts: load.counts,
      moved,
      needless,
      ...(expected !== undefined && change?.action !== "weight" ? { expectedMoveFraction: expected } : {}),
      duplicateReplicaSets: p ? duplicateReplicaSets(p, nodes.length, keys, owners, options) : 0,
      sampleMoves,
      ...(si === 0 && stateful?.recentWrites ? { recentWrites: nodes.map((n) => stateful.recentWrites!.get(n.name) ?? 0) } : {}),
      ...(load.celebrityNodes !== undefined ? { celebrityNodes: load.celebrityNodes } : {}),
    });
  });
  return { strategy, steps, ...(strategy === "bounded" ? { capacities } : {}), ...(stateful?.ranges ? { ranges: stateful.ranges } : {}) };
}

export function simulate(options: Options, rng: Rng, progress: (f: number) => void): ShardingResult {
  const strategies = options.compare.length ? [...new Set(options.compare)] : [options.strategy];
  if (strategies.includes("range") && options.keys > 200_000) throw new ScenarioError("Range sharding keeps every key's rank in memory: use at most 200,000 keys with it.");
  if (options.changes.some((c) => c.action === "move") && strategies.some((s) => s !== "directory")) throw new ScenarioError("move changes only apply to the directory strategy: a computed placement has no table to edit.");
  const keys = hashKeys(options.keys, options.keyPattern);
  const requests = drawRequests(options.keys, options, rng);
  const runs = strategies.map((s, i) => {
    progress(i / strategies.length);
    return runStrategy(s, keys, requests, options);
  });
  return { keys: options.keys, runs, requestsPerKey: requests };
}
