// Redis's approximated LRU and LFU (allkeys-lru and allkeys-lfu, src/evict.c): Redis keeps no
// recency list. To free memory it samples `maxmemory-samples` keys (default 5), merges them into an
// eviction pool of 16 candidates sorted by idle score, and evicts the best candidate that still
// exists. The pool outlives each eviction, which is what makes a sample of 5 behave close to LRU.
//
// LRU scores by idle time. LFU keeps an 8-bit logarithmic counter per key: new keys start at 5, a
// hit increments it with probability 1 / ((counter - 5) × lfu-log-factor + 1), and it decays by one
// per lfu-decay-time minutes without access; the score is 255 minus the decayed counter.
//
// Choices of ours (Redis has no trace to replay): time is the request number divided by
// requestsPerSecond; sampling draws distinct keys uniformly from a seeded generator, where Redis
// walks random hash-table buckets (dictGetSomeKeys), which is close to uniform for a full table.
import { grownF64, grownI32, grownU8 } from "./lists";
import { capped, type Cache, type CacheView, type PolicyParams } from "./cache";

const POOL = 16;
const LFU_INIT_VAL = 5;

export class RedisApprox implements Cache {
  onEvict: ((id: number) => void) | null = null;
  evictions = 0;
  private evicted(id: number): void {
    this.evictions++;
    if (this.onEvict !== null) this.onEvict(id);
  }
  private pos = new Int32Array(0);
  private keys = new Int32Array(16);
  private nKeys = 0;
  private size = new Float64Array(0);
  /** LRU: last access (request number). LFU: last decrement time in minutes. */
  private stamp = new Float64Array(0);
  private counter: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  private used = 0;
  private n = 0;
  private now = 0;
  private readonly poolKey = new Int32Array(POOL).fill(-1);
  private readonly poolIdle = new Float64Array(POOL);
  private readonly samples: number;
  private readonly logFactor: number;
  private readonly decayTime: number;
  private readonly perMinute: number;
  private state: number;
  private readonly picked: Int32Array;

  constructor(
    readonly policy: "redis-lru" | "redis-lfu",
    readonly capacity: number,
    params: PolicyParams,
  ) {
    this.samples = params.samples ?? 5;
    this.logFactor = params.lfuLogFactor ?? 10;
    this.decayTime = params.lfuDecayTime ?? 1;
    this.perMinute = (params.requestsPerSecond ?? 1000) * 60;
    this.state = ((params.seed ?? 1) ^ 0x9e3779b9) >>> 0 || 1;
    this.picked = new Int32Array(this.samples);
  }

  /** xorshift32: a fast seeded generator for sampling, uniform in [0, 1). */
  private random(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return (x - 1) / 4294967295;
  }

  private grow(id: number): void {
    const n = id + 1;
    this.pos = grownI32(this.pos, n, -1);
    this.size = grownF64(this.size, n);
    this.stamp = grownF64(this.stamp, n);
    this.counter = grownU8(this.counter, this.pos.length);
    this.n = this.pos.length;
  }

  occupied(): number {
    return this.used;
  }
  contents(): number[] {
    return Array.from(this.keys.subarray(0, this.nKeys));
  }

  /** Keys by their eviction score, the likeliest to go first (Redis keeps no order: it samples). */
  view(limit: number, name: (id: number) => string): CacheView {
    const keys = Array.from(this.keys.subarray(0, this.nKeys));
    const lru = this.policy === "redis-lru";
    const mark = (id: number) => (lru ? this.now - this.stamp[id]! : this.decayed(id));
    const scored = keys.map((id) => ({ id, mark: mark(id) })).sort((a, b) => (lru ? b.mark - a.mark : a.mark - b.mark) || a.id - b.id);
    const entries = scored.map(({ id, mark: m }) => ({ label: name(id), mark: m }));
    const order = lru ? "longest idle first (eviction samples keys at random)" : "lowest counter first (eviction samples keys at random)";
    return { order, mark: lru ? "idle (requests)" : "counter", queues: false, entries: capped(entries, limit), held: this.nKeys };
  }

