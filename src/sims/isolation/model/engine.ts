// A database with one table, test(id, value), run the way PostgreSQL, MySQL/InnoDB or a textbook
// strict two-phase-locking engine runs it: row versions, snapshots, row locks with wait queues,
// deadlock detection and PostgreSQL's serializable snapshot isolation. Statements run as
// generators that yield while they wait for a lock, so a blocked statement resumes exactly where
// it stopped when the holder commits or aborts. docs/isolation.md explains every rule.
import { chainAt, chainsOf, visitOrder, walk, type Entry, type Tuple as HeapTuple } from "./heap";
import { planFor, type Plan } from "./plan";
import type { Engine } from "../scenario";
import { evalExpr, lookupIds, matches, pinnedIds, type Level, type Pred, type Statement } from "./sql";

export interface Txn {
  readonly id: number; // 0 is the setup transaction that inserted the initial rows
  readonly session: string;
  level: Level;
  readonly implicit: boolean;
  status: "active" | "committed" | "aborted";
  /** PostgreSQL: an error happened; everything but commit/rollback is refused until the block ends. */
  failed: boolean;
  commitSeq?: number;
  /** Commit sequence number the transaction-level snapshot sees up to. */
  snapSeq?: number;
  /** Undo records: rows inserted, updated or deleted (InnoDB weighs deadlock victims by them). */
  undo: number;
  /** InnoDB lock structures this transaction created (the other part of its weight). */
  readonly lockStructs: Set<string>;
  // Serializable snapshot isolation (PostgreSQL serializable)
  /**
   * SIREAD locks at PostgreSQL's granularity on this one-page table: the whole relation (after a
   * sequential scan), the primary key's leaf page (after any key lookup), the heap page (once more
   * than max_pred_locks_per_page = 2 tuples are locked), and single tuple versions.
   */
  readonly siread: { relation: boolean; indexPage: boolean; heapPage: boolean; readonly tuples: Set<Version> };
  readonly inConflicts: Set<Txn>; // readers with an rw-antidependency into this transaction
  readonly outConflicts: Set<Txn>; // writers this transaction has an rw-antidependency to
  doomed: boolean;
  /** Operations for the checker. */
  readonly ops: Op[];
}

/** A tuple of the heap, with the engine's versions. */
type Tuple = HeapTuple<Version>;

export interface Version {
  readonly value: number | null; // null: the row was deleted
  readonly writer: Txn;
  /** PostgreSQL: the tuple's place in the heap page (line pointer order); none for a delete. */
  readonly pos?: number;
}

/** What the checker needs: every read names the version it saw. */
export type Op =
  | { readonly kind: "read"; readonly row: number; readonly version: Version | undefined; readonly step: number }
  | {
      readonly kind: "pread";
      readonly pred: Pred;
      readonly text: string;
      readonly seen: ReadonlyMap<number, Version | undefined>;
      readonly step: number;
      readonly existsOnly?: boolean;
    }
  | { readonly kind: "write"; readonly row: number; readonly version: Version; readonly step: number };

export interface Wait {
  readonly on: readonly Txn[];
  readonly what: string;
}

export class SqlFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly abortsTxn: boolean,
  ) {
    super(message);
  }
}

export type Rows = [number, number][];
export interface StatementResult {
  readonly rows?: Rows;
  readonly affected?: number;
  readonly note?: string;
}

type LockMode = "S" | "X";
/** InnoDB lock kinds: next-key (record and the gap before it), record only, gap only, insert intention. */
type LockKind = "next" | "rec" | "gap" | "ii";
interface LockReq {
  readonly txn: Txn;
  readonly mode: LockMode;
  readonly kind: LockKind;
  granted: boolean;
}

const SUPREMUM = Number.POSITIVE_INFINITY;

export const ERRORS = {
  pgConcurrentUpdate: "could not serialize access due to concurrent update",
  pgConcurrentDelete: "could not serialize access due to concurrent delete",
  pgSerialization: "could not serialize access due to read/write dependencies among transactions",
  pgDeadlock: "deadlock detected",
  pgAborted: "current transaction is aborted, commands ignored until end of transaction block",
  pgDuplicate: 'duplicate key value violates unique constraint "test_pkey"',
  pgSetLevel: "SET TRANSACTION ISOLATION LEVEL must be called before any query",
  mysqlDeadlock: "Deadlock found when trying to get lock; try restarting transaction",
  mysqlDuplicate: (id: number) => `Duplicate entry '${id}' for key 'PRIMARY'`,
  mysqlSetLevel: "Transaction characteristics can't be changed while a transaction is in progress",
  twoPlDeadlock: "deadlock: rolled back to break a cycle of lock waits",
  divisionByZero: "division by zero",
} as const;

