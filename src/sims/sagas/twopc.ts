// Two-phase commit in the same message-passing world, for contrast with sagas: a coordinator asks
// every participant to PREPARE (each takes its lock and logs PREPARED before voting yes), logs the
// decision, then tells everyone. A participant that voted yes may not decide alone: if the
// coordinator crashes before it learns the decision it is blocked, holding its lock, and other
// transactions that need the row wait behind it.
import { ScenarioError } from "../../core/errors";
import { createRng, type Rng } from "../../core/rng";
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import type { TableSpec } from "../../protocol/output";
import { s, type Infer } from "../../scenario/schema";
import { defineSimulator, type Presentation } from "../types";
import { exploreSchema, networkSchema, untilSchema } from "./common-schema";
import { worldDiagram } from "../../present/network";
import { exploreDesigns, exploreVerdict, seedCases, SEEDED, type Explored } from "../../core/explore";
import { exploreChart, exploreMetrics, exploreTable } from "../../present/explore";
import { backoffMs, NAME, World, type Message, type WorldEvent } from "../../core/network";

export const COORDINATOR = "coordinator";

const RECOVERY = [
  { value: "wait", doc: "A participant that voted yes waits for the coordinator, asking it again and again (the textbook protocol: safe, but it blocks)." },
  { value: "cooperative", doc: "A participant in doubt also asks the other participants: if one of them already knows the decision, or has not voted yet (and so may abort), it can finish. If all voted yes, it is still blocked." },
  { value: "heuristic-abort", doc: "A participant in doubt for longer than heuristicMs gives up and aborts on its own (an XA heuristic decision): no more blocking, but the outcome may be mixed." },
] as const;
type Recovery = (typeof RECOVERY)[number]["value"];

function participantNames(root: unknown): string[] {
  const p = (root as { participants?: unknown } | null)?.participants;
  const list = Array.isArray(p) ? p.filter((x): x is string => typeof x === "string") : ["payment", "inventory"];
  return [COORDINATOR, ...list];
}

export const schema = s.object("One distributed transaction over several participants with two-phase commit: PREPARE and votes, then the coordinator's logged decision, then COMMIT or ABORT. Crashes leave participants in doubt, holding their locks; other transactions that need the locked rows wait.", {
  participants: s.field(s.array({ doc: "The participants (resource managers), each holding one row the transaction changes.", minItems: 1, maxItems: 6, default: ["payment", "inventory"], items: s.string({ doc: "A participant's name.", minLength: 1, maxLength: 32 }) })),
  recovery: s.field(s.enum({ doc: "What a participant in doubt does.", values: RECOVERY, default: "wait" })),
  heuristicMs: s.field(s.integer({ doc: "heuristic-abort: how long a participant stays in doubt before it aborts on its own.", min: 1, max: 600_000, default: 1000, unit: "ms" })),
  timeoutMs: s.field(s.integer({ doc: "How long the coordinator waits for votes before aborting, and how long a participant in doubt waits before asking for the decision (then backing off, doubling up to 8 times).", min: 1, max: 60_000, default: 200, unit: "ms" })),
  requests: s.field(s.integer({ doc: "Other transactions that need each participant's row, arriving one every requestGapMs from t=requestGapMs; they wait while the row is locked.", min: 0, max: 100, default: 3 })),
  requestGapMs: s.field(s.integer({ doc: "Gap between those other transactions.", min: 1, max: 60_000, default: 100, unit: "ms" })),
  faults: s.field(s.array({ doc: "Scripted faults.", default: [], maxItems: 10, items: s.object("One scripted fault.", {
    type: s.required(s.enum({ doc: "What goes wrong.", values: [
      { value: "crash", doc: "A service crashes at a point of the protocol (`after`) and restarts after `downMs` (0: never)." },
      { value: "vote-no", doc: "The participant `service` votes no (it cannot commit: a constraint fails)." },
    ] })),
    service: s.required(s.ref({ doc: "The coordinator or a participant.", what: "participant", names: participantNames })),
    after: s.field(s.enum({ doc: "crash: when.", default: "prepare", values: [
      { value: "first-prepare", doc: "Coordinator: after sending PREPARE to the first participant only." },
      { value: "prepare", doc: "Coordinator: after sending PREPARE to everyone. Participant: after logging PREPARED, before its vote leaves." },
      { value: "decision", doc: "Coordinator: after logging the decision, before telling anyone." },
      { value: "first-commit", doc: "Coordinator: after sending the decision to the first participant only." },
    ] })),
    downMs: s.field(s.integer({ doc: "How long the service stays down (0: it never restarts).", min: 0, max: 3_600_000, default: 1000, unit: "ms" })),
  }) })),
  random: s.field(s.object("Faults drawn from the seed.", {
    coordinatorCrash: s.field(s.number({ doc: "Probability that the coordinator crashes, at a point of the protocol drawn at random.", min: 0, max: 1, default: 0 })),
    participantCrash: s.field(s.number({ doc: "Probability that each participant crashes after logging PREPARED.", min: 0, max: 1, default: 0 })),
    voteNo: s.field(s.number({ doc: "Probability that each participant votes no.", min: 0, max: 1, default: 0 })),
    downMs: s.field(s.integer({ doc: "How long a randomly crashed service stays down (0: never restarts).", min: 0, max: 600_000, default: 1000, unit: "ms" })),
  })),
  network: s.field(networkSchema),
  explore: s.field(exploreSchema),
  compare: s.field(s.array({ doc: "Explore: recovery choices run on the same seeds.", default: [], maxItems: 3, items: s.enum({ doc: "A recovery choice.", values: RECOVERY }) })),
  untilMs: s.field({ ...untilSchema, default: 5000 }),
});

