// W-TinyLFU (Einziger, Friedman and Manes, 2017) as libCacheSim's WTinyLFU.c builds it: a window
// LRU of 1% of the capacity in front of a segmented LRU main cache (probation 1/5, protected 4/5);
// an object leaving the window enters main only if a frequency sketch counts it more often than
// main's own victim. The sketch is libCacheSim's counting Bloom filter (sized for the main cache at
// 0.1% error, XXH64 double hashing, halved every 32 × main-size hits in main).
import { grownU8, grownI32, NONE } from "./lists";
import { capped, type CacheView } from "./cache";
import { Queues } from "./queues";
import { xxh64Low32 } from "../../../core/hash/xxh64";

const WINDOW = 0;
const PROBATION = 1;
const PROTECTED = 2;
const SEED0 = 0x12345678;
const SEED1 = 0x12344321;

/**
 * libCacheSim's minimalIncrementCBF: k counters per id, all incremented on an add (despite the
 * name); an id's estimate is the smallest of its k counters.
 */
export class CountingBloom {
  readonly hashes: number;
  readonly counters: Uint32Array;
  constructor(entries: number, error = 0.001) {
    const bpe = -Math.log(error) / 0.480453013918201;
    this.hashes = Math.ceil(0.693147180559945 * bpe);
    let n = Math.min(Math.ceil(bpe * entries), 2147483647);
    if (n < this.hashes) n = this.hashes * 2;
    this.counters = new Uint32Array(n);
  }
  /** The counter positions of a hashed id, written to out[at..at+hashes). */
  positions(a: number, b: number, out: Int32Array, at: number): void {
    const n = this.counters.length;
    for (let i = 0; i < this.hashes; i++) out[at + i] = ((a + Math.imul(i, b)) >>> 0) % n;
  }
  decay(): void {
    const c = this.counters;
    for (let i = 0; i < c.length; i++) c[i] = c[i]! >>> 1;
  }
}

export class WTinyLFU extends Queues {
  readonly policy = "w-tinylfu";
  readonly windowSize: number;
  readonly mainSize: number;
  readonly probationSize: number;
  readonly protectedSize: number;
  /** Each id's counter positions in the sketch, computed once (k per id). */
  private pos = new Int32Array(0);
  private hashed = new Uint8Array(0);
  readonly sketch: CountingBloom;
  private readonly resetAfter: number;
  private mainHits = 0;

  /** keyOf gives the numeric object id the sketch hashes (the id in the trace), from a dense id. */
  constructor(
    capacity: number,
    private readonly keyOf: (id: number) => number = (id) => id,
  ) {
    super(capacity, 3, [WINDOW, PROBATION, PROTECTED]);
    this.windowSize = Math.trunc(capacity * 0.01);
    this.mainSize = capacity - this.windowSize;
    this.probationSize = Math.trunc((1 / 5) * this.mainSize);
    this.protectedSize = Math.trunc((4 / 5) * this.mainSize);
    this.sketch = new CountingBloom(this.mainSize);
    this.resetAfter = 32 * this.mainSize;
  }
  protected override growMore(n: number): void {
    this.hashed = grownU8(this.hashed, n);
    this.pos = grownI32(this.pos, n * this.sketch.hashes, 0);
  }
  view(limit: number, name: (id: number) => string): CacheView {
    const est = (id: number) => this.estimate(id);
    return {
      order: "window, probation, protected, most recently used first in each",
      mark: "sketch count",
      queues: true,
      entries: [
        ...capped(this.entries(WINDOW, name, "window", est), limit),
        ...capped(this.entries(PROBATION, name, "probation", est), limit),
        ...capped(this.entries(PROTECTED, name, "protected", est), limit),
      ],
      held: this.held(WINDOW) + this.held(PROBATION) + this.held(PROTECTED),
    };
  }
  private hash(id: number): number {
    const k = this.sketch.hashes;
    if (this.hashed[id] === 0) {
      const key = this.keyOf(id);
      this.sketch.positions(xxh64Low32(key, SEED0), xxh64Low32(key, SEED1), this.pos, id * k);
      this.hashed[id] = 1;
    }
    return id * k;
  }
  private add(id: number): void {
    const at = this.hash(id);
    const c = this.sketch.counters;
    const pos = this.pos;
    for (let i = at, end = at + this.sketch.hashes; i < end; i++) c[pos[i]!]++;
  }
  private estimate(id: number): number {
    const at = this.hash(id);
    const c = this.sketch.counters;
    const pos = this.pos;
    let min = 0xffffffff;
    for (let i = at, end = at + this.sketch.hashes; i < end; i++) {
      const v = c[pos[i]!]!;
      if (v < min) min = v;
    }
    return min;
  }
  override occupied(): number {
    return this.q.used[WINDOW]! + this.mainUsed();
  }
  private mainUsed(): number {
    return this.q.used[PROBATION]! + this.q.used[PROTECTED]!;
  }
  get(id: number, size: number): boolean {
    if (id >= this.n) this.grow(id);
    const q = this.q;
    const w = this.where[id]!;
    if (w === WINDOW + 1) {
      q.moveToHead(WINDOW, id);
      return true;
    }
    if (w === PROBATION + 1 || w === PROTECTED + 1) {
      this.mainHit(id, w - 1);
      this.add(id);
      if (++this.mainHits >= this.resetAfter) {
        this.mainHits = 0;
        this.sketch.decay();
      }
      return true;
    }
    if (size > this.capacity || size > this.windowSize || size > this.mainSize || size > this.probationSize) return false;
    while (this.occupied() + size > this.capacity) this.evict();
    this.size[id] = size;
    q.prepend(WINDOW, id, size);
    this.where[id] = WINDOW + 1;
    this.add(id);
    return false;
  }

