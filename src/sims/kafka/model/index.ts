// A Kafka run on the shared message-passing world: brokers replicating each partition, the
// controller, the producer, the group coordinator and the consumers, with the faults of the cell
// scheduled up front. Records drawn from the seed are laid out before anything runs, so the same
// seed gives the same records under every setting a comparison tries.
import type { Interference, Message } from "../../../core/network";
import type { Rng } from "../../../core/rng";
import type { RecordSpec, Setup } from "../scenario";
import { Cluster, Controller, CONTROLLER, COORDINATOR, PRODUCER } from "./cluster";
import { Consumer } from "./consumer";
import { Coordinator } from "./coordinator";
import { Producer } from "./producer";
import type { Body } from "./messages";
import type { ClusterState, KafkaRun } from "./types";

export * from "./types";
export { CONTROLLER, COORDINATOR, PRODUCER } from "./cluster";
export { QUIET } from "./messages";

/** The cell's records and those the workload draws from the seed, in send order. */
export function recordsOf(o: Setup, rng: Rng): RecordSpec[] {
  const out = [...o.records];
  const wl = o.workload;
  let t = out.length ? out[out.length - 1]!.atMs + wl.everyMs : 0;
  for (let i = 0; i < wl.records; i++, t += wl.everyMs) {
    const hot = wl.keys > 0 && rng.chance(wl.hotKeyShare);
    const key = wl.keys === 0 ? null : hot ? "k1" : `k${rng.int(1, wl.keys)}`;
    out.push({ id: out.length + 1, key, atMs: t, partition: undefined });
  }
  return out;
}

function scheduleFaults(c: Cluster, consumers: Map<string, Consumer>): void {
  const w = c.world;
  for (const f of c.o.faults) {
    if (f.type === "broker-crash" || f.type === "follower-stall") {
      const broker = f.broker === "leader" ? c.meta[0]!.leader! : f.broker;
      if (f.type === "broker-crash") {
        w.crashAt(f.atMs, broker, f.downMs, "broker stops");
        w.timer(CONTROLLER, f.atMs + c.o.detectMs, { t: "detect", broker });
      } else {
        w.timer(CONTROLLER, f.atMs, { t: "stall", broker, on: true });
        if (f.untilMs !== undefined) w.timer(CONTROLLER, f.untilMs, { t: "stall", broker, on: false });
      }
    } else if (f.type === "consumer-crash") w.crashAt(f.atMs, f.consumer, f.downMs, "consumer stops, no LeaveGroup");
    else if (f.type === "consumer-pause") w.timer(f.consumer, f.atMs, { t: "pause", ms: f.downMs ?? 0 });
    else if (f.type === "consumer-leave") w.timer(f.consumer, f.atMs, { t: "leave" });
    else if (f.type === "consumer-join" && consumers.has(f.consumer)) w.timer(f.consumer, f.atMs, { t: "start" });
  }
}

function build(
  o: Setup,
  rng: Rng,
  extra: ExtraInterference | undefined,
): { c: Cluster; producer: Producer; group: Coordinator; consumers: Map<string, Consumer> } {
  const c = new Cluster(o, rng);
  const w = c.world;
  for (const b of c.brokers.values()) {
    w.add(b);
    w.timer(b.name, 0, { t: "follow" });
    w.timer(b.name, 1, { t: "isr-check" });
  }
  w.add(new Controller(c));
  w.timer(CONTROLLER, 0, { t: "sample" });
  const producer = new Producer(c, rng.fork(), recordsOf(o, rng));
  w.add(producer);
  producer.start();
  const group = new Coordinator(c);
  w.add(group);
  w.timer(COORDINATOR, o.heartbeatMs, { t: "session-check" });
  const names = [...Array.from({ length: o.consumers }, (_, i) => `c${i + 1}`), ...o.faults.filter((f) => f.type === "consumer-join").map((f) => f.consumer)];
  const consumers = new Map<string, Consumer>();
  for (const name of [...new Set(names)]) {
    const consumer = new Consumer(c, group, name);
    consumers.set(name, consumer);
    c.owners.push(consumer);
    w.add(consumer);
    if (consumers.size <= o.consumers) w.timer(name, 0, { t: "start" });
  }
  const loseRequest = new Set(o.faults.filter((f) => f.type === "lose-request").map((f) => f.record));
  const loseAck = new Set(o.faults.filter((f) => f.type === "lose-ack").map((f) => f.record));
  const holdAck = new Set(o.faults.filter((f) => f.type === "hold-ack").map((f) => f.record));
  w.interfere = (m) => {
    const scripted = extra?.(m);
    if (scripted) return scripted;
    const b = m.body;
    if (b.t === "produce" && b.attempt === 1 && loseRequest.has(b.rec)) return { drop: true };
    if (b.t !== "produce-ok" && b.t !== "produce-err") return undefined;
    if (b.attempt === 1 && loseAck.has(b.rec)) return { drop: true };
    // A held answer, and every answer behind it on the same connection, arrives only after the
    // producer gave up on the connection: for the producer they never arrive.
    if (b.attempt === 1 && holdAck.has(b.rec)) c.heldConnections.add(m.from);
    return c.heldConnections.has(m.from) ? { drop: true } : undefined;
  };
  // An answer that arrives after the producer closed the connection its request went out on.
  w.discard = (m) => (m.to === PRODUCER && producer.answersClosedAttempt(m.body) ? "lost: the producer closed the connection" : undefined);
  scheduleFaults(c, consumers);
  return { c, producer, group, consumers };
}

