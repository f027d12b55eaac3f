// The one source of randomness for every simulation: a seeded xoroshiro128+ generator from
// pure-rand. Simulations never call Math.random, so a run is replayed exactly from its seed.
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";

export interface Rng {
  /** The seed this generator started from (shown in every output). */
  readonly seed: number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A new array with the items in random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent generator derived from this one, for a sub-simulation. */
  fork(): Rng;
}

/** Seeds are unsigned 32-bit integers so they survive JSON, YAML and the command line unchanged. */
export const MAX_SEED = 0xffff_ffff;

export function normalizeSeed(seed: number): number {
  if (!Number.isFinite(seed)) return 0;
  return Math.abs(Math.trunc(seed)) % (MAX_SEED + 1);
}

export function createRng(seed: number): Rng {
  const s = normalizeSeed(seed);
  const gen = xoroshiro128plus(s | 0);
  const rng: Rng = {
    seed: s,
    float: () => uniformFloat64(gen),
    int: (min, max) => uniformInt(gen, min, max),
    chance: (p) => p > 0 && (p >= 1 || uniformFloat64(gen) < p),
    pick: (items) => {
      if (items.length === 0) throw new RangeError("pick from an empty list");
      return items[uniformInt(gen, 0, items.length - 1)]!;
    },
    shuffle: (items) => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = uniformInt(gen, 0, i);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    fork: () => createRng(uniformInt(gen, 0, MAX_SEED)),
  };
  return rng;
}