export type Options = Infer<typeof schema>;
type Point = "first-prepare" | "prepare" | "decision" | "first-commit";
type Decision = "commit" | "abort";

type Body =
  | { readonly t: "prepare" | "query" }
  | { readonly t: "vote"; readonly yes: boolean }
  | { readonly t: "decision"; readonly d: Decision }
  | { readonly t: "ack" }
  | { readonly t: "peer-query" }
  | { readonly t: "peer-answer"; readonly d: Decision | "unknown" };
type Tag = { readonly t: "start" } | { readonly t: "vote-timeout" } | { readonly t: "resend"; readonly n: number } | { readonly t: "doubt"; readonly n: number } | { readonly t: "heuristic" } | { readonly t: "request"; readonly i: number };

interface PState {
  /** Durable: what the participant's log says. */
  state: "idle" | "prepared" | "committed" | "aborted";
  locked: boolean;
  lockedSinceMs: number;
  lockMs: number;
  doubtSinceMs: number | undefined;
  blockedMs: number;
  heuristic: boolean;
  yesSeq?: number;
  decidedSeq?: number;
  /** Other transactions waiting for the row, with their arrival time. */
  queue: { i: number; atMs: number }[];
}

export interface TwoPcRun {
  readonly participants: readonly string[];
  readonly recovery: Recovery;
  readonly events: readonly WorldEvent[];
  readonly decision: Decision | undefined;
  readonly states: Readonly<Record<string, PState>>;
  readonly crashSeqs: readonly number[];
  readonly endMs: number;
  readonly downServices: readonly string[];
  readonly requestsServed: number;
  readonly requestsWaiting: number;
  readonly requestWaitMs: number;
}

