// Plays an interleaving against the database: each step is one session typing one line of SQL.
// A statement that must wait stays pending and the session's later steps queue behind it; after
// every step the pending statements are retried, so a waiter resumes the moment its lock frees.
// Deadlocks are found in the waits-for graph when a statement starts to wait.
import type { Engine, Step } from "../scenario";
import { Database, ERRORS, SqlFailure, type DatabaseState, type StatementResult, type Txn, type Wait } from "./engine";
import type { Level, Statement } from "./sql";

export type { Step } from "../scenario";

/** "snapshot": the transaction took the snapshot it keeps to its end (repeatable read, serializable). */
export type EventKind = "ok" | "blocked" | "queued" | "resumed" | "error" | "notice" | "snapshot";

export interface TraceEvent {
  /** Index of the scenario step that issued the statement (-1: the end of the scenario). */
  readonly step: number;
  /** Index of the step during which this event happened (a resumption happens during another's). */
  readonly during: number;
  readonly session: string;
  readonly txn: number | undefined;
  readonly sql: string;
  readonly kind: EventKind;
  readonly rows?: [number, number][];
  readonly affected?: number;
  readonly message?: string;
  readonly waitingFor?: readonly string[];
}

export interface TxnSummary {
  readonly id: number;
  readonly session: string;
  readonly level: Level;
  readonly implicit: boolean;
  readonly status: Txn["status"];
  /** The error that ended the transaction (or, if it went on, the one it got). */
  readonly error?: string;
}

/** A transaction that an error ended, rather than its own rollback or commit. */
export const failed = (s: TxnSummary): boolean => s.error !== undefined && s.status === "aborted";

export interface RunResult {
  readonly engine: Engine;
  readonly events: readonly TraceEvent[];
  readonly finalRows: [number, number][];
  readonly txns: readonly Txn[];
  readonly summaries: readonly TxnSummary[];
  readonly db: Database;
  /** When played traced: the database's state after each event (aligned with events). */
  readonly states?: readonly DatabaseState[];
  /**
   * Waiting statements that one transaction's end released at once. PostgreSQL lets the one that
   * waited longest go first, as the model does, but which backend the operating system runs
   * first is a race inside the server.
   */
  readonly wokenTogether: readonly { readonly during: number; readonly sessions: readonly string[] }[];
}

interface Unit {
  readonly step: number;
  readonly sql: string;
  readonly stmt: Statement;
}

interface Pending {
  readonly unit: Unit;
  readonly gen: Generator<Wait, StatementResult>;
  readonly txn: Txn;
  readonly wait: Wait;
  fresh: boolean;
  readonly since: number;
  /** The current sleep on this lock: when it began, in order and by step (a new lock starts a new one). */
  readonly sleep: { readonly order: number; readonly during: number };
}

interface Session {
  readonly name: string;
  level: Level;
  nextLevel?: Level;
  txn?: Txn;
  pending?: Pending;
  /** When its latest wait began: sessions woken together take turns in this order. */
  turn?: number;
  readonly queue: Unit[];
}

const DEADLOCK: Record<Engine, string> = { postgresql: ERRORS.pgDeadlock, mysql: ERRORS.mysqlDeadlock, "2pl": ERRORS.twoPlDeadlock };

const aborted = () => new SqlFailure(ERRORS.pgAborted, "25P02", false);

const sameTxns = (a: readonly Txn[], b: readonly Txn[]): boolean => a.length === b.length && a.every((t) => b.includes(t));

/** Plays `steps`; `traced` also keeps the database's state after each event (for the explorer). */
export function play(engine: Engine, level: Level, initial: readonly (readonly [number, number])[], steps: readonly Step[], traced = false): RunResult {
  return new Player(engine, level, initial, traced).play(steps);
}

