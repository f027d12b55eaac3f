// Single-leader replication on the shared message-passing world: one run from its setup and seed.
// The workload (scripted operations and any drawn from the seed) is laid out first, then the faults
// (a leader crash, a partition) are scheduled, and the world runs until it comes to rest.
import type { Rng } from "../../../core/rng";
import type { OpSpec, Setup } from "../scenario";
import { Client, Monitor } from "./client";
import { Cluster, MONITOR } from "./cluster";
import { Replica } from "./replica";
import type { ClusterState, ReplicationRun } from "./types";

export * from "./types";
export { MONITOR } from "./cluster";
export { entryLabel } from "./replica";

const KEYS = ["x", "y", "z"];

/** The scripted operations and those the workload draws from the seed, by time. */
export function operations(o: Setup, rng: Rng): OpSpec[] {
  const out = [...o.ops];
  const wl = o.workload;
  let value = 1;
  for (let c = 1; c <= wl.clients; c++) {
    let at = 0;
    for (let i = 0; i < wl.ops; i++) {
      at += rng.int(1, Math.max(1, 2 * wl.gapMs - 1));
      const key = wl.keys <= 3 ? KEYS[rng.int(0, wl.keys - 1)]! : rng.int(1, wl.keys) <= 3 ? KEYS[rng.int(0, 2)]! : `k${rng.int(4, wl.keys)}`;
      if (rng.chance(wl.writes)) out.push({ atMs: at, client: `c${c}`, kind: "write", keys: [key], value: value++ });
      else out.push({ atMs: at, client: `c${c}`, kind: "read", keys: [key] });
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

function build(o: Setup, rng: Rng): Cluster {
  const c = new Cluster(o, rng);
  const w = c.world;
  for (const r of [new Replica(c, o.leader, undefined), ...o.followers.map((f) => new Replica(c, f.name, f))]) {
    c.replicas.set(r.name, r);
    w.add(r);
  }
  const ops = operations(o, rng);
  for (const name of [...new Set(ops.map((x) => x.client))]) {
    const mine = ops.filter((x) => x.client === name);
    const cl = new Client(c, name, mine);
    c.clients.set(name, cl);
    w.add(cl);
    mine.forEach((x, i) => w.timer(name, x.atMs, { t: "op", i }));
  }
  w.add(new Monitor(c));
  if (o.crash) {
    w.crashAt(o.crash.atMs, o.leader, o.crash.downMs, "the leader crashes");
    w.timer(MONITOR, o.crash.atMs + o.detectMs, { t: "detect" });
  }
  if (o.promote) w.timer(MONITOR, o.promote.atMs, { t: "promote" });
  if (o.partition) {
    w.timer(MONITOR, o.partition.atMs, { t: "partition" });
    if (o.partition.healAtMs !== undefined) w.timer(MONITOR, o.partition.healAtMs, { t: "heal" });
  }
  return c;
}

/** One run; `watch` keeps every actor's state after each event (the run an output draws). */
export function simulate(o: Setup, rng: Rng, watch = false): ReplicationRun {
  const c = build(o, rng);
  const w = c.world;
  let states: { before: ClusterState; after: Map<number, ClusterState> } | undefined;
  if (watch) {
    const after = new Map<number, ClusterState>();
    states = { before: c.snapshot(), after };
    w.watch = (e) => {
      if (e.kind !== "send") after.set(e.seq, c.snapshot());
    };
  }
  w.run(o.untilMs);
  w.watch = undefined;
  const events = w.trace.toArray();
  const replicas = [...c.replicas.values()];
  return {
    leader: o.leader,
    followers: o.followers.map((f) => f.name),
    clients: [...c.clients.keys()],
    mode: o.mode,
    acks: o.acks,
    read: o.read,
    level: o.level,
    failover: o.failover,
    fencing: o.fencing,
    events,
    ops: c.ops,
    logs: Object.fromEntries(replicas.map((r) => [r.name, [...r.log]])),
    finalLeader: c.leader,
    epoch: c.epoch,
    failovers: c.failovers,
    lag: Object.fromEntries(o.followers.map((f) => [f.name, c.lag.get(f.name) ?? [{ atMs: 0, behind: 0 }]])),
    fencedSeqs: c.fencedSeqs,
    crashSeqs: events.filter((e) => e.kind === "crash").map((e) => e.seq),
    endMs: events.length ? events[events.length - 1]!.atMs : 0,
    up: Object.fromEntries(replicas.map((r) => [r.name, w.isUp(r.name)])),
    ...(states ? { watched: { ...states, end: c.snapshot() } } : {}),
  };
}
export { historyOf, recordOf, lostWrites, KEY_SLOTS } from "./history";