/** What the database holds at a moment, for the explorer's state tables (see describe()). */
export interface DatabaseState {
  /** Each row's versions, oldest first: value (null: deleted), writer, the writer's state. */
  readonly rows: readonly {
    readonly id: number;
    readonly versions: readonly { readonly value: number | null; readonly writer: string; readonly status: Txn["status"] }[];
  }[];
  /** Row locks held and asked for (row Infinity: the gap past the last row). */
  readonly locks: readonly { readonly row: number; readonly session: string; readonly mode: string; readonly kind: string; readonly granted: boolean }[];
  readonly txns: readonly { readonly session: string; readonly level: Level; readonly status: Txn["status"]; readonly snapshot: boolean }[];
  /** Sessions whose statement waits, what for and on whom (filled in by the player, which knows). */
  readonly waits?: readonly { readonly session: string; readonly what: string; readonly on: readonly string[] }[];
}

export class Database {
  /** Row id → versions, oldest first; uncommitted versions of the lock holder come last. */
  readonly rows = new Map<number, Version[]>();
  readonly txns: Txn[] = [];
  private seq = 0;
  /** Line pointers handed out so far: a new tuple goes after every tuple ever stored (no pruning). */
  private heapSeq = 0;
  private readonly locks = new Map<number, LockReq[]>();
  /** 2PL predicate locks. */
  private readonly predLocks: { txn: Txn; pred: Pred }[] = [];
  readonly setup: Txn;

  constructor(
    readonly engine: Engine,
    initial: readonly (readonly [number, number])[],
  ) {
    this.setup = this.newTxn("setup", "read committed", true);
    for (const [id, value] of initial) this.rows.set(id, [this.newVersion(value, this.setup)]);
    this.setup.status = "committed";
    this.setup.commitSeq = 0;
  }

  newTxn(session: string, level: Level, implicit: boolean): Txn {
    const t: Txn = {
      id: this.txns.length,
      session,
      level,
      implicit,
      status: "active",
      failed: false,
      undo: 0,
      lockStructs: new Set(),
      siread: { relation: false, indexPage: false, heapPage: false, tuples: new Set() },
      inConflicts: new Set(),
      outConflicts: new Set(),
      doomed: false,
      ops: [],
    };
    this.txns.push(t);
    return t;
  }

  // ---- versions and visibility -------------------------------------------------------------

  private newVersion(value: number | null, writer: Txn): Version {
    return value === null ? { value, writer } : { value, writer, pos: ++this.heapSeq };
  }

  private visibleIn(v: Version, me: Txn, snapSeq: number | undefined): boolean {
    if (v.writer === me) return true;
    if (v.writer.status !== "committed") return false;
    return snapSeq === undefined || v.writer.commitSeq! <= snapSeq;
  }

  /** The version a reader sees: by snapshot, the latest committed (and own), or the newest of all. */
  private versionFor(id: number, me: Txn, view: View): Version | undefined {
    const chain = this.rows.get(id);
    if (!chain) return undefined;
    for (let i = chain.length - 1; i >= 0; i--) {
      const v = chain[i]!;
      if (view.kind === "dirty" || this.visibleIn(v, me, view.kind === "snapshot" ? view.seq : undefined)) return v;
    }
    return undefined;
  }

  private ids(): number[] {
    return [...this.rows.keys()].sort((a, b) => a - b);
  }

  /** Told when a transaction takes the snapshot it keeps to its end (repeatable read, serializable). */
  onSnapshot?: (me: Txn, sees: readonly Txn[]) => void;

  private snapshotFor(me: Txn): number {
    if (me.snapSeq === undefined) {
      me.snapSeq = this.seq;
      if (this.engine !== "2pl" && (me.level === "repeatable read" || me.level === "serializable")) {
        this.onSnapshot?.(
          me,
          this.txns.filter((t) => t.status === "committed" && t.commitSeq! <= me.snapSeq!),
        );
      }
    }
    return me.snapSeq;
  }

  /** The read view a plain SELECT uses. */
  private readView(me: Txn): View {
    const level = me.level;
    if (this.engine === "2pl") return { kind: "latest" };
    if (this.engine === "mysql" && level === "read uncommitted") return { kind: "dirty" };
    if (level === "read committed" || level === "read uncommitted") {
      // A snapshot per statement; the transaction's first one still marks when it started.
      this.snapshotFor(me);
      return { kind: "snapshot", seq: this.seq };
    }
    return { kind: "snapshot", seq: this.snapshotFor(me) };
  }

  private record(me: Txn, op: Op): void {
    me.ops.push(op);
  }

  // ---- locks (InnoDB and 2PL) -------------------------------------------------------------------

  private queue(res: number): LockReq[] {
    let q = this.locks.get(res);
    if (!q) this.locks.set(res, (q = []));
    return q;
  }