function simulateOnce(o: Options, rng: Rng): TwoPcRun {
  const w = new World<Body, Tag>(rng, o.network);
  const names = o.participants;
  const ps: Record<string, PState> = {};
  for (const p of names) ps[p] = { state: "idle", locked: false, lockedSinceMs: 0, lockMs: 0, doubtSinceMs: undefined, blockedMs: 0, heuristic: false, queue: [] };
  let decision: Decision | undefined;
  const votes = new Map<string, boolean>();
  const acked = new Set<string>();
  let started = false;
  const crashSeqs: number[] = [];
  let served = 0;
  let waitMs = 0;
  // Faults, decided before the run.
  const crashAt = new Map<string, { point: Point; downMs: number | undefined }>();
  const voteNo = new Set<string>();
  for (const f of o.faults) {
    if (f.type === "vote-no") {
      if (f.service === COORDINATOR) throw new ScenarioError("vote-no: the coordinator does not vote; name a participant.");
      voteNo.add(f.service);
    } else {
      if (f.service !== COORDINATOR && f.after !== "prepare") throw new ScenarioError(`A participant can crash only after prepare (got "${f.after}" for ${f.service}).`);
      crashAt.set(f.service, { point: f.after, downMs: f.downMs === 0 ? undefined : f.downMs });
    }
  }
  const r = o.random;
  const down = r.downMs === 0 ? undefined : r.downMs;
  if (r.coordinatorCrash > 0 && !crashAt.has(COORDINATOR) && rng.chance(r.coordinatorCrash)) crashAt.set(COORDINATOR, { point: rng.pick(["first-prepare", "prepare", "decision", "first-commit"] as const), downMs: down });
  for (const p of names) {
    if (r.voteNo > 0 && rng.chance(r.voteNo)) voteNo.add(p);
    if (r.participantCrash > 0 && !crashAt.has(p) && rng.chance(r.participantCrash)) crashAt.set(p, { point: "prepare", downMs: down });
  }
  const crashIf = (who: string, point: Point): boolean => {
    const c = crashAt.get(who);
    if (!c || c.point !== point) return false;
    crashAt.delete(who);
    w.crash(who, c.downMs, `after ${point}`);
    crashSeqs.push(w.trace.length - 1);
    return true;
  };
  const lock = (p: string) => {
    const s = ps[p]!;
    if (!s.locked) {
      s.locked = true;
      s.lockedSinceMs = w.nowMs;
    }
  };
  const unlock = (p: string) => {
    const s = ps[p]!;
    if (!s.locked) return;
    s.locked = false;
    s.lockMs += w.nowMs - s.lockedSinceMs;
    for (const q of s.queue) {
      waitMs += w.nowMs - q.atMs;
      served++;
      w.record({ actor: p, kind: "commit", text: `lock free: waiting transaction ${q.i} runs after ${w.nowMs - q.atMs} ms` });
    }
    s.queue = [];
  };
  const endDoubt = (p: string) => {
    const s = ps[p]!;
    if (s.doubtSinceMs !== undefined) s.blockedMs += w.nowMs - s.doubtSinceMs;
    s.doubtSinceMs = undefined;
  };
  const decide = (d: Decision, why: string) => {
    decision = d;
    w.record({ actor: COORDINATOR, kind: "log", text: `log decision ${d.toUpperCase()} (${why})` });
    if (crashIf(COORDINATOR, "decision")) return;
    sendDecision(1);
  };
  const sendDecision = (n: number) => {
    let first = true;
    for (const p of names) {
      if (acked.has(p)) continue;
      w.send(COORDINATOR, p, "call", `${decision!.toUpperCase()}${n > 1 ? ` (again)` : ""}`, { t: "decision", d: decision! }, 1, n > 1);
      if (first && crashIf(COORDINATOR, "first-commit")) return;
      first = false;
    }
    if (acked.size < names.length) w.timer(COORDINATOR, backoffMs(o.timeoutMs, 2, o.timeoutMs * 8, n + 1), { t: "resend", n: n + 1 });
  };
  const startProtocol = () => {
    started = true;
    w.record({ actor: COORDINATOR, kind: "log", text: "log BEGIN; phase 1: prepare" });
    for (const [i, p] of names.entries()) {
      w.send(COORDINATOR, p, "call", "PREPARE", { t: "prepare" }, 1);
      if (i === 0 && crashIf(COORDINATOR, "first-prepare")) return;
    }
    if (crashIf(COORDINATOR, "prepare")) return;
    w.timer(COORDINATOR, o.timeoutMs, { t: "vote-timeout" });
  };
  w.add({
    name: COORDINATOR,
    onMessage: (m: Message<Body>) => {
      const b = m.body;
      if (b.t === "vote") {
        if (decision !== undefined) return;
        votes.set(m.from, b.yes);
        if (!b.yes) decide("abort", `${m.from} voted no`);
        else if (names.every((p) => votes.get(p) === true)) decide("commit", "every participant voted yes");
      } else if (b.t === "ack") acked.add(m.from);
      else if (b.t === "query") {
        // Answered once a decision is logged; before that the coordinator is still collecting votes
        // (after a restart with no decision in its log it decides ABORT first, see onRecover).
        if (decision !== undefined) w.send(COORDINATOR, m.from, "reply", decision.toUpperCase(), { t: "decision", d: decision }, 1);
      }
    },
    onTimer: (tag: Tag) => {
      if (tag.t === "start") startProtocol();
      else if (tag.t === "vote-timeout" && decision === undefined) decide("abort", `votes missing after ${o.timeoutMs} ms`);
      else if (tag.t === "resend" && decision !== undefined && acked.size < names.length) {
        w.record({ actor: COORDINATOR, kind: "retry", text: `${names.length - acked.size} participant${names.length - acked.size > 1 ? "s have" : " has"} not acknowledged: send the decision again` });
        sendDecision(tag.n);
      }
    },
    onRecover: () => {
      if (decision !== undefined) {
        w.record({ actor: COORDINATOR, kind: "log", text: `log says ${decision.toUpperCase()}: tell the participants again` });
        sendDecision(2);
      } else if (started) {
        w.record({ actor: COORDINATOR, kind: "log", text: "log has BEGIN but no decision: presume abort" });
        decide("abort", "presumed after the crash");
      } else startProtocol();
    },
  });
  const askForDecision = (p: string, n: number) => {
    w.record({ actor: p, kind: "blocked", text: `in doubt for ${w.nowMs - ps[p]!.doubtSinceMs!} ms, holding the lock: ask for the decision` });
    w.send(p, COORDINATOR, "call", "decision?", { t: "query" }, 1, n > 1);
    if (o.recovery === "cooperative") for (const q of names) if (q !== p) w.send(p, q, "call", "decision?", { t: "peer-query" }, 1);
    w.timer(p, backoffMs(o.timeoutMs, 2, o.timeoutMs * 8, n + 1), { t: "doubt", n: n + 1 });
  };
  const enterDoubt = (p: string) => {
    ps[p]!.doubtSinceMs ??= w.nowMs;
    w.timer(p, o.timeoutMs, { t: "doubt", n: 1 });
    if (o.recovery === "heuristic-abort") w.timer(p, o.heuristicMs, { t: "heuristic" });
  };
  const apply = (p: string, d: Decision, from: string) => {
    const s = ps[p]!;
    if (s.state === "committed" || s.state === "aborted") return;
    s.state = d === "commit" ? "committed" : "aborted";
    const ev = w.record({ actor: p, kind: d === "commit" ? "commit" : "rollback", text: `${d === "commit" ? "COMMIT" : "ABORT"} (${from}); lock released` });
    s.decidedSeq = ev.seq;
    endDoubt(p);
    unlock(p);
  };
  for (const p of names) {
    w.add({
      name: p,
      onMessage: (m: Message<Body>) => {
        const b = m.body;
        const s = ps[p]!;
        if (b.t === "prepare") {
          if (s.state !== "idle") {
            // A repeated PREPARE gets the vote again; one that arrives after this participant
            // aborted on its own (a cooperative peer asked before it had voted) gets NO.
            if (s.state === "prepared") w.send(p, COORDINATOR, "reply", "YES", { t: "vote", yes: true }, 1, true);
            else if (s.state === "aborted") w.send(p, COORDINATOR, "reply", "NO", { t: "vote", yes: false }, 1, true);
            return;
          }
          if (voteNo.has(p)) {
            s.state = "aborted";
            const ev = w.record({ actor: p, kind: "rollback", fault: true, text: "cannot commit: log ABORT" });
            s.decidedSeq = ev.seq;
            w.send(p, COORDINATOR, "reply", "NO", { t: "vote", yes: false }, 1);
            return;
          }
          lock(p);
          s.state = "prepared";
          const ev = w.record({ actor: p, kind: "log", text: "lock row; log PREPARED" });
          s.yesSeq = ev.seq;
          enterDoubt(p);
          if (crashIf(p, "prepare")) return;
          w.send(p, COORDINATOR, "reply", "YES", { t: "vote", yes: true }, 1);
        } else if (b.t === "decision") {
          apply(p, b.d, m.from === COORDINATOR ? "coordinator's decision" : `learnt from ${m.from}`);
          if (m.from === COORDINATOR) w.send(p, COORDINATOR, "reply", "ack", { t: "ack" }, 1);
        } else if (b.t === "peer-query") {
          if (s.state === "idle") {
            // Not voted yet: it may still abort, and does, so the asker can abort too.
            s.state = "aborted";
            const ev = w.record({ actor: p, kind: "rollback", text: `not prepared yet: abort, so ${m.from} may abort too` });
            s.decidedSeq = ev.seq;
          }
          const d = s.state === "committed" ? "commit" : s.state === "aborted" ? "abort" : "unknown";
          w.send(p, m.from, "reply", d === "unknown" ? "don't know (prepared too)" : d.toUpperCase(), { t: "peer-answer", d }, 1);
        } else if (b.t === "peer-answer" && b.d !== "unknown") apply(p, b.d, `learnt from ${m.from}`);
      },
      onTimer: (tag: Tag) => {
        const s = ps[p]!;
        if (tag.t === "doubt" && s.state === "prepared") askForDecision(p, tag.n);
        else if (tag.t === "heuristic" && s.state === "prepared") {
          s.heuristic = true;
          apply(p, "abort", `heuristic: gave up after ${o.heuristicMs} ms in doubt`);
        } else if (tag.t === "request") {
          if (s.locked) {
            s.queue.push({ i: tag.i, atMs: w.nowMs });
            w.record({ actor: p, kind: "blocked", text: `transaction ${tag.i} needs the row: waits for the lock` });
          } else served++;
        }
      },
      onCrash: () => {
        // Waiting transactions time out with the crash; the lock is in the durable PREPARED record.
        const s = ps[p]!;
        for (const q of s.queue) waitMs += w.nowMs - q.atMs;
        s.queue = [];
      },
      onRecover: () => {
        const s = ps[p]!;
        if (s.state === "prepared") {
          w.record({ actor: p, kind: "log", text: "log says PREPARED, no decision: still in doubt, lock kept" });
          enterDoubt(p);
        }
      },
    });
    for (let i = 1; i <= o.requests; i++) w.timer(p, i * o.requestGapMs, { t: "request", i });
  }
  w.timer(COORDINATOR, 0, { t: "start" });
  w.run(o.untilMs);
  for (const p of names) {
    const s = ps[p]!;
    if (s.locked) s.lockMs += w.nowMs - s.lockedSinceMs;
    endDoubt(p);
    for (const q of s.queue) waitMs += w.nowMs - q.atMs;
  }
  return {
    participants: names,
    recovery: o.recovery,
    events: w.trace.toArray(),
    decision,
    states: ps,
    crashSeqs,
    endMs: w.nowMs,
    downServices: [COORDINATOR, ...names].filter((n) => !w.isUp(n)),
    requestsServed: served,
    requestsWaiting: names.reduce((n, p) => n + ps[p]!.queue.length, 0),
    requestWaitMs: waitMs,
  };
}

