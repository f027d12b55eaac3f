// Options of the isolation lab: sessions typing SQL into one table, interleaved step by step.
// Each step is "<session> <statement>", parsed while the author types, so a typo in the SQL is
// underlined on the exact words. `resolve` turns the cell into what the model runs on: parsed
// steps, the table's rows, the engines and levels, and what `explore:` asks for.
// The one import from the folder is the SQL parser (model/sql.ts), a leaf that imports nothing.
import { exploreListed } from "../../scenario/explore";
import { s, type Infer } from "../../scenario/schema";
import type { Example, ResolveContext } from "../types";
import { parseStatements, SqlError, type Level, type Statement } from "./model/sql";

export type { Level } from "./model/sql";

export const ENGINES = [
  { value: "postgresql", doc: "PostgreSQL (MVCC; read committed, repeatable read = snapshot isolation, serializable = SSI)." },
  { value: "mysql", doc: "MySQL with InnoDB (MVCC reads, locking writes, next-key locks, deadlock detection)." },
  { value: "2pl", doc: "Textbook strict two-phase locking, with predicate locks." },
] as const;
export type Engine = (typeof ENGINES)[number]["value"];

/** The level a session runs at when the cell names none: each engine's default. */
export const DEFAULT_LEVEL: Record<Engine, Level> = { postgresql: "read committed", mysql: "repeatable read", "2pl": "serializable" };

export const SESSION = /^[A-Za-z][A-Za-z0-9_]{0,15}$/;

/** One step of the interleaving, parsed: the session, its SQL and the statements in it. */
export interface Step {
  readonly session: string;
  readonly sql: string;
  readonly statements: readonly Statement[];
}

/** A step of the cell: parsed, and as written (a replayed interleaving lists the steps so). */
export interface CellStep extends Step {
  readonly text: string;
}

/** "T1 update test set value = 11 where id = 1" → session and statements. */
export function splitStep(text: string): { session: string; sql: string; sqlStart: number; statements: Statement[] } {
  const m = /^(\s*)(\S+)(\s*)/.exec(text)!;
  const session = m[2] ?? "";
  if (!SESSION.test(session)) {
    const message = `"${session}" is not a session name: start each step with one, such as T1, then the statement ("T1 select * from test").`;
    throw new SqlError(message, m[1]!.length, m[1]!.length + Math.max(1, session.length));
  }
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
  {
    value: "postgresql/read committed",
    doc: "PostgreSQL's default: a new snapshot for every statement; a writer that waited re-checks its WHERE clause on the newest row version.",
  },
  {
    value: "postgresql/repeatable read",
    doc: "PostgreSQL snapshot isolation: one snapshot from the first statement; the second updater of a row fails with a serialization error.",
  },
  {
    value: "postgresql/serializable",
    doc:
      "PostgreSQL serializable snapshot isolation: snapshot isolation plus tracking of read-write dependencies; " +
      "a dangerous structure aborts a transaction.",
  },
  { value: "mysql/read uncommitted", doc: "InnoDB reading the newest row versions, committed or not." },
  { value: "mysql/read committed", doc: "InnoDB with a fresh read view per statement; writes lock rows and act on the latest committed version." },
  {
    value: "mysql/repeatable read",
    doc:
      "InnoDB's default: plain reads from a snapshot taken at the first read, but UPDATE and DELETE act on the latest committed rows " +
      "with no conflict error.",
  },
  {
    value: "mysql/serializable",
    doc: "InnoDB turning every plain read in a transaction into a shared-locking read (next-key locks); conflicts end in waits and deadlocks.",
  },
  {
    value: "2pl/serializable",
    doc: "Textbook strict two-phase locking: shared locks for reads (and predicate locks for searches), exclusive locks for writes, all held to commit.",
  },
] as const;
export type Target = (typeof TARGETS)[number]["value"];

export function parseTarget(t: Target): { engine: Engine; level: Level } {
  const [engine, level] = t.split("/") as [Engine, Level];
  return { engine, level };
}