/** One interleaving being played: the sessions, their pending statements, and the trace so far. */
class Player {
  private readonly db: Database;
  private readonly sessions = new Map<string, Session>();
  private readonly events: TraceEvent[] = [];
  /** Each transaction's error: the one that ended it, or the one it went on after (MySQL). */
  private readonly errors = new Map<Txn, { message: string; ended: boolean }>();
  private readonly wokenTogether: { during: number; sessions: string[] }[] = [];
  private during = 0;
  private waitOrder = 0;
  private sleepOrder = 0;
  /** The statement running now, to which a snapshot taken by the database belongs. */
  private current: { s: Session; unit: Unit } | undefined;

  /** With `traced`, the database's state after each event: taken as it is recorded, and again once its step has settled (a rollback after an error). */
  private readonly states: DatabaseState[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly level: Level,
    initial: readonly (readonly [number, number])[],
    private readonly traced = false,
  ) {
    this.db = new Database(engine, initial);
    this.db.onSnapshot = (txn, sees) => {
      if (!this.current) return;
      const names = sees.map((t) => (t === this.db.setup ? "the initial rows" : t.session));
      this.emit(this.current.s, this.current.unit, "snapshot", { message: `${txn.session} takes its snapshot: it sees ${names.join(", ")}` });
    };
  }

  play(steps: readonly Step[]): RunResult {
    steps.forEach((step, i) => this.type(step, i));
    this.disconnect(steps.length);
    return this.result();
  }

  /** A session types step `i`: it runs at once, or queues behind the session's waiting statement. */
  private type(step: Step, i: number): void {
    this.during = i;
    const s = this.sessionOf(step.session);
    const many = step.statements.length > 1;
    const units = step.statements.map((stmt) => ({ step: i, sql: many ? statementText(step.sql, stmt, step.statements) : step.sql, stmt }));
    if (s.pending || s.queue.length) {
      s.queue.push(...units);
      this.emit(s, units[0]!, "queued", { message: `waits behind ${s.name}'s blocked statement` });
    } else {
      s.queue.push(...units);
      this.drain(s);
    }
    this.settle();
    this.observe();
  }

  /** The scenario ended: sessions that still hold a transaction disconnect, which rolls it back. */
  private disconnect(end: number): void {
    this.during = end;
    for (let guard = 0; guard < 100; guard++) {
      const open = [...this.sessions.values()].find((s) => !s.pending && s.txn && s.txn.status === "active");
      if (!open) break;
      const unit: Unit = { step: -1, sql: "(disconnect)", stmt: { kind: "rollback" } };
      this.emit(open, unit, "notice", { message: "the steps ended with this transaction open: it is rolled back" });
      this.db.rollback(open.txn!);
      open.txn = undefined;
      this.settle();
    }
  }

  private result(): RunResult {
    const txns = this.db.txns.filter((t) => t !== this.db.setup);
    const summary = (t: Txn): TxnSummary => {
      const error = this.errors.get(t);
      return { id: t.id, session: t.session, level: t.level, implicit: t.implicit, status: t.status, ...(error ? { error: error.message } : {}) };
    };
    this.observe();
    return {
      engine: this.engine,
      events: this.events,
      finalRows: this.db.committedRows(),
      txns,
      summaries: txns.map(summary),
      db: this.db,
      wokenTogether: this.wokenTogether,
      ...(this.traced ? { states: this.states } : {}),
    };
  }

  private sessionOf(name: string): Session {
    let s = this.sessions.get(name);
    if (!s) this.sessions.set(name, (s = { name, level: this.level, queue: [] }));
    return s;
  }

  private emit(s: Session, unit: Unit, kind: EventKind, extra: Partial<TraceEvent> = {}): void {
    this.events.push({ step: unit.step, during: this.during, session: s.name, txn: s.txn?.id ?? s.pending?.txn.id, sql: unit.sql, kind, ...extra });
    this.observe();
  }

  // A transaction's error is the one that ended it: PostgreSQL's later "current transaction is
  // aborted" refusals are a consequence, not the cause. A MySQL error that rolls back only its
  // statement is kept unless a later one ends the transaction.
  private noteError(txn: Txn, message: string, ended: boolean): void {
    const prev = this.errors.get(txn);
    if (!prev || (ended && !prev.ended)) this.errors.set(txn, { message, ended });
  }

