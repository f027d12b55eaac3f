// How a Kafka run looks: the producer → broker → consumer flows and the group's rebalances as one
// sequence diagram with its timeline (each partition's leader, ISR and high watermark, the producer's
// requests, the group's generation and assignment); lag, throughput and partition ownership over
// time; and tables of every record's fate, the partitions' logs and the rebalances. A comparison adds
// its matrix first.
import type { Verdict } from "../../core/verdict";
import { worldDiagram, worldSequence } from "../../present/network";
import { round } from "../../present/prose";
import type { ChartSpec, DiagramSpec, StateTable, TableSpec } from "../../protocol/output";
import type { Presentation } from "../types";
import { causeText, fates, finalLog, orderViolations, stalledMs } from "./check";
import { CONTROLLER, COORDINATOR, PRODUCER, QUIET, type ClusterState, type KafkaResult, type KafkaRun, type Sample } from "./model";

function stateTables(s: ClusterState): StateTable[] {
  return [
    {
      name: "partitions",
      columns: ["partition", "leader", "epoch", "ISR", "log ends", "high watermark"],
      rows: s.partitions.map((p) => [`p${p.p}`, p.leader, p.epoch, p.isr, p.ends, p.hw]),
    },
    { name: "producer", columns: ["in flight", "acknowledged", "failed"], rows: [[s.producer.inFlight, s.producer.acked, s.producer.failed]] },
    { name: "group", columns: ["generation", "state"], rows: [[s.group.generation, s.group.state]] },
    { name: "consumers", columns: ["consumer", "owns", "position"], rows: s.group.members.map((m) => [m.name, m.owns, m.committed]) },
  ];
}

function caption(run: KafkaRun): string {
  return `acks=${run.acks}, ${run.idempotence ? "idempotent" : "not idempotent"}, max.in.flight=${run.maxInFlight}; ${run.assignor}; commit ${run.commit}`;
}

/** Background chatter, and the consumers' fetch requests: the records they bring back are drawn as the broker's answers. */
function quiet(run: KafkaRun): Set<string> {
  const fetches = run.events.filter((e) => e.kind === "send" && /^fetch p\d+@\d+$/.test(e.text)).map((e) => e.text);
  return new Set([...QUIET, ...fetches]);
}

function sequence(run: KafkaRun, highlight: ReadonlySet<number>, title: string) {
  const fs = fates(run);
  const bad = fs.filter((f) => f.fate === "duplicate" || f.fate === "lost" || f.fate === "ack-lost").length;
  return worldSequence(run.events, {
    id: "sequence",
    title,
    participants: [PRODUCER, ...run.brokers, CONTROLLER, COORDINATOR, ...run.consumers],
    caption: caption(run),
    highlight,
    hideLabels: quiet(run),
    ending: `end at t=${run.endMs} ms: ${fs.filter((f) => f.fate === "once").length} of ${run.sent.length} records delivered once${bad ? `, ${bad} duplicated or lost` : ""}`,
    endingHighlighted: bad > 0,
    maxLines: 220,
    ...(run.watched ? { watched: run.watched } : {}),
    tables: stateTables,
    endMs: run.endMs,
  });
}

/**
 * The group alone: joins, rebalances, assignments, commits, crashes and aborted transactions between
 * the coordinator and the consumers, so a rebalance late in a busy run is still drawn.
 */
