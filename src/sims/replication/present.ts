// How a replication run looks: the messages between clients, leader, followers and the monitor, with
// the run's timeline (each replica's position and values, the leader and epoch, the clients' tokens);
// the clients' history as a gantt with the blamed operations marked; each follower's lag over time;
// the tables `reads` and `lost writes`. A comparison adds its matrix first: which guarantees each
// setting kept and what its writes and reads cost.
import type { Verdict } from "../../core/verdict";
import { historyGantt } from "../../present/history";
import { worldSequence } from "../../present/network";
import type { ChartSpec, DiagramSpec, StateTable, TableSpec, Timeline } from "../../protocol/output";
import type { Presentation } from "../types";
import { historyOf, KEY_SLOTS, lostWrites, MONITOR, type ClusterState, type OpRecord, type ReplicationResult, type ReplicationRun } from "./model";

const mean = (xs: readonly number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : 0);
const latencies = (run: ReplicationRun, kind: OpRecord["kind"]) => run.ops.filter((r) => r.kind === kind && r.outcome === "ok").map((r) => r.retMs! - r.callMs);

function stateTables(s: ClusterState): StateTable[] {
  return [
    {
      name: "replicas",
      columns: ["replica", "role", "epoch", "log position", "values (position)"],
      rows: s.replicas.map((r) => [
        r.name,
        `${r.role}${r.up ? "" : " (down)"}${r.name === s.leader ? "" : r.role === "leader" ? " (old)" : ""}`,
        r.epoch,
        r.position,
        r.values,
      ]),
    },
    { name: "leader", columns: ["newest epoch", "leader"], rows: [[s.epoch, s.leader]] },
    {
      name: "clients",
      columns: ["client", "writes to", "token (last position seen)", "reads from"],
      rows: s.clients.map((c) => [c.name, c.writesTo, c.token, c.readsFrom]),
    },
  ];
}

function participants(run: ReplicationRun): string[] {
  const monitor = run.failovers.length || run.events.some((e) => e.actor === MONITOR) ? [MONITOR] : [];
  return [...run.clients, run.leader, ...run.followers, ...monitor];
}

function sequence(run: ReplicationRun, highlight: ReadonlySet<number>, id: string, title: string): { spec: DiagramSpec; timeline?: Timeline } {
  const lostNow = lostWrites(run);
  const ending = `end at t=${run.endMs} ms: ${run.finalLeader} leads epoch ${run.epoch}${lostNow.length ? `, ${lostNow.length} acknowledged write${lostNow.length === 1 ? "" : "s"} lost` : ""}`;
  const caption = run.level
    ? `Cosmos DB ${run.level}`
    : `${run.mode}${run.mode === "semi-sync" ? ` (${run.acks} ack${run.acks === 1 ? "" : "s"})` : ""} replication, reads at ${run.read}`;
  return worldSequence(run.events, {
    id,
    title,
    participants: participants(run),
    caption,
    highlight,
    hideLabels: new Set(["ack"]),
    ending,
    endingHighlighted: lostNow.length > 0,
    maxLines: 160,
    ...(run.watched ? { watched: run.watched } : {}),
    tables: stateTables,
    endMs: run.endMs,
  });
}

function gantt(run: ReplicationRun, highlight: ReadonlySet<number>, id: string): DiagramSpec {
  const history = historyOf(run);
  const byId = new Map(run.ops.map((r) => [r.id, r]));
  const marked = history.filter((op) => {
    const r = byId.get(Math.floor(op.id / KEY_SLOTS))!;
    return highlight.has(r.arriveSeq ?? r.callSeq) || (r.retSeq !== undefined && highlight.has(r.retSeq));
  });
  const g = historyGantt(history, { title: "The clients' history (v: the log position read or written)", marked: marked.map((o) => o.id) });
  return { id, title: "History", mermaid: g.text, ...(g.omitted ? { omittedEvents: g.omitted } : {}) };
}

function lagChart(run: ReplicationRun, id: string): ChartSpec {
  return {
    id,
    title: "How far each follower is behind the leader",
    kind: "line",
    x: { label: "time (ms)" },
    y: { label: "log positions behind" },
    series: run.followers.map((f) => ({
      name: f,
      points: [...(run.lag[f] ?? []).map((p) => ({ x: p.atMs, y: p.behind })), { x: run.endMs, y: run.lag[f]?.at(-1)?.behind ?? 0 }],
    })),
    caption: "A follower's line rises as the leader appends writes it has not applied yet, and falls as it catches up.",
  };
}

function readsTable(run: ReplicationRun): TableSpec {
  const rows = run.ops
    .filter((r) => r.kind === "read")
    .flatMap((r) =>
      r.keys.map((key) => {
        const v = r.outcome === "ok" ? r.values?.find((x) => x.key === key) : undefined;
        return [r.client, key, r.outcome === "ok" ? (r.replica ?? "") : `(${r.outcome})`, v ? v.value : null, r.callMs];
      }),
    );
  return { id: "reads", title: "reads", columns: ["client", "key", "replica", "value", "at (ms)"], rows };
}

