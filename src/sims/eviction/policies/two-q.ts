// 2Q on the shared Queues base: new objects enter the FIFO A1in, their ids are remembered in the
// ghost FIFO A1out when they leave, and a request for a remembered id enters the LRU Am.
import { NONE } from "./lists";
import { capped, type CacheView } from "./cache";
import { Queues } from "./queues";

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
  view(limit: number, name: (id: number) => string): CacheView {
    return {
      order: "A1in (FIFO) then Am (LRU), newest first in each",
      queues: true,
      entries: [...capped(this.entries(A_IN, name, "A1in"), limit), ...capped(this.entries(A_M, name, "Am"), limit)],
      held: this.held(A_IN) + this.held(A_M),
      ghosts: capped(this.entries(A_OUT, name, "A1out"), limit),
      ghostsHeld: this.held(A_OUT),
    };
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