export type TwoPcClass = "committed" | "aborted" | "blocked" | "violated";
export const TWO_PC_CLASSES: readonly TwoPcClass[] = ["committed", "aborted", "blocked", "violated"];

export function twoPcFindings(run: TwoPcRun): Finding[] {
  const findings: Finding[] = [];
  const committed = run.participants.filter((p) => run.states[p]!.state === "committed");
  const aborted = run.participants.filter((p) => run.states[p]!.state === "aborted");
  const doubt = run.participants.filter((p) => run.states[p]!.state === "prepared");
  if (committed.length && aborted.length) {
    const heur = aborted.filter((p) => run.states[p]!.heuristic);
    findings.push({
      severity: "error",
      code: "atomicity",
      title: `Mixed outcome: ${committed.join(", ")} committed, ${aborted.join(", ")} aborted`,
      explanation: `The transaction is all or nothing, yet ${committed.join(" and ")} committed while ${aborted.join(" and ")} aborted${heur.length ? `: ${heur.join(" and ")} gave up waiting and aborted on ${heur.length > 1 ? "their" : "its"} own (a heuristic decision), after voting yes, and the coordinator then decided to commit` : ""}. Someone must now reconcile by hand.`,
      events: [...committed, ...aborted].map((p) => run.states[p]!.decidedSeq!).filter((x) => x !== undefined),
    });
  }
  if (doubt.length) {
    findings.push({
      severity: "error",
      code: "blocked",
      title: `${doubt.join(", ")} ${doubt.length > 1 ? "are" : "is"} still in doubt, holding ${doubt.length > 1 ? "their locks" : "its lock"}`,
      explanation: `${doubt.join(" and ")} voted yes (${doubt.map((p) => `#${run.states[p]!.yesSeq}`).join(", ")}) and since then may neither commit nor abort on ${doubt.length > 1 ? "their" : "its"} own: only the coordinator knows the decision${run.decision ? ` (it logged ${run.decision.toUpperCase()})` : ""}, and ${run.downServices.includes(COORDINATOR) ? "it crashed" : "its answer never arrived"}${run.crashSeqs.length ? ` (#${run.crashSeqs.join(", #")})` : ""}. At t=${run.endMs} ms the row${doubt.length > 1 ? "s stay" : " stays"} locked and ${run.requestsWaiting} other transaction${run.requestsWaiting === 1 ? " waits" : "s wait"} behind ${doubt.length > 1 ? "them" : "it"}.${run.recovery === "cooperative" ? " Asking the other participants did not help: every one of them had voted yes too, so none knows more." : ""}`,
      events: [...doubt.map((p) => run.states[p]!.yesSeq!), ...run.crashSeqs],
    });
  }
  const blockedMs = run.participants.reduce((n, p) => n + run.states[p]!.blockedMs, 0);
  if (!doubt.length && run.crashSeqs.length && blockedMs > 0) {
    findings.push({ severity: "warning", code: "in-doubt", title: `Participants were in doubt for ${blockedMs} ms in all`, explanation: `Every participant that voted yes was in doubt, holding its lock, from its vote until it learnt the decision: ${blockedMs} ms in all in this run, which had a crash (#${run.crashSeqs.join(", #")}) that can stretch that window. ${run.requestWaitMs} ms were spent by other transactions waiting for those locks.`, events: run.crashSeqs });
  }
  return findings;
}

