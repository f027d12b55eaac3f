// The Kafka checker follows every record end to end: from send() to the final leader's log to the
// output the consumers wrote (as a read_committed or read_uncommitted reader sees it). It reports
// records delivered twice or never, acknowledged records missing from the log, keys stored out of
// send order, each with its cause; and what is not wrong but worth knowing: rebalance stalls, lag,
// elections, truncations, refused commits, duplicates the broker dropped, a hot partition.
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import * as explain from "./explain";
import type { KafkaResult, KafkaRun, LogEntry, OutputEntry, PartitionState, SentRecord } from "./model";
import type { Resolved } from "./scenario";

/** The log a reader would find at the end: the leader's, or for an offline partition its last leader's. */
export function finalLog(part: PartitionState): readonly LogEntry[] {
  if (part.leader) return part.logs[part.leader]!;
  return Object.values(part.logs).reduce((a, b) => (b.length > a.length ? b : a), [] as readonly LogEntry[]);
}

export function visibleOutput(run: KafkaRun): OutputEntry[] {
  return run.output.filter((o) => o.state === "plain" || o.state === "committed" || run.isolation === "read_uncommitted");
}

export interface Fate {
  readonly s: SentRecord;
  readonly offsets: readonly number[];
  readonly outputs: readonly OutputEntry[];
  readonly fate: "once" | "duplicate" | "lost" | "ack-lost" | "gave-up" | "unconsumed" | "pending";
  readonly cause?: explain.Cause | string;
}

function lossFate(run: KafkaRun, s: SentRecord, offsets: readonly number[]): Fate {
  if (!offsets.length) {
    if (s.outcome === "failed") return { s, offsets, outputs: [], fate: "gave-up" };
    if (s.outcome === "pending") return { s, offsets, outputs: [], fate: "pending" };
    return { s, offsets, outputs: [], fate: "lost", cause: explain.producerLossCause(run, s) };
  }
  const off = offsets[0]!;
  const commit = run.commits.find((c) => c.accepted && c.beforeProcessing && c.partition === s.partition && c.offset > off);
  if (run.committed[s.partition]! > off || commit) return { s, offsets, outputs: [], fate: "lost", cause: explain.consumerLossCause(run, s, off, commit) };
  return { s, offsets, outputs: [], fate: "unconsumed" };
}

/** A fate's cause as one sentence (the records table). */
export const causeText = (f: Fate): string => (f.cause === undefined ? "" : typeof f.cause === "string" ? f.cause : explain.sentence(f.cause));

/** What became of each record the producer sent. */
export function fates(run: KafkaRun): Fate[] {
  const offsetsOf = new Map<number, number[]>();
  for (const p of run.partitions) for (const e of finalLog(p)) offsetsOf.set(e.rec, [...(offsetsOf.get(e.rec) ?? []), e.offset]);
  const outputsOf = new Map<number, OutputEntry[]>();
  for (const o of visibleOutput(run)) outputsOf.set(o.rec, [...(outputsOf.get(o.rec) ?? []), o]);
  return run.sent.map((s) => {
    const offsets = offsetsOf.get(s.id) ?? [];
    const outputs = outputsOf.get(s.id) ?? [];
    // Acknowledged, then gone from the log: lost for every reader to come, whoever read it before.
    if (s.outcome === "acked" && run.acks !== 0 && !offsets.length) {
      const t = run.truncations.find((x) => x.partition === s.partition && x.recs.includes(s.id));
      const f = run.failovers.find((x) => x.partition === s.partition && x.to !== undefined && x.atMs >= (s.ackMs ?? 0));
      return { s, offsets, outputs, fate: "ack-lost", cause: explain.ackLostCause(run, s.partition, t, f) };
    }
    if (outputs.length === 1) return { s, offsets, outputs, fate: "once" };
    if (outputs.length > 1) {
      const cause = offsets.length > 1 ? explain.producerDuplicateCause(run, s, offsets) : explain.consumerDuplicateCause(run, outputs[0]!, outputs[1]!);
      return { s, offsets, outputs, fate: "duplicate", cause };
    }
    return lossFate(run, s, offsets);
  });
}

