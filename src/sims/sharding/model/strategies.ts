// Placement strategies. Each is built for a set of live nodes and answers "which node owns this
// key hash?" quickly: typed arrays and integer node indexes, no per-lookup allocation.
import { fmix32, murmur3 } from "../../../core/hash/murmur3";
import type { NodeSpec } from "../scenario";

export interface Placement {
  /** Index into the node list the placement was built for. */
  owner(keyHash: number, keyHash2: number): number;
}

/** hash mod N over the live nodes, in list order. */
export function modN(nodes: readonly NodeSpec[]): Placement {
  const n = nodes.length;
  return { owner: (h) => h % n };
}

export interface Ring extends Placement {
  /** Sorted ring positions and the node index owning each. */
  readonly points: Uint32Array;
  readonly owners: Int32Array;
}

/** A consistent-hash ring with `virtualNodes` points per unit of weight, each at hash("name#i"). */
export function ring(nodes: readonly NodeSpec[], virtualNodes: number): Ring {
  const entries: [number, number][] = [];
  nodes.forEach((node, index) => {
    const count = Math.max(1, Math.round(virtualNodes * node.weight));
    for (let v = 0; v < count; v++) entries.push([murmur3(`${node.name}#${v}`), index]);
  });
  entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const points = Uint32Array.from(entries, (e) => e[0]);
  const owners = Int32Array.from(entries, (e) => e[1]);
  return { points, owners, owner: (h) => owners[successor(points, h)]! };
}

/** Index of the first ring point at or after h (wrapping to 0): binary search. */
export function successor(points: Uint32Array, h: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]! < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === points.length ? 0 : lo;
}

/** Bounded loads: walk clockwise from each key's point to the first node below capacity, keys in order. */
export function placeBounded(r: Ring, nodeCount: number, hashes: Uint32Array, epsilon: number): { owners: Int32Array; capacity: number } {
  const n = hashes.length;
  const capacity = Math.ceil(((1 + epsilon) * n) / nodeCount);
  const loads = new Int32Array(nodeCount);
  const owners = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let p = successor(r.points, hashes[i]!);
    while (loads[r.owners[p]!]! >= capacity) p = p + 1 === r.points.length ? 0 : p + 1;
    owners[i] = r.owners[p]!;
    loads[owners[i]!]!++;
  }
  return { owners, capacity };
}

/** Rendezvous (highest random weight): each key goes to the node with the highest score. */
export function rendezvous(nodes: readonly NodeSpec[]): Placement {
  const seeds = Uint32Array.from(nodes, (n) => murmur3(n.name, 0x9747b28c));
  const weights = Float64Array.from(nodes, (n) => n.weight);
  const uniformWeights = nodes.every((n) => n.weight === nodes[0]!.weight);
  return {
    owner(h) {
      let best = 0;
      let bestScore = -Infinity;
      for (let i = 0; i < seeds.length; i++) {
        const x = fmix32(h ^ seeds[i]!);
        // Weighted HRW (Schindelhauer and Schomaker): score = -w / ln(u), u uniform in (0, 1).
        const score = uniformWeights ? x : -weights[i]! / Math.log((x + 0.5) / 4294967296);
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      }
      return best;
    },
  };
}

/**
 * Jump consistent hash (Lamping and Veach, 2014) on a 64-bit key made of two 32-bit hashes. The
 * 64-bit linear congruential step is done in 32-bit halves so it is exact without BigInt.
 */
export function jumpHash(hi: number, lo: number, buckets: number): number {
  let khi = hi >>> 0;
  let klo = lo >>> 0;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    // key = key * 2862933555777941757 + 1 (mod 2^64); the multiplier is 0x27BB2EE6_87B0B0FD.
    // The low halves multiply exactly in 16-bit pieces; the cross terms only affect the high half.
    const a0 = klo & 0xffff;
    const a1 = klo >>> 16;
    const p00 = a0 * 0xb0fd;
    const p01 = a0 * 0x87b0;
    const p10 = a1 * 0xb0fd;
    const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    const newLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
    const carry = a1 * 0x87b0 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(mid / 65536);
    let newHi = (carry + Math.imul(klo, 0x27bb2ee6) + Math.imul(khi, 0x87b0b0fd)) >>> 0;
    klo = (newLo + 1) >>> 0;
    if (klo === 0) newHi = (newHi + 1) >>> 0;
    khi = newHi;
    j = Math.floor((b + 1) * (2147483648 / ((khi >>> 1) + 1)));
  }
  return b;
}

export function jump(nodes: readonly NodeSpec[]): Placement {
  const n = nodes.length;
  return { owner: (h, h2) => jumpHash(h2, h, n) };
}