export function classify2pc(run: TwoPcRun, findings: readonly Finding[]): TwoPcClass {
  if (findings.some((f) => f.code === "atomicity")) return "violated";
  if (findings.some((f) => f.code === "blocked")) return "blocked";
  return run.participants.every((p) => run.states[p]!.state === "committed") ? "committed" : "aborted";
}

export type TwoPcResult = { readonly mode: "run"; readonly run: TwoPcRun } | Explored<TwoPcClass, TwoPcRun>;

function check(result: TwoPcResult): Verdict {
  if (result.mode === "explore") return exploreVerdict(result.tallies, ["blocked", "violated"], "runs", (c) => (c === "blocked" ? "Participants stayed in doubt, holding their locks, until the end of the run." : c === "atomicity" ? "Some participants committed and others aborted." : c === "in-doubt" ? "Participants waited in doubt for a while before learning the decision." : ""), SEEDED);
  const run = result.run;
  const findings = twoPcFindings(run);
  const states = run.participants.map((p) => `${p} ${run.states[p]!.state === "prepared" ? "in doubt" : run.states[p]!.state}`).join(", ");
  return verdictFrom(findings, `Atomic: ${states}.`, `${findings.filter((f) => f.severity === "error").map((f) => f.title).join("; ")}.`);
}

