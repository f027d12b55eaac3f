// How a two-phase commit run looks: the protocol message by message with the findings' events
// marked, a table of the participants at the end, and metrics; an exploration as a chart and table
// of outcomes per recovery choice, with the first run that went wrong drawn. The drawn run carries
// its timeline: after each step, the coordinator's log and what it holds in memory (votes,
// acknowledgements), and each participant's state, lock and the transactions waiting for its row.
import type { Finding, Verdict } from "../../core/verdict";
import { exploreChart, exploreMetrics, exploreTable } from "../../present/explore";
import { worldSequence } from "../../present/network";
import { markBlame } from "../../present/timeline";
import type { DiagramSpec, StateTable, TableSpec, Timeline } from "../../protocol/output";
import type { Presentation } from "../types";
import { TWO_PC_CLASSES, type TwoPcResult, type TwoPcRun, type TwoPcState } from "./model";
import { COORDINATOR } from "./scenario";

/** The checker's findings about a run, for the run an exploration draws. */
export type FindingsOf = (run: TwoPcRun) => readonly Finding[];

const count = (run: TwoPcRun, state: string) => run.participants.filter((p) => run.states[p]!.state === state).length;
const sum = (run: TwoPcRun, ms: "blockedMs" | "lockMs") => run.participants.reduce((n, p) => n + run.states[p]![ms], 0);

function metrics(run: TwoPcRun): Record<string, number> {
  return {
    committed: count(run, "committed"),
    aborted: count(run, "aborted"),
    inDoubt: count(run, "prepared"),
    blockedMs: sum(run, "blockedMs"),
    locksHeld: run.participants.filter((p) => run.states[p]!.locked).length,
    lockHeldMs: sum(run, "lockMs"),
    requestsWaiting: run.requestsWaiting,
    requestWaitMs: run.requestWaitMs,
    endMs: run.endMs,
  };
}

const STATE: Record<TwoPcState["participants"][number]["state"], string> = {
  idle: "working",
  prepared: "prepared (in doubt)",
  committed: "committed",
  aborted: "aborted",
};

/** Every actor's state as small tables: the coordinator, the participants. */
function stateTables(s: TwoPcState): StateTable[] {
  const c = s.coordinator;
  const votes = c.votes.map(([p, yes]) => `${p} ${yes ? "YES" : "NO"}`).join(", ") || "—";
  return [
    { name: "coordinator", columns: ["log", "votes (in memory)", "acknowledged by"], rows: [[c.log.join(", ") || "—", votes, c.acked.join(", ") || "—"]] },
    {
      name: "participants",
      columns: ["participant", "state", "lock", "transactions waiting"],
      rows: s.participants.map((p) => [
        p.name,
        `${STATE[p.state]}${p.heuristic ? " (heuristic)" : ""}`,
        p.locked ? "held" : "—",
        p.waiting.map((i) => `T${i}`).join(", ") || "—",
      ]),
    },
  ];
}

function diagram(run: TwoPcRun, highlight: ReadonlySet<number>, caption: string, id: string, title: string): { spec: DiagramSpec; timeline?: Timeline } {
  const inDoubt = (p: string) => run.states[p]!.state === "prepared";
  const ending = `end at t=${run.endMs} ms: ${run.participants.map((p) => `${p} ${inDoubt(p) ? "IN DOUBT, lock held" : run.states[p]!.state}`).join(", ")}`;
  const participants = [COORDINATOR, ...run.participants];
  const endingHighlighted = run.participants.some(inDoubt);
  return worldSequence(run.events, {
    id,
    title,
    participants,
    caption,
    highlight,
    hideLabels: new Set(["ack"]),
    ending,
    endingHighlighted,
    ...(run.watched ? { watched: run.watched } : {}),
    tables: stateTables,
    endMs: run.endMs,
  });
}

function presentExplored(result: Extract<TwoPcResult, { mode: "explore" }>, findingsOf: FindingsOf): Presentation {
  const ex = result.example;
  const findings = ex ? findingsOf(ex.run) : [];
  const title = ex ? `${ex.design}: run ${ex.at.index} (seed ${ex.at.value}), the first that went wrong` : "";
  const d = ex ? diagram(ex.run, new Set(findings.flatMap((f) => f.events ?? [])), `${ex.design}, seed ${ex.at.value}`, "first-problem", title) : undefined;
  const caption = "Waiting keeps 2PC atomic but leaves it blocked after a coordinator crash; deciding alone removes the blocking and breaks atomicity.";
  return {
    title: `${result.tallies.map((t) => t.design).join(" vs ")}: ${result.tallies[0]?.runs ?? 0} seeded runs`,
    diagrams: d ? [d.spec] : [],
    // The replayed run's own findings blame its steps (the exploration's findings name no events).
    ...(d?.timeline ? { timeline: markBlame(d.timeline, { valid: false, summary: "", findings }) } : {}),
    charts: [exploreChart(result.tallies, TWO_PC_CLASSES, caption)],
    tables: [exploreTable(result.tallies, TWO_PC_CLASSES)],
    metrics: exploreMetrics(result.tallies, TWO_PC_CLASSES),
  };
}

function participantsTable(run: TwoPcRun): TableSpec {
  return {
    id: "participants",
    title: "Participants at the end",
    columns: ["participant", "state", "in doubt (ms)", "lock held (ms)", "lock held now", "transactions waiting"],
    rows: run.participants.map((p) => {
      const s = run.states[p]!;
      return [p, s.state === "prepared" ? "in doubt" : s.state, s.blockedMs, s.lockMs, s.locked, s.queue.length];
    }),
  };
}

export function present(result: TwoPcResult, verdict: Verdict, findingsOf: FindingsOf): Presentation {
  if (result.mode === "explore") return presentExplored(result, findingsOf);
  const run = result.run;
  const highlight = new Set(verdict.findings.flatMap((f) => f.events ?? []));
  const d = diagram(run, highlight, `two-phase commit, recovery: ${run.recovery}`, "sequence", "The protocol, message by message");
  const problems =
    verdict.valid === true
      ? ""
      : ` (${verdict.findings
          .filter((f) => f.severity === "error")
          .map((f) => f.code)
          .join(", ")})`;
  return {
    title: `Two-phase commit: ${run.decision ? `coordinator decided ${run.decision}` : "no decision"}${problems}`,
    diagrams: [d.spec],
    ...(d.timeline ? { timeline: d.timeline } : {}),
    charts: [],
    tables: [participantsTable(run)],
    metrics: metrics(run),
  };
}