function lostTable(run: ReplicationRun): TableSpec {
  return {
    id: "lost writes",
    title: "lost writes",
    columns: ["client", "key", "value", "position"],
    rows: lostWrites(run).map((r) => [r.client, r.keys[0]!, r.value!, r.lsn!]),
  };
}

function metrics(run: ReplicationRun): Record<string, number> {
  const writes = run.ops.filter((r) => r.kind === "write");
  const reads = run.ops.filter((r) => r.kind === "read");
  return {
    writes: writes.length,
    acknowledged: writes.filter((r) => r.outcome === "ok").length,
    lostWrites: lostWrites(run).length,
    refused: writes.filter((r) => r.outcome === "refused").length,
    timedOut: run.ops.filter((r) => r.outcome === "timeout").length,
    reads: reads.length,
    staleReads: reads.filter((r) => r.outcome === "ok" && (r.behindPositions ?? 0) > 0).length,
    readsAtLeader: reads.filter((r) => r.redirected !== undefined).length,
    failovers: run.failovers.length,
    fenced: run.fencedSeqs.length,
    writeLatencyMs: mean(latencies(run, "write")),
    readLatencyMs: mean(latencies(run, "read")),
    endMs: run.endMs,
  };
}

function single(run: ReplicationRun, verdict: Verdict): Presentation {
  const highlight = new Set(verdict.findings.flatMap((f) => f.events ?? []));
  const d = sequence(run, highlight, "sequence", "Replication, message by message");
  const problems = verdict.findings.filter((f) => f.severity === "error").map((f) => f.code);
  return {
    title: `Replication (${run.level ? `Cosmos DB ${run.level}` : `${run.mode}, reads at ${run.read}`})${problems.length ? `: ${[...new Set(problems)].join(", ")}` : ""}`,
    diagrams: [d.spec, gantt(run, highlight, "history")],
    ...(d.timeline ? { timeline: d.timeline } : {}),
    charts: [lagChart(run, "lag")],
    tables: [readsTable(run), lostTable(run)],
    metrics: metrics(run),
  };
}

const GUARANTEES = [
  ["not-linearizable", "linearizable"],
  ["read-your-writes", "read your writes"],
  ["monotonic-reads", "monotonic reads"],
  ["monotonic-writes", "monotonic writes"],
  ["writes-follow-reads", "writes follow reads"],
  ["consistent-prefix", "consistent prefix"],
] as const;

function matrix(runs: readonly { name: string; run: ReplicationRun }[], verdict: Verdict): TableSpec {
  const broke = (name: string, code: string) => verdict.findings.some((f) => f.code === code && f.title.startsWith(`[${name}] `));
  return {
    id: "matrix",
    title: "The same operations and seed under each setting",
    summary: true,
    columns: [
      "setting",
      ...GUARANTEES.map(([, label]) => label),
      "bounded staleness",
      "lost writes",
      "write latency (ms, mean)",
      "read latency (ms, mean)",
      "reads sent to the leader",
    ],
    rows: runs.map(({ name, run }) => {
      const m = metrics(run);
      const bounded = run.read === "bounded" ? (broke(name, "bounded-staleness") ? "broken" : "kept") : "not checked";
      return [
        name,
        ...GUARANTEES.map(([code]) => (broke(name, code) ? "broken" : "kept")),
        bounded,
        m.lostWrites!,
        m.writeLatencyMs!,
        m.readLatencyMs!,
        m.readsAtLeader!,
      ];
    }),
  };
}

function comparison(runs: readonly { name: string; run: ReplicationRun }[], verdict: Verdict): Presentation {
  const drawnName = verdict.findings.find((f) => f.events?.length)?.title.match(/^\[([^\]]+)\]/)?.[1];
  const drawn = runs.find((r) => r.name === drawnName) ?? runs[0]!;
  const highlight = new Set(verdict.findings.flatMap((f) => f.events ?? []));
  const d = sequence(drawn.run, highlight, "sequence", `${drawn.name}, message by message`);
  const metricsAll: Record<string, number> = {};
  for (const { name, run } of runs) for (const [k, v] of Object.entries(metrics(run))) metricsAll[`${name}.${k}`] = v;
  return {
    title: `${runs.map((r) => r.name).join(" vs ")}: the same operations`,
    diagrams: [d.spec, gantt(drawn.run, highlight, "history")],
    ...(d.timeline ? { timeline: d.timeline } : {}),
    charts: [lagChart(drawn.run, "lag")],
    tables: [matrix(runs, verdict), readsTable(drawn.run), lostTable(drawn.run)],
    metrics: metricsAll,
  };
}

export function present(result: ReplicationResult, verdict: Verdict): Presentation {
  return result.mode === "run" ? single(result.run, verdict) : comparison(result.runs, verdict);
}
