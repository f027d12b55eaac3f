// How a quorum run looks: the messages between clients and replicas, with its timeline (each
// replica's versions, the hints held, which nodes are down, what each coordinator waits for); the
// clients' history as a gantt chart with the offending operations marked; a table of the reads; and
// for a comparison, a matrix of which guarantees held under each setting and the latency paid.
import type { Operation } from "../../core/consistency";
import type { Verdict } from "../../core/verdict";
import { historyGantt } from "../../present/history";
import { worldSequence } from "../../present/network";
import type { DiagramSpec, StateTable, TableSpec, Timeline } from "../../protocol/output";
import type { Presentation } from "../types";
import { ring, showVersions, type QuorumResult, type QuorumRun, type QuorumState } from "./model";

/** What the checker made of a run, handed in by index.ts (the presenter does not judge). */
export interface Judgement {
  readonly verdict: Verdict;
  readonly history: readonly Operation[];
  readonly linearizable: boolean | "unknown";
  readonly held: Readonly<Record<string, boolean>>;
  readonly order: readonly number[];
}

export type Judge = (run: QuorumRun) => Judgement;

function stateTables(run: QuorumRun, s: QuorumState): StateTable[] {
  const skew = (n: string) => {
    const ms = run.setup.skewMs[n] ?? 0;
    return ms === 0 ? "0" : `${ms > 0 ? "+" : ""}${ms} ms`;
  };
  return [
    {
      name: "replicas",
      columns: ["node", "status", "clock", ...run.keys],
      rows: s.nodes.map((n) => [n.name, n.up ? "up" : "DOWN", skew(n.name), ...n.keys]),
    },
    { name: "hints", columns: ["held by", "for", "key", "versions"], rows: s.hints.map((h) => [h.holder, h.owner, h.key, h.versions]) },
    { name: "coordinators waiting", columns: ["coordinator", "operation", "so far"], rows: s.waiting.map((w) => [w.coord, w.what, w.got]) },
  ];
}

function participants(run: QuorumRun): string[] {
  const clients = [...new Set(run.ops.map((o) => o.client))];
  return [...clients, ...run.setup.names];
}

function sequence(run: QuorumRun, highlight: ReadonlySet<number>, id: string, title: string): { spec: DiagramSpec; timeline?: Timeline } {
  const { n, r, w, conflicts, readRepair, sloppy } = run.setup;
  const caption = `N=${n} R=${r} W=${w}, ${conflicts}, read repair ${readRepair}, ${sloppy ? "sloppy" : "strict"} quorums`;
  return worldSequence(run.events, {
    id,
    title,
    participants: participants(run),
    caption,
    highlight,
    maxLines: 160,
    ...(run.watched ? { watched: run.watched } : {}),
    tables: (s) => stateTables(run, s),
    endMs: run.endMs,
  });
}

function gantt(j: Judgement, marked: Iterable<number>, id: string): DiagramSpec {
  const lin = j.linearizable === true ? "linearizable" : j.linearizable === false ? "not linearizable" : "undecided";
  const g = historyGantt(j.history, { title: `What the clients saw (${lin})`, marked, order: j.order });
  return { id, title: "The clients' history", mermaid: g.text };
}

function readsTable(run: QuorumRun): TableSpec {
  const mode = run.setup.conflicts;
  return {
    id: "reads",
    title: "Reads",
    columns: ["client", "key", "value", "replicas answered", "stand-ins", "called (ms)", "returned (ms)"],
    rows: run.ops
      .filter((o) => o.kind === "read" && o.callMs !== undefined)
      .map((o) => [
        o.client,
        o.key,
        o.ok ? showVersions(mode, o.result ?? []) : o.ok === false ? "FAILED" : "no reply",
        o.answered.join(", ") || "—",
        o.standIns.join(", ") || "—",
        o.callMs!,
        o.retMs ?? null,
      ]),
  };
}

function finalTable(run: QuorumRun): TableSpec {
  const mode = run.setup.conflicts;
  return {
    id: "replicas",
    title:
      "Replicas at the end (preference lists: " + run.keys.map((k) => `${k} → ${ring(k, run.setup.names).slice(0, run.setup.n).join(", ")}`).join("; ") + ")",
    columns: ["node", "status", ...run.keys],
    rows: run.setup.names.map((n) => [n, run.down.includes(n) ? "DOWN" : "up", ...run.keys.map((k) => showVersions(mode, run.final.get(n)?.get(k) ?? []))]),
  };
}