function groupDiagram(run: KafkaRun, highlight: ReadonlySet<number>): DiagramSpec | undefined {
  const group = new Set([COORDINATOR, ...run.consumers]);
  // The commit arrows stay; the coordinator's note repeating each and its "committed" answer go.
  const hidden = new Set([...quiet(run), "committed"]);
  const events = run.events.filter(
    (e) =>
      group.has(e.actor) &&
      (e.peer === undefined || group.has(e.peer)) &&
      e.kind !== "log" &&
      e.kind !== "commit" &&
      !hidden.has(e.text.replace(/ \(lost.*$/, "")),
  );
  if (!run.consumers.length || !events.some((e) => e.actor === COORDINATOR)) return undefined;
  const d = worldDiagram(events, {
    participants: [COORDINATOR, ...run.consumers],
    caption: `the consumer group (${run.assignor}, ${run.assignor === "cooperative-sticky" ? "incremental cooperative" : "eager"} rebalancing)`,
    highlight,
    hideLabels: hidden,
    maxLines: 160,
    ending: `${run.rebalances.length} generation${run.rebalances.length === 1 ? "" : "s"}; at the end ${assignmentWords(run) || "no assignment"}`,
  });
  return {
    id: "group",
    title: "The consumer group: joins, rebalances, assignments, commits",
    mermaid: d.text,
    lineKinds: d.kinds,
    ...(d.omitted ? { omittedEvents: d.omitted } : {}),
  };
}

/**
 * The samples where a chart's values change, with the sample before each change so lines keep their
 * steps: a flat stretch is two points, not a hundred (and the Markdown fallback a few rows).
 */
function changes(samples: readonly Sample[], values: (s: Sample) => readonly number[]): Sample[] {
  const key = (i: number) => values(samples[i]!).join(",");
  return samples.filter((_, i) => i === 0 || i === samples.length - 1 || key(i) !== key(i - 1) || key(i) !== key(i + 1));
}

function lagChart(run: KafkaRun): ChartSpec {
  const samples = changes(run.samples, (s) => s.lag);
  return {
    id: "lag",
    title: "Consumer lag per partition (high watermark minus committed offset)",
    kind: "line",
    x: { label: "time (ms)" },
    y: { label: "records behind" },
    series: run.partitions.map((p) => ({ name: `p${p.partition}`, points: samples.map((s) => ({ x: s.atMs, y: s.lag[p.partition] ?? 0 })) })),
    caption: "A partition's line rises while records arrive faster than they are committed, and stays up while nobody consumes it (a rebalance, a crash).",
  };
}

const BUCKET_MS = 50;

function throughputChart(run: KafkaRun): ChartSpec {
  const buckets = Math.max(1, Math.ceil(run.endMs / BUCKET_MS));
  const count = (times: readonly number[]) =>
    Array.from({ length: buckets }, (_, i) => ({ x: i * BUCKET_MS, y: times.filter((t) => t >= i * BUCKET_MS && t < (i + 1) * BUCKET_MS).length }));
  return {
    id: "throughput",
    title: `Records per ${BUCKET_MS} ms`,
    kind: "line",
    x: { label: "time (ms)" },
    y: { label: "records" },
    series: [
      { name: "acknowledged", points: count(run.sent.filter((s) => s.outcome === "acked").map((s) => s.ackMs!)) },
      { name: "processed", points: count(run.output.map((o) => o.atMs)) },
    ],
    caption: "Processing falls to zero while partitions have no owner.",
  };
}

function assignmentChart(run: KafkaRun): ChartSpec {
  const samples = changes(run.samples, (s) => run.consumers.map((c) => s.owned[c] ?? 0));
  return {
    id: "assignment",
    title: "Partitions owned by each consumer",
    kind: "line",
    x: { label: "time (ms)" },
    y: { label: "partitions" },
    series: run.consumers.map((c) => ({ name: c, points: samples.map((s) => ({ x: s.atMs, y: s.owned[c] ?? 0 })) })),
    caption: "An eager rebalance drops every line to zero at once; a cooperative one moves only what changes hands.",
  };
}

function recordsTable(run: KafkaRun): TableSpec {
  return {
    id: "records",
    title: "records",
    columns: ["record", "key", "partition", "offsets in the log", "outputs", "fate", "cause"],
    rows: fates(run).map((f) => [`#${f.s.id}`, f.s.key ?? "(null)", f.s.partition, f.offsets.join(", "), f.outputs.length, f.fate, causeText(f)]),
  };
}

function partitionsTable(run: KafkaRun): TableSpec {
  return {
    id: "partitions",
    title: "partitions at the end",
    columns: ["partition", "leader", "epoch", "ISR", "high watermark", "committed", "log (record numbers)"],
    rows: run.partitions.map((p) => [
      `p${p.partition}`,
      p.leader ?? "(offline)",
      p.epoch,
      p.isr.join(", "),
      p.leader ? p.hw[p.leader]! : 0,
      run.committed[p.partition]!,
      finalLog(p)
        .map((e) => `#${e.rec}`)
        .join(" "),
    ]),
  };
}

/** The group's last assignment: "c1: p0,p1; c2: p2". */
function assignmentWords(run: KafkaRun): string {
  const last = [...run.rebalances].reverse().find((r) => r.assignment);
  return Object.entries(last?.assignment ?? {})
    .map(([m, ps]) => `${m}: ${ps.map((p) => `p${p}`).join(",") || "-"}`)
    .join("; ");
}

function rebalancesTable(run: KafkaRun): TableSpec {
  return {
    id: "rebalances",
    title: "rebalances",
    columns: ["generation", "why", "protocol", "start (ms)", "took (ms)", "revoked", "assignment"],
    rows: run.rebalances.map((r) => [
      r.generation,
      r.why,
      r.protocol,
      r.startMs,
      (r.endMs ?? run.endMs) - r.startMs,
      r.revoked.map((p) => `p${p}`).join(","),
      Object.entries(r.assignment ?? {})
        .map(([m, ps]) => `${m}: ${ps.map((p) => `p${p}`).join(",") || "-"}`)
        .join("; "),
    ]),
  };
}

export function metrics(run: KafkaRun): Record<string, number> {
  const fs = fates(run);
  const n = (fate: string) => fs.filter((f) => f.fate === fate).length;
  const peak = Math.max(0, ...run.samples.map((s) => s.lag.reduce((a, b) => a + b, 0)));
  const later = run.rebalances.filter((r) => r.startMs >= run.groupFaultMs);
  return {
    sent: run.sent.length,
    acknowledged: run.sent.filter((s) => s.outcome === "acked").length,
    deliveredOnce: n("once"),
    duplicates: n("duplicate"),
    lost: n("lost"),
    acknowledgedLost: n("ack-lost"),
    gaveUp: n("gave-up"),
    unconsumed: n("unconsumed") + n("pending"),
    orderViolations: orderViolations(run).length,
    retries: run.sent.reduce((a, s) => a + Math.max(0, s.attempts - 1), 0),
    dedupedByBroker: run.dedupSeqs.length,
    rebalances: later.length,
    stalledPartitionMs: stalledMs(run),
    longestRebalanceMs: later.length ? Math.max(...later.map((r) => (r.endMs ?? run.endMs) - r.startMs)) : 0,
    peakLag: peak,
    failovers: run.failovers.filter((f) => f.to !== undefined).length,
    truncatedReplicas: run.truncations.length,
    meanAckMs: round(mean(run.sent.filter((s) => s.outcome === "acked" && run.acks !== 0).map((s) => s.ackMs! - s.sendMs)), 1),
    endMs: run.endMs,
  };
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function single(run: KafkaRun, verdict: Verdict, title: string): Presentation {
  const highlight = new Set(verdict.findings.flatMap((f) => f.events ?? []));
  const d = sequence(run, highlight, "Producer, brokers and consumers, message by message");
  const problems = [...new Set(verdict.findings.filter((f) => f.severity === "error").map((f) => f.code))];
  return {
    title: `${title}${problems.length ? `: ${problems.join(", ")}` : ""}`,
    diagrams: [d.spec, ...[groupDiagram(run, highlight)].filter((g): g is DiagramSpec => g !== undefined)],
    ...(d.timeline ? { timeline: d.timeline } : {}),
    charts: [lagChart(run), throughputChart(run), assignmentChart(run)],
    tables: [recordsTable(run), partitionsTable(run), rebalancesTable(run)],
    metrics: metrics(run),
  };
}

const MATRIX = [
  "sent",
  "deliveredOnce",
  "duplicates",
  "lost",
  "acknowledgedLost",
  "orderViolations",
  "rebalances",
  "stalledPartitionMs",
  "peakLag",
  "meanAckMs",
] as const;

export function present(result: KafkaResult, verdict: Verdict): Presentation {
  if (result.mode === "run") return single(result.run, verdict, `Kafka (${caption(result.run)})`);
  const drawnName = verdict.findings.find((f) => f.events?.length)?.title.match(/^\[([^\]]+)\]/)?.[1];
  const drawn = result.runs.find((r) => r.name === drawnName) ?? result.runs[0]!;
  const one = single(drawn.run, verdict, `${result.runs.map((r) => r.name).join(" vs ")}: the same records`);
  const all: Record<string, number> = {};
  for (const { name, run } of result.runs) for (const [k, v] of Object.entries(metrics(run))) all[`${name}.${k}`] = v;
  const matrix: TableSpec = {
    id: "matrix",
    title: "The same records and seed under each setting",
    summary: true,
    columns: ["setting", ...MATRIX, "assignment at the end"],
    rows: result.runs.map(({ name, run }) => {
      const m = metrics(run);
      return [name, ...MATRIX.map((k) => m[k]!), assignmentWords(run)];
    }),
  };
  return {
    ...one,
    title: `${result.runs.map((r) => r.name).join(" vs ")}: the same records (drawn: ${drawn.name})`,
    tables: [matrix, ...one.tables],
    metrics: all,
  };
}