  private minutes(): number {
    return Math.floor(this.now / this.perMinute);
  }

  /** LFUDecrAndReturn: the counter after the decay owed since its last decrement time. */
  private decayed(id: number): number {
    const c = this.counter[id]!;
    if (this.decayTime === 0) return c;
    const periods = Math.floor((this.minutes() - this.stamp[id]!) / this.decayTime);
    return periods > c ? 0 : c - periods;
  }

  get(id: number, size: number): boolean {
    if (id >= this.n) this.grow(id);
    this.now++;
    if (this.pos[id]! >= 0) {
      if (this.policy === "redis-lru") this.stamp[id] = this.now;
      else {
        let c = this.decayed(id);
        if (c < 255) {
          const base = Math.max(0, c - LFU_INIT_VAL);
          if (this.random() < 1 / (base * this.logFactor + 1)) c++;
        }
        this.counter[id] = c;
        this.stamp[id] = this.minutes();
      }
      return true;
    }
    if (size > this.capacity) return false;
    while (this.used + size > this.capacity && this.nKeys > 0) this.evictOne();
    if (this.nKeys === this.keys.length) this.keys = grownI32(this.keys, this.nKeys + 1, -1);
    this.pos[id] = this.nKeys;
    this.keys[this.nKeys++] = id;
    this.size[id] = size;
    this.used += size;
    if (this.policy === "redis-lru") this.stamp[id] = this.now;
    else {
      this.counter[id] = LFU_INIT_VAL;
      this.stamp[id] = this.minutes();
    }
    return false;
  }

  private idle(id: number): number {
    return this.policy === "redis-lru" ? this.now - this.stamp[id]! : 255 - this.decayed(id);
  }

  /** evictionPoolPopulate: sample keys and merge them into the pool, kept sorted by ascending idle. */
  private populate(): void {
    const count = Math.min(this.samples, this.nKeys);
    const picked = this.picked;
    for (let s = 0; s < count; s++) {
      let k: number;
      let fresh: boolean;
      do {
        k = this.keys[Math.floor(this.random() * this.nKeys)]!;
        fresh = true;
        for (let j = 0; j < s; j++) if (picked[j] === k) fresh = false;
      } while (!fresh);
      picked[s] = k;
    }
    const key = this.poolKey;
    const idleOf = this.poolIdle;
    for (let s = 0; s < count; s++) {
      const k = picked[s]!;
      const idle = this.idle(k);
      let i = 0;
      while (i < POOL && key[i] !== -1 && idleOf[i]! < idle) i++;
      if (i === 0 && key[POOL - 1] !== -1) continue;
      if (i < POOL && key[i] === -1) {
        // an empty slot: take it
      } else if (key[POOL - 1] === -1) {
        key.copyWithin(i + 1, i, POOL - 1);
        idleOf.copyWithin(i + 1, i, POOL - 1);
      } else {
        i--;
        key.copyWithin(0, 1, i + 1);
        idleOf.copyWithin(0, 1, i + 1);
      }
      key[i] = k;
      idleOf[i] = idle;
    }
  }

  private evictOne(): void {
    for (;;) {
      this.populate();
      for (let i = POOL - 1; i >= 0; i--) {
        const k = this.poolKey[i]!;
        if (k === -1) continue;
        this.poolKey[i] = -1;
        this.poolIdle[i] = 0;
        if (this.pos[k]! < 0) continue; // gone since it was sampled
        this.remove(k);
        return;
      }
    }
  }

  private remove(k: number): void {
    const p = this.pos[k]!;
    const last = this.keys[--this.nKeys]!;
    this.keys[p] = last;
    this.pos[last] = p;
    this.pos[k] = -1;
    this.used -= this.size[k]!;
    this.evicted(k);
  }
}