  /** InnoDB's lock_rec_has_to_wait: does a request of (mode, kind) have to wait for `other`? */
  private static hasToWait(mode: LockMode, kind: LockKind, other: LockReq, onSupremum: boolean): boolean {
    if (mode === "S" && other.mode === "S") return false;
    if ((onSupremum || kind === "gap") && kind !== "ii") return false;
    if (kind !== "ii" && other.kind === "gap") return false;
    if (other.kind === "ii") return false;
    if (kind === "ii" && other.kind === "rec") return false;
    return true;
  }

  private static covers(held: LockReq, mode: LockMode, kind: LockKind): boolean {
    if (!held.granted) return false;
    if (held.mode === "S" && mode === "X") return false;
    if (kind === "ii") return false;
    if (held.kind === "next") return true;
    return held.kind === kind;
  }

  /** Acquire a lock on a record (or on the supremum, for the gap after the last row); true if it had to wait. */
  private *lock(me: Txn, res: number, mode: LockMode, kind: LockKind): Generator<Wait, boolean> {
    const q = this.queue(res);
    if (q.some((l) => l.txn === me && Database.covers(l, mode, kind))) return false;
    // A next-key lock on a record this transaction already holds a record lock on only adds the
    // gap, and a gap lock waits for nobody (MySQL 8 and MariaDB reuse the record lock so).
    if (kind === "next" && q.some((l) => l.txn === me && l.granted && l.kind === "rec" && (l.mode === "X" || mode === "S"))) {
      q.push({ txn: me, mode, kind, granted: true });
      me.lockStructs.add(`${mode}/${kind}/granted`);
      return false;
    }
    const onSupremum = res === SUPREMUM;
    const blockers = (upTo: number) => q.slice(0, upTo).filter((l) => l.txn !== me && Database.hasToWait(mode, kind, l, onSupremum));
    const req: LockReq = { txn: me, mode, kind, granted: false };
    q.push(req);
    const waited = blockers(q.length - 1).length > 0;
    // The table's intention lock: IS is not needed once the transaction holds IX.
    if (mode === "X" || !me.lockStructs.has("IX")) me.lockStructs.add(mode === "S" ? "IS" : "IX");
    me.lockStructs.add(`${mode}/${kind}/${waited ? "wait" : "granted"}`);
    for (;;) {
      const ahead = blockers(q.indexOf(req));
      if (ahead.length === 0) break;
      yield { on: [...new Set(ahead.map((l) => l.txn))], what: `${res === SUPREMUM ? "the gap after the last row" : `row ${res}`}` };
    }
    req.granted = true;
    return waited;
  }

  // Queues are changed in place: a waiting statement holds on to its queue.
  private static drop(q: LockReq[], me: Txn): void {
    for (let i = q.length - 1; i >= 0; i--) if (q[i]!.txn === me) q.splice(i, 1);
  }

  private unlock(me: Txn, res: number): void {
    const q = this.locks.get(res);
    if (q) Database.drop(q, me);
  }

  private releaseAll(me: Txn): void {
    for (const q of this.locks.values()) Database.drop(q, me);
    for (let i = this.predLocks.length - 1; i >= 0; i--) if (this.predLocks[i]!.txn === me) this.predLocks.splice(i, 1);
  }

  private holdsLock(me: Txn, res: number): boolean {
    return (this.locks.get(res) ?? []).some((l) => l.txn === me && l.granted);
  }

  /** The record an insert of `id` goes before: its gap is where gap locks stop inserts. */
  private nextRecord(id: number): number {
    for (const k of this.ids()) if (k > id) return k;
    return SUPREMUM;
  }

  private gapLocking(me: Txn): boolean {
    return this.engine === "mysql" && (me.level === "repeatable read" || me.level === "serializable");
  }

