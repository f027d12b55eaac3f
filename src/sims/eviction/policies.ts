// Eviction policies with libCacheSim's semantics (libCacheSim/cache/eviction/*.c at commit
// aa0fc40, October 2024): the same request sequence, policy and capacity give the same hits and
// misses as `cachesim`, request by request. Where libCacheSim has a quirk that changes results (the
// order of checks, integer truncation of queue sizes, a queue allowed to overfill), we follow it and
// say so in docs/eviction.md.
//
// Requests name dense object ids 0, 1, 2, … (the workload maps real ids to them) and a size. With
// count-based capacity every size is 1. The framework is libCacheSim's cache_get_base: on a miss
// that may be admitted, evict until the object fits, then insert.
import { grownF64, grownI32, grownU8, NONE } from "./lists";
import { Queues } from "./queues";
import { RedisApprox } from "./redis";
import { WTinyLFU } from "./wtinylfu";

export { POLICY_IDS, type Cache, type PolicyId, type PolicyParams } from "./cache";
import type { Cache, PolicyId, PolicyParams } from "./cache";

/** A single queue (LRU, FIFO, CLOCK, SIEVE): list 0 holds the cached objects. */
abstract class OneQueue extends Queues {
  constructor(capacity: number) {
    super(capacity, 1, [0]);
  }

  override occupied(): number {
    return this.q.used[0]!;
  }

  protected insert(id: number, size: number): void {
    this.where[id] = 1;
    this.size[id] = size;
    this.q.prepend(0, id, size);
  }

  protected evictTail(): void {
    const t = this.q.tail[0]!;
    this.q.remove(0, t, this.size[t]!);
    this.where[t] = 0;
    this.evicted(t);
  }
}

export class LRU extends OneQueue {
  readonly policy = "lru";
  get(id: number, size: number): boolean {
    if (id >= this.n) this.grow(id);
    if (this.where[id] === 1) {
      this.q.moveToHead(0, id);
      return true;
    }
    if (size > this.capacity) return false;
    while (this.q.used[0]! + size > this.capacity) this.evictTail();
    this.insert(id, size);
    return false;
  }
}

export class FIFO extends OneQueue {
  readonly policy = "fifo";
  get(id: number, size: number): boolean {
    if (id >= this.n) this.grow(id);
    if (this.where[id] === 1) return true;
    if (size > this.capacity) return false;
    while (this.q.used[0]! + size > this.capacity) this.evictTail();
    this.insert(id, size);
    return false;
  }
}

/**
 * CLOCK as libCacheSim builds it (FIFO with reinsertion, a 1-bit counter by default): a hit sets
 * the bit; eviction looks at the tail, and an object with its bit set loses the bit and goes back
 * to the head instead of leaving.
 */
export class Clock extends OneQueue {
  readonly policy = "clock";
  private freq = new Uint8Array(0);
  constructor(capacity: number, private readonly maxFreq = 1) {
    super(capacity);
  }
  protected override growMore(n: number): void {
    this.freq = grownU8(this.freq, n);
  }
  get(id: number, size: number): boolean {
    if (id >= this.n) this.grow(id);
    if (this.where[id] === 1) {
      if (this.freq[id]! < this.maxFreq) this.freq[id]++;
      return true;
    }
    if (size > this.capacity) return false;
    const q = this.q;
    while (q.used[0]! + size > this.capacity) {
      let t = q.tail[0]!;
      while (this.freq[t]! >= 1) {
        this.freq[t]--;
        q.moveToHead(0, t);
        t = q.tail[0]!;
      }
      this.evictTail();
    }
    this.insert(id, size);
    this.freq[id] = 0;
    return false;
  }
}

/**
 * SIEVE (Zhang et al., NSDI 2024): a FIFO queue with a visited bit and a hand that moves from the
 * tail towards the head, clearing bits, and evicts the first unvisited object in place. Survivors
 * never move, which is what keeps it as simple as FIFO.
 */
export class Sieve extends OneQueue {
  readonly policy = "sieve";
  private visited = new Uint8Array(0);
  private hand = NONE;
  protected override growMore(n: number): void {
    this.visited = grownU8(this.visited, n);
  }
  get(id: number, size: number): boolean {
    if (id >= this.n) this.grow(id);
    if (this.where[id] === 1) {
      this.visited[id] = 1;
      return true;
    }
    if (size > this.capacity) return false;
    const q = this.q;
    while (q.used[0]! + size > this.capacity) {
      let o = this.hand === NONE ? q.tail[0]! : this.hand;
      while (this.visited[o]! > 0) {
        this.visited[o]--;
        const p = q.prev[o]!;
        o = p === NONE ? q.tail[0]! : p;
      }
      this.hand = q.prev[o]!;
      q.remove(0, o, this.size[o]!);
      this.where[o] = 0;
      this.evicted(o);
    }
    this.insert(id, size);
    this.visited[id] = 0;
    return false;
  }
}

