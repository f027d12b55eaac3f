// The linearizability search: Wing and Gong's backtracking over the operations that may take effect
// next, with Lowe's memoisation (2017): a configuration (the set of operations already placed, the
// state they leave) that has been explored once is never explored again. This is Porcupine's
// `checkSingle`, entry for entry: call and return entries in one doubly linked list; placing an
// operation lifts its call and return out of the list; meeting a return whose operation has not
// been placed means the last choice was wrong, so the search backtracks.
import type { SequentialModel } from "./model";

/** What the search needs of an operation: when it was called and, if it did, returned. */
export interface Timed {
  readonly call: number;
  readonly ret?: number;
}

export interface SearchOutcome {
  /** true: an order exists; false: none does; "unknown": the step budget ran out first. */
  readonly valid: boolean | "unknown";
  /**
   * Indexes into the operations: the whole order when valid, otherwise the longest order the
   * search placed (a linearization of part of the history, as Porcupine's visualiser shows).
   */
  readonly order: readonly number[];
  /** Steps taken (entries visited). */
  readonly steps: number;
  /**
   * When not valid: the operations whose call the search ever reached. The others never took part,
   * so the search fails the same way on these alone (the explanation starts from them).
   */
  readonly reached?: readonly number[];
}

/** A fixed pseudo-random 32-bit word per operation (murmur3's finaliser), for Zobrist hashing of the placed set. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Call and return entries sorted by time, calls first at equal times (closed intervals). Entry 2i is op i's call, 2i+1 its return. */
function sortedEntries(ops: readonly Timed[]): Int32Array {
  const entries = Array.from({ length: ops.length * 2 }, (_, e) => e);
  const time = (e: number) => {
    const op = ops[e >> 1]!;
    return e & 1 ? (op.ret ?? Number.POSITIVE_INFINITY) : op.call;
  };
  entries.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
  return Int32Array.from(entries);
}

/** The doubly linked list of entries, with a head sentinel; lifting an operation removes its call and return. */
class EntryList {
  readonly head: number;
  readonly next: Int32Array;
  readonly prev: Int32Array;

  constructor(sorted: Int32Array) {
    const size = sorted.length + 1;
    this.head = sorted.length;
    this.next = new Int32Array(size).fill(-1);
    this.prev = new Int32Array(size).fill(-1);
    let last = this.head;
    for (const e of sorted) {
      this.next[last] = e;
      this.prev[e] = last;
      last = e;
    }
  }

  lift(call: number): void {
    const { next, prev } = this;
    next[prev[call]!] = next[call]!;
    prev[next[call]!] = prev[call]!;
    const ret = call + 1;
    next[prev[ret]!] = next[ret]!;
    if (next[ret] !== -1) prev[next[ret]!] = prev[ret]!;
  }

  unlift(call: number): void {
    const { next, prev } = this;
    const ret = call + 1;
    next[prev[ret]!] = ret;
    if (next[ret] !== -1) prev[next[ret]!] = ret;
    next[prev[call]!] = call;
    prev[next[call]!] = call;
  }
}

/**
 * Lowe's cache: the configurations (placed set, state) already explored. An open-addressing table of
 * indexes into flat typed arrays, so a million configurations cost a few typed arrays, not a
 * million objects.
 */
class Seen {
  private table = new Int32Array(1 << 12); // entry index + 1; 0 is empty
  private hashes = new Int32Array(1 << 11);
  private states = new Int32Array(1 << 11);
  private pool: Uint32Array;
  private size = 0;

  constructor(private readonly words: number) {
    this.pool = new Uint32Array(words << 11);
  }

  /** Adds the configuration; false when it was there already. */
  add(hash: number, bits: Uint32Array, state: number): boolean {
    const h = (hash ^ mix(state + 0x9e3779b9)) | 0;
    const mask = this.table.length - 1;
    const w = this.words;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = this.table[slot]! - 1;
      if (e < 0) {
        this.store(slot, h, bits, state);
        return true;
      }
      if (this.hashes[e] === h && this.states[e] === state && this.sameBits(e * w, bits)) return false;
    }
  }

  private sameBits(at: number, bits: Uint32Array): boolean {
    for (let i = 0; i < bits.length; i++) if (this.pool[at + i] !== bits[i]) return false;
    return true;
  }

  private store(slot: number, h: number, bits: Uint32Array, state: number): void {
    const e = this.size++;
    if (e === this.hashes.length) this.growEntries();
    this.hashes[e] = h;
    this.states[e] = state;
    this.pool.set(bits, e * this.words);
    this.table[slot] = e + 1;
    if (this.size * 2 > this.table.length) this.growTable();
  }

  private growEntries(): void {
    const grow = <T extends Int32Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(a.length * 2);
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes, (n) => new Int32Array(n));
    this.states = grow(this.states, (n) => new Int32Array(n));
    this.pool = grow(this.pool, (n) => new Uint32Array(n));
  }

  private growTable(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let e = 0; e < this.size; e++) {
      let slot = this.hashes[e]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = e + 1;
    }
    this.table = table;
  }
}

