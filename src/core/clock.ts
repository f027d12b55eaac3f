// Virtual time for simulations: an event queue ordered by (time, insertion sequence), so two
// events scheduled for the same instant always run in the order they were scheduled.

export interface Scheduled<T> {
  readonly atMs: number;
  readonly seq: number;
  readonly payload: T;
}

/** A binary min-heap of events keyed by (atMs, seq). */
export class EventQueue<T> {
  private heap: Scheduled<T>[] = [];
  private nextSeq = 0;
  private current = 0;

  /** The virtual time of the event being processed (or of the last one). */
  get nowMs(): number {
    return this.current;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Schedule `payload` to happen `delayMs` after now. */
  schedule(delayMs: number, payload: T): Scheduled<T> {
    if (!(delayMs >= 0)) throw new RangeError(`delay must be a non-negative number, got ${delayMs}`);
    return this.scheduleAt(this.current + delayMs, payload);
  }

  scheduleAt(atMs: number, payload: T): Scheduled<T> {
    if (atMs < this.current) throw new RangeError(`cannot schedule in the past (${atMs} < ${this.current})`);
    const item = { atMs, seq: this.nextSeq++, payload };
    this.heap.push(item);
    this.up(this.heap.length - 1);
    return item;
  }

  /** Remove and return the earliest event, advancing the clock to its time. */
  pop(): Scheduled<T> | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.down(0);
    }
    this.current = top.atMs;
    return top;
  }

  peek(): Scheduled<T> | undefined {
    return this.heap[0];
  }

  private less(a: Scheduled<T>, b: Scheduled<T>): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private up(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && this.less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && this.less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
}
