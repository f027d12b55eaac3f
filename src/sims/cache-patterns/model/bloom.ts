// A Bloom filter: m bits and k hash functions. Adding a key sets k bits; a lookup answers "maybe"
// when all k are set and "definitely not" otherwise, so it has false positives but never false
// negatives. The k positions come from two MurmurHash3 values by double hashing,
// g_i(x) = h1(x) + i * h2(x) mod m (Kirsch and Mitzenmacher, "Less Hashing, Same Performance",
// 2006), which keeps the false positive rate of k independent hashes. The number of hash functions
// that minimises it is the scenario's default (optimalHashes in scenario.ts).
import { murmur3 } from "../../../core/hash/murmur3";

export class BloomFilter {
  private readonly bits: Uint32Array;
  private added = 0;

  constructor(
    readonly m: number,
    readonly k: number,
  ) {
    if (!(m >= 1 && Number.isInteger(m)) || !(k >= 1 && Number.isInteger(k))) {
      throw new RangeError(`a Bloom filter needs m >= 1 and k >= 1 integers, got m=${m}, k=${k}`);
    }
    this.bits = new Uint32Array(Math.ceil(m / 32));
  }

  /** How many keys were added. */
  get size(): number {
    return this.added;
  }

  private positions(key: string, visit: (bit: number) => boolean): boolean {
    const h1 = murmur3(key, 0);
    // An odd second hash visits k distinct positions when m is a power of two, and is never 0.
    const h2 = murmur3(key, 0x9747b28c) | 1;
    for (let i = 0; i < this.k; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      if (!visit(bit % this.m)) return false;
    }
    return true;
  }

  add(key: string): void {
    this.positions(key, (b) => {
      this.bits[b >>> 5]! |= 1 << (b & 31);
      return true;
    });
    this.added++;
  }

  mightContain(key: string): boolean {
    return this.positions(key, (b) => (this.bits[b >>> 5]! & (1 << (b & 31))) !== 0);
  }

  /** Share of bits set. */
  fill(): number {
    let set = 0;
    for (const w of this.bits) {
      let x = w;
      while (x) {
        x &= x - 1;
        set++;
      }
    }
    return set / this.m;
  }
}

/** The usual approximation of the false positive rate after n insertions: (1 - e^(-kn/m))^k. */
export function bloomFalsePositiveRate(m: number, k: number, n: number): number {
  return (1 - Math.exp((-k * n) / m)) ** k;
}