  /**
   * InnoDB and 2PL locking reads: lock every row the search touches, then read the latest
   * committed (or own) version. Read committed keeps only the locks of rows that matched.
   */
  private *lockingScan(me: Txn, where: Pred, mode: LockMode, step: number, text: string, semiConsistent: boolean, onRow?: OnRow): Generator<Wait, Claimed[]> {
    // InnoDB reads `id = 2 and value > 0` or `id = 1 or id = 2` by unique search, as it does
    // `id in (1, 2)`; anything else walks the whole primary key (the model has no range access).
    const pinned = this.engine === "mysql" ? lookupIds(where) : pinnedIds(where);
    const gaps = this.gapLocking(me);
    const out: { id: number; version: Version }[] = [];
    const seen = new Map<number, Version | undefined>();
    if (this.engine === "2pl" && !pinned) this.predLocks.push({ txn: me, pred: where });
    // A scan walks the live index: rows inserted while it waited further back are still ahead of it.
    const next = (after: number) => this.ids().find((k) => k > after);
    const order = pinned
      ? pinned.values()
      : (function* () {
          for (let id = next(Number.NEGATIVE_INFINITY); id !== undefined; id = next(id)) yield id;
        })();
    for (const id of order) {
      if (!this.rows.has(id)) {
        // A unique search that finds nothing locks the gap where the row would go.
        if (gaps) yield* this.lock(me, this.nextRecord(id), mode, "gap");
        if (this.engine === "2pl") this.predLocks.push({ txn: me, pred: idEquals(id) });
        continue;
      }
      const heldBefore = this.holdsLock(me, id);
      if (semiConsistent && !pinned) {
        // Read committed UPDATE: a row whose latest committed version does not match is skipped
        // unlocked (never in a unique search, which waits for the row as at any level).
        const latest = this.versionFor(id, me, { kind: "latest" });
        if (!latest || latest.value === null || !matches(where, { id, value: latest.value })) {
          seen.set(id, latest);
          continue;
        }
      }
      // InnoDB never unlocks a row it had to wait for ("part of a conflict"), even when it no
      // longer matches.
      const waited = yield* this.lock(me, id, mode, gaps && !pinned ? "next" : "rec");
      const v = this.versionFor(id, me, { kind: "latest" });
      seen.set(id, v);
      if (v && v.value !== null && matches(where, { id, value: v.value })) {
        out.push({ id, version: v });
        // InnoDB changes each row as soon as it has locked it, before scanning on.
        onRow?.(id, v);
      } else if (!gaps && !heldBefore && !waited && this.engine === "mysql") this.unlock(me, id);
    }
    if (gaps && !pinned) yield* this.lock(me, SUPREMUM, mode, "next");
    this.recordRead(me, where, text, seen, step);
    return out;
  }

  // ---- serializable snapshot isolation (PostgreSQL) -----------------------------------------------

  /** Serializable PostgreSQL transactions take part in SSI, a single autocommit statement included. */
  private ssi(me: Txn): boolean {
    return this.engine === "postgresql" && me.level === "serializable";
  }

  private concurrent(a: Txn, b: Txn): boolean {
    if (a.status === "committed" && b.snapSeq !== undefined && a.commitSeq! <= b.snapSeq) return false;
    if (b.status === "committed" && a.snapSeq !== undefined && b.commitSeq! <= a.snapSeq) return false;
    return true;
  }

  private checkDoomed(me: Txn): void {
    if (me.doomed) throw new SqlFailure(ERRORS.pgSerialization, "40001", true);
  }

  /** Record reader -rw-> writer and look for a dangerous structure, as PostgreSQL's predicate.c does. */
  private rwConflict(reader: Txn, writer: Txn, current: Txn): void {
    if (reader === writer || reader.status === "aborted" || writer.status === "aborted") return;
    if (!this.ssi(reader) || !this.ssi(writer) || !this.concurrent(reader, writer)) return;
    if (reader.outConflicts.has(writer)) return;
    reader.outConflicts.add(writer);
    writer.inConflicts.add(reader);
    let failure = false;
    // reader → writer → t2, with t2 committed first
    for (const t2 of writer.outConflicts) {
      if (t2.status !== "committed") continue;
      const beforeReader = reader.status !== "committed" || t2.commitSeq! <= reader.commitSeq!;
      if (beforeReader && (writer.status !== "committed" || t2.commitSeq! <= writer.commitSeq!)) failure = true;
    }
    // t0 → reader → writer, with the writer committed first
    if (!failure && writer.status === "committed") {
      for (const t0 of reader.inConflicts) {
        if (t0.doomed || t0.status === "aborted") continue;
        if (t0.status !== "committed" || t0.commitSeq! >= writer.commitSeq!) failure = true;
      }
    }
    if (!failure) return;
    if (current === writer || writer.status === "committed") throw new SqlFailure(ERRORS.pgSerialization, "40001", true);
    writer.doomed = true;
  }

  /**
   * HeapCheckForSerializableConflictOut: a reader that examined tuple `t` reads "before" a writer
   * it cannot see. A tuple it sees points to whoever replaced or deleted it (xmax); a tuple it does
   * not see, to whoever wrote it (xmin), unless that writer committed before the snapshot.
   */
  private conflictOut(me: Txn, t: Tuple, visible: boolean): void {
    if (!this.ssi(me)) return;
    this.checkDoomed(me);
    const writer = visible ? t.next?.writer : t.version.writer;
    if (writer && writer !== me) this.rwConflict(me, writer, me);
  }

