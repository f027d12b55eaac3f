// ARC on the shared Queues base: T1 and T2 hold objects, the ghost lists B1 and B2 remember the
// ids evicted from them, and a hit on a ghost moves the target split between T1 and T2.
import { capped, type CacheView } from "./cache";
import { Queues } from "./queues";

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
  view(limit: number, name: (id: number) => string): CacheView {
    return {
      order: "T1 (seen once) then T2 (seen again), newest first in each",
      queues: true,
      entries: [...capped(this.entries(L1, name, "T1"), limit), ...capped(this.entries(L2, name, "T2"), limit)],
      held: this.held(L1) + this.held(L2),
      ghosts: [...capped(this.entries(L1_GHOST, name, "B1"), limit), ...capped(this.entries(L2_GHOST, name, "B2"), limit)],
      ghostsHeld: this.held(L1_GHOST) + this.held(L2_GHOST),
      figures: { "target size of T1 (p)": Math.round(this.p * 100) / 100 },
    };
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
