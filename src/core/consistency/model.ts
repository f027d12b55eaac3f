// Sequential specifications: what one copy of the object, running operations one at a time, would
// answer. The linearizability search asks of a concurrent history whether some order of its
// operations, respecting real time, is a run of such a specification (Herlihy and Wing, 1990).
import type { Operation, Value } from "./history";

/** A sequential specification over states S and operations O (Porcupine's Model, typed). */
export interface SequentialModel<S, O> {
  init(): S;
  /** The state after `op`, or undefined when `op` could not have answered what it did in `state`. */
  step(state: S, op: O): S | undefined;
  /** Equal states have equal keys; the search memoises on (operations done, state key). */
  key(state: S): string | number | null;
  /** The state in prose ("1", "nothing", "{x: 1, y: 2}"). */
  describe(state: S): string;
}

function appendTo(state: Value, suffix: string): string {
  return (state === null ? "" : String(state)) + suffix;
}

/** One key's value under read, write, append and compare-and-set. Operations whose outcome is unknown accept any state. */
export function stepRegister(state: Value, op: Operation): Value | undefined {
  switch (op.kind) {
    case "read":
      return op.value === undefined || op.value === state ? state : undefined;
    case "write":
      return op.value;
    case "append":
      return appendTo(state, op.value);
    case "cas": {
      const matches = state === op.expect;
      if (op.ok === undefined) return matches ? op.value : state;
      if (op.ok !== matches) return undefined;
      return matches ? op.value : state;
    }
  }
}

function show(v: Value): string {
  return v === null ? "nothing" : typeof v === "number" ? String(v) : JSON.stringify(v);
}

/** A single register (one key of a key-value store), starting at `initial`. */
export function registerModel(initial: Value = null): SequentialModel<Value, Operation> {
  return {
    init: () => initial,
    step: stepRegister,
    key: (s) => s,
    describe: show,
  };
}

/** Keys to values; a key not in the map holds the initial value. Immutable: each step copies. */
export type KeyValueState = ReadonlyMap<string, Value>;

/**
 * The whole key-value store as one object, for checking a history without partitioning by key
 * (much slower; it exists to show partitioning gives the same verdict).
 */
export function keyValueModel(initial: Value = null): SequentialModel<KeyValueState, Operation> {
  const get = (s: KeyValueState, k: string): Value => (s.has(k) ? s.get(k)! : initial);
  return {
    init: () => new Map(),
    step: (s, op) => {
      const before = get(s, op.key);
      const after = stepRegister(before, op);
      if (after === undefined) return undefined;
      if (after === before) return s;
      const next = new Map(s);
      next.set(op.key, after);
      return next;
    },
    key: (s) => JSON.stringify([...s].filter(([, v]) => v !== initial).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    describe: (s) =>
      `{${[...s]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}: ${show(v)}`)
        .join(", ")}}`,
  };
}