  private fail(s: Session, unit: Unit, txn: Txn, err: SqlFailure): void {
    this.emit(s, unit, "error", { message: err.message });
    this.noteError(txn, err.message, this.engine === "postgresql" || err.abortsTxn || txn.implicit);
    if (this.engine === "postgresql") {
      this.db.rollback(txn);
      if (txn.implicit) s.txn = undefined;
      else txn.failed = true;
      return;
    }
    if (err.abortsTxn || txn.implicit) {
      this.db.rollback(txn);
      s.txn = undefined;
    }
  }

  /** Advance a statement; true when it finished (done or failed), false while it waits. */
  private advance(s: Session, unit: Unit, txn: Txn, gen: Generator<Wait, StatementResult>, resumed: boolean): boolean {
    let r: IteratorResult<Wait, StatementResult>;
    try {
      r = gen.next();
    } catch (err) {
      if (!(err instanceof SqlFailure)) throw err;
      s.pending = undefined;
      this.fail(s, unit, txn, err);
      return true;
    }
    if (!r.done) return this.wait(s, unit, txn, gen, r.value, resumed);
    s.pending = undefined;
    const { rows, affected, note } = r.value;
    const said = { ...(rows ? { rows } : {}), ...(affected !== undefined ? { affected } : {}), ...(note ? { message: note } : {}) };
    this.emit(s, unit, resumed ? "resumed" : "ok", said);
    if (txn.implicit && txn.status === "active") this.finish(s, unit, txn);
    return true;
  }

  /** The statement has to wait: show it waiting, unless its wait closes a deadlock that ends it. */
  private wait(s: Session, unit: Unit, txn: Txn, gen: Generator<Wait, StatementResult>, wait: Wait, resumed: boolean): boolean {
    const first = !s.pending || s.pending.fresh;
    const prev = s.pending;
    const sameSleep = prev !== undefined && !first && sameTxns(prev.wait.on, wait.on);
    const sleep = sameSleep ? prev.sleep : { order: ++this.sleepOrder, during: this.during };
    s.pending = { unit, gen, txn, wait, fresh: first, since: prev?.since ?? ++this.waitOrder, sleep };
    s.turn = s.pending.since;
    const blocked = () => this.emit(s, unit, "blocked", { waitingFor: wait.on.map((t) => t.session), message: `waits for ${wait.what}` });
    // InnoDB looks for a deadlock when the lock is requested, before the statement is seen to
    // wait: if another transaction is rolled back, this statement goes on at once. PostgreSQL
    // looks after deadlock_timeout (1 s), so the statement is first seen waiting.
    if (first && this.engine !== "mysql") blocked();
    const victim = this.detectDeadlock(s);
    if (victim && victim !== txn) return this.advance(s, unit, txn, gen, resumed);
    if (!s.pending) return true;
    if (first && this.engine === "mysql") blocked();
    s.pending.fresh = false;
    return false;
  }

  /** An autocommit statement that completed commits at once. */
  private finish(s: Session, unit: Unit, txn: Txn): void {
    try {
      this.db.commit(txn);
    } catch (err) {
      if (!(err instanceof SqlFailure)) throw err;
      this.fail(s, unit, txn, err);
      this.db.rollback(txn);
    }
    s.txn = undefined;
  }

  /** Who waits for `t`: the transactions its session's pending statement waits on, still active. */
  private waitsFor(t: Txn): Txn[] {
    for (const s of this.sessions.values()) if (s.pending?.txn === t) return s.pending.wait.on.filter((o) => o.status === "active");
    return [];
  }

  /** Depth-first search for a path of waits from `start` back to itself: the transactions on it, or undefined. */
  private waitCycle(start: Txn): Txn[] | undefined {
    const path: Txn[] = [];
    const visited = new Set<Txn>();
    const dfs = (t: Txn): boolean => {
      for (const next of this.waitsFor(t)) {
        if (next === start) return true;
        if (visited.has(next)) continue;
        visited.add(next);
        path.push(next);
        if (dfs(next)) return true;
        path.pop();
      }
      return false;
    };
    return dfs(start) ? path : undefined;
  }

