// The two placements that remember where keys are instead of computing it: range sharding (ranges
// of keys in key order, split when they grow, handed out by a balancer) and a directory (a lookup
// table of key → node, changed only by explicit moves and hand-overs).
import { murmur3 } from "../../../core/hash/murmur3";
import { keyName, type Change, type NodeSpec, type Options } from "../scenario";

/** The live nodes at the start and after each change. */
type Steps = readonly (readonly NodeSpec[])[];
/** The change that led to each step (none for the start). */
type Changes = readonly (Change | undefined)[];

export interface StatefulRun {
  /** Per step, the owner of each key as a node name. */
  readonly owners: readonly (readonly string[])[];
  /** Range sharding: writes per node over the most recent inserts (a tenth of them, at most half a split). */
  readonly recentWrites?: ReadonlyMap<string, number>;
  /** Range sharding: the ranges at the start, in key order. */
  readonly ranges?: readonly RangeSummary[];
}

export interface RangeSummary {
  /** First and last key of the range, in the order ranges sort by (key names, or key hashes in hex). */
  readonly from: string;
  readonly to: string;
  readonly node: string;
  readonly keys: number;
}

function leastLoaded(load: Map<string, number>, live: readonly NodeSpec[], except?: string): string {
  let best = "";
  let min = Infinity;
  for (const n of live) {
    if (n.name === except) continue;
    const l = load.get(n.name) ?? 0;
    if (l < min) {
      min = l;
      best = n.name;
    }
  }
  return best;
}

interface Range {
  lo: number; // first rank (inclusive)
  hi: number; // last rank (exclusive)
  node: string;
  ranks: number[]; // ranks of the keys inserted so far
}

/**
 * Range sharding: insert keys in arrival order, splitting full ranges at their median. Ranges are
 * over `sortKey`: the key's hash for hashed keys (hash-range partitioning), the key itself for
 * sequential keys, whose order is their arrival order.
 */
