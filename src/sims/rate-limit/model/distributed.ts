// Distributed limiting: requests reach gateway nodes in turn, and the nodes share one limit in one
// of four ways. Local limiters each allow the whole limit. A central counter read with GET and
// raised with INCR, then EXPIRE on a new key, is three round trips: requests in flight read the
// same count, and a node that dies between INCR and EXPIRE leaves a key without a TTL. The atomic
// version does INCR and PEXPIRE in one script. Synchronised nodes add up their counts every syncMs.
import type { Mode, Resolved } from "../scenario";
import { makeLimiter, type Limiter, type LimiterState } from "./limiters";
import type { Request } from "./traffic";

export interface Admission {
  readonly decision: "accepted" | "rejected";
  readonly state: LimiterState;
  /** The limiter window the request counted in (for the most passed in one window). */
  readonly windowId: string;
}

export interface DistributedRun {
  readonly admissions: readonly Admission[];
  /** The key left without a TTL, and the request whose node died before its EXPIRE. */
  readonly neverExpires?: { readonly key: string; readonly seq: number; readonly atMs: number };
  /** The central modes: every step at the counter, in the order the store ran them. */
  readonly steps?: readonly CounterStep[];
}

const nodeOf = (q: Request, nodes: number): number => ((q.seq - 1) % nodes) + 1;
const aligned = (q: Request, r: Resolved): string => `${q.key}@${Math.floor(q.atMs / r.windowMs)}`;

function local(r: Resolved, requests: readonly Request[]): DistributedRun {
  const limiters = new Map<string, Limiter>();
  const admissions = requests.map((q): Admission => {
    const node = nodeOf(q, r.distributed.nodes);
    const id = `${node}/${q.key}`;
    if (!limiters.has(id)) limiters.set(id, makeLimiter(r.algorithm, r));
    const d = limiters.get(id)!.decide(q.atMs);
    return { decision: d.decision === "rejected" ? "rejected" : "accepted", state: { node, ...d.state }, windowId: aligned(q, r) };
  });
  return { admissions };
}

interface SyncState {
  window: number;
  synced: number;
  pending: number[];
  nextSync: number;
}

function sync(r: Resolved, requests: readonly Request[]): DistributedRun {
  const { nodes, syncMs } = r.distributed;
  const perKey = new Map<string, SyncState>();
  const admissions = requests.map((q): Admission => {
    const node = nodeOf(q, nodes);
    let st = perKey.get(q.key);
    if (!st) perKey.set(q.key, (st = { window: -1, synced: 0, pending: new Array<number>(nodes).fill(0), nextSync: syncMs }));
    for (; st.nextSync <= q.atMs; st.nextSync += syncMs) {
      st.synced += st.pending.reduce((a, b) => a + b, 0);
      st.pending.fill(0);
    }
    const w = Math.floor(q.atMs / r.windowMs);
    if (w !== st.window) {
      st.window = w;
      st.synced = 0;
      st.pending.fill(0);
    }
    const seen = st.synced + st.pending[node - 1]!;
    const ok = seen < r.limit;
    if (ok) st.pending[node - 1]!++;
    return {
      decision: ok ? "accepted" : "rejected",
      state: { node, "synced count": st.synced, "own since sync": st.pending[node - 1]! },
      windowId: aligned(q, r),
    };
  });
  return { admissions };
}

interface Entry {
  value: number;
  expireAt: number | undefined;
  readonly generation: number;
}

type Op = { readonly at: number; readonly seq: number; readonly phase: 0 | 1 | 2 };

/** Who sent a command to the central counter: the request, its gateway node, the key, when it reached the store. */
interface Sent {
  readonly atMs: number;
  readonly seq: number;
  readonly node: number;
  readonly key: string;
}

/**
 * One step at the central counter, in the order the store ran them: the interleaving of the nodes'
 * round trips, which a test can replay against a real Redis. GET's reply is the count read (0: no
 * key), INCR's and the atomic script's the count after it (1: it created the key); PEXPIRE is sent
 * by the node whose INCR created the key, unless that node dies first ("dies"); "expired" is the key's
 * TTL running out, found by the next command on the key (atMs: when it ran out).
 */