  /** When the requester's wait closes a cycle, a victim fails with the engine's deadlock error; returns it. */
  private detectDeadlock(requester: Session): Txn | undefined {
    const start = requester.pending!.txn;
    const path = this.waitCycle(start);
    if (!path) return undefined;
    // InnoDB rolls back the lighter of the requester and the transaction that waits for it
    // (weight: undo records plus lock structures); 2PL aborts the requester. In PostgreSQL each
    // waiter looks for a cycle once, deadlock_timeout after it fell asleep, and the one that finds
    // it aborts: the requester, unless another member of the cycle fell asleep earlier in this same
    // step (woken waiters that at once wait again), whose look comes first and finds the cycle.
    let victim = start;
    if (this.engine === "mysql") {
      const other = path.length ? path[path.length - 1]! : start;
      const weight = (t: Txn) => t.undo + t.lockStructs.size;
      victim = weight(other) >= weight(start) ? start : other;
    } else if (this.engine === "postgresql") {
      victim = this.firstToLook([start, ...path]) ?? start;
    }
    const vs = [...this.sessions.values()].find((s) => s.pending?.txn === victim)!;
    const { unit } = vs.pending!;
    vs.pending = undefined;
    this.fail(vs, unit, victim, new SqlFailure(DEADLOCK[this.engine], this.engine === "mysql" ? "1213" : "40P01", true));
    return victim;
  }

  /** Of a cycle's members, the one whose deadlock check runs first: the earliest to fall asleep during this step. */
  private firstToLook(members: readonly Txn[]): Txn | undefined {
    let best: Pending | undefined;
    for (const s of this.sessions.values()) {
      const p = s.pending;
      if (!p || !members.includes(p.txn) || p.sleep.during !== this.during) continue;
      if (!best || p.sleep.order < best.sleep.order) best = p;
    }
    return best?.txn;
  }

  private runUnit(s: Session, unit: Unit): void {
    const st = unit.stmt;
    const txn = s.txn;
    // PostgreSQL refuses everything but the end of a failed transaction block.
    if (txn?.failed && st.kind !== "commit" && st.kind !== "rollback") return this.fail(s, unit, txn, aborted());
    switch (st.kind) {
      case "begin":
        return this.begin(s, unit, txn);
      case "set-level":
        return this.setLevel(s, unit, st, txn);
      case "commit":
        return this.commit(s, unit, txn);
      case "rollback":
        if (txn) this.db.rollback(txn);
        this.emit(s, unit, txn ? "ok" : "notice", txn ? {} : { message: "there is no transaction in progress" });
        s.txn = undefined;
        return;
      default:
        return this.query(s, unit, st, txn);
    }
  }

  private begin(s: Session, unit: Unit, txn: Txn | undefined): void {
    if (txn && txn.status === "active" && !txn.failed) {
      if (this.engine !== "mysql") return this.emit(s, unit, "notice", { message: "there is already a transaction in progress" });
      this.finish(s, unit, txn);
    }
    s.txn = this.db.newTxn(s.name, s.nextLevel ?? s.level, false);
    s.nextLevel = undefined;
    this.emit(s, unit, "ok");
  }

  private setLevel(s: Session, unit: Unit, st: Extract<Statement, { kind: "set-level" }>, txn: Txn | undefined): void {
    if (this.engine === "mysql") {
      if (st.session) s.level = st.level;
      else if (txn && txn.status === "active") return this.fail(s, unit, txn, new SqlFailure(ERRORS.mysqlSetLevel, "1568", false));
      else s.nextLevel = st.level;
      return this.emit(s, unit, "ok");
    }
    if (!txn || (txn.status !== "active" && !txn.failed)) {
      if (this.engine === "2pl" && st.session) s.level = st.level;
      return this.emit(s, unit, "notice", { message: "SET TRANSACTION can only be used in transaction blocks" });
    }
    if (txn.failed) return this.fail(s, unit, txn, aborted());
    if (txn.ops.length > 0 || txn.snapSeq !== undefined) return this.fail(s, unit, txn, new SqlFailure(ERRORS.pgSetLevel, "25001", false));
    txn.level = st.level;
    this.emit(s, unit, "ok");
  }

