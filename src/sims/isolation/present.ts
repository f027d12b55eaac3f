// What a learner sees: the interleaving as a sequence diagram (waits, resumptions, errors and the
// anomaly's steps marked), the dependency graph with its cycle, the table's final state and row
// versions, and for comparisons and explorations a matrix and a chart per engine and level.
// The graph and its cycles are the checker's (check.ts), drawn here.
import type { Verdict } from "../../core/verdict";
import type { ChartSpec, DiagramSpec, StateTable, TableSpec, Timeline } from "../../protocol/output";
import { Flowchart, SequenceDiagram } from "../../present/mermaid";
import { TimelineRecorder } from "../../present/timeline";
import type { Presentation } from "../types";
import { analysisOf, walkedRun, type Anomaly, type Cycle } from "./check";
import { ANOMALIES, describeCycle, outcome } from "./explain";
import { failed, type DatabaseState, type Exploration, type IsolationResult, type TargetRun, type TraceEvent } from "./model";
import type { Resolved } from "./scenario";

const DB = "database";

function rowsText(rows: readonly [number, number][]): string {
  return rows.length ? rows.map(([id, v]) => `${id} => ${v}`).join(", ") : "(no rows)";
}

function resultText(e: TraceEvent, sql: string): string {
  if (e.rows) return rowsText(e.rows);
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "OK";
  if (e.affected !== undefined) return `${verb} ${e.affected}`;
  return e.message ?? verb;
}

const anomaliesOf = (r: TargetRun) => analysisOf(r.run).anomalies;

/** "G2-item, P4", or "serializable". */
const verdictWord = (r: TargetRun) => (anomaliesOf(r).length ? anomaliesOf(r).join(", ") : "serializable");

/** The steps whose statements make the dependencies of each anomaly's cycle (the one its finding names). */
function highlightedSteps(r: TargetRun): Set<number> {
  const shortest = new Map<Anomaly, Cycle>();
  for (const c of analysisOf(r.run).cycles) {
    const prev = shortest.get(c.anomaly);
    if (!prev || c.edges.length < prev.edges.length) shortest.set(c.anomaly, c);
  }
  return new Set([...shortest.values()].flatMap((c) => c.edges.flatMap((e) => e.steps)));
}

/** What a waiting statement's note says: what it waits for, and who holds it. */
function waitNote(e: TraceEvent): string {
  // Plain words, no emoji: a machine without an emoji font would draw a box.
  return `WAITS: ${(e.message ?? "waits").replace(/^waits for /, "")}${e.waitingFor?.length ? `, held by ${e.waitingFor.join(", ")}` : ""}`;
}

/** One event of the trace in the diagram; `hl` marks a statement of the cycle. */
function drawEvent(d: SequenceDiagram, e: TraceEvent, hl: boolean, wasBlocked: ReadonlySet<string>): void {
  switch (e.kind) {
    case "ok":
      d.message(e.session, DB, e.sql, "call", hl);
      d.message(DB, e.session, resultText(e, e.sql), "reply");
      break;
    case "blocked":
      d.message(e.session, DB, e.sql, "call", hl);
      d.note(e.session, waitNote(e));
      break;
    case "queued":
      d.note(e.session, `queued behind its waiting statement: ${e.sql}`);
      break;
    case "resumed":
      d.message(DB, e.session, `resumes: ${resultText(e, e.sql)}`, "reply", hl);
      break;
    case "error":
      if (!wasBlocked.has(`${e.session}@${e.step}@${e.sql}`)) d.message(e.session, DB, e.sql, "call", hl);
      d.message(DB, e.session, `ERROR: ${e.message}`, "fault", true);
      break;
    case "snapshot":
      d.note(e.session, e.message ?? "");
      break;
    case "notice":
      d.note(e.session === "" ? DB : e.session, `${e.step < 0 ? "" : `${e.sql}: `}${e.message ?? ""}`);
      break;
  }
}