  /**
   * A write that others' SIREAD locks cover, checked where PostgreSQL checks it: a heap insert
   * against relation locks, an index insert (or a unique-key probe) against the index page, an
   * update or delete of `old` against the tuple, its heap page and the relation.
   */
  private conflictIn(me: Txn, target: "relation" | "index" | Version): void {
    if (!this.ssi(me)) return;
    // Like PostgreSQL's CheckForSerializableConflictIn, a transaction marked to fail fails here.
    this.checkDoomed(me);
    for (const r of this.txns) {
      if (r === me || !this.ssi(r) || r.status === "aborted") continue;
      const l = r.siread;
      const hit = target === "relation" ? l.relation : target === "index" ? l.indexPage : l.relation || l.heapPage || l.tuples.has(target);
      if (hit) this.rwConflict(r, me, me);
    }
  }

  /** The locks a plan takes before it reads: the relation for a sequential scan, the index page for an index or bitmap scan… */
  private sireadPlan(me: Txn, plan: Plan): void {
    if (!this.ssi(me)) return;
    if (plan.kind === "seq") me.siread.relation = true;
    else me.siread.indexPage = true;
  }

  /** …and each tuple an index entry led to, promoted to the heap page past two tuples. */
  private sireadTuple(me: Txn, v: Version): void {
    if (!this.ssi(me)) return;
    me.siread.tuples.add(v);
    if (me.siread.tuples.size > 2) me.siread.heapPage = true;
  }

  // ---- PostgreSQL: tuples, plans and row locks ----------------------------------------------------

  /** The snapshot a PostgreSQL statement reads with: the statement's own, or the transaction's. */
  private pgSnapshot(me: Txn): number {
    const view = this.readView(me);
    return view.kind === "snapshot" ? view.seq : this.seq;
  }

  /** Tuple visibility: the snapshot sees the tuple's writer and not whoever replaced or deleted it. */
  private tupleSees(me: Txn, snapSeq: number): (t: Tuple) => boolean {
    const sees = (v: Version) => this.visibleIn(v, me, snapSeq);
    return (t) => sees(t.version) && !(t.next && sees(t.next));
  }

  /**
   * The version of a key that a read used, for the checker: another transaction's tuple the
   * snapshot sees if there is one (it can sit next to the reader's own insert of the same key),
   * else the newest version the snapshot sees, a delete or the reader's own write included.
   */
  private keyVersion(id: number, me: Txn, snapSeq: number): Version | undefined {
    const sees = this.tupleSees(me, snapSeq);
    const others = chainsOf(id, this.rows.get(id) ?? [])
      .flat()
      .filter((t) => t.version.writer !== me && sees(t));
    return others.length ? others[others.length - 1]!.version : this.versionFor(id, me, { kind: "snapshot", seq: snapSeq });
  }

  private keysSeen(me: Txn, snapSeq: number, where: Pred): Map<number, Version | undefined> {
    return new Map((pinnedIds(where) ?? this.ids()).map((id) => [id, this.keyVersion(id, me, snapSeq)]));
  }

  private recordRead(me: Txn, where: Pred, text: string, seen: ReadonlyMap<number, Version | undefined>, step: number): void {
    const pinned = pinnedIds(where);
    if (pinned) for (const id of pinned) this.record(me, { kind: "read", row: id, version: seen.get(id), step });
    else this.record(me, { kind: "pread", pred: where, text, seen, step });
  }

  /**
   * The tuples a plan returns, in its order, after the reads SSI watches: a sequential scan reads
   * the whole page at its first tuple; an index or bitmap scan reads each entry's update chain when
   * it gets to it, so a statement that waits on one row has not yet read the next.
   */
  private *pgScan(me: Txn, plan: Plan, sees: (t: Tuple) => boolean): Generator<Tuple> {
    const read = (entry: Entry<Version>) => {
      const { examined, found } = walk(chainAt(this.rows, entry, plan.kind !== "seq"), sees);
      for (const t of examined) this.conflictOut(me, t, t === found);
      if (found && plan.kind !== "seq") this.sireadTuple(me, found.version);
      return found;
    };
    const entries = visitOrder(plan, this.rows);
    if (plan.kind === "seq") {
      for (const t of entries.map(read)) if (t) yield t;
      return;
    }
    for (const entry of entries) {
      const t = read(entry);
      if (t) yield t;
    }
  }

  private pgSelect(me: Txn, where: Pred, step: number, text: string): StatementResult {
    const snapSeq = this.pgSnapshot(me);
    const plan = planFor(where);
    const seen = this.keysSeen(me, snapSeq, where);
    this.sireadPlan(me, plan);
    const rows: Rows = [];
    for (const t of this.pgScan(me, plan, this.tupleSees(me, snapSeq))) {
      if (matches(where, { id: t.id, value: t.version.value! })) rows.push([t.id, t.version.value!]);
    }
    this.recordRead(me, where, text, seen, step);
    return { rows: sortRows(rows) };
  }

