// The order in which writes happened, as a reader is entitled to assume it: one write happened before
// another when it completed before the other began (real time, which covers a client's own writes),
// when the other's client had read it before writing (a reply that depends on a question), or when
// it is an earlier version of the same key. Consistent prefix asks every state a reader sees to be
// closed under this order: whoever sees a write sees everything that happened before it.
import type { Operation } from "./history";
import type { VersionedRead, VersionedWrite, Versions } from "./versions";

/** One step of the order: `from` happened before `to`, and why. */
export interface Cause {
  readonly from: VersionedWrite;
  readonly to: VersionedWrite;
  readonly why: "real-time" | "read" | "version";
  /** For "read": the read by `to`'s client that saw `from` (or a later version of its key). */
  readonly via?: VersionedRead;
}

export interface HappenedBefore {
  /** The latest version of `key` written by a write that happened before `w` (not `w` itself). */
  latestBefore(w: VersionedWrite, key: string): VersionedWrite | undefined;
  /** The steps from `from` to `to`, when `from` happened before `to`. */
  chain(from: VersionedWrite, to: VersionedWrite): Cause[];
}

/** For each write, the reads its client made before it in its session, with the write each one saw. */
function readsBefore(v: Versions): Map<Operation, { read: VersionedRead; saw: VersionedWrite }[]> {
  const out = new Map<Operation, { read: VersionedRead; saw: VersionedWrite }[]>();
  const byClient = new Map<string, (VersionedRead | VersionedWrite)[]>();
  for (const op of [...v.reads, ...v.writes]) byClient.set(op.client, [...(byClient.get(op.client) ?? []), op]);
  for (const ops of byClient.values()) {
    ops.sort((a, b) => a.call - b.call || a.id - b.id);
    const seen: { read: VersionedRead; saw: VersionedWrite }[] = [];
    for (const op of ops) {
      if (op.kind !== "read") out.set(op, [...seen]);
      else if (op.version > 0) seen.push({ read: op as VersionedRead, saw: v.write(op.key, op.version)! });
    }
  }
  return out;
}

/** Walks back from a write over the three kinds of step, remembering how each write was reached. */
function ancestry(
  v: Versions,
  start: VersionedWrite,
  deps: Map<Operation, { read: VersionedRead; saw: VersionedWrite }[]>,
  byRet: readonly VersionedWrite[],
): Map<VersionedWrite, Cause | null> {
  const reached = new Map<VersionedWrite, Cause | null>([[start, null]]);
  const stack: VersionedWrite[] = [start];
  let threshold = Number.NEGATIVE_INFINITY;
  let next = 0;
  const reach = (from: VersionedWrite, to: VersionedWrite, why: Cause["why"], via?: VersionedRead) => {
    if (reached.has(from)) return;
    reached.set(from, { from, to, why, ...(via ? { via } : {}) });
    stack.push(from);
  };
  while (stack.length) {
    const w = stack.pop()!;
    const lower = v.below(w.key, w.version);
    if (lower) reach(lower, w, "version");
    for (const d of deps.get(w) ?? []) reach(d.saw, w, "read", d.read);
    if (w.call > threshold) {
      threshold = w.call;
      while (next < byRet.length && byRet[next]!.ret! < threshold) reach(byRet[next++]!, w, "real-time");
    }
  }
  return reached;
}

export function happenedBefore(v: Versions): HappenedBefore {
  const deps = readsBefore(v);
  const byRet = v.writes.filter((w) => w.ret !== undefined).sort((a, b) => a.ret! - b.ret!);
  const memo = new Map<VersionedWrite, Map<VersionedWrite, Cause | null>>();
  const of = (w: VersionedWrite) => memo.get(w) ?? memo.set(w, ancestry(v, w, deps, byRet)).get(w)!;
  return {
    latestBefore(w, key) {
      let best: VersionedWrite | undefined;
      for (const x of of(w).keys()) if (x !== w && x.key === key && (!best || x.version > best.version)) best = x;
      return best;
    },
    chain(from, to) {
      const reached = of(to);
      const out: Cause[] = [];
      for (let c = reached.get(from); c; c = reached.get(c.to)) out.push(c);
      return out;
    },
  };
}
