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
  /**
   * What the cache holds, in the policy's own order with its own marks, at most `limit` entries
   * each of objects and ghost ids: for the first requests' timeline, never on the request path.
   * Costs O(objects held). `name` gives an object's name as the workload has it.
   */
  view(limit: number, name: (id: number) => string): CacheView;
}

/** One cached object (or ghost id) as a timeline shows it, or a gap of `gap` objects left out. */
export interface ViewEntry {
  /** The object's name (absent for a gap). */
  readonly label?: string;
  /** Objects left out here (the middle of a long queue). */
  readonly gap?: number;
  /** The queue it is in, for policies with several (ARC's T1, S3-FIFO's small, W-TinyLFU's window). */
  readonly queue?: string;
  /** The policy's mark on it (LFU's count, the CLOCK bit, SIEVE's visited bit, S3-FIFO's frequency). */
  readonly mark?: number;
  /** Where the policy looks next: "leaves next", "hand". */
  readonly note?: string;
}

export interface CacheView {
  /** How the entries are ordered, in words ("most recently used first"). */
  readonly order: string;
  /** The name of the mark, when the policy keeps one ("hits", "visited"). */
  readonly mark?: string;
  /** Whether entries name their queue. */
  readonly queues: boolean;
  /** Objects held, at most `limit` of them, in the policy's order. */
  readonly entries: readonly ViewEntry[];
  /** Objects held in all. */
  readonly held: number;
  /** Ghost ids (remembered after eviction, not cached), for policies that keep them. */
  readonly ghosts?: readonly ViewEntry[];
  readonly ghostsHeld?: number;
  /** Policy-wide figures worth watching (ARC's target size for T1). */
  readonly figures?: Readonly<Record<string, number>>;
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

/** At most `limit` entries of a queue: its first and last halves, with a gap between when it is longer. */
export function capped(entries: ViewEntry[], limit: number): ViewEntry[] {
  if (entries.length <= limit) return entries;
  const head = Math.ceil(limit / 2);
  const tail = limit - head;
  const queue = entries[0]!.queue;
  return [...entries.slice(0, head), { gap: entries.length - limit, ...(queue !== undefined ? { queue } : {}) }, ...entries.slice(entries.length - tail)];
}

/** The entries, fresh from a view, with `note` set on the last one (the object a queue evicts next). */
export function noteLast(entries: ViewEntry[], note: string): ViewEntry[] {
  if (entries.length > 0) (entries[entries.length - 1] as { note?: string }).note = note;
  return entries;
}