function metrics(run: TwoPcRun): Record<string, number> {
  return {
    committed: run.participants.filter((p) => run.states[p]!.state === "committed").length,
    aborted: run.participants.filter((p) => run.states[p]!.state === "aborted").length,
    inDoubt: run.participants.filter((p) => run.states[p]!.state === "prepared").length,
    blockedMs: run.participants.reduce((n, p) => n + run.states[p]!.blockedMs, 0),
    locksHeld: run.participants.filter((p) => run.states[p]!.locked).length,
    lockHeldMs: run.participants.reduce((n, p) => n + run.states[p]!.lockMs, 0),
    requestsWaiting: run.requestsWaiting,
    requestWaitMs: run.requestWaitMs,
    endMs: run.endMs,
  };
}

function diagram(run: TwoPcRun, highlight: ReadonlySet<number>, caption: string) {
  const doubt = run.participants.filter((p) => run.states[p]!.state === "prepared");
  return worldDiagram(run.events, { participants: [COORDINATOR, ...run.participants], caption, highlight, hideLabels: new Set(["ack"]), ending: `end at t=${run.endMs} ms: ${run.participants.map((p) => `${p} ${run.states[p]!.state === "prepared" ? "IN DOUBT, lock held" : run.states[p]!.state}`).join(", ")}`, endingHighlighted: doubt.length > 0 });
}

