// The single-queue policies, libCacheSim's LRU.c, FIFO.c, Clock.c and Sieve.c: one list of cached
// objects (head newest, tail oldest) on the shared Queues base; they differ only in what a hit does
// and which object leaves.
import { capped, noteLast, type CacheView } from "./cache";
import { grownU8, NONE } from "./lists";
import { Queues } from "./queues";

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
  view(limit: number, name: (id: number) => string): CacheView {
    return { order: "most recently used first", queues: false, entries: capped(noteLast(this.entries(0, name), "leaves next"), limit), held: this.held(0) };
  }
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
  view(limit: number, name: (id: number) => string): CacheView {
    return { order: "newest first", queues: false, entries: capped(noteLast(this.entries(0, name), "leaves next"), limit), held: this.held(0) };
  }
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
  constructor(
    capacity: number,
    private readonly maxFreq = 1,
  ) {
    super(capacity);
  }
  protected override growMore(n: number): void {
    this.freq = grownU8(this.freq, n);
  }
  view(limit: number, name: (id: number) => string): CacheView {
    const entries = noteLast(
      this.entries(0, name, undefined, (id) => this.freq[id]!),
      "hand",
    );
    return { order: "newest first; the hand starts at the oldest", mark: "bit", queues: false, entries: capped(entries, limit), held: this.held(0) };
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
  view(limit: number, name: (id: number) => string): CacheView {
    const hand = this.hand === NONE ? this.q.tail[0]! : this.hand;
    const handName = hand === NONE ? undefined : name(hand);
    const entries = this.entries(0, name, undefined, (id) => this.visited[id]!);
    for (const e of entries) if (e.label === handName) (e as { note?: string }).note = "hand";
    return { order: "newest first; the hand moves towards the newest", mark: "visited", queues: false, entries: capped(entries, limit), held: this.held(0) };
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
