// What every eviction policy is to the rest of the lab: a cache that serves one request at a time
// and says how full it is. Every file of this folder implements it; index.ts builds them.

export const POLICY_IDS = ["lru", "fifo", "lfu", "clock", "arc", "2q", "s3-fifo", "sieve", "w-tinylfu", "redis-lru", "redis-lfu"] as const;
export type PolicyId = (typeof POLICY_IDS)[number];

export interface Cache {
  readonly policy: PolicyId;
  readonly capacity: number;
  /** Serves one request; true on a hit. */
  get(id: number, size: number): boolean;
  /** Bytes (or objects) held now. */
  occupied(): number;
  /** Ids held now, in no particular order (tests and diagrams). */
  contents(): number[];
  /** Called with each evicted id when set (diagrams); null on the fast path. */
  onEvict: ((id: number) => void) | null;
  /** Objects evicted so far (ghost ids dropped do not count). */
  readonly evictions: number;
}

export interface PolicyParams {
  /** Redis: keys sampled per eviction (maxmemory-samples). */
  readonly samples?: number;
  /** Redis LFU: lfu-log-factor. */
  readonly lfuLogFactor?: number;
  /** Redis LFU: lfu-decay-time in minutes. */
  readonly lfuDecayTime?: number;
  /** Redis: requests per second, to turn request numbers into Redis's clock. */
  readonly requestsPerSecond?: number;
  /** Seed of the random sampling (Redis). */
  readonly seed?: number;
  /** W-TinyLFU: the object id as the trace names it, for a dense id (its sketch hashes that); the dense id when absent. */
  readonly keyOf?: (id: number) => number;
}