/** What the database holds, as the explorer's tables: rows and their versions, locks, transactions. */
function stateTables(st: DatabaseState, engine: TargetRun["engine"]): StateTable[] {
  const version = (v: DatabaseState["rows"][number]["versions"][number]) =>
    `${v.value ?? "deleted"} by ${v.writer}${v.status === "committed" ? "" : ` (${v.status})`}`;
  const kinds: Record<string, string> = { next: "next-key", rec: "record", gap: "gap", ii: "insert intention" };
  const lock = (l: DatabaseState["locks"][number]) => `${l.mode === "X" ? "exclusive" : "shared"}${engine === "mysql" ? ` ${kinds[l.kind] ?? l.kind}` : ""}`;
  return [
    { name: "rows", columns: ["id", "versions, oldest first"], rows: st.rows.map((r) => [r.id, r.versions.map(version).join(" → ")]) },
    {
      name: "locks",
      columns: ["row", "session", "lock", "state"],
      rows: st.locks.map((l) => [Number.isFinite(l.row) ? l.row : "past the last row", l.session, lock(l), l.granted ? "held" : "waiting"]),
    },
    {
      name: "transactions",
      columns: ["session", "level", "state", "snapshot", "waits"],
      rows: st.txns.map((t) => [t.session, t.level, t.status, t.snapshot ? "taken" : "not yet", waitsOf(st, t.session)]),
    },
  ];
}

/** What a session's statement waits for, and on whom, or "—". */
function waitsOf(st: DatabaseState, session: string): string {
  const w = st.waits?.find((x) => x.session === session);
  return w ? `${w.what.replace(/^waits for /, "")} (held by ${w.on.join(", ")})` : "—";
}

/** A step's words: the statement, and what came of it. */
function stepText(e: TraceEvent): string {
  switch (e.kind) {
    case "ok":
      return `${e.sql} → ${resultText(e, e.sql)}`;
    case "blocked":
      return `${e.sql}: ${waitNote(e).replace(/^WAITS/, "waits")}`;
    case "queued":
      return `queued behind its waiting statement: ${e.sql}`;
    case "resumed":
      return `resumes: ${resultText(e, e.sql)}`;
    case "error":
      return `${e.sql}: ERROR ${e.message ?? ""}`;
    default:
      return `${e.step < 0 ? "" : `${e.sql}: `}${e.message ?? ""}`;
  }
}

/** The interleaving as a sequence diagram and, when the run was played traced, its timeline. */
export function sequenceOf(
  r: TargetRun,
  initial: readonly (readonly [number, number])[],
  title = `${r.target}: the interleaving`,
): { spec: DiagramSpec; timeline?: Timeline } {
  const d = new SequenceDiagram({ maxLines: 90 });
  for (const e of r.run.events) if (e.step >= 0) d.participant(e.session);
  d.participant(DB);
  const marked = highlightedSteps(r);
  const wasBlocked = new Set(r.run.events.filter((e) => e.kind === "blocked" || e.kind === "queued").map((e) => `${e.session}@${e.step}@${e.sql}`));
  const start: DatabaseState = {
    rows: initial.map(([id, value]) => ({ id, versions: [{ value, writer: "setup", status: "committed" }] })),
    locks: [],
    txns: [],
  };
  const states = r.run.states;
  const rec = states ? new TimelineRecorder(d, `sequence-${r.target}`, stateTables(start, r.engine)) : undefined;
  // Only a cycle statement's own arrow is marked (and, for one that waited, its resumption), so
  // each stands out on its own instead of one band covering everything between them.
  r.run.events.forEach((e, i) => {
    const draw = () => drawEvent(d, e, marked.has(e.step), wasBlocked);
    if (!rec || !states) return draw();
    rec.step({ atMs: Math.max(0, e.during + 1), actor: e.session || DB, text: stepText(e), seq: i }, draw, stateTables(states[i]!, r.engine));
  });
  const { text, omitted, kinds } = d.render();
  const spec: DiagramSpec = { id: `sequence-${r.target}`, title, mermaid: text, lineKinds: kinds, ...(omitted ? { omittedEvents: omitted } : {}) };
  return { spec, ...(rec ? { timeline: { ...rec.build(), clock: "schedule" as const } } : {}) };
}

