// Two-phase commit in the message-passing world, for contrast with sagas: a coordinator asks
// every participant to PREPARE (each takes its lock and logs PREPARED before voting yes), logs the
// decision, then tells everyone. A participant that voted yes may not decide alone: if the
// coordinator crashes before it learns the decision it is blocked, holding its lock, and other
// transactions that need the row wait behind it. The coordinator and each participant are nodes of
// the world; `Transaction` holds what they share and what the checker reads.
import type { Explored } from "../../core/explore";
import { backoffMs, World, type Message, type Node, type WorldEvent } from "../../core/network";
import type { Rng } from "../../core/rng";
import { COORDINATOR, type Crash, type Point, type Recovery, type Setup } from "./scenario";

type Decision = "commit" | "abort";

type Body =
  | { readonly t: "prepare" | "query" }
  | { readonly t: "vote"; readonly yes: boolean }
  | { readonly t: "decision"; readonly d: Decision }
  | { readonly t: "ack" }
  | { readonly t: "peer-query" }
  | { readonly t: "peer-answer"; readonly d: Decision | "unknown" };
type Tag =
  | { readonly t: "start" }
  | { readonly t: "vote-timeout" }
  | { readonly t: "resend"; readonly n: number }
  | { readonly t: "doubt"; readonly n: number }
  | { readonly t: "heuristic" }
  | { readonly t: "request"; readonly i: number };

export interface PState {
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

/** Every actor's state at one moment of a watched run (the run an output draws), for its timeline. */
export interface TwoPcState {
  readonly coordinator: {
    /** Its log: BEGIN, then the decision. */
    readonly log: readonly string[];
    /** The votes it holds in memory. */
    readonly votes: readonly (readonly [string, boolean])[];
    readonly acked: readonly string[];
  };
  readonly participants: readonly {
    readonly name: string;
    readonly state: PState["state"];
    readonly heuristic: boolean;
    readonly locked: boolean;
    /** The other transactions waiting for its row. */
    readonly waiting: readonly number[];
  }[];
}

/** A watched run's states: before the first event, after each event (sends left out: they change nothing), and at the end. */
export interface TwoPcStates {
  readonly before: TwoPcState;
  readonly after: ReadonlyMap<number, TwoPcState>;
  readonly end: TwoPcState;
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
  /** Present when the run was watched (simulateOnce's `watch`): every actor's state, event by event. */
  readonly watched?: TwoPcStates;
}

/** How an exploration classes a run. */
export type TwoPcClass = "committed" | "aborted" | "blocked" | "violated";
export const TWO_PC_CLASSES: readonly TwoPcClass[] = ["committed", "aborted", "blocked", "violated"];

export type TwoPcResult = { readonly mode: "run"; readonly run: TwoPcRun } | Explored<TwoPcClass, TwoPcRun>;

const upper = (d: Decision) => d.toUpperCase();

/** What the nodes of one run share: each participant's log and lock, the decision, the faults to come. */
class Transaction {
  readonly world: World<Body, Tag>;
  readonly names: readonly string[];
  readonly ps: Record<string, PState> = {};
  /** The coordinator's logged decision. */
  decision: Decision | undefined;
  readonly crashSeqs: number[] = [];
  /** Other transactions that got their row, and the time they waited in all. */
  served = 0;
  waitMs = 0;
  /** What the coordinator knows, for a watched run's snapshots. */
  coordinator?: Coordinator;
  /** Faults, decided before the run. */
  private readonly crashAt: Map<string, Crash>;
  readonly voteNo: Set<string>;

  constructor(
    readonly o: Setup,
    rng: Rng,
  ) {
    this.world = new World<Body, Tag>(rng, o.network);
    this.names = o.participants;
    for (const p of this.names) {
      this.ps[p] = { state: "idle", locked: false, lockedSinceMs: 0, lockMs: 0, doubtSinceMs: undefined, blockedMs: 0, heuristic: false, queue: [] };
    }
    this.crashAt = new Map(o.crashes);
    this.voteNo = new Set(o.voteNo);
    this.drawFaults(rng);
  }

  private drawFaults(rng: Rng): void {
    const r = this.o.random;
    const downMs = r.downMs === 0 ? undefined : r.downMs;
    if (r.coordinatorCrash > 0 && !this.crashAt.has(COORDINATOR) && rng.chance(r.coordinatorCrash)) {
      this.crashAt.set(COORDINATOR, { point: rng.pick(["first-prepare", "prepare", "decision", "first-commit"] as const), downMs });
    }
    for (const p of this.names) {
      if (r.voteNo > 0 && rng.chance(r.voteNo)) this.voteNo.add(p);
      if (r.participantCrash > 0 && !this.crashAt.has(p) && rng.chance(r.participantCrash)) this.crashAt.set(p, { point: "prepare", downMs });
    }
  }

