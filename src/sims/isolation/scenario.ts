// Options of the isolation lab: sessions typing SQL into one table, interleaved step by step.
// Each step is "<session> <statement>", parsed while the author types, so a typo in the SQL is
// underlined on the exact words.
import { s, type Infer } from "../../scenario/schema";
import type { Engine } from "./engine";
import { parseStatements, SqlError, type Level, type Statement } from "./sql";

export const SESSION = /^[A-Za-z][A-Za-z0-9_]{0,15}$/;

/** "T1 update test set value = 11 where id = 1" → session and statements. */
export function splitStep(text: string): { session: string; sql: string; sqlStart: number; statements: Statement[] } {
  const m = /^(\s*)(\S+)(\s*)/.exec(text)!;
  const session = m[2] ?? "";
  if (!SESSION.test(session)) throw new SqlError(`"${session}" is not a session name: start each step with one, such as T1, then the statement ("T1 select * from test").`, m[1]!.length, m[1]!.length + Math.max(1, session.length));
  const sqlStart = m[0].length;
  const sql = text.slice(sqlStart);
  try {
    return { session, sql, sqlStart, statements: parseStatements(sql) };
  } catch (err) {
    if (err instanceof SqlError) throw new SqlError(err.message, err.start + sqlStart, err.end + sqlStart);
    throw err;
  }
}

export const TARGETS = [
  { value: "postgresql/read committed", doc: "PostgreSQL's default: a new snapshot for every statement; a writer that waited re-checks its WHERE clause on the newest row version." },
  { value: "postgresql/repeatable read", doc: "PostgreSQL snapshot isolation: one snapshot from the first statement; the second updater of a row fails with a serialization error." },
  { value: "postgresql/serializable", doc: "PostgreSQL serializable snapshot isolation: snapshot isolation plus tracking of read-write dependencies; a dangerous structure aborts a transaction." },
  { value: "mysql/read uncommitted", doc: "InnoDB reading the newest row versions, committed or not." },
  { value: "mysql/read committed", doc: "InnoDB with a fresh read view per statement; writes lock rows and act on the latest committed version." },
  { value: "mysql/repeatable read", doc: "InnoDB's default: plain reads from a snapshot taken at the first read, but UPDATE and DELETE act on the latest committed rows with no conflict error." },
  { value: "mysql/serializable", doc: "InnoDB turning every plain read in a transaction into a shared-locking read (next-key locks); conflicts end in waits and deadlocks." },
  { value: "2pl/serializable", doc: "Textbook strict two-phase locking: shared locks for reads (and predicate locks for searches), exclusive locks for writes, all held to commit." },
] as const;
export type Target = (typeof TARGETS)[number]["value"];

export function parseTarget(t: Target): { engine: Engine; level: Level } {
  const [engine, level] = t.split("/") as [Engine, Level];
  return { engine, level };
}

const stepSchema = s.string({
  doc: "One step of the interleaving: a session name, a space, then the SQL it runs next (for example `T1 update test set value = 11 where id = 1`). Several statements may share a step, separated by `;`.",
  minLength: 1,
  maxLength: 400,
  check: (text) => {
    try {
      splitStep(text);
      return undefined;
    } catch (err) {
      if (err instanceof SqlError) return { message: err.message, start: err.start, end: err.end };
      throw err;
    }
  },
});

export const schema = s.object("Transactions run by sessions T1, T2, … against the table test(id int primary key, value int). `steps` gives the interleaving; the run shows what each statement returns, which ones wait, which transactions fail, and which anomalies the committed history contains.", {
  engine: s.field(s.enum({ doc: "The database whose behaviour is simulated.", default: "postgresql", values: [
    { value: "postgresql", doc: "PostgreSQL (MVCC; read committed, repeatable read = snapshot isolation, serializable = SSI)." },
    { value: "mysql", doc: "MySQL with InnoDB (MVCC reads, locking writes, next-key locks, deadlock detection)." },
    { value: "2pl", doc: "Textbook strict two-phase locking, with predicate locks." },
  ] })),
  level: s.field(s.enum({ doc: "The sessions' isolation level, used by every transaction unless a step sets another (PostgreSQL's default is read committed, MySQL's repeatable read).", values: [
    { value: "read uncommitted", doc: "MySQL reads uncommitted versions; PostgreSQL treats it as read committed." },
    { value: "read committed", doc: "Each statement sees what was committed when it started." },
    { value: "repeatable read", doc: "PostgreSQL: snapshot isolation. MySQL: snapshot reads, writes on the latest data." },
    { value: "serializable", doc: "PostgreSQL: SSI. MySQL: locking reads. 2PL: its only level." },
  ] })),
  rows: s.field(s.array({ doc: "The table's rows before the steps run, as [id, value] pairs.", maxItems: 50, default: [[1, 10], [2, 20]], items: s.array({ doc: "One row: [id, value].", minItems: 2, maxItems: 2, items: s.integer({ doc: "id or value.", min: -1_000_000_000, max: 1_000_000_000 }) }) })),
  steps: s.required(s.array({ doc: "The interleaving, one statement per step, in the order the sessions type them. A statement that must wait for a lock shows as waiting; the session's later steps queue behind it.", minItems: 1, maxItems: 200, items: stepSchema })),
  compare: s.field(s.array({ doc: "Run the same steps at each of these engines and levels, and show a matrix of what each lets through, blocks or aborts. Leave `set transaction` out of the steps so the level comes from here.", maxItems: 8, default: [], items: s.enum({ doc: "An engine and level.", values: TARGETS }) })),
  explore: s.field(s.boolean({ doc: "Instead of the given order, run many interleavings of the sessions' statements (each session keeps its own order) and count how many end in each anomaly, per engine and level.", default: false })),
  interleavings: s.field(s.integer({ doc: "Explore: the most interleavings to run per engine and level. When there are more, this many are drawn at random from the seed.", min: 1, max: 100_000, default: 2000 })),
});

export type Options = Infer<typeof schema>;