/**
 * LFU with in-cache counts (libCacheSim LFU.c): an object enters with count 1 and each hit adds
 * one; the victim has the lowest count, and among equal counts the one that reached that count
 * first. Counts are forgotten on eviction.
 */
export class LFU implements Cache {
  readonly policy = "lfu";
  onEvict: ((id: number) => void) | null = null;
  evictions = 0;
  private evicted(id: number): void {
    this.evictions++;
    if (this.onEvict !== null) this.onEvict(id);
  }
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  private freq = new Int32Array(0);
  private size = new Float64Array(0);
  private bucketHead = new Int32Array(16).fill(NONE);
  private bucketTail = new Int32Array(16).fill(NONE);
  private minFreq = 0;
  private used = 0;
  private n = 0;
  constructor(readonly capacity: number) {}

  private grow(id: number): void {
    const n = id + 1;
    this.next = grownI32(this.next, n, NONE);
    this.prev = grownI32(this.prev, n, NONE);
    this.freq = grownI32(this.freq, n, 0);
    this.size = grownF64(this.size, n);
    this.n = this.freq.length;
  }
  private unlink(f: number, id: number): void {
    const p = this.prev[id]!;
    const nx = this.next[id]!;
    if (p !== NONE) this.next[p] = nx;
    else this.bucketHead[f] = nx;
    if (nx !== NONE) this.prev[nx] = p;
    else this.bucketTail[f] = p;
  }
  private appendTo(f: number, id: number): void {
    if (f >= this.bucketHead.length) {
      this.bucketHead = grownI32(this.bucketHead, f + 1, NONE);
      this.bucketTail = grownI32(this.bucketTail, f + 1, NONE);
    }
    const t = this.bucketTail[f]!;
    this.next[id] = NONE;
    this.prev[id] = t;
    if (t !== NONE) this.next[t] = id;
    else this.bucketHead[f] = id;
    this.bucketTail[f] = id;
  }
  get(id: number, size: number): boolean {
    if (id >= this.n) this.grow(id);
    const f = this.freq[id]!;
    if (f > 0) {
      this.unlink(f, id);
      this.appendTo(f + 1, id);
      this.freq[id] = f + 1;
      if (this.minFreq === f && this.bucketHead[f] === NONE) this.minFreq = f + 1;
      return true;
    }
    if (size > this.capacity) return false;
    while (this.used + size > this.capacity) {
      let m = this.minFreq;
      while (m < this.bucketHead.length && this.bucketHead[m] === NONE) m++;
      const victim = this.bucketHead[m]!;
      this.unlink(m, victim);
      this.freq[victim] = 0;
      this.used -= this.size[victim]!;
      this.minFreq = m;
      this.evicted(victim);
    }
    this.freq[id] = 1;
    this.size[id] = size;
    this.used += size;
    this.appendTo(1, id);
    this.minFreq = 1;
    return false;
  }
  occupied(): number {
    return this.used;
  }
  contents(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) if (this.freq[i]! > 0) out.push(i);
    return out;
  }
}

const L1 = 0;
const L1_GHOST = 1;
const L2 = 2;
const L2_GHOST = 3;

/**
 * ARC (Megiddo and Modha, FAST 2003) as libCacheSim's ARC.c: T1/T2 hold data, B1/B2 remember
 * evicted ids, and p (the target size of T1) moves by max(|B2|/|B1|, 1) on a B1 hit and the
 * reverse on a B2 hit. Ghost sizes count the bytes of the ids they remember.
 */
