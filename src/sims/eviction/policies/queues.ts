// The state every list-based policy keeps: its queues, where each id is (0 for nowhere, else its
// list + 1) and each cached object's size, all in typed arrays that grow with the ids seen.
import { grownF64, grownU8, Lists, NONE } from "./lists";
import type { Cache, CacheView, PolicyId, ViewEntry } from "./cache";

export abstract class Queues implements Cache {
  abstract readonly policy: PolicyId;
  onEvict: ((id: number) => void) | null = null;
  evictions = 0;
  protected readonly q: Lists;
  protected where = new Uint8Array(0);
  protected size = new Float64Array(0);
  /** Ids the arrays have room for; get() grows them first when an id is beyond. */
  protected n = 0;

  /** dataLists: the lists that hold cached objects (the others hold ghost ids). */
  constructor(
    readonly capacity: number,
    lists: number,
    private readonly dataLists: readonly number[],
  ) {
    this.q = new Lists(lists, 0);
  }

  abstract get(id: number, size: number): boolean;

  protected grow(id: number): void {
    const n = id + 1;
    this.q.grow(n);
    this.where = grownU8(this.where, n);
    this.size = grownF64(this.size, n);
    this.growMore(this.where.length);
    this.n = this.where.length;
  }

  /** Counts an eviction and reports it to the observer, if any. */
  protected evicted(id: number): void {
    this.evictions++;
    if (this.onEvict !== null) this.onEvict(id);
  }

  /** Grows a policy's own per-id arrays to n. */
  protected growMore(_n: number): void {}

  occupied(): number {
    let used = 0;
    for (const l of this.dataLists) used += this.q.used[l]!;
    return used;
  }

  contents(): number[] {
    return this.dataLists.flatMap((l) => this.q.toArray(l));
  }

  abstract view(limit: number, name: (id: number) => string): CacheView;

  /** List `l` from head to tail as view entries: each object's name, the queue's and the policy's mark. */
  protected entries(l: number, name: (id: number) => string, queue?: string, mark?: (id: number) => number): ViewEntry[] {
    const out: ViewEntry[] = [];
    for (let id = this.q.head[l]!; id !== NONE; id = this.q.next[id]!) {
      const label = name(id);
      out.push(queue === undefined ? (mark ? { label, mark: mark(id) } : { label }) : mark ? { label, queue, mark: mark(id) } : { label, queue });
    }
    return out;
  }

  /** Objects (or ghost ids) in list `l`. */
  protected held(l: number): number {
    return this.q.count[l]!;
  }
}
