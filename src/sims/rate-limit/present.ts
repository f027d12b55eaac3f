// Pictures of a rate-limiting run: the first requests as a sequence diagram with each limiter's
// state step by step, decisions over time, every decision in a table, and with several
// algorithms a matrix comparing them.
import type { Verdict } from "../../core/verdict";
import type { ChartSpec, DiagramSpec, StateTable, TableSpec, Timeline } from "../../protocol/output";
import { SequenceDiagram } from "../../present/mermaid";
import { TimelineRecorder } from "../../present/timeline";
import type { Presentation } from "../types";
import type { AlgorithmRun, Outcome, RateLimitResult } from "./model";
import type { Resolved } from "./scenario";

/** Requests drawn in the diagram (all of them stay in the table). */
const DRAWN = 40;
const TABLE_ROWS = 300;
const CHART_BUCKETS = 60;

function said(o: Outcome): string {
  if (o.decision === "accepted") return "passed";
  if (o.decision === "delayed") return `delayed ${o.delayMs} ms`;
  return "429 rejected";
}

function arrows(d: SequenceDiagram, o: Outcome, hl: boolean): void {
  const via = o.state.node !== undefined ? ` via node ${o.state.node}` : "";
  d.message(o.key, "limiter", `${o.seq}. request at t=${o.atMs} ms${via}`, "call", hl);
  if (o.decision === "rejected") d.message("limiter", o.key, "429 Too Many Requests", "fault", hl);
  else d.message("limiter", "api", o.decision === "delayed" ? `pass after ${o.delayMs} ms` : "pass", "async", hl);
}

function limiterTable(cols: readonly string[], states: ReadonlyMap<string, Outcome["state"]>): StateTable {
  return { name: "limiter", columns: ["key", ...cols], rows: [...states].map(([k, st]) => [k, ...cols.map((c) => st[c] ?? "—")]) };
}

function sequenceOf(run: AlgorithmRun, r: Resolved, verdict: Verdict): { spec: DiagramSpec; timeline: Timeline } {
  const d = new SequenceDiagram({ maxLines: 3 * DRAWN + 4 });
  const keys = r.keys.map((k) => k.name);
  for (const k of keys) d.participant(k, "actor");
  d.participant("limiter").participant("api");
  const hl = new Set(verdict.findings.flatMap((f) => f.events ?? []));
  const cols = Object.keys(run.outcomes[0]?.state ?? {});
  const states = new Map<string, Outcome["state"]>();
  d.note([keys[0]!, "api"], `${run.algorithm}: ${r.limit} per ${r.windowMs} ms${r.shared ? ", one limiter for all keys" : ""}`);
  const rec = new TimelineRecorder(d, "sequence", [limiterTable(cols, states)]);
  for (const o of run.outcomes.slice(0, DRAWN)) {
    states.set(r.shared ? "all keys" : o.key, o.state);
    const text = `${o.key}: request ${o.seq} at t=${o.atMs} ms ${said(o)}`;
    rec.step({ atMs: o.atMs, actor: o.key, text, seq: o.seq }, () => arrows(d, o, hl.has(o.seq)), [limiterTable(cols, states)]);
  }
  if (run.outcomes.length > DRAWN) d.note(["limiter", "api"], `${run.outcomes.length - DRAWN} more requests in the table`);
  const { text, kinds } = d.render();
  return { spec: { id: "sequence", title: `The first requests through ${run.algorithm}`, mermaid: text, lineKinds: kinds }, timeline: rec.build() };
}

function overTime(run: AlgorithmRun, r: Resolved): ChartSpec {
  const last = Math.max(0, ...run.outcomes.map((o) => o.atMs));
  const size = Math.max(r.windowMs, Math.ceil((last + 1) / CHART_BUCKETS));
  const n = Math.floor(last / size) + 1;
  const label = (i: number) => `${i * size}`;
  const series = (["accepted", "delayed", "rejected"] as const).map((dec) => {
    const per = new Array<number>(n).fill(0);
    for (const o of run.outcomes) if (o.decision === dec) per[Math.floor(o.atMs / size)]!++;
    return { name: dec, points: per.map((y, i) => ({ x: label(i), y })) };
  });
  return {
    id: "over-time",
    title: `${run.algorithm}: decisions per ${size} ms (by arrival time)`,
    kind: "bar",
    x: { label: "from t (ms)", scale: "band" },
    y: { label: "requests" },
    series,
    caption: `With a limit of ${r.limit} per ${r.windowMs} ms, the accepted and delayed bars together should not pass ${r.limit} per ${r.windowMs} ms.`,
  };
}

function decisionsTable(result: RateLimitResult): TableSpec {
  const rows = result.requests.slice(0, TABLE_ROWS).map((q, i) => [q.seq, q.atMs, q.key, ...result.runs.map((run) => said(run.outcomes[i]!))]);
  return { id: "decisions", title: "Every decision", columns: ["#", "t (ms)", "key", ...result.runs.map((r) => r.algorithm)], rows };
}

function matrix(runs: readonly AlgorithmRun[]): TableSpec {
  return {
    id: "compare",
    title: "Algorithms side by side",
    summary: true,
    columns: ["algorithm", "accepted", "delayed", "rejected", "most passed in one window", "longest delay (ms)"],
    rows: runs.map((x) => [x.algorithm, x.accepted, x.delayed, x.rejected, x.busiest.count, x.maxDelayMs]),
  };
}

export function present(result: RateLimitResult, verdict: Verdict, r: Resolved): Presentation {
  const main = result.runs[0]!;
  const seq = sequenceOf(main, r, verdict);
  const tables = result.runs.length > 1 ? [matrix(result.runs), decisionsTable(result)] : [decisionsTable(result)];
  return {
    title: `${result.runs.map((x) => x.algorithm).join(" vs ")}: ${result.requests.length} requests, ${r.limit} per ${r.windowMs} ms`,
    diagrams: [seq.spec],
    timeline: seq.timeline,
    charts: [overTime(main, r)],
    tables,
    metrics: {
      requests: result.requests.length,
      accepted: main.accepted,
      delayed: main.delayed,
      rejected: main.rejected,
      maxInWindow: main.busiest.count,
      maxDelayMs: main.maxDelayMs,
    },
  };
}