export function rangeRun(options: Options, sortKey: Uint32Array | undefined, nodesPerStep: Steps, changes: Changes, k: number): StatefulRun {
  const order = Array.from({ length: k }, (_, i) => i);
  if (sortKey) order.sort((a, b) => sortKey[a]! - sortKey[b]! || a - b);
  const rankOf = new Int32Array(k);
  order.forEach((keyIndex, rank) => {
    rankOf[keyIndex] = rank;
  });
  const first = nodesPerStep[0]!;
  const ranges: Range[] = [{ lo: 0, hi: k, node: first[0]!.name, ranks: [] }];
  const load = new Map<string, number>(first.map((n) => [n.name, 0]));
  const recent = new Map<string, number>();
  // "Recent" is shorter than a split, so it shows where writes go at one moment.
  const recentFrom = k - Math.max(1, Math.min(Math.floor(k / 10), Math.floor(options.splitKeys / 2)));
  const find = (rank: number) => {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (ranges[mid]!.lo <= rank) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  for (let i = 0; i < k; i++) {
    const at = find(rankOf[i]!);
    const r = ranges[at]!;
    r.ranks.push(rankOf[i]!);
    load.set(r.node, load.get(r.node)! + 1);
    if (i >= recentFrom) recent.set(r.node, (recent.get(r.node) ?? 0) + 1);
    if (r.ranks.length > options.splitKeys) {
      r.ranks.sort((a, b) => a - b);
      const mid = r.ranks[r.ranks.length >> 1]!;
      const upper = r.ranks.filter((x) => x >= mid);
      const target = leastLoaded(load, first);
      const fresh: Range = { lo: mid, hi: r.hi, node: target, ranks: upper };
      r.hi = mid;
      r.ranks = r.ranks.filter((x) => x < mid);
      load.set(r.node, load.get(r.node)! - upper.length);
      load.set(target, load.get(target)! + upper.length);
      ranges.splice(at + 1, 0, fresh);
    }
  }
  const snapshot = () => Array.from({ length: k }, (_, i) => ranges[find(rankOf[i]!)]!.node);
  const owners: string[][] = [snapshot()];
  const bound = (rank: number) => (sortKey ? `0x${sortKey[order[rank]!]!.toString(16).padStart(8, "0")}` : keyName(order[rank]!, "sequential"));
  const summary: RangeSummary[] = ranges.map((r) => ({ from: bound(r.lo), to: bound(r.hi - 1), node: r.node, keys: r.ranks.length }));
  changes.forEach((change, step) => {
    if (!change) return;
    const live = nodesPerStep[step]!;
    if (change.action === "add") {
      load.set(change.node, 0);
      rebalanceTo(change.node, ranges, load, live);
    } else if (change.action === "remove" || change.action === "fail") {
      for (const r of ranges) {
        if (r.node !== change.node) continue;
        const to = leastLoaded(load, live);
        r.node = to;
        load.set(to, load.get(to)! + r.ranks.length);
      }
      load.delete(change.node);
    }
    owners.push(snapshot());
  });
  return { owners, recentWrites: recent, ranges: summary };
}

/** The balancer: move whole ranges from the most loaded node to the new one while that evens things out. */
function rebalanceTo(node: string, ranges: Range[], load: Map<string, number>, live: readonly NodeSpec[]): void {
  for (let guard = 0; guard < ranges.length; guard++) {
    let most = "";
    for (const n of live) if (n.name !== node && (most === "" || load.get(n.name)! > load.get(most)!)) most = n.name;
    const gap = load.get(most)! - load.get(node)!;
    const candidates = ranges.filter((r) => r.node === most && r.ranks.length > 0 && r.ranks.length < gap);
    if (candidates.length === 0) return;
    const pick = candidates.reduce((a, b) => (Math.abs(gap / 2 - b.ranks.length) < Math.abs(gap / 2 - a.ranks.length) ? b : a));
    pick.node = node;
    load.set(most, load.get(most)! - pick.ranks.length);
    load.set(node, load.get(node)! + pick.ranks.length);
  }
}

/** A directory: keys start at hash mod N and move only when told to. */
export function directoryRun(names: readonly string[], hashes: Uint32Array, nodesPerStep: Steps, changes: Changes): StatefulRun {
  const first = nodesPerStep[0]!;
  const owner = Array.from(hashes, (h) => first[h % first.length]!.name);
  const load = new Map<string, number>(first.map((n) => [n.name, 0]));
  for (const o of owner) load.set(o, load.get(o)! + 1);
  const owners: string[][] = [owner.slice()];
  changes.forEach((change, step) => {
    if (!change) return;
    const live = nodesPerStep[step]!;
    if (change.action === "add") {
      load.set(change.node, 0);
      const fair = Math.floor(names.length / live.length);
      for (let i = 0; i < owner.length && load.get(change.node)! < fair; i++) {
        if (load.get(owner[i]!)! <= fair) continue;
        load.set(owner[i]!, load.get(owner[i]!)! - 1);
        owner[i] = change.node;
        load.set(change.node, load.get(change.node)! + 1);
      }
    } else if (change.action === "remove" || change.action === "fail") {
      load.delete(change.node);
      for (let i = 0; i < owner.length; i++) {
        if (owner[i] !== change.node) continue;
        const to = leastLoaded(load, live);
        owner[i] = to;
        load.set(to, load.get(to)! + 1);
      }
    } else if (change.action === "move") {
      const i = names.indexOf(change.key!); // resolve made sure the key exists
      load.set(owner[i]!, load.get(owner[i]!)! - 1);
      owner[i] = change.node;
      load.set(change.node, load.get(change.node)! + 1);
    }
    owners.push(owner.slice());
  });
  return { owners };
}

/** Where a salted sub-key lands under a stateful strategy: hash-placed among the live nodes. */
export function statefulOwnerOf(name: string, live: readonly NodeSpec[]): string {
  return live[murmur3(name) % live.length]!.name;
}