  /** The version after `v` in its key's list: the tuple's xmax, as an update or a delete. */
  private successor(id: number, v: Version): Version | undefined {
    const chain = this.rows.get(id) ?? [];
    const i = chain.indexOf(v);
    return i < 0 ? undefined : chain[i + 1];
  }

  /** Row locks (FOR UPDATE / FOR SHARE, or kept after a failed re-check) that other transactions hold and `mode` conflicts with. */
  private rowLockers(me: Txn, id: number, mode: LockMode): Txn[] {
    return [...new Set((this.locks.get(id) ?? []).filter((l) => l.txn !== me && l.granted && (mode === "X" || l.mode === "X")).map((l) => l.txn))];
  }

  private takeRowLock(me: Txn, id: number, mode: LockMode): void {
    const q = this.queue(id);
    if (!q.some((l) => l.txn === me && (l.mode === "X" || mode === "S"))) q.push({ txn: me, mode, kind: "rec", granted: true });
  }

  /**
   * Claim the tuple a statement selected, as heap_update, heap_delete and heap_lock_tuple do, with
   * ExecUpdate's EvalPlanQual at read committed. The snapshot's own tuple is checked first: if a
   * committed transaction replaced it, repeatable read and serializable fail at once, whoever
   * holds the row now; read committed follows the update link to the next tuple, but never past a
   * delete (a new row with the same key was never in the statement's snapshot). An in-progress
   * writer, or a conflicting row lock on the newest tuple, is waited for. A tuple reached by
   * following links is locked before its WHERE clause is checked again, and the lock stays when
   * the check fails. Returns the tuple to act on, or undefined to skip the row.
   */
  private *pgClaim(
    me: Txn,
    found: Tuple,
    where: Pred,
    mode: LockMode,
    forSelect: boolean,
    seen: Map<number, Version | undefined>,
  ): Generator<Wait, Version | undefined> {
    const id = found.id;
    let cur = found.version;
    let followed = false;
    for (;;) {
      const next = this.successor(id, cur);
      // Waiters are woken in the order they started waiting (the runner retries them so); a
      // transaction that finds the row free takes it at once, as PostgreSQL lets it.
      if (next && next.writer !== me && next.writer.status === "active") {
        yield { on: [next.writer], what: `row ${id}` };
        continue;
      }
      if (next?.writer === me) return undefined; // this statement already changed it
      if (next) {
        // UPDATE and DELETE name what happened to the tuple (updated, or deleted); SELECT … FOR
        // UPDATE/SHARE says "concurrent update" either way, as nodeLockRows.c does.
        if (!readCommitted(me)) throw new SqlFailure(next.value === null && !forSelect ? ERRORS.pgConcurrentDelete : ERRORS.pgConcurrentUpdate, "40001", true);
        seen.set(id, next);
        if (next.value === null) return undefined;
        cur = next;
        followed = true;
        continue;
      }
      const lockers = this.rowLockers(me, id, mode);
      if (lockers.length) {
        yield { on: lockers, what: `row ${id}` };
        continue;
      }
      this.takeRowLock(me, id, mode);
      return followed && !matches(where, { id, value: cur.value! }) ? undefined : cur;
    }
  }

  // ---- statements -------------------------------------------------------------------------------

  *select(me: Txn, where: Pred, step: number, text: string, lockMode?: LockMode): Generator<Wait, StatementResult> {
    if (this.ssi(me)) this.checkDoomed(me);
    const locking = lockMode ?? (this.engine === "2pl" || (this.engine === "mysql" && me.level === "serializable" && !me.implicit) ? "S" : undefined);
    if (locking) {
      const found =
        this.engine === "postgresql"
          ? yield* this.pgLockRows(me, where, locking, step, text, true)
          : yield* this.lockingScan(me, where, locking, step, text, false);
      return { rows: sortRows(found.map(({ id, version }) => [id, version.value!] as [number, number])) };
    }
    if (this.engine === "postgresql") return this.pgSelect(me, where, step, text);
    const view = this.readView(me);
    const pinned = pinnedIds(where);
    const seen = new Map<number, Version | undefined>();
    const rows: Rows = [];
    for (const id of pinned ?? this.ids()) {
      const v = this.versionFor(id, me, view);
      seen.set(id, v);
      if (v && v.value !== null && matches(where, { id, value: v.value })) rows.push([id, v.value]);
    }
    this.recordRead(me, where, text, seen, step);
    return { rows };
  }