export class ARC extends Queues {
  readonly policy = "arc";
  private p = 0;
  // libCacheSim keeps these two flags across requests; they only matter through cond3 below.
  private inL1Ghost = false;
  private inL2Ghost = false;
  private ghostHitNow = false;
  constructor(capacity: number) {
    super(capacity, 4, [L1, L2]);
  }
  get(id: number, size: number): boolean {
    if (id >= this.n) this.grow(id);
    const q = this.q;
    this.ghostHitNow = false;
    const w = this.where[id]!;
    if (w !== 0) {
      this.inL1Ghost = false;
      this.inL2Ghost = false;
      const l = w - 1;
      if (l === L1) {
        q.remove(L1, id, this.size[id]!);
        q.prepend(L2, id, this.size[id]!);
        this.where[id] = L2 + 1;
        return true;
      }
      if (l === L2) {
        q.moveToHead(L2, id);
        return true;
      }
      this.ghostHitNow = true;
      const b1 = q.used[L1_GHOST]!;
      const b2 = q.used[L2_GHOST]!;
      if (l === L1_GHOST) {
        this.inL1Ghost = true;
        this.p = Math.min(this.p + Math.max(b2 / b1, 1), this.capacity);
      } else {
        this.inL2Ghost = true;
        this.p = Math.max(this.p - Math.max(b1 / b2, 1), 0);
      }
      q.remove(l, id, this.size[id]!);
      this.where[id] = 0;
    }
    if (size > this.capacity) return false;
    while (this.occupied() + size > this.capacity) {
      if (this.ghostHitNow && (this.inL1Ghost || this.inL2Ghost)) this.replace();
      else this.evictOnMiss(size);
    }
    this.size[id] = size;
    if (this.ghostHitNow && (this.inL1Ghost || this.inL2Ghost)) {
      q.prepend(L2, id, size);
      this.where[id] = L2 + 1;
      this.inL1Ghost = false;
      this.inL2Ghost = false;
    } else {
      q.prepend(L1, id, size);
      this.where[id] = L1 + 1;
    }
    return false;
  }
  private replace(): void {
    const q = this.q;
    const t1 = q.used[L1]!;
    if ((t1 > 0 && (t1 > this.p || (t1 === this.p && this.inL2Ghost))) || q.used[L2] === 0) this.demote(L1, L1_GHOST);
    else this.demote(L2, L2_GHOST);
  }
  private demote(from: number, ghost: number): void {
    const q = this.q;
    const t = q.tail[from]!;
    const sz = this.size[t]!;
    q.remove(from, t, sz);
    q.prepend(ghost, t, sz);
    this.where[t] = ghost + 1;
    this.evicted(t);
  }
  private dropGhostTail(ghost: number): void {
    const q = this.q;
    const t = q.tail[ghost]!;
    q.remove(ghost, t, this.size[t]!);
    this.where[t] = 0;
  }
  private evictOnMiss(size: number): void {
    const q = this.q;
    if (q.used[L1]! + q.used[L1_GHOST]! + size > this.capacity) {
      if (q.used[L1_GHOST]! > 0) {
        this.dropGhostTail(L1_GHOST);
        this.replace();
      } else {
        const t = q.tail[L1]!;
        q.remove(L1, t, this.size[t]!);
        this.where[t] = 0;
        this.evicted(t);
      }
    } else {
      if (q.used[L1]! + q.used[L1_GHOST]! + q.used[L2]! + q.used[L2_GHOST]! >= this.capacity * 2 && q.used[L2_GHOST]! > 0) this.dropGhostTail(L2_GHOST);
      this.replace();
    }
  }
}

const A_IN = 0;
const A_M = 1;
const A_OUT = 2;

/**
 * 2Q (Johnson and Shasha, VLDB 1994) as libCacheSim's TwoQ.c: new objects enter A1in (a FIFO of
 * 25% of the capacity); objects leaving A1in are remembered in A1out (a ghost FIFO sized at 50% of
 * the capacity); a request for a remembered id goes to Am, an LRU of the rest.
 */
export class TwoQ extends Queues {
  readonly policy = "2q";
  readonly ainSize: number;
  readonly aoutSize: number;
  readonly amSize: number;
  constructor(capacity: number) {
    super(capacity, 3, [A_IN, A_M]);
    this.ainSize = Math.trunc(capacity * 0.25);
    this.aoutSize = Math.trunc(capacity * 0.5);
    this.amSize = capacity - this.ainSize;
  }
  private drop(l: number, id: number): void {
    this.q.remove(l, id, this.size[id]!);
    this.where[id] = 0;
    if (l !== A_OUT) this.evicted(id);
  }
  get(id: number, size: number): boolean {
    if (id >= this.n) this.grow(id);
    const q = this.q;
    const w = this.where[id]!;
    if (w === A_IN + 1) return true;
    let ghost = false;
    if (w === A_OUT + 1) {
      q.remove(A_OUT, id, this.size[id]!);
      this.where[id] = 0;
      ghost = true;
    } else if (w === A_M + 1) {
      q.moveToHead(A_M, id);
      return true;
    }
    if (size > this.ainSize) return false;
    while (this.occupied() + size > this.capacity) {
      if (q.used[A_IN]! > this.ainSize) {
        const t = q.tail[A_IN]!;
        const sz = this.size[t]!;
        // The victim is remembered in A1out (a FIFO with its own capacity) before it leaves A1in.
        if (sz <= this.aoutSize) {
          while (q.used[A_OUT]! + sz > this.aoutSize) this.drop(A_OUT, q.tail[A_OUT]!);
          this.drop(A_IN, t);
          q.prepend(A_OUT, t, sz);
          this.where[t] = A_OUT + 1;
        } else {
          this.drop(A_IN, t);
        }
      } else {
        const t = q.tail[A_M]!;
        if (t === NONE) break;
        this.drop(A_M, t);
      }
    }
    this.size[id] = size;
    if (ghost) {
      // libCacheSim hands the object to Am's own get(): Am evicts from itself to make room.
      if (size > this.amSize) return false;
      while (q.used[A_M]! + size > this.amSize) this.drop(A_M, q.tail[A_M]!);
      q.prepend(A_M, id, size);
      this.where[id] = A_M + 1;
    } else {
      q.prepend(A_IN, id, size);
      this.where[id] = A_IN + 1;
    }
    return false;
  }
}

