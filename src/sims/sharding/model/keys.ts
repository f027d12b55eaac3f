// The keys a sharding run places and the requests it sends them: each key's two hashes (MurmurHash3
// of its name, seeds 0 and 0x5bd1e995) and how many requests each key gets from the popularity.
import { murmur3 } from "../../../core/hash/murmur3";
import type { Rng } from "../../../core/rng";
import { keyName, type Options } from "../scenario";

export interface KeyHashes {
  readonly h: Uint32Array;
  readonly h2: Uint32Array;
}

/** The second hash of a name: the upper half of jump hash's 64-bit key. */
export const hash2 = (name: string) => murmur3(name, 0x5bd1e995);

export function hashKeys(count: number, pattern: Options["keyPattern"] = "hashed"): KeyHashes {
  const h = new Uint32Array(count);
  const h2 = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const name = keyName(i, pattern);
    h[i] = murmur3(name);
    h2[i] = hash2(name);
  }
  return { h, h2 };
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