  *write(me: Txn, stmt: Extract<Statement, { kind: "update" | "delete" }>, step: number, text: string): Generator<Wait, StatementResult> {
    if (this.ssi(me)) this.checkDoomed(me);
    let affected = 0;
    // Both engines change each row as soon as they have it, before going on to the next.
    const apply = (id: number, old: Version) => {
      let value: number | null = null;
      if (stmt.kind === "update") {
        value = evalExpr(stmt.value, { id, value: old.value! });
        if (value === null) throw new SqlFailure(ERRORS.divisionByZero, "22012", this.engine === "postgresql");
      }
      const v = this.newVersion(value, me);
      this.conflictIn(me, old);
      this.rows.get(id)!.push(v);
      me.undo++;
      this.record(me, { kind: "write", row: id, version: v, step });
      affected++;
    };
    if (this.engine !== "postgresql") {
      const semiConsistent = stmt.kind === "update" && this.engine === "mysql" && readCommitted(me);
      yield* this.lockingScan(me, stmt.where, "X", step, text, semiConsistent, apply);
      return { affected };
    }
    yield* this.pgLockRows(me, stmt.where, "X", step, text, false, apply);
    return { affected };
  }

  /**
   * PostgreSQL's UPDATE, DELETE and SELECT … FOR UPDATE/SHARE: the plan's scan finds the tuples
   * the statement's snapshot sees, in the plan's order, and each one that matches is claimed
   * (pgClaim) and, for UPDATE and DELETE, changed before the scan goes on.
   */
  private *pgLockRows(me: Txn, where: Pred, mode: LockMode, step: number, text: string, forSelect: boolean, onRow?: OnRow): Generator<Wait, Claimed[]> {
    const snapSeq = this.pgSnapshot(me);
    const plan = planFor(where);
    const seen = this.keysSeen(me, snapSeq, where);
    const out: { id: number; version: Version }[] = [];
    // The scan marks what it reads before it can wait on a row, as PostgreSQL's does.
    this.sireadPlan(me, plan);
    for (const t of this.pgScan(me, plan, this.tupleSees(me, snapSeq))) {
      if (!matches(where, { id: t.id, value: t.version.value! })) continue;
      const target = yield* this.pgClaim(me, t, where, mode, forSelect, seen);
      if (!target) continue;
      out.push({ id: t.id, version: target });
      onRow?.(t.id, target);
    }
    this.recordRead(me, where, text, seen, step);
    return out;
  }

  *insert(me: Txn, rows: readonly (readonly [number, number])[], step: number): Generator<Wait, StatementResult> {
    if (this.ssi(me)) this.checkDoomed(me);
    let affected = 0;
    for (const [id, value] of rows) {
      // PostgreSQL writes the heap tuple before the index entry: relation locks are checked first.
      this.conflictIn(me, "relation");
      if (this.engine === "mysql") me.lockStructs.add("IX");
      // InnoDB inserts into a gap only when the key has no record; a key whose record is still
      // there, delete-marked, is written over that record instead, under an exclusive record lock.
      const overRecord = this.engine === "mysql" && this.rows.has(id);
      if (this.engine === "mysql" && this.gapLocking(me) && !overRecord) {
        yield* this.lock(me, this.nextRecord(id), "X", "ii");
      }
      if (this.engine === "2pl") yield* this.awaitPredicateLocks(me, id, value);
      yield* this.uniqueCheck(me, id, step);
      if (overRecord) yield* this.lock(me, id, "X", "rec");
      const v = this.newVersion(value, me);
      this.conflictIn(me, "index");
      if (!this.rows.has(id)) this.rows.set(id, []);
      this.rows.get(id)!.push(v);
      if (this.engine !== "postgresql" && !overRecord) this.queue(id).push({ txn: me, mode: "X", kind: "rec", granted: true });
      me.undo++;
      this.record(me, { kind: "write", row: id, version: v, step });
      affected++;
    }
    return { affected };
  }

  /** 2PL: an insert waits for other transactions' predicate locks its row would match. */
  private *awaitPredicateLocks(me: Txn, id: number, value: number): Generator<Wait, void> {
    for (;;) {
      const holders = this.predLocks.filter((l) => l.txn !== me && matches(l.pred, { id, value }));
      if (holders.length === 0) return;
      yield { on: [...new Set(holders.map((l) => l.txn))], what: `a predicate lock covering (${id}, ${value})` };
    }
  }

  /**
   * The unique check of the primary key, which fails the insert when the key has a row. PostgreSQL
   * (_bt_check_unique) looks with a dirty snapshot: a row that an in-progress transaction inserted,
   * updated or deleted (in a statement that may still be running) makes it wait for that
   * transaction, then look again. InnoDB (and 2PL) take a shared lock on the key's record, which
   * waits for its writer or an exclusive locker and stays after a duplicate-key error.
   */
  private *uniqueCheck(me: Txn, id: number, step: number): Generator<Wait, void> {
    if (this.engine !== "postgresql" && this.rows.has(id)) yield* this.lock(me, id, "S", "rec");
    for (;;) {
      const chain = this.rows.get(id);
      const newest = chain?.[chain.length - 1];
      if (newest && newest.writer !== me && newest.writer.status === "active") {
        yield { on: [newest.writer], what: `row ${id}` };
        continue;
      }
      if (newest && newest.value !== null) throw this.duplicate(me, id, newest, step);
      return;
    }
  }

