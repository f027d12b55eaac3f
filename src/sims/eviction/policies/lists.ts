// Intrusive doubly linked lists over typed arrays, indexed by dense object ids. Every policy keeps
// its queues here instead of in objects or a JavaScript Map: a request touches a few array slots and
// allocates nothing, which is what lets a policy serve ten million requests a second.
//
// Orientation follows libCacheSim: new objects go to the head, the tail is the oldest, `next` points
// towards the tail and `prev` towards the head. An object is in at most one list of a Lists at a time.

export const NONE = -1;

export function grownI32(a: Int32Array<ArrayBuffer>, n: number, fill: number): Int32Array<ArrayBuffer> {
  if (a.length >= n) return a;
  const b = new Int32Array(Math.max(n, a.length * 2, 16));
  b.set(a);
  b.fill(fill, a.length);
  return b;
}

export function grownU8(a: Uint8Array<ArrayBuffer>, n: number): Uint8Array<ArrayBuffer> {
  if (a.length >= n) return a;
  const b = new Uint8Array(Math.max(n, a.length * 2, 16));
  b.set(a);
  return b;
}

export function grownF64(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  if (a.length >= n) return a;
  const b = new Float64Array(Math.max(n, a.length * 2, 16));
  b.set(a);
  return b;
}

export class Lists {
  prev: Int32Array<ArrayBuffer>;
  next: Int32Array<ArrayBuffer>;
  readonly head: Int32Array;
  readonly tail: Int32Array;
  /** Bytes (or objects, when every size is 1) held by each list. */
  readonly used: Float64Array;
  /** Objects in each list. */
  readonly count: Int32Array;

  constructor(lists: number, ids: number) {
    this.prev = new Int32Array(ids).fill(NONE);
    this.next = new Int32Array(ids).fill(NONE);
    this.head = new Int32Array(lists).fill(NONE);
    this.tail = new Int32Array(lists).fill(NONE);
    this.used = new Float64Array(lists);
    this.count = new Int32Array(lists);
  }

  grow(ids: number): void {
    this.prev = grownI32(this.prev, ids, NONE);
    this.next = grownI32(this.next, ids, NONE);
  }

  prepend(l: number, id: number, size: number): void {
    const h = this.head[l]!;
    this.prev[id] = NONE;
    this.next[id] = h;
    if (h !== NONE) this.prev[h] = id;
    else this.tail[l] = id;
    this.head[l] = id;
    this.used[l] += size;
    this.count[l]++;
  }

  append(l: number, id: number, size: number): void {
    const t = this.tail[l]!;
    this.next[id] = NONE;
    this.prev[id] = t;
    if (t !== NONE) this.next[t] = id;
    else this.head[l] = id;
    this.tail[l] = id;
    this.used[l] += size;
    this.count[l]++;
  }

  remove(l: number, id: number, size: number): void {
    const p = this.prev[id]!;
    const n = this.next[id]!;
    if (p !== NONE) this.next[p] = n;
    else this.head[l] = n;
    if (n !== NONE) this.prev[n] = p;
    else this.tail[l] = p;
    this.prev[id] = NONE;
    this.next[id] = NONE;
    this.used[l] -= size;
    this.count[l]--;
  }

  moveToHead(l: number, id: number): void {
    if (this.head[l] === id) return;
    const p = this.prev[id]!;
    const n = this.next[id]!;
    // Not the head, so p is an object.
    this.next[p] = n;
    if (n !== NONE) this.prev[n] = p;
    else this.tail[l] = p;
    const h = this.head[l]!;
    this.prev[id] = NONE;
    this.next[id] = h;
    this.prev[h] = id;
    this.head[l] = id;
  }

  /** Ids of a list from head to tail (for tests and small diagrams). */
  toArray(l: number): number[] {
    const out: number[] = [];
    for (let id = this.head[l]!; id !== NONE; id = this.next[id]!) out.push(id);
    return out;
  }
}