const mean = (xs: readonly number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : 0);

function latency(run: QuorumRun, kind: "read" | "write"): number {
  return mean(run.ops.filter((o) => o.kind === kind && o.ok).map((o) => o.retMs! - o.callMs!));
}

function metrics(run: QuorumRun, j: Judgement): Record<string, number> {
  const codes = (c: string) => j.verdict.findings.filter((f) => f.code === c && f.severity !== "info").length;
  return {
    operations: j.history.length,
    failed: run.ops.filter((o) => o.ok === false).length,
    noReply: run.ops.filter((o) => o.callMs !== undefined && o.retMs === undefined).length,
    linearizable: j.linearizable === true ? 1 : 0,
    lostWrites: codes("lost-write-lww"),
    staleReads: codes("stale-read") + codes("sloppy-quorum-stale-read") + codes("new-then-old"),
    siblingReads: run.ops.filter((o) => o.ok && (o.result?.length ?? 0) > 1).length,
    readRepairs: run.repairs,
    handoffs: run.handoffs.length,
    hintsLeft: run.hintsLeft.length,
    meanReadMs: latency(run, "read"),
    meanWriteMs: latency(run, "write"),
    messages: run.messages,
  };
}

function matrix(runs: readonly { readonly name: string; readonly run: QuorumRun; readonly j: Judgement }[]): TableSpec {
  const broken = (j: Judgement) =>
    Object.entries(j.held)
      .filter(([, h]) => !h)
      .map(([g]) => g);
  return {
    id: "matrix",
    title: "The same operations under each setting",
    summary: true,
    columns: [
      "setting",
      "N/R/W",
      "R + W > N",
      "linearizable",
      "session guarantees broken",
      "lost writes",
      "siblings",
      "failed",
      "read ms",
      "write ms",
      "messages",
    ],
    rows: runs.map(({ name, run, j }) => {
      const { n, r, w } = run.setup;
      const m = metrics(run, j);
      const lin = j.linearizable === true ? "yes" : j.linearizable === false ? "NO" : "undecided";
      return [
        name,
        `${n}/${r}/${w}`,
        r + w > n,
        lin,
        broken(j).join(", ") || "none",
        m.lostWrites!,
        m.siblingReads!,
        m.failed!,
        m.meanReadMs!,
        m.meanWriteMs!,
        m.messages!,
      ];
    }),
  };
}

function comparison(runs: readonly { readonly name: string; readonly run: QuorumRun }[], verdict: Verdict, judge: Judge): Presentation {
  const judged = runs.map((x) => ({ ...x, j: judge(x.run) }));
  const first = judged[0]!;
  const marked = new Set(first.j.verdict.findings.flatMap((f) => f.events ?? []));
  const d = sequence(first.run, marked, "sequence", `${first.name}, message by message`);
  const held = judged.filter((x) => x.j.verdict.valid === true).length;
  return {
    title: `${runs.length} settings: ${held} kept every guarantee${verdict.valid === true ? "" : ", the others did not"}`,
    diagrams: [d.spec, gantt(first.j, marked, "history")],
    ...(d.timeline ? { timeline: d.timeline } : {}),
    charts: [],
    tables: [matrix(judged), readsTable(first.run)],
    metrics: metrics(first.run, first.j),
  };
}

export function present(result: QuorumResult, verdict: Verdict, judge: Judge): Presentation {
  if (result.mode === "compare") return comparison(result.runs, verdict, judge);
  const run = result.run;
  const j = judge(run);
  const marked = new Set(verdict.findings.flatMap((f) => f.events ?? []));
  const d = sequence(run, marked, "sequence", "Clients, coordinators and replicas, message by message");
  const problems = verdict.findings.filter((f) => f.severity === "error").map((f) => f.code);
  const { n, r, w } = run.setup;
  return {
    title: `Quorums N=${n} R=${r} W=${w}: ${problems.length ? [...new Set(problems)].join(", ") : j.linearizable === true ? "linearizable" : "no errors"}`,
    diagrams: [d.spec, gantt(j, marked, "history")],
    ...(d.timeline ? { timeline: d.timeline } : {}),
    charts: [],
    tables: [readsTable(run), finalTable(run)],
    metrics: metrics(run, j),
  };
}
