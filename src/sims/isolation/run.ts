// Plays an interleaving against the database: each step is one session typing one line of SQL.
// A statement that must wait stays pending and the session's later steps queue behind it; after
// every step the pending statements are retried, so a waiter resumes the moment its lock frees.
// Deadlocks are found in the waits-for graph when a statement starts to wait.
import { Database, ERRORS, SqlFailure, type Engine, type StatementResult, type Txn, type Wait } from "./engine";
import type { Level, Statement } from "./sql";

export interface Step {
  readonly session: string;
  readonly sql: string;
  readonly statements: readonly Statement[];
}

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
}

interface Unit {
  readonly step: number;
  readonly sql: string;
  readonly stmt: Statement;
}

interface Session {
  readonly name: string;
  level: Level;
  nextLevel?: Level;
  txn?: Txn;
  pending?: { unit: Unit; gen: Generator<Wait, StatementResult>; txn: Txn; wait: Wait; fresh: boolean; since: number };
  /** When its latest wait began: sessions woken together take turns in this order. */
  turn?: number;
  readonly queue: Unit[];
}

export const DEFAULT_LEVEL: Record<Engine, Level> = { postgresql: "read committed", mysql: "repeatable read", "2pl": "serializable" };

const DEADLOCK: Record<Engine, string> = { postgresql: ERRORS.pgDeadlock, mysql: ERRORS.mysqlDeadlock, "2pl": ERRORS.twoPlDeadlock };