  private commit(s: Session, unit: Unit, txn: Txn | undefined): void {
    if (!txn) return this.emit(s, unit, "notice", { message: "there is no transaction in progress" });
    if (txn.failed || txn.status === "aborted") {
      this.emit(s, unit, "ok", { message: "ROLLBACK (the transaction had failed)" });
      s.txn = undefined;
      return;
    }
    try {
      this.db.commit(txn);
    } catch (err) {
      if (!(err instanceof SqlFailure)) throw err;
      this.emit(s, unit, "error", { message: err.message });
      this.noteError(txn, err.message, true);
      this.db.rollback(txn);
      s.txn = undefined;
      return;
    }
    this.emit(s, unit, "ok");
    s.txn = undefined;
  }

  /** A select, update, delete or insert: in the session's transaction, or in one of its own. */
  private query(s: Session, unit: Unit, st: Extract<Statement, { kind: "select" | "update" | "delete" | "insert" }>, txn: Txn | undefined): void {
    let t = txn;
    if (!t || t.status !== "active") {
      if (t?.failed) return this.fail(s, unit, t, aborted());
      t = s.txn = this.db.newTxn(s.name, s.nextLevel ?? s.level, true);
      s.nextLevel = undefined;
    }
    if (t.failed) return this.fail(s, unit, t, aborted());
    this.current = { s, unit };
    this.db.beginStatement(t);
    const lock = st.kind === "select" && st.forUpdate ? (st.forUpdate === "update" ? "X" : "S") : undefined;
    const gen =
      st.kind === "select"
        ? this.db.select(t, st.where, unit.step, unit.sql, lock)
        : st.kind === "insert"
          ? this.db.insert(t, st.rows, unit.step)
          : this.db.write(t, st, unit.step, unit.sql);
    this.advance(s, unit, t, gen, false);
  }

  private drain(s: Session): void {
    while (!s.pending && s.queue.length) this.runUnit(s, s.queue.shift()!);
  }

  /** Run a session's next queued step (all of its statements, unless one has to wait). */
  private nextStep(s: Session): void {
    const step = s.queue[0]!.step;
    while (!s.pending && s.queue[0]?.step === step) this.runUnit(s, s.queue.shift()!);
  }

  /** Traced: what the database holds now is the state after the latest event. */
  private observe(): void {
    if (!this.traced || this.events.length === 0) return;
    const waits = [...this.sessions.values()].flatMap((s) =>
      s.pending ? [{ session: s.name, what: s.pending.wait.what, on: s.pending.wait.on.map((t) => t.session) }] : [],
    );
    this.states[this.events.length - 1] = { ...this.db.describe(), waits };
  }

  private settle(): void {
    for (let progress = true; progress;) {
      progress = false;
      // Waiters go on in the order they started waiting, as lock queues grant them. Woken
      // statements go on at once; the steps their sessions queued behind them come after, one
      // each in turn, as their connections would send them once the answer is back.
      const order = [...this.sessions.values()].sort((a, b) => (a.turn ?? Infinity) - (b.turn ?? Infinity));
      const released = order.filter((s) => s.pending && s.pending.wait.on.every((t) => t.status !== "active"));
      if (released.length > 1) this.wokenTogether.push({ during: this.during, sessions: released.map((s) => s.name) });
      for (const s of order) {
        if (!s.pending) continue;
        const { unit, gen, txn } = s.pending;
        if (this.advance(s, unit, txn, gen, true)) progress = true;
      }
      for (const s of order) {
        if (s.pending || !s.queue.length) continue;
        this.nextStep(s);
        progress = true;
      }
    }
  }
}

/** The words of one statement of a multi-statement line, for the trace. */
function statementText(sql: string, stmt: Statement, all: readonly Statement[]): string {
  const parts = sql
    .split(";")
    .map((p) => p.trim())
    .filter(Boolean);
  return parts.length === all.length ? parts[all.indexOf(stmt)]! : sql;
}
