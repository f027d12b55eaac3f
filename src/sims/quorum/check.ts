// What the clients saw, judged: the history (call and return times, values, versions) goes to the
// shared consistency checker (linearizability, session guarantees); the quorum lab's own findings
// say why, in its terms: a read that went back (the R + W > N counterexample), a stale read, a stale
// read through a sloppy quorum, a write last-writer-wins dropped, siblings, failed operations, hints.
import { checkLinearizable, checkSessionGuarantees, type Operation } from "../../core/consistency";
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import * as explain from "./explain";
import { lwwNewer, type OpRecord, type QuorumResult, type QuorumRun } from "./model";

/** Each write's place in the order writes take effect: by timestamp (LWW), by call (version vectors, which extends causality). */
function versionRanks(run: QuorumRun): Map<number, number> {
  const writes = run.ops.filter((o) => o.kind === "write" && o.version);
  const ranks = new Map<number, number>();
  for (const key of run.keys) {
    const ws = writes.filter((o) => o.key === key);
    ws.sort(run.setup.conflicts === "lww" ? (a, b) => (lwwNewer(a.version!, b.version!) ? 1 : -1) : (a, b) => a.callMs! - b.callMs! || a.id! - b.id!);
    ws.forEach((o, i) => ranks.set(o.id!, i + 1));
  }
  return ranks;
}

/** The clients' history: every operation called; failed writes as never returned (they may have taken effect); failed reads left out. */
export function historyOf(run: QuorumRun): { history: Operation[]; byId: Map<number, OpRecord> } {
  const ranks = versionRanks(run);
  const history: Operation[] = [];
  const byId = new Map<number, OpRecord>();
  for (const o of run.ops) {
    if (o.id === undefined) continue;
    byId.set(o.id, o);
    const base = { id: o.id, client: o.client, key: o.key, call: o.callMs! };
    if (o.kind === "write") {
      const version = ranks.get(o.id);
      history.push({ ...base, kind: "write", value: o.value!, ...(o.ok ? { ret: o.retMs! } : {}), ...(version !== undefined ? { version } : {}) });
    } else if (o.ok) {
      const r = o.result ?? [];
      if (r.length > 1) history.push({ ...base, kind: "read", ret: o.retMs! });
      else history.push({ ...base, kind: "read", ret: o.retMs!, value: r[0]?.value ?? null, version: r[0] ? (ranks.get(r[0].op) ?? 0) : 0 });
    }
  }
  return { history, byId };
}

interface Ctx {
  readonly run: QuorumRun;
  readonly history: readonly Operation[];
  readonly byId: ReadonlyMap<number, OpRecord>;
  readonly checker: string;
}

const opOf = (c: Ctx, o: OpRecord) => c.history.find((h) => h.id === o.id)!;
const versioned = (op: Operation) => op.version !== undefined;

function lostWrites(c: Ctx): Finding[] {
  if (c.run.setup.conflicts !== "lww") return [];
  const writes = c.run.ops.filter((o) => o.kind === "write" && o.version && o.id !== undefined);
  const out: Finding[] = [];
  for (const lost of writes) {
    if (!lost.ok) continue;
    const winner = writes.find((a) => a.retMs !== undefined && a.ok && a.key === lost.key && a.retMs < lost.callMs! && lwwNewer(a.version!, lost.version!));
    if (!winner) continue;
    const drops = c.run.lwwDrops.filter((d) => d.dropped.op === lost.id);
    const words = explain.lostWriteLww(c.run, lost, winner, opOf(c, lost), opOf(c, winner), [...new Set(drops.map((d) => d.node))]);
    out.push({ severity: "error", code: "lost-write-lww", ...words, events: [lost.id!, winner.id!, ...drops.map((d) => d.seq)] });
  }
  return out;
}

/** Read pairs where a later read returned an older version than an earlier one had. */
function wentBack(c: Ctx): Finding[] {
  const reads = c.history.filter((h) => h.kind === "read" && versioned(h) && h.ret !== undefined);
  for (const b of reads) {
    const a = reads.find((x) => x.key === b.key && x.ret! < b.call && x.version! > b.version!);
    if (!a) continue;
    const ra = c.byId.get(a.id)!;
    const rb = c.byId.get(b.id)!;
    const write = c.run.ops.find((o) => o.kind === "write" && o.id !== undefined && o.id === ra.result?.[0]?.op);
    const words = explain.newThenOld(c.run, ra, rb, a, b, write, c.checker);
    return [{ severity: "error", code: "new-then-old", ...words, events: [a.id, b.id, ...(write ? [write.id!] : [])] }];
  }
  return [];
}