  /** SLRU hit: protected objects move to the head; probation objects are promoted, which can cascade. */
  private mainHit(id: number, seg: number): void {
    const q = this.q;
    if (seg === PROTECTED) {
      q.moveToHead(PROTECTED, id);
      return;
    }
    q.remove(PROBATION, id, this.size[id]!);
    q.prepend(PROTECTED, id, this.size[id]!);
    this.where[id] = PROTECTED + 1;
    while (q.used[PROTECTED]! > this.protectedSize) {
      const t = q.tail[PROTECTED]!;
      q.remove(PROTECTED, t, this.size[t]!);
      q.prepend(PROBATION, t, this.size[t]!);
      this.where[t] = PROBATION + 1;
      while (q.used[PROBATION]! > this.probationSize) this.mainEvict();
    }
  }

  private mainVictim(): number {
    const q = this.q;
    return q.used[PROBATION]! > 0 ? q.tail[PROBATION]! : q.tail[PROTECTED]!;
  }

  private mainEvict(): void {
    const v = this.mainVictim();
    const seg = this.where[v]! - 1;
    this.q.remove(seg, v, this.size[v]!);
    this.where[v] = 0;
    this.evicted(v);
  }

  private mainInsert(id: number): void {
    const q = this.q;
    const size = this.size[id]!;
    let seg: number;
    if (q.used[PROBATION]! + size <= this.probationSize) seg = PROBATION;
    else if (q.used[PROTECTED]! + size <= this.protectedSize) seg = PROTECTED;
    else {
      while (this.mainUsed() + size > this.mainSize) this.mainEvict();
      seg = PROBATION;
    }
    q.prepend(seg, id, size);
    this.where[id] = seg + 1;
  }

  private evict(): void {
    const q = this.q;
    for (;;) {
      if (q.used[WINDOW]! <= 0) {
        if (this.mainVictim() !== NONE) this.mainEvict();
        return;
      }
      const wv = q.tail[WINDOW]!;
      const size = this.size[wv]!;
      let evicted = false;
      if (this.mainUsed() + size <= this.mainSize) {
        q.remove(WINDOW, wv, size);
        this.mainInsert(wv);
      } else if (this.estimate(wv) > this.estimate(this.mainVictim())) {
        this.mainEvict();
        q.remove(WINDOW, wv, size);
        this.mainInsert(wv);
      } else {
        q.remove(WINDOW, wv, size);
        this.where[wv] = 0;
        this.evicted(wv);
        evicted = true;
      }
      this.add(wv);
      if (evicted) return;
    }
  }
}