/** Pairs of records of one key stored in another order than sent. */
export function orderViolations(run: KafkaRun): { key: string; p: number; first: SentRecord; second: SentRecord; seqs: number[] }[] {
  const out: { key: string; p: number; first: SentRecord; second: SentRecord; seqs: number[] }[] = [];
  const byId = new Map(run.sent.map((s) => [s.id, s]));
  for (const part of run.partitions) {
    const seen = new Set<number>();
    const lastOfKey = new Map<string, LogEntry>();
    for (const e of finalLog(part)) {
      if (e.key === null || seen.has(e.rec)) continue;
      seen.add(e.rec);
      const prev = lastOfKey.get(e.key);
      if (prev && prev.rec > e.rec)
        out.push({ key: e.key, p: part.partition, first: byId.get(e.rec)!, second: byId.get(prev.rec)!, seqs: [prev.appendSeq, e.appendSeq] });
      if (!prev || e.rec > prev.rec) lastOfKey.set(e.key, e);
    }
  }
  return out;
}

/** Partition-milliseconds without an owner while the group had members, from the samples. */
export function stalledMs(run: KafkaRun): number {
  let ms = 0;
  for (let i = 1; i < run.samples.length; i++) {
    const s = run.samples[i - 1]!;
    const owned = Object.values(s.owned).reduce((a, b) => a + b, 0);
    const members = Object.values(s.owned).length;
    if (members > 0 && s.atMs >= run.groupFaultMs) ms += (run.partitions.length - Math.min(owned, run.partitions.length)) * (run.samples[i]!.atMs - s.atMs);
  }
  return ms;
}

function errorFindings(run: KafkaRun, fs: readonly Fate[]): Finding[] {
  const out: Finding[] = [];
  const seqsOf = (f: Fate) => [...f.s.story.map((x) => x.seq), ...f.outputs.map((o) => o.seq)];
  const dups = fs.filter((f) => f.fate === "duplicate");
  if (dups.length)
    out.push({
      severity: "error",
      code: "duplicate-delivery",
      ...explain.duplicate(
        dups.length,
        dups.map((f) => f.cause as explain.Cause),
      ),
      events: dups.flatMap(seqsOf),
    });
  const lost = fs.filter((f) => f.fate === "lost");
  const commitSeqs = (f: Fate) =>
    run.commits.filter((c) => c.partition === f.s.partition && c.beforeProcessing && c.offset > (f.offsets[0] ?? Infinity)).map((c) => c.seq);
  if (lost.length)
    out.push({
      severity: "error",
      code: "record-lost",
      ...explain.lost(
        lost.length,
        lost.map((f) => f.cause as explain.Cause),
      ),
      events: [...lost.flatMap(seqsOf), ...lost.flatMap(commitSeqs), ...run.crashes.map((c) => c.seq)],
    });
  const ackLost = fs.filter((f) => f.fate === "ack-lost");
  if (ackLost.length)
    out.push({
      severity: "error",
      code: "acknowledged-record-lost",
      ...explain.acknowledgedLost(
        ackLost.map((f) => f.s),
        run,
        ackLost.map((f) => f.cause as string),
      ),
      events: [
        ...ackLost.flatMap((f) => f.s.story.map((x) => x.seq)),
        ...ackLost.flatMap((f) => (f.s.ackSeq !== undefined ? [f.s.ackSeq] : [])),
        ...run.failovers.map((f) => f.seq),
        ...run.truncations.map((t) => t.seq),
      ],
    });
  for (const v of orderViolations(run).slice(0, 3))
    out.push({
      severity: "error",
      code: "key-order-violation",
      ...explain.orderViolation(v.key, v.p, v.first, v.second, run),
      events: [...v.seqs, ...v.first.story.map((x) => x.seq)],
    });
  return out;
}

