// LFU with in-cache counts (libCacheSim LFU.c): objects sit in one FIFO bucket per count, so the
// victim (lowest count, reached first) is the head of the lowest non-empty bucket.
import { capped, type Cache, type CacheView, type ViewEntry } from "./cache";
import { grownF64, grownI32, NONE } from "./lists";

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
  /** Lowest count first, each count's bucket in the order its objects reached it: the first leaves next. */
  view(limit: number, name: (id: number) => string): CacheView {
    const entries: ViewEntry[] = [];
    for (let f = 1; f < this.bucketHead.length; f++) {
      for (let id = this.bucketHead[f]!; id !== NONE; id = this.next[id]!)
        entries.push(entries.length === 0 ? { label: name(id), mark: f, note: "leaves next" } : { label: name(id), mark: f });
    }
    return {
      order: "fewest hits first, then the first to reach that count",
      mark: "count",
      queues: false,
      entries: capped(entries, limit),
      held: entries.length,
    };
  }
}