const S_SMALL = 0;
const S_MAIN = 1;
const S_GHOST = 2;

/**
 * S3-FIFO (Yang et al., SOSP 2023) as libCacheSim's S3FIFO.c: a small FIFO (10% of the capacity),
 * a main FIFO with reinsertion (the rest) and a ghost FIFO of ids (90%). An object leaves the small
 * queue for main when it was hit at least twice there (move-to-main-threshold=2), otherwise its id
 * goes to the ghost; a miss on a ghost id inserts straight into main. Main reinserts objects with a
 * non-zero count, keeping min(count, 3) - 1.
 */
export class S3FIFO extends Queues {
  readonly policy = "s3-fifo";
  private freq = new Int32Array(0);
  readonly smallSize: number;
  readonly mainSize: number;
  readonly ghostSize: number;
  constructor(capacity: number, private readonly moveToMainThreshold = 2) {
    super(capacity, 3, [S_SMALL, S_MAIN]);
    this.smallSize = Math.trunc(capacity * 0.1);
    this.mainSize = capacity - this.smallSize;
    this.ghostSize = Math.trunc(capacity * 0.9);
  }
  protected override growMore(n: number): void {
    this.freq = grownI32(this.freq, n, 0);
  }
  get(id: number, size: number): boolean {
    if (id >= this.n) this.grow(id);
    const q = this.q;
    const w = this.where[id]!;
    if (w === S_SMALL + 1 || w === S_MAIN + 1) {
      this.freq[id]++;
      return true;
    }
    let ghost = false;
    if (w === S_GHOST + 1) {
      q.remove(S_GHOST, id, this.size[id]!);
      this.where[id] = 0;
      ghost = true;
    }
    if (size > this.smallSize) return false;
    while (this.occupied() + size > this.capacity) {
      if (q.used[S_MAIN]! > this.mainSize || q.used[S_SMALL] === 0) this.evictMain();
      else this.evictSmall();
    }
    if (!ghost && size >= this.smallSize) return false;
    this.size[id] = size;
    this.freq[id] = 0;
    const l = ghost ? S_MAIN : S_SMALL;
    q.prepend(l, id, size);
    this.where[id] = l + 1;
    return false;
  }
  private evictSmall(): void {
    const q = this.q;
    while (q.used[S_SMALL]! > 0) {
      const t = q.tail[S_SMALL]!;
      const sz = this.size[t]!;
      q.remove(S_SMALL, t, sz);
      if (this.freq[t]! >= this.moveToMainThreshold) {
        q.prepend(S_MAIN, t, sz);
        this.where[t] = S_MAIN + 1;
        this.freq[t] = 0;
        continue;
      }
      this.where[t] = 0;
      this.evicted(t);
      if (sz <= this.ghostSize) {
        while (q.used[S_GHOST]! + sz > this.ghostSize) {
          const g = q.tail[S_GHOST]!;
          q.remove(S_GHOST, g, this.size[g]!);
          this.where[g] = 0;
        }
        q.prepend(S_GHOST, t, sz);
        this.where[t] = S_GHOST + 1;
      }
      return;
    }
  }
  private evictMain(): void {
    const q = this.q;
    while (q.used[S_MAIN]! > 0) {
      const t = q.tail[S_MAIN]!;
      const f = this.freq[t]!;
      if (f >= 1) {
        q.moveToHead(S_MAIN, t);
        this.freq[t] = Math.min(f, 3) - 1;
        continue;
      }
      q.remove(S_MAIN, t, this.size[t]!);
      this.where[t] = 0;
      this.evicted(t);
      return;
    }
  }
}

export function createCache(policy: PolicyId, capacity: number, params: PolicyParams = {}): Cache {
  switch (policy) {
    case "lru": return new LRU(capacity);
    case "fifo": return new FIFO(capacity);
    case "lfu": return new LFU(capacity);
    case "clock": return new Clock(capacity);
    case "arc": return new ARC(capacity);
    case "2q": return new TwoQ(capacity);
    case "s3-fifo": return new S3FIFO(capacity);
    case "sieve": return new Sieve(capacity);
    case "w-tinylfu": return new WTinyLFU(capacity);
    case "redis-lru": return new RedisApprox("redis-lru", capacity, params);
    case "redis-lfu": return new RedisApprox("redis-lfu", capacity, params);
  }
}