  /** Crashes `who` if a fault is planned for it at this point. */
  crashIf(who: string, point: Point): boolean {
    const c = this.crashAt.get(who);
    if (!c || c.point !== point) return false;
    this.crashAt.delete(who);
    this.world.crash(who, c.downMs, `after ${point}`);
    this.crashSeqs.push(this.world.trace.length - 1);
    return true;
  }

  /** The wait before the n-th attempt at asking for, or sending, the decision. */
  backoff(n: number): number {
    return backoffMs(this.o.timeoutMs, 2, this.o.timeoutMs * 8, n);
  }

  lock(p: string): void {
    const s = this.ps[p]!;
    if (s.locked) return;
    s.locked = true;
    s.lockedSinceMs = this.world.nowMs;
  }

  /** Releases p's lock; returns the transactions that were waiting for the row, which now run (serve). */
  unlock(p: string): { i: number; atMs: number }[] {
    const s = this.ps[p]!;
    if (!s.locked) return [];
    s.locked = false;
    s.lockMs += this.world.nowMs - s.lockedSinceMs;
    const waiting = s.queue;
    s.queue = [];
    return waiting;
  }

  /** The transactions that waited for p's row run. */
  serve(p: string, waiting: readonly { i: number; atMs: number }[]): void {
    const w = this.world;
    for (const q of waiting) {
      this.waitMs += w.nowMs - q.atMs;
      this.served++;
      w.record({ actor: p, kind: "commit", text: `lock free: waiting transaction ${q.i} runs after ${w.nowMs - q.atMs} ms` });
    }
  }

  /** Every actor's state now, as plain data. */
  snapshot(): TwoPcState {
    const c = this.coordinator;
    const log = c?.began ? ["BEGIN", ...(this.decision ? [upper(this.decision)] : [])] : [];
    return {
      coordinator: { log, votes: c ? [...c.votes] : [], acked: c ? [...c.acked] : [] },
      participants: this.names.map((name) => {
        const s = this.ps[name]!;
        return { name, state: s.state, heuristic: s.heuristic, locked: s.locked, waiting: s.queue.map((q) => q.i) };
      }),
    };
  }

  endDoubt(p: string): void {
    const s = this.ps[p]!;
    if (s.doubtSinceMs !== undefined) s.blockedMs += this.world.nowMs - s.doubtSinceMs;
    s.doubtSinceMs = undefined;
  }

  /** The time so far counted, when the run stops: locks still held, doubt, transactions still waiting. */
  finish(): void {
    const now = this.world.nowMs;
    for (const p of this.names) {
      const s = this.ps[p]!;
      if (s.locked) s.lockMs += now - s.lockedSinceMs;
      this.endDoubt(p);
      for (const q of s.queue) this.waitMs += now - q.atMs;
    }
  }
}

/** The coordinator: logs BEGIN, collects votes, logs the decision and sends it until everyone acknowledged. */
class Coordinator implements Node<Body, Tag> {
  readonly name = COORDINATOR;
  /** The votes received (in memory) and who acknowledged the decision. */
  readonly votes = new Map<string, boolean>();
  readonly acked = new Set<string>();
  private started = false;

  constructor(private readonly tx: Transaction) {}

  /** Whether its log has BEGIN. */
  get began(): boolean {
    return this.started;
  }

  private start(): void {
    const { world: w, names } = this.tx;
    this.started = true;
    w.record({ actor: COORDINATOR, kind: "log", text: "log BEGIN; phase 1: prepare" });
    for (const [i, p] of names.entries()) {
      w.send(COORDINATOR, p, "call", "PREPARE", { t: "prepare" }, 1);
      if (i === 0 && this.tx.crashIf(COORDINATOR, "first-prepare")) return;
    }
    if (this.tx.crashIf(COORDINATOR, "prepare")) return;
    w.timer(COORDINATOR, this.tx.o.timeoutMs, { t: "vote-timeout" });
  }

  private decide(d: Decision, why: string): void {
    this.tx.decision = d;
    this.tx.world.record({ actor: COORDINATOR, kind: "log", text: `log decision ${upper(d)} (${why})` });
    if (this.tx.crashIf(COORDINATOR, "decision")) return;
    this.sendDecision(1);
  }

  /** Sends the decision to everyone who has not acknowledged it (the n-th time), then waits. */
  private sendDecision(n: number): void {
    const { world: w, names } = this.tx;
    const d = this.tx.decision!;
    let first = true;
    for (const p of names) {
      if (this.acked.has(p)) continue;
      w.send(COORDINATOR, p, "call", `${upper(d)}${n > 1 ? ` (again)` : ""}`, { t: "decision", d }, 1, n > 1);
      if (first && this.tx.crashIf(COORDINATOR, "first-commit")) return;
      first = false;
    }
    if (this.acked.size < names.length) w.timer(COORDINATOR, this.tx.backoff(n + 1), { t: "resend", n: n + 1 });
  }