function infoFindings(run: KafkaRun, fs: readonly Fate[]): Finding[] {
  const out: Finding[] = [];
  const failed = fs.filter((f) => f.fate === "gave-up").map((f) => f.s);
  if (failed.length)
    out.push({ severity: "warning", code: "producer-gave-up", ...explain.producerGaveUp(failed), events: failed.flatMap((s) => s.story.map((x) => x.seq)) });
  for (const f of run.failovers.filter((x) => x.unclean))
    out.push({ severity: "warning", code: "unclean-election", ...explain.uncleanElection(f), events: [f.seq] });
  if (run.offline.length)
    out.push({
      severity: "warning",
      code: "partition-offline",
      ...explain.partitionOffline(run.offline),
      events: run.failovers.filter((f) => !f.to).map((f) => f.seq),
    });
  if (run.truncations.length)
    out.push({ severity: "info", code: "replica-truncated", ...explain.truncated(run.truncations), events: run.truncations.map((t) => t.seq) });
  if (run.dedupSeqs.length)
    out.push({ severity: "info", code: "duplicate-rejected", ...explain.duplicateRejected(run.dedupSeqs.length), events: [...run.dedupSeqs] });
  const refused = run.commits.filter((c) => !c.accepted);
  if (refused.length)
    out.push({ severity: "warning", code: "commit-refused", ...explain.commitRefused(refused), events: [...new Set(refused.map((c) => c.seq))] });
  const later = run.rebalances.filter((r) => r.startMs >= run.groupFaultMs);
  if (later.length)
    out.push({
      severity: "info",
      code: "rebalance-stall",
      ...explain.rebalanceStall(run, later, stalledMs(run), run.sessionTimeoutMs),
      events: later.flatMap((r) => [r.startSeq, ...(r.endSeq !== undefined ? [r.endSeq] : [])]),
    });
  out.push(...lagAndHeat(run));
  return out;
}

function lagAndHeat(run: KafkaRun): Finding[] {
  const out: Finding[] = [];
  let peak = { lag: 0, atMs: 0 };
  for (const s of run.samples) {
    const lag = s.lag.reduce((a, b) => a + b, 0);
    if (lag > peak.lag) peak = { lag, atMs: s.atMs };
  }
  const endLag = run.samples.length ? run.samples[run.samples.length - 1]!.lag.reduce((a, b) => a + b, 0) : 0;
  if (peak.lag > 0 && run.consumers.length) out.push({ severity: "info", code: "consumer-lag", ...explain.consumerLag(peak.lag, peak.atMs, endLag) });
  const per = run.partitions.map((p) => run.sent.filter((s) => s.partition === p.partition).length);
  const total = per.reduce((a, b) => a + b, 0);
  const hot = per.findIndex((n) => run.partitions.length > 1 && n >= 8 && n > (2 * total) / run.partitions.length);
  if (hot >= 0) out.push({ severity: "warning", code: "hot-partition", ...explain.hotPartition(hot, per[hot]!, total, run.partitions.length) });
  return out;
}

export function verdictOf(run: KafkaRun): Verdict {
  const fs = fates(run);
  const findings = [...errorFindings(run, fs), ...infoFindings(run, fs)];
  const once = fs.filter((f) => f.fate === "once").length;
  return verdictFrom(findings, explain.allHeld(run, once));
}

export function check(result: KafkaResult, _resolved: Resolved): Verdict {
  if (result.mode === "run") return verdictOf(result.run);
  const verdicts = result.runs.map((r) => verdictOf(r.run));
  const drawn = Math.max(
    0,
    verdicts.findIndex((v) => v.valid !== true),
  );
  const findings = verdicts.flatMap((v, i) =>
    v.findings.map((f) => {
      const { events, ...rest } = f;
      return { ...rest, title: `[${result.runs[i]!.name}] ${f.title}`, ...(i === drawn && events ? { events } : {}) };
    }),
  );
  const bad = result.runs.filter((_, i) => verdicts[i]!.valid !== true).map((r) => r.name);
  return verdictFrom(
    findings,
    `Every setting delivered every record exactly once: ${result.runs.map((r) => r.name).join("; ")}.`,
    `${bad.join("; ")} lost or duplicated records; the table compares the settings.`,
  );
}
