// Places keys on nodes with each strategy, applies the scenario's changes one by one and records
// who owns what after each step: the numbers behind movement, balance and replica checks.
import { murmur3 } from "../../../core/hash/murmur3";
import type { Rng } from "../../../core/rng";
import { keyName, type Change, type NodeSpec, type Options, type Resolved, type Strategy } from "../scenario";
import { drawRequests, hash2, hashKeys, type KeyHashes } from "./keys";
import { duplicateReplicaSets } from "./replicas";
import { directoryRun, rangeRun, statefulOwnerOf, type RangeSummary, type StatefulRun } from "./stateful";
import { jump, modN, placeBounded, rendezvous, ring, type Placement, type Ring } from "./strategies";

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

function counts(owners: Int32Array, n: number, weightsPerKey?: Uint32Array): number[] {
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < owners.length; i++) out[owners[i]!] += weightsPerKey ? weightsPerKey[i]! : 1;
  return out;
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

/** A change in words, as steps are labelled: "add n4", "move key-42 to n2", "weight n1 to 3". */
function labelOf(c: Change): string {
  return `${c.action} ${c.action === "move" ? `${c.key ?? "?"} to ` : ""}${c.node}${c.action === "weight" ? ` to ${c.weight}` : ""}`;
}

/** Requests per node, with the celebrity key's requests spread over its salted sub-keys. */
function requestLoad(
  owners: Int32Array,
  nodes: readonly NodeSpec[],
  requests: Uint32Array,
  options: Options,
  subOwner: (name: string) => number,
): { counts: number[]; celebrityNodes?: number } {
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

interface Moves {
  readonly moved: number;
  readonly needless: number;
  readonly sampleMoves: [number, string, string][];
}

/** Keys whose owner changed since the previous step, those that moved needlessly, and a few examples. */
function movesSince(prev: Step, nodes: readonly NodeSpec[], owners: Int32Array, change: Change): Moves {
  let moved = 0;
  let needless = 0;
  const sampleMoves: [number, string, string][] = [];
  const live = new Set(nodes.map((n) => n.name));
  for (let i = 0; i < owners.length; i++) {
    const from = prev.nodes[prev.owners[i]!]!.name;
    const to = nodes[owners[i]!]!.name;
    if (from === to) continue;
    moved++;
    if (live.has(from) && from !== change.node && to !== change.node) needless++;
    if (sampleMoves.length < 12) sampleMoves.push([i, from, to]);
  }
  return { moved, needless, sampleMoves };
}

/** The stateful placements' runs (range sharding and the directory), which remember owners step to step. */
function statefulRun(strategy: Strategy, keys: KeyHashes, resolved: Resolved, changes: readonly (Change | undefined)[]): StatefulRun | undefined {
  if (strategy !== "range" && strategy !== "directory") return undefined;
  const count = keys.h.length;
  if (strategy === "range") return rangeRun(resolved, resolved.keyPattern === "sequential" ? undefined : keys.h, resolved.nodesPerStep, changes, count);
  const names = Array.from({ length: count }, (_, i) => keyName(i, resolved.keyPattern));
  return directoryRun(names, keys.h, resolved.nodesPerStep, changes);
}

function runStrategy(strategy: Strategy, keys: KeyHashes, requests: Uint32Array, resolved: Resolved): StrategyRun {
  const changes = [undefined, ...resolved.changes];
  const stateful = statefulRun(strategy, keys, resolved, changes);
  const steps: Step[] = [];
  const capacities: number[] = [];
  resolved.nodesPerStep.forEach((nodes, si) => {
    const change = changes[si];
    const index = new Map(nodes.map((n, i) => [n.name, i]));
    const p = placement(strategy, nodes, resolved);
    let owners: Int32Array;
    if (stateful) owners = Int32Array.from(stateful.owners[si]!, (name) => index.get(name)!);
    else if (strategy === "bounded") {
      const b = placeBounded(p as Ring, nodes.length, keys.h, resolved.epsilon);
      owners = b.owners;
      capacities.push(b.capacity);
    } else {
      owners = new Int32Array(keys.h.length);
      for (let i = 0; i < owners.length; i++) owners[i] = p!.owner(keys.h[i]!, keys.h2[i]!);
    }
    const prev = steps[steps.length - 1];
    const moves: Moves = prev && change ? movesSince(prev, nodes, owners, change) : { moved: 0, needless: 0, sampleMoves: [] };
    const expected = change ? expectedFraction(strategy, resolved.nodesPerStep[si - 1]!, nodes) : undefined;
    const subOwner = (name: string) => (p ? p.owner(murmur3(name), hash2(name)) : index.get(statefulOwnerOf(name, nodes))!);
    const load = requestLoad(owners, nodes, requests, resolved, subOwner);
    steps.push({
      label: change ? labelOf(change) : "start",
      nodes,
      owners,
      keyCounts: counts(owners, nodes.length),
      requestCounts: load.counts,
      moved: moves.moved,
      needless: moves.needless,
      ...(expected !== undefined && change?.action !== "weight" ? { expectedMoveFraction: expected } : {}),
      duplicateReplicaSets: p ? duplicateReplicaSets(p, nodes.length, keys, owners, resolved) : 0,
      sampleMoves: moves.sampleMoves,
      ...(si === 0 && stateful?.recentWrites ? { recentWrites: nodes.map((n) => stateful.recentWrites!.get(n.name) ?? 0) } : {}),
      ...(load.celebrityNodes !== undefined ? { celebrityNodes: load.celebrityNodes } : {}),
    });
  });
  return { strategy, steps, ...(strategy === "bounded" ? { capacities } : {}), ...(stateful?.ranges ? { ranges: stateful.ranges } : {}) };
}

export function simulate(resolved: Resolved, rng: Rng, progress: (f: number) => void): ShardingResult {
  const { strategies } = resolved;
  const keys = hashKeys(resolved.keys, resolved.keyPattern);
  const requests = drawRequests(resolved.keys, resolved, rng);
  const runs = strategies.map((s, i) => {
    progress(i / strategies.length);
    return runStrategy(s, keys, requests, resolved);
  });
  return { keys: resolved.keys, runs, requestsPerKey: requests };
}