  onMessage(m: Message<Body>): void {
    const b = m.body;
    const d = this.tx.decision;
    if (b.t === "vote") {
      if (d !== undefined) return;
      this.votes.set(m.from, b.yes);
      this.tx.world.touch();
      if (!b.yes) this.decide("abort", `${m.from} voted no`);
      else if (this.tx.names.every((p) => this.votes.get(p) === true)) this.decide("commit", "every participant voted yes");
    } else if (b.t === "ack") {
      this.acked.add(m.from);
      this.tx.world.touch();
    } else if (b.t === "query") {
      // Answered once a decision is logged; before that the coordinator is still collecting votes
      // (after a restart with no decision in its log it decides ABORT first, see onRecover).
      if (d !== undefined) this.tx.world.send(COORDINATOR, m.from, "reply", upper(d), { t: "decision", d }, 1);
    }
  }

  onTimer(tag: Tag): void {
    const { decision, names, o } = this.tx;
    if (tag.t === "start") this.start();
    else if (tag.t === "vote-timeout" && decision === undefined) this.decide("abort", `votes missing after ${o.timeoutMs} ms`);
    else if (tag.t === "resend" && decision !== undefined && this.acked.size < names.length) {
      const missing = names.length - this.acked.size;
      const who = `${missing} participant${missing > 1 ? "s have" : " has"}`;
      this.tx.world.record({ actor: COORDINATOR, kind: "retry", text: `${who} not acknowledged: send the decision again` });
      this.sendDecision(tag.n);
    }
  }

  onCrash(): void {
    // The votes were only in memory (nothing after a restart reads them: the log decides).
    this.votes.clear();
  }

  onRecover(): void {
    const w = this.tx.world;
    const d = this.tx.decision;
    if (d !== undefined) {
      w.record({ actor: COORDINATOR, kind: "log", text: `log says ${upper(d)}: tell the participants again` });
      this.sendDecision(2);
    } else if (this.started) {
      w.record({ actor: COORDINATOR, kind: "log", text: "log has BEGIN but no decision: presume abort" });
      this.decide("abort", "presumed after the crash");
    } else this.start();
  }
}

/** A participant: locks its row and votes; once it voted yes it is in doubt until it learns the decision. */
class Participant implements Node<Body, Tag> {
  constructor(
    private readonly tx: Transaction,
    readonly name: string,
  ) {}

  private get s(): PState {
    return this.tx.ps[this.name]!;
  }

  private askForDecision(n: number): void {
    const { world: w, names, o } = this.tx;
    const p = this.name;
    w.record({ actor: p, kind: "blocked", text: `in doubt for ${w.nowMs - this.s.doubtSinceMs!} ms, holding the lock: ask for the decision` });
    w.send(p, COORDINATOR, "call", "decision?", { t: "query" }, 1, n > 1);
    if (o.recovery === "cooperative") for (const q of names) if (q !== p) w.send(p, q, "call", "decision?", { t: "peer-query" }, 1);
    w.timer(p, this.tx.backoff(n + 1), { t: "doubt", n: n + 1 });
  }

  private enterDoubt(): void {
    const { world: w, o } = this.tx;
    this.s.doubtSinceMs ??= w.nowMs;
    w.timer(this.name, o.timeoutMs, { t: "doubt", n: 1 });
    if (o.recovery === "heuristic-abort") w.timer(this.name, o.heuristicMs, { t: "heuristic" });
  }

  /** Commits or aborts (once), which ends the doubt and frees the row. */
  private apply(d: Decision, from: string): void {
    const s = this.s;
    if (s.state === "committed" || s.state === "aborted") return;
    s.state = d === "commit" ? "committed" : "aborted";
    const waiting = this.tx.unlock(this.name);
    const ev = this.tx.world.record({ actor: this.name, kind: d === "commit" ? "commit" : "rollback", text: `${upper(d)} (${from}); lock released` });
    s.decidedSeq = ev.seq;
    this.tx.endDoubt(this.name);
    this.tx.serve(this.name, waiting);
  }

  private abortAlone(text: string, fault: boolean): void {
    this.s.state = "aborted";
    const ev = this.tx.world.record({ actor: this.name, kind: "rollback", ...(fault ? { fault: true } : {}), text });
    this.s.decidedSeq = ev.seq;
  }

  private vote(yes: boolean, again = false): void {
    this.tx.world.send(this.name, COORDINATOR, "reply", yes ? "YES" : "NO", { t: "vote", yes }, 1, again);
  }

