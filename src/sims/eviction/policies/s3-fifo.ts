// S3-FIFO on the shared Queues base: a small FIFO that filters one-hit wonders, a main FIFO with
// reinsertion, and a ghost FIFO of ids that sends returning objects straight to main.
import { grownI32 } from "./lists";
import { capped, type CacheView } from "./cache";
import { Queues } from "./queues";

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
  constructor(
    capacity: number,
    private readonly moveToMainThreshold = 2,
  ) {
    super(capacity, 3, [S_SMALL, S_MAIN]);
    this.smallSize = Math.trunc(capacity * 0.1);
    this.mainSize = capacity - this.smallSize;
    this.ghostSize = Math.trunc(capacity * 0.9);
  }
  protected override growMore(n: number): void {
    this.freq = grownI32(this.freq, n, 0);
  }
  view(limit: number, name: (id: number) => string): CacheView {
    const freq = (id: number) => this.freq[id]!;
    return {
      order: "small then main, newest first in each",
      mark: "freq",
      queues: true,
      entries: [...capped(this.entries(S_SMALL, name, "small", freq), limit), ...capped(this.entries(S_MAIN, name, "main", freq), limit)],
      held: this.held(S_SMALL) + this.held(S_MAIN),
      ghosts: capped(this.entries(S_GHOST, name, "ghost"), limit),
      ghostsHeld: this.held(S_GHOST),
    };
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