function present(result: TwoPcResult, verdict: Verdict): Presentation {
  if (result.mode === "explore") {
    const ex = result.example;
    const d = ex ? diagram(ex.run, new Set(twoPcFindings(ex.run).flatMap((f) => f.events ?? [])), `${ex.design}, seed ${ex.at.value}`) : undefined;
    return {
      title: `${result.tallies.map((t) => t.design).join(" vs ")}: ${result.tallies[0]?.runs ?? 0} seeded runs`,
      diagrams: ex && d ? [{ id: "first-problem", title: `${ex.design}: run ${ex.at.index} (seed ${ex.at.value}), the first that went wrong`, mermaid: d.text }] : [],
      charts: [exploreChart(result.tallies, TWO_PC_CLASSES, "Waiting keeps 2PC atomic but leaves it blocked after a coordinator crash; deciding alone removes the blocking and breaks atomicity.")],
      tables: [exploreTable(result.tallies, TWO_PC_CLASSES)],
      metrics: exploreMetrics(result.tallies, TWO_PC_CLASSES),
    };
  }
  const run = result.run;
  const d = diagram(run, new Set(verdict.findings.flatMap((f) => f.events ?? [])), `two-phase commit, recovery: ${run.recovery}`);
  const table: TableSpec = {
    id: "participants",
    title: "Participants at the end",
    columns: ["participant", "state", "in doubt (ms)", "lock held (ms)", "lock held now", "transactions waiting"],
    rows: run.participants.map((p) => {
      const s = run.states[p]!;
      return [p, s.state === "prepared" ? "in doubt" : s.state, s.blockedMs, s.lockMs, s.locked, s.queue.length];
    }),
  };
  return {
    title: `Two-phase commit: ${run.decision ? `coordinator decided ${run.decision}` : "no decision"}${verdict.valid === true ? "" : ` (${verdict.findings.filter((f) => f.severity === "error").map((f) => f.code).join(", ")})`}`,
    diagrams: [{ id: "sequence", title: "The protocol, message by message", mermaid: d.text, ...(d.omitted ? { omittedEvents: d.omitted } : {}) }],
    charts: [],
    tables: [table],
    metrics: metrics(run),
  };
}

export function simulate2pc(o: Options, rng: Rng, progress: (f: number) => void): TwoPcResult {
  const seen = new Set<string>();
  for (const p of o.participants) {
    if (!NAME.test(p)) throw new ScenarioError(`Participant names may use letters, digits, "-" and "_", starting with a letter (got "${p}").`);
    if (p === COORDINATOR || seen.has(p)) throw new ScenarioError(`The participant name "${p}" is taken; each participant needs its own name, other than coordinator.`);
    seen.add(p);
  }
  if (o.explore === 0) return { mode: "run", run: simulateOnce(o, rng) };
  const designs = o.compare.length ? [...new Set(o.compare)].map((d) => ({ name: d as string, options: { ...o, recovery: d }, keys: { recovery: d } })) : [{ name: o.recovery as string, options: o }];
  return exploreDesigns(TWO_PC_CLASSES, designs, seedCases(o.explore, rng), (opts, seed) => simulateOnce(opts, createRng(seed)), (run) => {
    const f = twoPcFindings(run);
    return { outcome: classify2pc(run, f), codes: f.filter((x) => x.severity === "error").map((x) => x.code) };
  }, (t) => t.first.violated ?? t.first.blocked, progress);
}

export const twoPhaseCommit = defineSimulator<Options, Options, TwoPcResult>({
  id: "two-phase-commit",
  title: "Two-phase commit",
  description: "A coordinator, PREPARE, votes and a logged decision; a coordinator crash leaves participants in doubt, holding locks others wait for.",
  schema,
  resolve: (options) => options,
  examples: [
    { name: "everything goes well", description: "Prepare, vote yes, commit.", body: "participants: [payment, inventory]\n" },
    { name: "coordinator crashes after prepare", description: "Participants voted yes and wait, locks held, until the coordinator returns.", body: "participants: [payment, inventory]\nfaults:\n  - type: crash\n    service: coordinator\n    after: prepare\n    downMs: 0\n" },
    { name: "waiting or deciding alone", description: "1,000 seeds with coordinator crashes: wait, cooperative termination, heuristic abort.", body: "explore: 1000\ncompare: [wait, cooperative, heuristic-abort]\nrandom:\n  coordinatorCrash: 0.3\n  downMs: 0\n" },
  ],
  run: (options, ctx) => simulate2pc(options, ctx.rng, (f) => ctx.progress(f)),
  check: (result) => check(result),
  present: (result, verdict) => present(result, verdict),
});