function snapshot(c: Cluster, producer: Producer, group: Coordinator, consumers: Map<string, Consumer>): ClusterState {
  return {
    partitions: c.meta.map((m) => {
      const lead = m.leader ? c.brokers.get(m.leader)!.replica(m.p) : undefined;
      return {
        p: m.p,
        leader: m.leader ?? "(none)",
        epoch: m.epoch,
        isr: m.isr.join(", "),
        ends: m.replicas.map((b) => `${b}:${c.brokers.get(b)!.replica(m.p).end}`).join(" "),
        hw: lead?.hw ?? 0,
      };
    }),
    producer: {
      inFlight: producer.inFlightCount,
      acked: c.sent.filter((s) => s?.outcome === "acked").length,
      failed: c.sent.filter((s) => s?.outcome === "failed").length,
    },
    group: {
      generation: group.generation,
      state: group.state,
      members: [...consumers.values()].map((x) => ({ name: x.name, owns: x.state().owns, committed: x.state().position })),
    },
  };
}

/** Interference with chosen messages beyond the cell's faults, decided before them (tests script a lost or doubled message with it). */
export type ExtraInterference = (m: Message<Body>) => Interference | undefined;

/** One run; `watch` keeps every actor's state after each event (the run an output draws). */
export function simulate(o: Setup, rng: Rng, watch = false, extra?: ExtraInterference): KafkaRun {
  const { c, producer, group, consumers } = build(o, rng, extra);
  const w = c.world;
  let states: { before: ClusterState; after: Map<number, ClusterState> } | undefined;
  if (watch) {
    const after = new Map<number, ClusterState>();
    states = { before: snapshot(c, producer, group, consumers), after };
    w.watch = (e) => {
      if (e.kind !== "send") after.set(e.seq, snapshot(c, producer, group, consumers));
    };
  }
  w.run(o.untilMs, 2_000_000);
  w.watch = undefined;
  const events = w.trace.toArray();
  return {
    acks: o.acks,
    idempotence: o.idempotence,
    maxInFlight: o.maxInFlight,
    retries: o.retries,
    minInsyncReplicas: o.minInsyncReplicas,
    uncleanLeaderElection: o.uncleanLeaderElection,
    assignor: o.assignor,
    commit: o.commit,
    isolation: o.isolation,
    sessionTimeoutMs: o.sessionTimeoutMs,
    brokers: [...c.brokers.keys()],
    consumers: [...consumers.keys()],
    events,
    sent: c.sent.filter(Boolean),
    partitions: c.meta.map((m) => ({
      partition: m.p,
      replicas: m.replicas,
      leader: m.leader,
      epoch: m.epoch,
      isr: [...m.isr],
      logs: Object.fromEntries(m.replicas.map((b) => [b, [...c.brokers.get(b)!.replica(m.p).log]])),
      hw: Object.fromEntries(m.replicas.map((b) => [b, c.brokers.get(b)!.replica(m.p).hw])),
    })),
    output: c.output.map((x) => ({ ...x })),
    commits: c.commits,
    committed: [...c.committed],
    rebalances: c.rebalances,
    failovers: c.failovers,
    truncations: c.truncations,
    dedupSeqs: c.dedupSeqs,
    crashes: c.crashes,
    offline: c.meta.filter((m) => m.leader === undefined).map((m) => m.p),
    samples: c.samples,
    groupFaultMs: Math.min(Infinity, ...o.faults.filter((f) => f.type.startsWith("consumer-")).map((f) => f.atMs)),
    endMs: w.nowMs,
    ...(states ? { watched: { ...states, end: snapshot(c, producer, group, consumers) } } : {}),
  };
}
