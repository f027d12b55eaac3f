// Dynamo-style leaderless replication, one run: clients send their operations to coordinators on a
// ring of replicas (cluster.ts), on the message-passing world; scripted crashes and slow nodes;
// hinted handoff and anti-entropy on timers. A watched run keeps every actor's state after each
// event for the timeline. `simulate` runs one setting, or each setting of a comparison.
import type { Message, Node, WorldEvent } from "../../../core/network";
import { createRng, type Rng } from "../../../core/rng";
import type { Resolved, Setup } from "../scenario";
import { Cluster, Replica, type Body, type Hint, type OpRecord, type Tag } from "./cluster";
import { mergeVv, place, ring, showVersions, type Version } from "./data";

export { lwwNewer, ring, showVersion, showVersions, type Version } from "./data";
export type { OpRecord } from "./cluster";

/** Every actor's state at one moment, for the timeline. */
export interface QuorumState {
  /** Per node: up, and per key the versions it holds. */
  readonly nodes: readonly { readonly name: string; readonly up: boolean; readonly keys: readonly string[] }[];
  readonly hints: readonly { readonly holder: string; readonly owner: string; readonly key: string; readonly versions: string }[];
  /** Operations coordinators are waiting on. */
  readonly waiting: readonly { readonly coord: string; readonly what: string; readonly got: string }[];
}

export interface QuorumRun {
  readonly setup: Setup;
  readonly events: readonly WorldEvent[];
  readonly ops: readonly OpRecord[];
  readonly keys: readonly string[];
  readonly lwwDrops: Cluster["lwwDrops"];
  readonly handoffs: Cluster["handoffs"];
  readonly hintsLeft: readonly (Hint & { readonly holder: string })[];
  /** What each node holds at the end, per key. */
  readonly final: ReadonlyMap<string, ReadonlyMap<string, readonly Version[]>>;
  readonly down: readonly string[];
  readonly repairs: number;
  readonly messages: number;
  readonly endMs: number;
  readonly watched?: { readonly before: QuorumState; readonly after: ReadonlyMap<number, QuorumState>; readonly end: QuorumState };
}

export type QuorumResult =
  | { readonly mode: "run"; readonly run: QuorumRun }
  | { readonly mode: "compare"; readonly runs: readonly { readonly name: string; readonly run: QuorumRun }[] };

/** A client: calls its operations in order, one at a time, and records when each returns. */
class Client implements Node<Body, Tag> {
  private busy = false;
  private readonly queue: OpRecord[] = [];
  /** Version-vectors mode: what the client last read or wrote, per key (its causal context). */
  private readonly context = new Map<string, Readonly<Record<string, number>>>();

  constructor(
    private readonly c: Cluster,
    readonly name: string,
  ) {}

  onTimer(tag: Tag): void {
    if (tag.t !== "call") return;
    this.queue.push(this.c.ops[tag.op]!);
    this.next();
  }

  private next(): void {
    if (this.busy || !this.queue.length) return;
    const op = this.queue.shift()!;
    const { o, world: w } = this.c;
    this.busy = true;
    if (!op.coord) op.coord = place(op.key, o.names, o.n, o.sloppy, (x) => w.isUp(x)).targets[0] ?? ring(op.key, o.names)[0]!;
    const ctx = this.context.get(op.key);
    if (o.conflicts === "version-vectors" && op.kind === "write" && ctx) op.context = ctx;
    const what = op.kind === "write" ? `write ${op.key} = ${op.value}` : `read ${op.key}`;
    const e = w.record({ actor: this.name, kind: "log", text: `${what} via ${op.coord}` });
    op.id = e.seq;
    op.callMs = w.nowMs;
    w.send(this.name, op.coord, "call", what, { t: "req", op: op.index });
  }