/** The direct serialization graph: transactions as nodes, dependencies as labelled edges; cycles in red. */
export function dependencyDiagram(r: TargetRun): DiagramSpec | undefined {
  const analysis = analysisOf(r.run);
  if (analysis.edges.length === 0) return undefined;
  const cycleEdges = new Set(analysis.cycles.flatMap((c) => c.edges));
  const ids = new Map<string, string>();
  const node = (session: string) => {
    if (!ids.has(session)) ids.set(session, `t${ids.size}`);
    return { id: ids.get(session)!, label: session, shape: "circle" as const };
  };
  const chart = new Flowchart("LR");
  const styled: number[] = [];
  for (const e of analysis.edges) {
    const from = node(e.from.session);
    const link = chart.link(from, node(e.to.session), { label: `${e.kind} ${e.predicate ? `pred. row ${e.row}` : `row ${e.row}`}` });
    if (cycleEdges.has(e)) styled.push(link);
  }
  chart.linkStyle(styled, "stroke:#d04040,stroke-width:3px");
  const cycle = analysis.cycles[0];
  const title = cycle ? `Dependency cycle (${cycle.anomaly}): ${describeCycle(cycle.edges)}` : "Dependencies between the committed transactions (no cycle)";
  return { id: `graph-${r.target}`, title, mermaid: chart.render() };
}

function stepTable(r: TargetRun): TableSpec {
  const result = (e: TraceEvent) =>
    e.kind === "error" ? (e.message ?? "") : e.kind === "blocked" ? `${e.message ?? ""} (${e.waitingFor?.join(", ") ?? ""})` : resultText(e, e.sql);
  const at = (e: TraceEvent, n: number) => (e.step >= 0 ? n + 1 : "end");
  const rows = r.run.events.filter((e) => e.kind !== "notice" || e.step >= 0).map((e) => [at(e, e.step), at(e, e.during), e.session, e.sql, e.kind, result(e)]);
  const columns = ["step", "happened at step", "session", "statement", "outcome", "result"];
  return { id: `steps-${r.target}`, title: `What each statement did (${r.target})`, columns, rows };
}

function finalTable(r: TargetRun): TableSpec {
  return { id: `final-${r.target}`, title: `The table after the run (${r.target})`, columns: ["id", "value"], rows: r.run.finalRows.map(([id, v]) => [id, v]) };
}

function versionsTable(r: TargetRun): TableSpec {
  return {
    id: `versions-${r.target}`,
    title: "Row versions left in the table, oldest first (aborted versions are gone)",
    columns: ["id", "value", "written by", "writer's outcome"],
    rows: r.run.db.versions().map((v) => [v.id, v.value === null ? "(deleted)" : v.value, v.writer, v.status]),
  };
}

function txnTable(r: TargetRun): TableSpec {
  const rows = r.run.summaries.map((t) => [t.session, t.level, t.implicit ? "autocommit" : "explicit", t.status, t.error ?? ""]);
  return { id: `txns-${r.target}`, title: "Transactions", columns: ["session", "level", "kind", "outcome", "error"], rows };
}

function metricsFor(runs: readonly TargetRun[]): Record<string, number> {
  const m: Record<string, number> = {};
  const found = ANOMALIES.filter((a) => runs.some((r) => anomaliesOf(r).includes(a.id)));
  for (const r of runs) {
    const suffix = runs.length > 1 ? ` @ ${r.target}` : "";
    m[`anomalies${suffix}`] = anomaliesOf(r).length;
    // 1 or 0 for each anomaly any of the runs shows, so a lesson can expect one level to prevent it.
    for (const a of found) m[`${a.id}${suffix}`] = anomaliesOf(r).includes(a.id) ? 1 : 0;
    m[`aborted${suffix}`] = r.run.summaries.filter(failed).length;
    m[`waits${suffix}`] = r.run.events.filter((e) => e.kind === "blocked").length;
  }
  return m;
}

export function present(result: IsolationResult, _verdict: Verdict, resolved: Resolved): Presentation {
  if (result.mode === "explore") return exploration(result.explore, resolved.rows);
  if (result.mode === "compare") return comparison(result.runs, resolved.rows);
  const r = result.runs[0]!;
  const graph = dependencyDiagram(r);
  const seq = sequenceOf(r, resolved.rows);
  return {
    title: `${r.target}: ${verdictWord(r)}`,
    ...(seq.timeline ? { timeline: seq.timeline } : {}),
    diagrams: [seq.spec, ...(graph ? [graph] : [])],
    charts: [],
    tables: [stepTable(r), finalTable(r), versionsTable(r), txnTable(r)],
    metrics: metricsFor([r]),
  };
}