/** Steps are remembered from this many states at most, and in at most this many entries in all. */
const MEMO_STATES = 4096;
const MEMO_ENTRIES = 1 << 22;

/**
 * States by number, and each (state, operation) step computed once: the search takes the same step
 * from the same state many times, and a step may build a new value (an append), so the model is
 * asked once and the answer remembered.
 */
class States<S, O> {
  readonly all: S[] = [];
  private readonly ids = new Map<string | number | null, number>();
  /** rows[s][i]: the state after operation i from state s; -1 refused, -2 not asked yet. */
  private readonly rows: Int32Array[] = [];
  private readonly memoStates: number;

  constructor(
    private readonly model: SequentialModel<S, O>,
    private readonly ops: readonly O[],
  ) {
    this.memoStates = Math.min(MEMO_STATES, Math.floor(MEMO_ENTRIES / Math.max(1, ops.length)));
  }

  id(state: S): number {
    const k = this.model.key(state);
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.all.length;
      this.ids.set(k, id);
      this.all.push(state);
    }
    return id;
  }

  /** The state after operation i from state s, or -1 when the model refuses it. */
  step(s: number, i: number): number {
    if (s >= this.memoStates) return this.ask(s, i); // a state space this large (appends) rarely repeats a step
    const row = this.rows[s] ?? (this.rows[s] = new Int32Array(this.ops.length).fill(-2));
    if (row[i] === -2) row[i] = this.ask(s, i);
    return row[i]!;
  }

  private ask(s: number, i: number): number {
    const after = this.model.step(this.all[s]!, this.ops[i]!);
    return after === undefined ? -1 : this.id(after);
  }
}

/**
 * Is there an order of `ops`, each placed somewhere between its call and its return (anywhere after
 * its call if it never returned), in which the model accepts every operation? Stops after
 * `maxSteps` entries visited with "unknown".
 */
export function searchLinearization<S, O extends Timed>(ops: readonly O[], model: SequentialModel<S, O>, maxSteps = Number.POSITIVE_INFINITY): SearchOutcome {
  const sorted = sortedEntries(ops);
  const list = new EntryList(sorted);
  const position = new Int32Array(sorted.length);
  sorted.forEach((e, p) => (position[e] = p));
  let furthest = 0;
  const { next, head } = list;
  const bits = new Uint32Array(Math.ceil(ops.length / 32) || 1);
  const seen = new Seen(bits.length);
  const states = new States(model, ops);
  const stackCall = new Int32Array(ops.length);
  const stackState = new Int32Array(ops.length);
  let depth = 0;
  let longest: number[] = [];
  let state = states.id(model.init());
  let hash = 0;
  let entry = next[head]!;
  let steps = 0;
  const flip = (i: number) => {
    bits[i >>> 5]! ^= 1 << (i & 31);
    hash = (hash ^ mix(i + 1)) >>> 0;
  };
  while (next[head] !== -1) {
    if (++steps > maxSteps) return { valid: "unknown", order: longest, steps: steps - 1 };
    if (position[entry]! > furthest) furthest = position[entry]!;
    if ((entry & 1) === 0) {
      const i = entry >> 1;
      const id = states.step(state, i);
      if (id >= 0) flip(i);
      if (id >= 0 && seen.add(hash, bits, id)) {
        stackCall[depth] = entry;
        stackState[depth++] = state;
        if (depth > longest.length) longest = placed(stackCall, depth);
        state = id;
        list.lift(entry);
        entry = next[head]!;
      } else {
        if (id >= 0) flip(i);
        entry = next[entry]!;
      }
    } else {
      if (depth === 0) return { valid: false, order: longest, steps, reached: ops.map((_, i) => i).filter((i) => position[2 * i]! <= furthest) };
      entry = stackCall[--depth]!;
      state = stackState[depth]!;
      flip(entry >> 1);
      list.unlift(entry);
      entry = next[entry]!;
    }
  }
  return { valid: true, order: placed(stackCall, depth), steps };
}

/** The operations on the stack, in the order they were placed. */
function placed(calls: Int32Array, depth: number): number[] {
  return Array.from(calls.subarray(0, depth), (e) => e >> 1);
}