  onMessage(m: Message<Body>): void {
    const b = m.body;
    if (b.t !== "done") return;
    const op = this.c.ops[b.op]!;
    if (op.retMs !== undefined) return;
    op.retMs = this.c.world.nowMs;
    op.retSeq = this.c.world.trace.length - 1;
    op.ok = b.ok;
    const vs = b.versions ?? (op.version ? [op.version] : []);
    if (b.ok && vs.length) this.context.set(op.key, mergeVv(vs.map((v) => v.vv)));
    this.busy = false;
    this.next();
  }
}

function snapshot(c: Cluster): QuorumState {
  const { o, world: w } = c;
  const mode = o.conflicts;
  return {
    nodes: o.names.map((name) => ({ name, up: w.isUp(name), keys: c.keys.map((k) => showVersions(mode, c.held(name, k))) })),
    hints: o.names.flatMap((holder) => c.hints.get(holder)!.map((h) => ({ holder, owner: h.owner, key: h.key, versions: showVersions(mode, h.versions) }))),
    waiting: o.names.flatMap((coord) =>
      [...c.pending.get(coord)!.values()]
        .filter((p) => !p.answered)
        .map((p) => ({
          coord,
          what: `${p.op.client}'s ${p.op.kind} of ${p.op.key}`,
          got:
            p.op.kind === "write"
              ? `${p.acks.size}/${o.w} acks: ${[...p.acks].join(", ") || "—"}`
              : `${p.replies.size}/${o.r} replies: ${[...p.replies.keys()].join(", ") || "—"}${p.repairing.size ? `; repairing ${[...p.repairing].join(", ")}` : ""}`,
        })),
    ),
  };
}

function schedule(c: Cluster, o: Setup): void {
  const w = c.world;
  for (const n of o.names) {
    w.add(new Replica(c, n));
    if (o.antiEntropyMs > 0) w.timer(n, o.antiEntropyMs, { t: "anti-entropy" });
  }
  for (const client of new Set(c.ops.map((x) => x.client))) w.add(new Client(c, client));
  for (const op of c.ops) w.timer(op.client, op.at, { t: "call", op: op.index });
  for (const f of o.crashes) {
    w.crashAt(f.atMs, f.node, f.downMs, "scripted");
  }
}

/** One run; `watch` keeps every actor's state after each event (the run an output draws). */
export function simulateOnce(o: Setup, rng: Rng, watch = false): QuorumRun {
  const c = new Cluster(o, rng);
  const w = c.world;
  let states: { before: QuorumState; after: Map<number, QuorumState> } | undefined;
  schedule(c, o);
  if (watch) {
    const after = new Map<number, QuorumState>();
    states = { before: snapshot(c), after };
    w.watch = (e) => {
      if (e.kind !== "send") after.set(e.seq, snapshot(c));
    };
    c.rewatch = (seq) => after.set(seq, snapshot(c));
  }
  w.run(o.untilMs);
  w.watch = undefined;
  const events = w.trace.toArray();
  c.crashSeqs.push(...events.filter((e) => e.kind === "crash").map((e) => e.seq));
  return {
    setup: o,
    events,
    ops: c.ops,
    keys: c.keys,
    lwwDrops: c.lwwDrops,
    handoffs: c.handoffs,
    hintsLeft: o.names.flatMap((holder) => c.hints.get(holder)!.map((h) => ({ ...h, holder }))),
    final: c.store,
    down: o.names.filter((n) => !w.isUp(n)),
    repairs: c.repairs,
    messages: w.messagesSent,
    endMs: Math.min(w.nowMs, o.untilMs),
    ...(states ? { watched: { ...states, end: snapshot(c) } } : {}),
  };
}

export function simulate(r: Resolved, rng: Rng): QuorumResult {
  if (!r.compare) return { mode: "run", run: simulateOnce(r.run, rng, true) };
  // Every setting runs on the same seed, so the network draws the same delays where it can.
  const seed = rng.int(0, 0x7fffffff);
  return { mode: "compare", runs: r.compare.map((v, i) => ({ name: v.name, run: simulateOnce(v.run, createRng(seed), i === 0) })) };
}