/** The matrix of a comparison, shown first: one column per anomaly some level let through, in words. */
function matrixTable(runs: readonly TargetRun[]): TableSpec {
  const shown = ANOMALIES.filter((a) => runs.some((r) => anomaliesOf(r).includes(a.id)));
  const row = (r: TargetRun) => {
    const allowed = shown.map((a) => (anomaliesOf(r).includes(a.id) ? "allowed" : "prevented"));
    return [r.target, anomaliesOf(r).length ? anomaliesOf(r).join(", ") : "none", ...allowed, outcome(r), rowsText(r.run.finalRows)];
  };
  return {
    id: "matrix",
    title: "The same interleaving at each engine and level",
    summary: true,
    columns: ["engine/level", "anomalies", ...shown.map((a) => a.id), "what happened", "final table"],
    rows: runs.map(row),
  };
}

function comparison(runs: readonly TargetRun[], initial: readonly (readonly [number, number])[]): Presentation {
  const drawn = runs.map((r) => ({ r, ...sequenceOf(r, initial, `${r.target}: ${verdictWord(r)} (${outcome(r)})`) }));
  const walked = drawn.find((x) => x.r === walkedRun(runs))?.timeline;
  return {
    title: `${runs.length} engines and levels: ${runs.filter((r) => anomaliesOf(r).length).length} let an anomaly through`,
    ...(walked ? { timeline: walked } : {}),
    diagrams: drawn.map((x) => x.spec),
    charts: [],
    tables: [matrixTable(runs)],
    metrics: metricsFor(runs),
  };
}

function exploreChart(ex: Exploration, found: readonly Anomaly[], runs: number): ChartSpec {
  const points = (t: Exploration["tallies"][number]) => [
    { x: "serializable", y: t.tally.counts.serializable / t.tally.runs },
    ...found.map((a) => ({ x: a, y: (t.tally.codes[a] ?? 0) / t.tally.runs })),
  ];
  return {
    id: "explore",
    title: `Share of interleavings ending in each anomaly (${ex.sampled ? `${runs} drawn at random from ${ex.space}` : `all ${ex.space}`})`,
    kind: "bar",
    x: { label: "outcome", scale: "band" },
    y: { label: "interleavings", percent: true },
    series: ex.tallies.map((t) => ({ name: t.target, points: points(t) })),
    caption: "One interleaving can show several anomalies, so the bars of a level may add up to more than 100%.",
  };
}

function exploreTable(ex: Exploration, found: readonly Anomaly[]): TableSpec {
  const { tallies } = ex;
  return {
    id: "explore",
    title: "Interleavings per outcome",
    summary: true,
    columns: ["engine/level", "interleavings", "serializable", ...found, "with an abort", "with a wait"],
    rows: tallies.map(({ target, tally: t }) => {
      const codes = found.map((a) => t.codes[a] ?? 0);
      return [target, t.runs, t.counts.serializable, ...codes, t.sums.aborted ?? 0, t.sums.blocked ?? 0];
    }),
  };
}

function exploration(ex: Exploration, initial: readonly (readonly [number, number])[]): Presentation {
  const found = ANOMALIES.filter((a) => ex.tallies.some((t) => t.tally.codes[a.id])).map((a) => a.id);
  const runs = ex.tallies[0]?.tally.runs ?? 0;
  const examples: DiagramSpec[] = [];
  let timeline: Timeline | undefined;
  for (const t of ex.tallies) {
    const first = found.find((a) => t.examples[a]);
    if (!first || examples.length >= 3) continue;
    const drawn = sequenceOf(t.examples[first]!, initial, `${t.target}: an interleaving that ends in ${first}`);
    examples.push(drawn.spec);
    timeline ??= drawn.timeline;
  }
  const metrics: Record<string, number> = {};
  for (const { target, tally: t } of ex.tallies) {
    metrics[`serializable @ ${target}`] = t.counts.serializable;
    metrics[`anomalous @ ${target}`] = t.runs - t.counts.serializable;
    for (const a of found) metrics[`${a} @ ${target}`] = t.codes[a] ?? 0;
  }
  const levels = ex.tallies.length > 1 ? "engines and levels" : "engine and level";
  return {
    title: `Explored ${ex.sampled ? `${runs} of ${ex.space}` : `all ${ex.space}`} interleavings at ${ex.tallies.length} ${levels}`,
    ...(timeline ? { timeline } : {}),
    diagrams: examples,
    charts: [exploreChart(ex, found, runs)],
    tables: [exploreTable(ex, found)],
    metrics,
  };
}