const stepSchema = s.string({
  doc:
    "One step of the interleaving: a session name, a space, then the SQL it runs next (for example `T1 update test set value = 11 where id = 1`). " +
    "Several statements may share a step, separated by `;`.",
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

/** The most interleavings an exploration runs per engine and level, counted or `all`. */
export const MAX_INTERLEAVINGS = 100_000;

const explore = exploreListed(
  "Instead of the given order, run many interleavings of the sessions' statements (each session keeps its own order) and count how many " +
    "end in each anomaly, per engine and level: a count (every interleaving when there are at most that many, else that many drawn at random " +
    "from the seed), `all`, or a list of seeds (one random interleaving each).",
  MAX_INTERLEAVINGS,
  `Every interleaving of the sessions' statements (at most ${MAX_INTERLEAVINGS}).`,
);

const level = s.enum({
  doc:
    "The sessions' isolation level, used by every transaction unless a step sets another " +
    "(PostgreSQL's default is read committed, MySQL's repeatable read).",
  values: [
    { value: "read uncommitted", doc: "MySQL reads uncommitted versions; PostgreSQL treats it as read committed." },
    { value: "read committed", doc: "Each statement sees what was committed when it started." },
    { value: "repeatable read", doc: "PostgreSQL: snapshot isolation. MySQL: snapshot reads, writes on the latest data." },
    { value: "serializable", doc: "PostgreSQL: SSI. MySQL: locking reads. 2PL: its only level." },
  ],
});

const idOrValue = s.integer({ doc: "id or value.", min: -1_000_000_000, max: 1_000_000_000 });
const row = s.array({ doc: "One row: [id, value].", minItems: 2, maxItems: 2, items: idOrValue });

export const schema = s.object(
  "Transactions run by sessions T1, T2, … against the table test(id int primary key, value int). `steps` gives the interleaving; the run shows " +
    "what each statement returns, which ones wait, which transactions fail, and which anomalies the committed history contains.",
  {
    engine: s.knob(s.enum({ doc: "The database whose behaviour is simulated.", default: "postgresql", values: ENGINES })),
    level: s.knob(level),
    rows: s.field(
      s.array({
        doc: "The table's rows before the steps run, as [id, value] pairs.",
        maxItems: 50,
        default: [
          [1, 10],
          [2, 20],
        ],
        items: row,
      }),
    ),
    steps: s.required(
      s.array({
        doc:
          "The interleaving, one statement per step, in the order the sessions type them. A statement that must wait for a lock shows as waiting; " +
          "the session's later steps queue behind it.",
        minItems: 1,
        maxItems: 200,
        items: stepSchema,
      }),
    ),
    compare: s.field(
      s.array({
        doc:
          "Run the same steps at each of these engines and levels, and show a matrix of what each lets through, blocks or aborts. " +
          "Leave `set transaction` out of the steps so the level comes from here.",
        maxItems: 8,
        default: [],
        items: s.enum({ doc: "An engine and level.", values: TARGETS }),
      }),
    ),
    explore: s.field(explore),
  },
  { interleavings: { to: "explore" }, explore: { to: "explore", values: { true: "all" } } },
);

export type Options = Infer<typeof schema>;

/** An engine and level the steps run at, named as in `compare:` ("postgresql/read committed"). */
export interface TargetRef {
  readonly target: string;
  readonly engine: Engine;
  readonly level: Level;
}

/** What `explore:` asks for: a count, every interleaving, or one random interleaving per seed. */
export type ExploreSpec = number | "all" | readonly number[];

/** What the model runs on. */
export interface Resolved {
  /** One run, the same run at several engines and levels, or many interleavings. */
  readonly mode: "run" | "compare" | "explore";
  readonly rows: readonly (readonly [number, number])[];
  readonly steps: readonly CellStep[];
  readonly targets: readonly TargetRef[];
  /** Explore: what was asked for, and how many interleavings the steps have. */
  readonly explore?: { readonly spec: ExploreSpec; readonly space: number };
}

/** How many interleavings keep each session's statements in order: the multinomial coefficient. */
export function interleavingCount(lengths: readonly number[]): number {
  let total = 0;
  let count = 1;
  for (const n of lengths) {
    for (let k = 1; k <= n; k++) count = (count * (total + k)) / k;
    total += n;
  }
  return Math.round(count);
}

/** How many steps each session has, sessions in the order they first appear. */
export function sessionLengths(steps: readonly Step[]): number[] {
  const lengths = new Map<string, number>();
  for (const st of steps) lengths.set(st.session, (lengths.get(st.session) ?? 0) + 1);
  return [...lengths.values()];
}

function stepsOf(options: Options, ctx: ResolveContext): CellStep[] {
  return options.steps.map((text, i) => {
    try {
      const { session, sql, statements } = splitStep(text);
      return { session, sql: sql.trim(), statements, text };
    } catch (err) {
      if (err instanceof SqlError) return ctx.fail(["steps", i], err.message);
      throw err;
    }
  });
}

function rowsOf(options: Options, ctx: ResolveContext): [number, number][] {
  const seen = new Set<number>();
  return options.rows.map(([id, value], i) => {
    if (seen.has(id!)) ctx.fail(["rows", i, 0], `Row id ${id} appears twice in rows; ids are the primary key.`);
    seen.add(id!);
    return [id!, value!];
  });
}

function targetsOf(options: Options): TargetRef[] {
  if (options.compare.length) return [...new Set(options.compare)].map((t) => ({ target: t, ...parseTarget(t) }));
  const engine = options.engine;
  const level = options.level ?? DEFAULT_LEVEL[engine];
  return [{ target: `${engine}/${level}`, engine, level }];
}

/** A number for a sentence, without the exponent JavaScript gives huge ones. */
const amount = (n: number) => (n < 1e15 ? String(n) : "more than 10^15");

function exploreOf(spec: ExploreSpec, steps: readonly Step[], ctx: ResolveContext): Resolved["explore"] {
  const space = interleavingCount(sessionLengths(steps));
  if (spec === "all" && space > MAX_INTERLEAVINGS) {
    ctx.fail(
      ["explore"],
      `These steps have ${amount(space)} interleavings; \`explore: all\` runs at most ${MAX_INTERLEAVINGS}. ` +
        "Ask for a number instead (`explore: 2000` draws 2000 of them at random from the seed), or give the sessions fewer steps.",
    );
  }
  return { spec, space };
}

/** Every check on what the options mean, each on the value it is about. */
export function resolve(options: Options, ctx: ResolveContext): Resolved {
  const steps = stepsOf(options, ctx);
  const rows = rowsOf(options, ctx);
  const targets = targetsOf(options);
  if (options.explore !== undefined) return { mode: "explore", rows, steps, targets, explore: exploreOf(options.explore, steps, ctx) };
  return { mode: options.compare.length ? "compare" : "run", rows, steps, targets };
}

const lines = (xs: readonly string[]) => xs.map((l) => `  - ${l}\n`).join("");
const READ_MODIFY_WRITE = (n: number, value: number) => [
  `T${n} begin`,
  `T${n} select * from test where id = 1`,
  `T${n} update test set value = ${value} where id = 1`,
  `T${n} commit`,
];

export const examples: readonly Example[] = [
  {
    name: "lost update",
    description: "Two read-modify-write transactions on one row at PostgreSQL read committed.",
    body:
      "engine: postgresql\nlevel: read committed\nsteps:\n" +
      lines([
        "T1 begin",
        "T2 begin",
        "T1 select * from test where id = 1",
        "T2 select * from test where id = 1",
        "T1 update test set value = 11 where id = 1",
        "T2 update test set value = 11 where id = 1",
        "T1 commit",
        "T2 commit",
      ]),
  },
  {
    name: "write skew, compared",
    description: "The write-skew interleaving at several engines and levels, as a matrix.",
    body:
      "compare: [postgresql/repeatable read, postgresql/serializable, mysql/repeatable read, mysql/serializable]\nsteps:\n" +
      lines([
        "T1 begin",
        "T2 begin",
        "T1 select * from test where id in (1, 2)",
        "T2 select * from test where id in (1, 2)",
        "T1 update test set value = 11 where id = 1",
        "T2 update test set value = 21 where id = 2",
        "T1 commit",
        "T2 commit",
      ]),
  },
  {
    name: "explore interleavings",
    description: "Every interleaving of two increments, counted per level.",
    body:
      "explore: all\ncompare: [postgresql/read committed, postgresql/repeatable read]\nsteps:\n" +
      lines([...READ_MODIFY_WRITE(1, 11), ...READ_MODIFY_WRITE(2, 12)]),
  },
];
