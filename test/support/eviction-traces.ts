// Frozen request traces for checking our eviction policies against libCacheSim's cachesim. The
// generator here never changes (the recorded results in test/oracles/libcachesim depend on it),
// and it shares nothing with the simulator's own workload code.

/** mulberry32: a tiny seeded generator, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface OracleTrace {
  readonly name: string;
  /** Object ids as written to the CSV file (numeric, as cachesim reads them with obj-id-is-num). */
  readonly ids: readonly number[];
  /** Size of each request in bytes. */
  readonly sizes: readonly number[];
}

function zipfSampler(n: number, alpha: number, rand: () => number): () => number {
  const cdf: number[] = [];
  let sum = 0;
  for (let i = 1; i <= n; i++) cdf.push((sum += 1 / i ** alpha));
  return () => {
    const u = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! >= u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** Ids are scattered (not 0..n) so nothing depends on small consecutive numbers. */
const scatter = (k: number) => ((k * 2654435761) % 4294967291) + 17;
const sizeOf = (k: number) => 1 + ((k * 7919) % 997);

function build(name: string, length: number, seed: number, next: (rand: () => number, i: number) => number): OracleTrace {
  const rand = mulberry32(seed);
  const ids: number[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < length; i++) {
    const k = next(rand, i);
    ids.push(scatter(k));
    sizes.push(sizeOf(k));
  }
  return { name, ids, sizes };
}

export function oracleTraces(): OracleTrace[] {
  const LEN = 10_000;
  return [
    build(
      "zipf-0.8-2000",
      LEN,
      1,
      (() => {
        let z: (() => number) | undefined;
        return (r) => (z ??= zipfSampler(2000, 0.8, r))();
      })(),
    ),
    build(
      "zipf-1.2-500",
      LEN,
      2,
      (() => {
        let z: (() => number) | undefined;
        return (r) => (z ??= zipfSampler(500, 1.2, r))();
      })(),
    ),
    build("uniform-300", LEN, 3, (r) => Math.floor(r() * 300)),
    build(
      "scan-500-400",
      LEN,
      4,
      (() => {
        let z: (() => number) | undefined;
        let fresh = 100_000;
        return (r, i) => (i % 2000 >= 1600 ? fresh++ : (z ??= zipfSampler(500, 1.0, r))());
      })(),
    ),
    build("loop-1200", LEN, 5, (_r, i) => i % 1200),
    build(
      "shifting-1000",
      LEN,
      6,
      (() => {
        let z: (() => number) | undefined;
        return (r, i) => ((z ??= zipfSampler(1000, 1.0, r))() + 250 * Math.floor(i / 2500)) % 1000;
      })(),
    ),
  ];
}

export const ORACLE_POLICIES = {
  lru: "lru",
  fifo: "fifo",
  lfu: "lfu",
  clock: "clock",
  arc: "arc",
  "2q": "twoq",
  "s3-fifo": "s3fifo",
  sieve: "sieve",
  "w-tinylfu": "wtinylfu",
} as const;
export const ORACLE_OBJECT_SIZES = [2, 5, 20, 50, 100, 200, 500, 1000];
export const ORACLE_BYTE_SIZES = [2_000, 20_000, 100_000, 400_000];

export function toCsv(t: OracleTrace): string {
  return t.ids.map((id, i) => `${id},${t.sizes[i]}`).join("\n") + "\n";
}