/** Reads that missed a write acknowledged before they began (and later in the write order than what they returned). */
function staleReads(c: Ctx): Finding[] {
  const out: Finding[] = [];
  for (const r of c.history.filter((h) => h.kind === "read" && versioned(h))) {
    const missed = c.history.find((w) => w.kind === "write" && w.key === r.key && w.ret !== undefined && w.ret < r.call && w.version! > r.version!);
    if (!missed) continue;
    const read = c.byId.get(r.id)!;
    const write = c.byId.get(missed.id)!;
    const sloppy = write.standIns.length > 0;
    const words = sloppy
      ? explain.sloppyQuorumStaleRead(c.run, read, write, r, missed, c.checker)
      : explain.staleRead(c.run, read, write, r, missed, c.checker);
    out.push({ severity: "error", code: sloppy ? "sloppy-quorum-stale-read" : "stale-read", ...words, events: [r.id, missed.id] });
  }
  return out.slice(0, 3);
}

function otherFindings(run: QuorumRun): Finding[] {
  const out: Finding[] = [];
  const sib = run.ops.filter((o) => o.ok && (o.result?.length ?? 0) > 1);
  if (sib.length) out.push({ severity: "warning", code: "siblings", ...explain.siblings(sib), events: sib.map((o) => o.retSeq!) });
  const failed = run.ops.filter((o) => o.ok === false);
  if (failed.length) out.push({ severity: "warning", code: "unavailable", ...explain.unavailable(run, failed), events: failed.map((o) => o.id!) });
  if (run.hintsLeft.length) out.push({ severity: "warning", code: "hints-pending", ...explain.hintsPending(run) });
  if (run.handoffs.length) out.push({ severity: "info", code: "hinted-handoff", ...explain.hintedHandoff(run), events: run.handoffs.map((h) => h.seq) });
  return out;
}

export interface Judged {
  readonly verdict: Verdict;
  readonly history: readonly Operation[];
  readonly linearizable: boolean | "unknown";
  /** Session guarantees and whether each held. */
  readonly held: Readonly<Record<string, boolean>>;
  /** The longest order the linearizability search found, per key (for the history diagram). */
  readonly order: readonly number[];
}

export function judge(run: QuorumRun): Judged {
  const { history, byId } = historyOf(run);
  const lin = checkLinearizable(history);
  const linFinding = lin.findings.find((f) => f.code === "not-linearizable");
  const checker = linFinding ? `The linearizability checker agrees: ${linFinding.explanation}` : "";
  const c: Ctx = { run, history, byId, checker };
  const session = checkSessionGuarantees(history);
  const own = [...lostWrites(c), ...(lin.valid === false ? [...wentBack(c), ...staleReads(c)] : [])];
  // The shared checker's finding stands on its own only when none of ours explains the violation.
  const fromLin = lin.valid === false && own.length === 0 ? lin.findings : lin.valid === "unknown" ? lin.findings : [];
  const findings = [...own, ...fromLin, ...session.findings, ...otherFindings(run)];
  const sessionWords = session.valid === true ? session.summary : `Session guarantees: ${session.summary}`;
  const ok = explain.held(run, history.length, lin.valid, sessionWords);
  const bad = `${[...new Set(findings.filter((f) => f.severity === "error").map((f) => f.title))].join("; ")}.`;
  return {
    verdict: verdictFrom(findings, ok, bad),
    history,
    linearizable: lin.valid,
    held: session.held as Record<string, boolean>,
    order: lin.partitions.flatMap((p) => p.linearization),
  };
}

export function check(result: QuorumResult): Verdict {
  if (result.mode === "run") return judge(result.run).verdict;
  const judged = result.runs.map((r) => ({ name: r.name, j: judge(r.run) }));
  const findings = judged.flatMap(({ name, j }, i) =>
    j.verdict.findings
      .filter((f) => f.severity === "error")
      .map(({ events, ...f }) => ({ ...f, title: `${name}: ${f.title}`, ...(i === 0 && events ? { events } : {}) })),
  );
  const good = judged.filter((x) => x.j.verdict.valid === true).map((x) => x.name);
  const bad = judged.filter((x) => x.j.verdict.valid !== true).map((x) => x.name);
  return verdictFrom(
    findings,
    `Every setting kept its guarantees: ${good.join("; ")}.`,
    `Broken under ${bad.join("; ")}${good.length ? `; held under ${good.join("; ")}` : ""}.`,
  );
}
