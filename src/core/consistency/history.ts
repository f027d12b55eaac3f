// A history of operations on a key-value store, as clients saw them: who called what on which key,
// when it was called, when (and whether) it returned, and what it returned. The linearizability and
// session checkers both read this one shape, so a simulator records its clients once.
//
// Times are the history's own clock: virtual milliseconds when the history comes from a trace,
// event indices when it comes from a log (Jepsen's logs). Intervals are closed, as in Porcupine:
// an operation that returns at t and one that is called at t overlap.

/** What a key holds, or what an operation reads or writes. `null` is "no value" (Jepsen's nil). */
export type Value = string | number | null;

export type OpKind = "read" | "write" | "append" | "cas";

interface OpBase {
  /**
   * Names the operation in findings' `events`. Unique in the history. A simulator with a trace
   * should use the sequence number of the call's trace event, so diagrams can highlight it.
   */
  readonly id: number;
  /** The client (process, session) that issued it. Each client's operations follow one another. */
  readonly client: string;
  readonly key: string;
  /** When it was called. */
  readonly call: number;
  /**
   * When it returned. Absent when it never did (the client crashed or timed out): it may or may not
   * have taken effect, at any time after its call (Knossos's and Porcupine's reading).
   */
  readonly ret?: number;
  /**
   * For the session checks: the version a write created, or the version a read returned. Versions
   * of one key grow in the order its writes take effect; 0 is the key before any write.
   */
  readonly version?: number;
}

export interface ReadOp extends OpBase {
  readonly kind: "read";
  /** What it returned; absent when that is unknown (it failed, timed out, or never returned). */
  readonly value?: Value;
  /**
   * Reads with the same group were answered from one state (one replica at one moment, or one
   * snapshot): the consistent-prefix check asks that state to be a prefix of the writes.
   */
  readonly group?: number;
}

export interface WriteOp extends OpBase {
  readonly kind: "write";
  readonly value: Value;
}

/** Appends a string to the key's value (Knossos's key-value histories). */
export interface AppendOp extends OpBase {
  readonly kind: "append";
  readonly value: string;
}

/** Compare-and-set: if the key holds `expect`, it now holds `value`. */
export interface CasOp extends OpBase {
  readonly kind: "cas";
  readonly expect: Value;
  readonly value: Value;
  /** Whether it swapped; absent when unknown (timed out or never returned). */
  readonly ok?: boolean;
}

export type Operation = ReadOp | WriteOp | AppendOp | CasOp;

/** Whether the operation returned. */
export function completed(op: Operation): op is Operation & { readonly ret: number } {
  return op.ret !== undefined;
}

/** a happened before b: a returned before b was called (real-time order; closed intervals). */
export function precedes(a: Operation, b: Operation): boolean {
  return a.ret !== undefined && a.ret < b.call;
}

/** Whether the operation may change the key's value (writes, appends, compare-and-sets not known to have failed). */
export function mayWrite(op: Operation): boolean {
  return op.kind === "write" || op.kind === "append" || (op.kind === "cas" && op.ok !== false);
}

/** Throws on a history no checker can read: repeated ids, returns before calls, times that are not numbers. */
export function validateHistory(history: readonly Operation[]): void {
  const ids = new Set<number>();
  for (const op of history) {
    if (ids.has(op.id)) throw new Error(`Operation id ${op.id} appears twice in the history.`);
    ids.add(op.id);
    if (!Number.isFinite(op.call)) throw new Error(`Operation ${op.id} has no call time.`);
    if (op.ret !== undefined && !(op.ret >= op.call)) throw new Error(`Operation ${op.id} returns (t=${op.ret}) before it is called (t=${op.call}).`);
  }
}

/** The operations of each key, keys in first-seen order. */
export function byKey(history: readonly Operation[]): Map<string, Operation[]> {
  const keys = new Map<string, Operation[]>();
  for (const op of history) {
    const ops = keys.get(op.key);
    if (ops) ops.push(op);
    else keys.set(op.key, [op]);
  }
  return keys;
}

/** Each client's operations in the order it issued them (by call time, then id). */
export function sessions(history: readonly Operation[]): Map<string, Operation[]> {
  const out = new Map<string, Operation[]>();
  for (const op of history) {
    const ops = out.get(op.client);
    if (ops) ops.push(op);
    else out.set(op.client, [op]);
  }
  for (const ops of out.values()) ops.sort((a, b) => a.call - b.call || a.id - b.id);
  return out;
}

// ---- Words for prose: every finding names operations the same way. ----

/** A value as prose shows it: numbers bare, strings quoted, null as "nothing". */
export function showValue(v: Value | undefined): string {
  if (v === undefined) return "an unknown value";
  if (v === null) return "nothing";
  return typeof v === "number" ? String(v) : JSON.stringify(v);
}

/** When the operation ran: "t=3–5", or "called at t=3, never returned". */
export function showTimes(op: Operation): string {
  return op.ret === undefined ? `called at t=${op.call}, never returned` : op.ret === op.call ? `t=${op.call}` : `t=${op.call}–${op.ret}`;
}

/** What the operation did, without who or when: "read x → 1", "write x = 2", "cas x 1 → 2". */
export function showAction(op: Operation): string {
  switch (op.kind) {
    case "read":
      return `read ${op.key} → ${showValue(op.value)}`;
    case "write":
      return `write ${op.key} = ${showValue(op.value)}`;
    case "append":
      return `append ${showValue(op.value)} to ${op.key}`;
    case "cas":
      return `cas ${op.key} ${showValue(op.expect)} → ${showValue(op.value)}`;
  }
}

/** What else there is to say: how a compare-and-set ended, the version, the times. */
export function showDetails(op: Operation): string {
  const outcome = op.kind === "cas" && op.ok !== undefined ? (op.ok ? "swapped" : "failed") : undefined;
  const version = op.version !== undefined ? `version ${op.version}` : undefined;
  return [outcome, version, showTimes(op)].filter((x) => x !== undefined).join(", ");
}

/** The operation in a sentence: "c2's read x → 1 (version 3, t=5–7)". */
export function showOp(op: Operation): string {
  return `${op.client}'s ${showAction(op)} (${showDetails(op)})`;
}

/** The operation without its client, for a sentence that has named it: "read x → 1 (version 3, t=5–7)". */
export function showOwn(op: Operation): string {
  return `${showAction(op)} (${showDetails(op)})`;
}
