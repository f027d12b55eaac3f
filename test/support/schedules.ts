// Random transaction schedules for the isolation tests: 2 or 3 sessions, each one transaction of
// a few statements on test(id, value) or a couple of autocommit statements, interleaved at random.
// The same seed gives the same schedule. The statements cover the lab's SQL the way a learner
// writes it: key lookups, compound and range predicates on id (which PostgreSQL plans as index or
// bitmap scans), scans, whole-table updates, FOR UPDATE / FOR SHARE, deletes followed by inserts
// of the same key, and inserts of keys that exist (duplicates, often while another statement waits).
import { createRng, type Rng } from "../../src/core/rng";
import type { Level } from "../../src/sims/isolation/model/sql";
import type { Engine } from "../../src/sims/isolation/scenario";

export interface ScheduleStep {
  readonly session: string;
  readonly sql: string;
}

/**
 * Predicates that pin or bound id: PostgreSQL plans them as an index scan (id = N …) or a bitmap
 * scan (the rest). For MySQL only those InnoDB reads by unique search: its optimizer picks range or
 * full scans for the others from table statistics, which the model does not follow.
 */
function keyPredicate(rng: Rng, engine: Engine): string {
  const k = rng.int(1, 3);
  const lookups = [
    `id = ${k}`,
    `id = ${k} and value > ${rng.pick([5, 15, 25])}`,
    "id = 1 or id = 2",
    `id = ${k} or id = ${rng.int(3, 4)}`,
    `id in (${rng.pick(["1, 2", "2, 3"])})`,
  ];
  if (engine !== "postgresql") return rng.pick(lookups);
  return rng.pick([...lookups, "id < 3", "id <= 2", `id > ${rng.int(1, 2)}`, "id in (1, 3, 4)", `id < ${rng.int(2, 4)} and value > ${rng.pick([5, 15])}`]);
}

/** Predicates on value: a sequential scan. */
function valuePredicate(rng: Rng): string {
  return rng.pick(["value > 15", "value % 3 = 0", "value = 20", "value < 25", "id <> 2"]);
}

const anyPredicate = (rng: Rng, engine: Engine) => (rng.chance(0.6) ? keyPredicate(rng, engine) : valuePredicate(rng));
const increment = (rng: Rng) => rng.pick([`value + ${rng.int(1, 9)}`, "value * 2", `${rng.int(1, 6) * 10}`]);

/** One statement (or, for a delete followed by a re-insert of the key, two). */
function statement(rng: Rng, engine: Engine): string[] {
  const k = rng.int(1, 3);
  const v = rng.int(1, 9) * 10 + rng.int(0, 1) * 5;
  return rng.pick<() => string[]>([
    () => [`select * from test where ${anyPredicate(rng, engine)}`],
    () => [rng.pick(["select * from test", "select * from test where value % 3 = 0"])],
    () => [`select * from test where ${anyPredicate(rng, engine)} ${rng.pick(["for update", "for share"])}`],
    () => [`update test set value = ${increment(rng)} where ${anyPredicate(rng, engine)}`],
    () => [`update test set value = ${increment(rng)} where id = ${k}`],
    () => [`update test set value = value + ${rng.int(1, 9)}`],
    () => [`delete from test where ${anyPredicate(rng, engine)}`],
    () => [`delete from test where id = ${k}`, `insert into test (id, value) values (${k}, ${v})`],
    () => [`insert into test (id, value) values (${rng.int(1, 5)}, ${v})`],
    () => [`insert into test (id, value) values (${k}, ${v})`],
  ])();
}

/** A random schedule: 2 or 3 sessions, each a transaction of 2–5 statements at `level` (or autocommit statements), interleaved. */
export function generateSchedule(seed: number, level: Level, engine: Engine = "postgresql"): ScheduleStep[] {
  const rng = createRng(seed);
  // (Not rng.chance for the first draw: a generator seeded with a small number starts high.)
  const sessions = Array.from({ length: rng.int(0, 99) < 55 ? 3 : 2 }, (_, i) => {
    const session = `T${i + 1}`;
    // Now and then a session runs its statements on their own (autocommit, at the session's level).
    if (i > 0 && rng.chance(0.2)) return Array.from({ length: rng.int(1, 2) }, () => statement(rng, engine)[0]!).map((sql) => ({ session, sql }));
    const body: string[] = [];
    for (let n = rng.int(2, 5); body.length < n;) body.push(...statement(rng, engine));
    // PostgreSQL sets the level inside the transaction; MySQL for the session, before it.
    const begin =
      engine === "mysql"
        ? `set session transaction isolation level ${level}; begin`
        : engine === "2pl"
          ? "begin"
          : `begin; set transaction isolation level ${level}`;
    return [begin, ...body, rng.chance(0.15) ? "rollback" : "commit"].map((sql) => ({ session, sql }));
  });
  const out: ScheduleStep[] = [];
  const next = sessions.map(() => 0);
  while (out.length < sessions.reduce((n, s) => n + s.length, 0)) {
    const open = sessions.map((_, i) => i).filter((i) => next[i]! < sessions[i]!.length);
    const s = rng.pick(open);
    out.push(sessions[s]![next[s]!++]!);
  }
  return out;
}

/** PostgreSQL's documented read committed inconsistency: a waiting UPDATE sees one change of the other transaction but not another. */
export const PARTIAL_VIEW = [
  "T1 begin",
  "T2 begin",
  "T2 update test set value = 11 where id = 1",
  "T2 insert into test (id, value) values (3, 30)",
  "T1 update test set value = value + 1 where value > 5",
  "T2 commit",
  "T1 commit",
];