export function play(engine: Engine, level: Level, initial: readonly (readonly [number, number])[], steps: readonly Step[]): RunResult {
  const db = new Database(engine, initial);
  const sessions = new Map<string, Session>();
  const events: TraceEvent[] = [];
  const errors = new Map<Txn, { message: string; ended: boolean }>();
  let during = 0;
  let waitOrder = 0;

  const sessionOf = (name: string): Session => {
    let s = sessions.get(name);
    if (!s) sessions.set(name, (s = { name, level, queue: [] }));
    return s;
  };
  const emit = (s: Session, unit: Unit, kind: EventKind, extra: Partial<TraceEvent> = {}) => {
    events.push({ step: unit.step, during, session: s.name, txn: s.txn?.id ?? s.pending?.txn.id, sql: unit.sql, kind, ...extra });
  };

  let current: { s: Session; unit: Unit } | undefined;
  db.onSnapshot = (txn, sees) => {
    if (!current) return;
    const names = sees.map((t) => (t === db.setup ? "the initial rows" : t.session));
    emit(current.s, current.unit, "snapshot", { message: `${txn.session} takes its snapshot: it sees ${names.join(", ")}` });
  };

  const endTxn = (s: Session) => {
    s.txn = undefined;
  };

  // A transaction's error is the one that ended it: PostgreSQL's later "current transaction is
  // aborted" refusals are a consequence, not the cause. A MySQL error that rolls back only its
  // statement is kept unless a later one ends the transaction.
  const noteError = (txn: Txn, message: string, ended: boolean) => {
    const prev = errors.get(txn);
    if (!prev || (ended && !prev.ended)) errors.set(txn, { message, ended });
  };

  const fail = (s: Session, unit: Unit, txn: Txn, err: SqlFailure) => {
    emit(s, unit, "error", { message: err.message });
    noteError(txn, err.message, engine === "postgresql" || err.abortsTxn || txn.implicit);
    if (engine === "postgresql") {
      db.rollback(txn);
      if (txn.implicit) endTxn(s);
      else txn.failed = true;
      return;
    }
    if (err.abortsTxn || txn.implicit) {
      db.rollback(txn);
      endTxn(s);
    }
  };

  /** Advance a statement; true when it finished (done or failed), false while it waits. */
  const advance = (s: Session, unit: Unit, txn: Txn, gen: Generator<Wait, StatementResult>, resumed: boolean): boolean => {
    let r: IteratorResult<Wait, StatementResult>;
    try {
      r = gen.next();
    } catch (err) {
      if (!(err instanceof SqlFailure)) throw err;
      s.pending = undefined;
      fail(s, unit, txn, err);
      return true;
    }
    if (!r.done) {
      const first = !s.pending || s.pending.fresh;
      s.pending = { unit, gen, txn, wait: r.value, fresh: first, since: s.pending?.since ?? ++waitOrder };
      s.turn = s.pending.since;
      // InnoDB looks for a deadlock when the lock is requested, before the statement is seen to
      // wait: if another transaction is rolled back, this statement goes on at once. PostgreSQL
      // looks after deadlock_timeout (1 s), so the statement is first seen waiting.
      if (first && engine !== "mysql") emit(s, unit, "blocked", { waitingFor: r.value.on.map((t) => t.session), message: `waits for ${r.value.what}` });
      const victim = detectDeadlock(s);
      if (victim && victim !== txn) return advance(s, unit, txn, gen, resumed);
      if (!s.pending) return true;
      if (first && engine === "mysql") emit(s, unit, "blocked", { waitingFor: r.value.on.map((t) => t.session), message: `waits for ${r.value.what}` });
      s.pending.fresh = false;
      return false;
    }
    s.pending = undefined;
    emit(s, unit, resumed ? "resumed" : "ok", { ...(r.value.rows ? { rows: r.value.rows } : {}), ...(r.value.affected !== undefined ? { affected: r.value.affected } : {}), ...(r.value.note ? { message: r.value.note } : {}) });
    if (txn.implicit && txn.status === "active") finish(s, unit, txn);
    return true;
  };

  const finish = (s: Session, unit: Unit, txn: Txn) => {
    try {
      db.commit(txn);
    } catch (err) {
      if (!(err instanceof SqlFailure)) throw err;
      fail(s, unit, txn, err);
      db.rollback(txn);
      endTxn(s);
      return;
    }
    endTxn(s);
  };

  const detectDeadlock = (requester: Session): Txn | undefined => {
    const start = requester.pending!.txn;
    const waitsFor = (t: Txn): Txn[] => {
      for (const s of sessions.values()) if (s.pending?.txn === t) return s.pending.wait.on.filter((o) => o.status === "active");
      return [];
    };
    // Depth-first search for a path from the requester back to itself.
    const path: Txn[] = [];
    const visited = new Set<Txn>();
    const dfs = (t: Txn): boolean => {
      for (const next of waitsFor(t)) {
        if (next === start) return true;
        if (visited.has(next)) continue;
        visited.add(next);
        path.push(next);
        if (dfs(next)) return true;
        path.pop();
      }
      return false;
    };
    if (!dfs(start)) return undefined;
    // InnoDB rolls back the lighter of the requester and the transaction that waits for it
    // (weight: undo records plus lock structures); PostgreSQL and 2PL abort the requester.
    let victim = start;
    if (engine === "mysql") {
      const other = path.length ? path[path.length - 1]! : start;
      const weight = (t: Txn) => t.undo + t.lockStructs.size;
      victim = weight(other) >= weight(start) ? start : other;
    }
    const vs = [...sessions.values()].find((s) => s.pending?.txn === victim)!;
    const { unit } = vs.pending!;
    vs.pending = undefined;
    fail(vs, unit, victim, new SqlFailure(DEADLOCK[engine], engine === "mysql" ? "1213" : "40P01", true));
    return victim;
  };

  const runUnit = (s: Session, unit: Unit) => {
    const st = unit.stmt;
    const txn = s.txn;
    // PostgreSQL refuses everything but the end of a failed transaction block.
    if (txn?.failed && st.kind !== "commit" && st.kind !== "rollback") return fail(s, unit, txn, new SqlFailure(ERRORS.pgAborted, "25P02", false));
    switch (st.kind) {
      case "begin":
        if (txn && txn.status === "active" && !txn.failed) {
          if (engine === "mysql") finish(s, unit, txn);
          else {
            emit(s, unit, "notice", { message: "there is already a transaction in progress" });
            return;
          }
        }
        s.txn = db.newTxn(s.name, s.nextLevel ?? s.level, false);
        s.nextLevel = undefined;
        emit(s, unit, "ok");
        return;
      case "set-level":
        if (engine === "mysql") {
          if (st.session) s.level = st.level;
          else if (txn && txn.status === "active") return fail(s, unit, txn, new SqlFailure(ERRORS.mysqlSetLevel, "1568", false));
          else s.nextLevel = st.level;
          emit(s, unit, "ok");
          return;
        }
        if (!txn || txn.status !== "active" && !txn.failed) {
          if (engine === "2pl" && st.session) s.level = st.level;
          emit(s, unit, "notice", { message: "SET TRANSACTION can only be used in transaction blocks" });
          return;
        }
        if (txn.failed) return fail(s, unit, txn, new SqlFailure(ERRORS.pgAborted, "25P02", false));
        if (txn.ops.length > 0 || txn.snapSeq !== undefined) return fail(s, unit, txn, new SqlFailure(ERRORS.pgSetLevel, "25001", false));
        txn.level = st.level;
        emit(s, unit, "ok");
        return;
      case "commit":
        if (!txn) {
          emit(s, unit, "notice", { message: "there is no transaction in progress" });
          return;
        }
        if (txn.failed || txn.status === "aborted") {
          emit(s, unit, "ok", { message: "ROLLBACK (the transaction had failed)" });
          endTxn(s);
          return;
        }
        try {
          db.commit(txn);
        } catch (err) {
          if (!(err instanceof SqlFailure)) throw err;
          emit(s, unit, "error", { message: err.message });
          noteError(txn, err.message, true);
          db.rollback(txn);
          endTxn(s);
          return;
        }
        emit(s, unit, "ok");
        endTxn(s);
        return;
      case "rollback":
        if (txn) db.rollback(txn);
        emit(s, unit, txn ? "ok" : "notice", txn ? {} : { message: "there is no transaction in progress" });
        endTxn(s);
        return;
      default: {
        let t = txn;
        if (!t || t.status !== "active") {
          if (t?.failed) return fail(s, unit, t, new SqlFailure(ERRORS.pgAborted, "25P02", false));
          t = s.txn = db.newTxn(s.name, s.nextLevel ?? s.level, true);
          s.nextLevel = undefined;
        }
        if (t.failed) return fail(s, unit, t, new SqlFailure(ERRORS.pgAborted, "25P02", false));
        current = { s, unit };
        db.beginStatement(t);
        const gen = st.kind === "select" ? db.select(t, st.where, unit.step, unit.sql, st.forUpdate === "update" ? "X" : st.forUpdate === "share" ? "S" : undefined) : st.kind === "insert" ? db.insert(t, st.rows, unit.step) : db.write(t, st, unit.step, unit.sql);
        advance(s, unit, t, gen, false);
      }
    }
  };

  const drain = (s: Session) => {
    while (!s.pending && s.queue.length) runUnit(s, s.queue.shift()!);
  };

  /** Run a session's next queued step (all of its statements, unless one has to wait). */
  const nextStep = (s: Session) => {
    const step = s.queue[0]!.step;
    while (!s.pending && s.queue[0]?.step === step) runUnit(s, s.queue.shift()!);
  };

  const settle = () => {
    for (let progress = true; progress; ) {
      progress = false;
      // Waiters go on in the order they started waiting, as lock queues grant them. Woken
      // statements go on at once; the steps their sessions queued behind them come after, one
      // each in turn, as their connections would send them once the answer is back.
      const order = [...sessions.values()].sort((a, b) => (a.turn ?? Infinity) - (b.turn ?? Infinity));
      for (const s of order) {
        if (!s.pending) continue;
        const { unit, gen, txn } = s.pending;
        if (advance(s, unit, txn, gen, true)) progress = true;
      }
      for (const s of order) {
        if (s.pending || !s.queue.length) continue;
        nextStep(s);
        progress = true;
      }
    }
  };

  steps.forEach((step, i) => {
    during = i;
    const s = sessionOf(step.session);
    const units = step.statements.map((stmt) => ({ step: i, sql: step.statements.length > 1 ? statementText(step.sql, stmt, step.statements) : step.sql, stmt }));
    if (s.pending || s.queue.length) {
      s.queue.push(...units);
      emit(s, units[0]!, "queued", { message: `waits behind ${s.name}'s blocked statement` });
    } else {
      s.queue.push(...units);
      drain(s);
    }
    settle();
  });

  // The scenario ended: sessions that still hold a transaction disconnect, which rolls it back.
  during = steps.length;
  for (let guard = 0; guard < 100; guard++) {
    const open = [...sessions.values()].find((s) => !s.pending && s.txn && s.txn.status === "active");
    if (!open) break;
    const unit: Unit = { step: -1, sql: "(disconnect)", stmt: { kind: "rollback" } };
    emit(open, unit, "notice", { message: "the steps ended with this transaction open: it is rolled back" });
    db.rollback(open.txn!);
    endTxn(open);
    settle();
  }

  const txns = db.txns.filter((t) => t !== db.setup);
  return {
    engine,
    events,
    finalRows: db.committedRows(),
    txns,
    summaries: txns.map((t) => ({ id: t.id, session: t.session, level: t.level, implicit: t.implicit, status: t.status, ...(errors.has(t) ? { error: errors.get(t)!.message } : {}) })),
    db,
  };
}

/** The words of one statement of a multi-statement line, for the trace. */
function statementText(sql: string, stmt: Statement, all: readonly Statement[]): string {
  const parts = sql.split(";").map((p) => p.trim()).filter(Boolean);
  return parts.length === all.length ? parts[all.indexOf(stmt)]! : sql;
}
