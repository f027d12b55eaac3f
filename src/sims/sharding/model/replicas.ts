// Where a key's copies go: the owner, then the next distinct nodes clockwise on a ring (or in list
// order for the other placements); `next-points` naively takes the next ring points, which may land
// on the same machine twice.
import type { Options } from "../scenario";
import type { KeyHashes } from "./keys";
import { successor, type Placement, type Ring } from "./strategies";

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
export function duplicateReplicaSets(p: Placement, nodeCount: number, keys: KeyHashes, owners: Int32Array, options: Options): number {
  if (options.replicas <= 1) return 0;
  let duplicates = 0;
  for (let i = 0; i < owners.length; i++) {
    const set = replicaSet(p, nodeCount, keys.h[i]!, owners[i]!, options);
    if (new Set(set).size < set.length) duplicates++;
  }
  return duplicates;
}