export type CounterStep =
  | (Sent & { readonly op: "GET" | "INCR" | "INCR+PEXPIRE"; readonly reply: number })
  | (Sent & { readonly op: "PEXPIRE" })
  | (Sent & { readonly op: "dies" })
  | { readonly op: "expired"; readonly atMs: number; readonly key: string };

/** The counter's keys: Redis's INCR, PEXPIRE and expiry, with every step logged. */
class CounterStore {
  private readonly keys = new Map<string, Entry>();
  private generation = 0;
  readonly steps: CounterStep[] = [];

  /** The live entry of `key` at `atMs`, after dropping it if its TTL ran out. */
  get(key: string, atMs: number): Entry | undefined {
    const e = this.keys.get(key);
    if (e && e.expireAt !== undefined && e.expireAt <= atMs) {
      this.keys.delete(key);
      this.steps.push({ op: "expired", atMs: e.expireAt, key });
      return undefined;
    }
    return e;
  }

  incr(key: string, atMs: number): Entry {
    let e = this.get(key, atMs);
    if (!e) this.keys.set(key, (e = { value: 0, expireAt: undefined, generation: ++this.generation }));
    e.value++;
    return e;
  }
}

/** The central counter, with its operations landing at the store half a round trip after they are sent. */
function central(r: Resolved, requests: readonly Request[], atomic: boolean): DistributedRun {
  const L = r.distributed.latencyMs;
  const store = new CounterStore();
  let neverExpires: DistributedRun["neverExpires"];
  const ops: Op[] = requests.flatMap((q) =>
    atomic
      ? [{ at: q.atMs + L / 2, seq: q.seq, phase: 0 as const }]
      : [0, 1, 2].map((phase) => ({ at: q.atMs + L / 2 + phase * L, seq: q.seq, phase: phase as 0 | 1 | 2 })),
  );
  ops.sort((a, b) => a.at - b.at || a.seq - b.seq || a.phase - b.phase);
  const seen = new Map<number, number>();
  const created = new Set<number>();
  const windowOf = new Map<number, string>();
  for (const op of ops) {
    const q = requests[op.seq - 1]!;
    const sent: Sent = { atMs: op.at, seq: q.seq, node: nodeOf(q, r.distributed.nodes), key: q.key };
    const incr = (): Entry => {
      const e = store.incr(q.key, op.at);
      windowOf.set(q.seq, `${q.key}#${e.generation}`);
      return e;
    };
    if (atomic) {
      const entry = incr();
      if (entry.value === 1) entry.expireAt = op.at + r.windowMs;
      seen.set(q.seq, entry.value - 1);
      store.steps.push({ ...sent, op: "INCR+PEXPIRE", reply: entry.value });
    } else if (op.phase === 0) {
      seen.set(q.seq, store.get(q.key, op.at)?.value ?? 0);
      store.steps.push({ ...sent, op: "GET", reply: seen.get(q.seq)! });
    } else if (op.phase === 1 && seen.get(q.seq)! < r.limit) {
      const entry = incr();
      if (entry.value === 1) created.add(q.seq);
      store.steps.push({ ...sent, op: "INCR", reply: entry.value });
    } else if (op.phase === 2 && created.has(q.seq)) {
      const e = store.get(q.key, op.at);
      if (!e) continue;
      const { crashAtMs } = r.distributed;
      if (crashAtMs !== undefined && !neverExpires && q.atMs >= crashAtMs) {
        neverExpires = { key: q.key, seq: q.seq, atMs: q.atMs };
        store.steps.push({ ...sent, op: "dies" });
      } else {
        e.expireAt = op.at + r.windowMs;
        store.steps.push({ ...sent, op: "PEXPIRE" });
      }
    }
  }
  const admissions = requests.map((q): Admission => {
    const count = seen.get(q.seq)!;
    const ok = count < r.limit;
    return {
      decision: ok ? "accepted" : "rejected",
      state: { node: nodeOf(q, r.distributed.nodes), "count read": count },
      windowId: windowOf.get(q.seq) ?? "",
    };
  });
  return { admissions, steps: store.steps, ...(neverExpires ? { neverExpires } : {}) };
}

export function runMode(mode: Mode, r: Resolved, requests: readonly Request[]): DistributedRun {
  if (mode === "local") return local(r, requests);
  if (mode === "sync") return sync(r, requests);
  return central(r, requests, mode === "central-atomic");
}