  private prepare(): void {
    const s = this.s;
    if (s.state !== "idle") {
      // A repeated PREPARE gets the vote again; one that arrives after this participant
      // aborted on its own (a cooperative peer asked before it had voted) gets NO.
      if (s.state === "prepared") this.vote(true, true);
      else if (s.state === "aborted") this.vote(false, true);
      return;
    }
    if (this.tx.voteNo.has(this.name)) {
      this.abortAlone("cannot commit: log ABORT", true);
      this.vote(false);
      return;
    }
    this.tx.lock(this.name);
    s.state = "prepared";
    s.yesSeq = this.tx.world.record({ actor: this.name, kind: "log", text: "lock row; log PREPARED" }).seq;
    this.enterDoubt();
    if (this.tx.crashIf(this.name, "prepare")) return;
    this.vote(true);
  }

  /** A peer in doubt asks what this participant knows (cooperative termination). */
  private answerPeer(peer: string): void {
    const s = this.s;
    // Not voted yet: it may still abort, and does, so the asker can abort too.
    if (s.state === "idle") this.abortAlone(`not prepared yet: abort, so ${peer} may abort too`, false);
    const d = s.state === "committed" ? "commit" : s.state === "aborted" ? "abort" : "unknown";
    this.tx.world.send(this.name, peer, "reply", d === "unknown" ? "don't know (prepared too)" : d.toUpperCase(), { t: "peer-answer", d }, 1);
  }

  onMessage(m: Message<Body>): void {
    const b = m.body;
    if (b.t === "prepare") this.prepare();
    else if (b.t === "decision") {
      this.apply(b.d, m.from === COORDINATOR ? "coordinator's decision" : `learnt from ${m.from}`);
      if (m.from === COORDINATOR) this.tx.world.send(this.name, COORDINATOR, "reply", "ack", { t: "ack" }, 1);
    } else if (b.t === "peer-query") this.answerPeer(m.from);
    else if (b.t === "peer-answer" && b.d !== "unknown") this.apply(b.d, `learnt from ${m.from}`);
  }

  onTimer(tag: Tag): void {
    const s = this.s;
    if (tag.t === "doubt" && s.state === "prepared") this.askForDecision(tag.n);
    else if (tag.t === "heuristic" && s.state === "prepared") {
      s.heuristic = true;
      this.apply("abort", `heuristic: gave up after ${this.tx.o.heuristicMs} ms in doubt`);
    } else if (tag.t === "request") {
      if (s.locked) {
        s.queue.push({ i: tag.i, atMs: this.tx.world.nowMs });
        this.tx.world.record({ actor: this.name, kind: "blocked", text: `transaction ${tag.i} needs the row: waits for the lock` });
      } else this.tx.served++;
    }
  }

  onCrash(): void {
    // Waiting transactions time out with the crash; the lock is in the durable PREPARED record.
    for (const q of this.s.queue) this.tx.waitMs += this.tx.world.nowMs - q.atMs;
    this.s.queue = [];
  }

  onRecover(): void {
    if (this.s.state !== "prepared") return;
    this.tx.world.record({ actor: this.name, kind: "log", text: "log says PREPARED, no decision: still in doubt, lock kept" });
    this.enterDoubt();
  }
}

/**
 * One run: the coordinator starts at t=0; other transactions arrive at each participant every
 * requestGapMs. `watch` keeps every actor's state after each event (the run an output draws).
 */
export function simulateOnce(o: Setup, rng: Rng, watch = false): TwoPcRun {
  const tx = new Transaction(o, rng);
  const w = tx.world;
  const names = tx.names;
  tx.coordinator = new Coordinator(tx);
  w.add(tx.coordinator);
  let states: { before: TwoPcState; after: Map<number, TwoPcState> } | undefined;
  if (watch) {
    const after = new Map<number, TwoPcState>();
    states = { before: tx.snapshot(), after };
    w.watch = (e) => {
      if (e.kind !== "send") after.set(e.seq, tx.snapshot());
    };
  }
  for (const p of names) {
    w.add(new Participant(tx, p));
    for (let i = 1; i <= o.requests; i++) w.timer(p, i * o.requestGapMs, { t: "request", i });
  }
  w.timer(COORDINATOR, 0, { t: "start" });
  w.run(o.untilMs);
  w.watch = undefined;
  tx.finish();
  return {
    participants: names,
    recovery: o.recovery,
    events: w.trace.toArray(),
    decision: tx.decision,
    states: tx.ps,
    crashSeqs: tx.crashSeqs,
    endMs: w.nowMs,
    downServices: [COORDINATOR, ...names].filter((n) => !w.isUp(n)),
    requestsServed: tx.served,
    requestsWaiting: names.reduce((n, p) => n + tx.ps[p]!.queue.length, 0),
    requestWaitMs: tx.waitMs,
    ...(states ? { watched: { ...states, end: tx.snapshot() } } : {}),
  };
}
