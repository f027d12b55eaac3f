// What must hold once an outbox run ends: every stored order shipped exactly once, nothing shipped
// that was never stored. An order left unshipped is lost only when its event is gone; one still in
// the outbox or at the broker is stuck, not lost.
import { exploreVerdict, SEEDED, type CaseRef, type Judgement, type Tally } from "../../core/explore";
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import * as explain from "./explain";
import type { OrderFacts } from "./explain";
import type { OutboxClass, OutboxResult, OutboxRun } from "./model";
import { ORDER } from "./scenario";

/** An order committed but never shipped: at the broker, still in the outbox, or lost. */
function unshipped(f: OrderFacts, i: number): Finding {
  const { run, committedAt } = f;
  if (run.brokered[i]) return { severity: "error", code: "event-undelivered", ...explain.eventUndelivered(f), events: [committedAt, ...run.crashes] };
  if (run.unsent[i]) return { severity: "error", code: "outbox-not-drained", ...explain.outboxNotDrained(f), events: [committedAt, ...run.crashes] };
  const orderCrashed = run.crashes.some((seq) => run.events[seq]!.actor === ORDER);
  return { severity: "error", code: "lost-event", ...explain.lostEvent(f, orderCrashed), events: [committedAt, ...run.crashes] };
}

function orderFindings(run: OutboxRun, i: number): Finding[] {
  const findings: Finding[] = [];
  const c = run.committed[i];
  const ships = run.shipped[i]!;
  const f: OrderFacts = { run, n: i + 1, committedAt: c ?? -1, ships };
  if (c !== undefined && ships.length === 0) findings.push(unshipped(f, i));
  const events = [...ships, ...run.crashes];
  if (c === undefined && ships.length > 0) findings.push({ severity: "error", code: "ghost-event", ...explain.ghostEvent(f), events });
  if (ships.length > 1) findings.push({ severity: "error", code: "duplicate-processing", ...explain.duplicateProcessing(f), events });
  return findings;
}

export function outboxFindings(run: OutboxRun): Finding[] {
  return Array.from({ length: run.orders }, (_, i) => orderFindings(run, i)).flat();
}

export function classifyOutbox(findings: readonly Finding[]): OutboxClass {
  const codes = new Set(findings.map((f) => f.code));
  if (codes.has("lost-event")) return "lost";
  if (codes.has("ghost-event")) return "ghost";
  if (codes.has("duplicate-processing")) return "duplicated";
  if (codes.has("outbox-not-drained") || codes.has("event-undelivered")) return "stuck";
  return "exactly once";
}

/** One explored run's outcome and finding codes. */
export function judge(run: OutboxRun): Judgement<OutboxClass> {
  const f = outboxFindings(run);
  return { outcome: classifyOutbox(f), codes: f.map((x) => x.code) };
}

/** The run an exploration draws: the first that went wrong in any way. */
export function firstProblem(t: Tally<OutboxClass, number>): CaseRef<number> | undefined {
  return [t.first.lost, t.first.ghost, t.first.duplicated, t.first.stuck].filter((x) => x !== undefined).sort((a, b) => a.index - b.index)[0];
}

export function check(result: OutboxResult): Verdict {
  if (result.mode === "explore") {
    return exploreVerdict(result.tallies, ["lost", "duplicated", "ghost", "stuck"], "runs", (c) => explain.EXPLORED[c] ?? "", SEEDED);
  }
  return verdictFrom(outboxFindings(result.run), explain.allShipped(result.run));
}