  private duplicate(me: Txn, id: number, existing: Version, step: number): SqlFailure {
    // Failing on a duplicate is reading that the key exists (not its value). A MySQL transaction
    // goes on after it, so the checker must know.
    const text = `the duplicate check for id ${id}`;
    this.record(me, { kind: "pread", pred: idEquals(id), text, seen: new Map([[id, existing]]), step, existsOnly: true });
    if (this.engine === "mysql") return new SqlFailure(ERRORS.mysqlDuplicate(id), "1062", false);
    // Before reporting a duplicate, PostgreSQL checks the index page as if it were writing it, so
    // a serialization failure the duplicate would hide is reported instead.
    this.conflictIn(me, "index");
    return new SqlFailure(this.engine === "2pl" ? `duplicate key: row ${id} exists` : ERRORS.pgDuplicate, "23505", this.engine === "postgresql");
  }

  /** Take the snapshot a transaction's first statement takes (PostgreSQL). */
  beginStatement(me: Txn): void {
    if (this.engine === "postgresql" && (me.level === "repeatable read" || me.level === "serializable")) this.snapshotFor(me);
  }

  commit(me: Txn): void {
    if (this.ssi(me)) {
      this.checkDoomed(me);
      for (const pivot of me.inConflicts) {
        if (pivot.status !== "active" || pivot.doomed) continue;
        for (const tin of pivot.inConflicts) {
          if (tin === me || (tin.status === "active" && !tin.doomed)) {
            pivot.doomed = true;
            break;
          }
        }
      }
    }
    me.status = "committed";
    me.commitSeq = ++this.seq;
    this.releaseAll(me);
  }

  rollback(me: Txn): void {
    if (me.status !== "active") return;
    me.status = "aborted";
    for (const [id, chain] of this.rows) {
      const kept = chain.filter((v) => v.writer !== me);
      if (kept.length) this.rows.set(id, kept);
      else this.rows.delete(id);
    }
    this.releaseAll(me);
  }

  /** The committed table, for the final state. */
  committedRows(): Rows {
    const out: Rows = [];
    for (const id of this.ids()) {
      const chain = this.rows.get(id)!;
      for (let i = chain.length - 1; i >= 0; i--) {
        if (chain[i]!.writer.status !== "committed") continue;
        if (chain[i]!.value !== null) out.push([id, chain[i]!.value!]);
        break;
      }
    }
    return out;
  }

  /** All versions of every row, for the MVCC view. */
  /** Everything the explorer shows of the database now: rows and their versions, locks, transactions. */
  describe(): DatabaseState {
    const name = (t: Txn) => (t === this.setup ? "setup" : t.session);
    return {
      rows: [...this.rows]
        .sort((a, b) => a[0] - b[0])
        .map(([id, vs]) => ({ id, versions: vs.map((v) => ({ value: v.value, writer: name(v.writer), status: v.writer.status })) })),
      locks: [...this.locks]
        .sort((a, b) => a[0] - b[0])
        .flatMap(([row, reqs]) => reqs.map((r) => ({ row, session: r.txn.session, mode: r.mode, kind: r.kind, granted: r.granted }))),
      txns: this.txns.filter((t) => t !== this.setup).map((t) => ({ session: t.session, level: t.level, status: t.status, snapshot: t.snapSeq !== undefined })),
    };
  }

  versions(): { id: number; value: number | null; writer: string; status: Txn["status"] }[] {
    const out: { id: number; value: number | null; writer: string; status: Txn["status"] }[] = [];
    for (const id of this.ids()) {
      for (const v of this.rows.get(id)!) {
        out.push({ id, value: v.value, writer: v.writer === this.setup ? "setup" : v.writer.session, status: v.writer.status });
      }
    }
    return out;
  }
}

type View = { kind: "snapshot"; seq: number } | { kind: "latest" } | { kind: "dirty" };

/** A row a locking statement took, with the version it acts on. */
type Claimed = { id: number; version: Version };
/** Called for each row a statement takes, before it goes on (UPDATE and DELETE change it there). */
type OnRow = (id: number, v: Version) => void;

/** The predicate `id = <id>`. */
const idEquals = (id: number): Pred => ({ kind: "cmp", op: "=", left: { kind: "col", name: "id" }, right: { kind: "num", value: id } });

const readCommitted = (t: Txn) => t.level === "read committed" || t.level === "read uncommitted";

/** Rows in key order (then value), as the lab shows every result: SQL gives no order without ORDER BY. */
function sortRows(rows: Rows): Rows {
  return rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}
