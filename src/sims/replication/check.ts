// What the replication checker judges: the clients' history against linearizability and the session
// guarantees (src/core/consistency), each finding told with where its reads were answered; and its
// own findings: acknowledged writes missing from the final leader's log, writes acknowledged by an
// old leader after a newer epoch began, replicas left holding other writes than the leader's.
import { checkLinearizable, checkSessionGuarantees, GUARANTEE_NAMES, type Guarantee } from "../../core/consistency";
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import * as explain from "./explain";
import { historyOf, lostWrites, recordOf, type Entry, type OpRecord, type ReplicationResult, type ReplicationRun } from "./model";
import type { Resolved, Setup } from "./scenario";

/** Trace events of a client operation: its call and its answer. */
const seqsOf = (r: OpRecord) => [r.arriveSeq ?? r.callSeq, ...(r.retSeq !== undefined ? [r.retSeq] : [])];

/** Writes acknowledged by a leader whose epoch was no longer the newest. */
export function splitBrainWrites(run: ReplicationRun): OpRecord[] {
  return run.ops.filter((r) => r.outcome === "ok" && r.epoch !== undefined && r.newestEpochAtAck !== undefined && r.epoch < r.newestEpochAtAck);
}

function divergence(run: ReplicationRun): { replica: string; mine: Entry; theirs: Entry | undefined }[] {
  const lead = run.logs[run.finalLeader]!;
  const out: { replica: string; mine: Entry; theirs: Entry | undefined }[] = [];
  for (const [name, log] of Object.entries(run.logs)) {
    if (name === run.finalLeader || !run.up[name]) continue;
    const bad = log.find((e, i) => e !== undefined && i < lead.length && lead[i]?.op !== e.op);
    if (bad) out.push({ replica: name, mine: bad, theirs: lead[bad.lsn - 1] });
  }
  return out;
}

/** The shared checker's findings, with each blamed read's replica in words and the events as trace steps. */
function consistencyFindings(run: ReplicationRun, o: Setup): { findings: Finding[]; held: Partial<Record<Guarantee | "linearizable", boolean>> } {
  const history = historyOf(run);
  const bounded = o.read === "bounded" ? { maxStalenessVersions: o.maxLagVersions, maxStalenessMs: o.maxLagMs } : {};
  const session = checkSessionGuarantees(history, bounded);
  const lin = checkLinearizable(history, { initial: null, maxSteps: 2_000_000 });
  const held: Partial<Record<Guarantee | "linearizable", boolean>> = { linearizable: lin.valid === true, ...session.held };
  const findings = [...lin.findings, ...session.findings].map((f) => {
    const recs = [...new Set((f.events ?? []).map((id) => recordOf(run, id)).filter((r): r is OpRecord => r !== undefined))];
    const reads = recs.filter((r) => r.kind === "read").slice(0, 3);
    const where = reads.map(explain.whereRead).join(" ");
    return { ...f, explanation: where ? `${f.explanation} ${where}` : f.explanation, events: recs.flatMap(seqsOf) };
  });
  return { findings, held };
}

export function runFindings(run: ReplicationRun, o: Setup): { findings: Finding[]; held: Partial<Record<Guarantee | "linearizable", boolean>> } {
  const { findings, held } = consistencyFindings(run, o);
  const lost = lostWrites(run);
  const failoverSeqs = run.failovers.map((f) => f.seq);
  if (lost.length) {
    findings.unshift({
      severity: "error",
      code: "acknowledged-write-lost",
      ...explain.acknowledgedWriteLost(run, lost),
      events: [...lost.flatMap(seqsOf), ...run.crashSeqs, ...failoverSeqs],
    });
  }
  const split = splitBrainWrites(run);
  if (split.length) {
    findings.unshift({
      severity: "error",
      code: "split-brain-write",
      ...explain.splitBrainWrite(run, split),
      events: [...split.flatMap(seqsOf), ...failoverSeqs],
    });
  }
  const diverged = divergence(run);
  if (diverged.length) {
    const events = run.events.filter((e) => e.kind === "log" && e.text.startsWith("overwrites")).map((e) => e.seq);
    findings.push({ severity: "error", code: "replicas-diverged", ...explain.replicasDiverged(run, diverged), events });
  }
  return { findings, held };
}

const CHECKED = (held: Partial<Record<string, boolean>>) =>
  Object.keys(held).map((g) => (g === "linearizable" ? "linearizability" : GUARANTEE_NAMES[g as Guarantee]));

function verdictOf(run: ReplicationRun, o: Setup): Verdict {
  const { findings, held } = runFindings(run, o);
  const broken = Object.entries(held)
    .filter(([, h]) => !h)
    .map(([g]) => (g === "linearizable" ? "linearizability" : GUARANTEE_NAMES[g as Guarantee]));
  const own = findings.filter((f) => f.severity === "error" && !(f.code in held) && f.code !== "not-linearizable").map((f) => f.title);
  const bad = [broken.length ? `Broken: ${broken.join(", ")}.` : "", ...own.map((t) => `${t}.`)].filter(Boolean).join(" ");
  return verdictFrom(findings, explain.allHeld(run, CHECKED(held)), bad);
}

/** The run of a comparison that the output draws: the first that broke something, else the first. */
export function drawnIndex(verdicts: readonly Verdict[]): number {
  return Math.max(
    0,
    verdicts.findIndex((v) => v.valid !== true),
  );
}

export function check(result: ReplicationResult, resolved: Resolved): Verdict {
  if (result.mode === "run") return verdictOf(result.run, resolved.run);
  const verdicts = result.runs.map((r, i) => verdictOf(r.run, resolved.compare![i]!.options));
  const drawn = drawnIndex(verdicts);
  const findings = verdicts.flatMap((v, i) =>
    v.findings.map((f) => {
      const { events, ...rest } = f;
      return { ...rest, title: `[${result.runs[i]!.name}] ${f.title}`, ...(i === drawn && events ? { events } : {}) };
    }),
  );
  const bad = result.runs.filter((_, i) => verdicts[i]!.valid !== true).map((r) => r.name);
  const ok = `Every setting kept every guarantee checked: ${result.runs.map((r) => r.name).join(", ")}.`;
  return verdictFrom(findings, ok, `${bad.join(", ")} broke something; the table compares what each setting kept and what it cost.`);
}
