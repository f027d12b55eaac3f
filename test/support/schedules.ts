// Random transaction schedules for the isolation tests: 2 or 3 sessions, each one transaction of
// a few statements on test(id, value), interleaved at random. The same seed gives the same schedule.
import { createRng } from "../../src/core/rng";
import type { Level } from "../../src/sims/isolation/sql";
import type { Engine } from "../../src/sims/isolation/engine";

export interface ScheduleStep {
  readonly session: string;
  readonly sql: string;
}

/** A random schedule: 2 or 3 sessions, each a transaction of 2–4 statements at `level`, interleaved. */
export function generateSchedule(seed: number, level: Level, engine: Engine = "postgresql"): ScheduleStep[] {
  const rng = createRng(seed);
  const k = () => rng.int(1, 3);
  const pool = [
    () => `select * from test where id = ${k()}`,
    () => `select * from test where ${rng.pick([`id = ${k()}`, "value > 15"])} ${rng.pick(["for update", "for share"])}`,
    () => rng.pick(["select * from test", "select * from test where value % 3 = 0", "select * from test where value > 15"]),
    () => `update test set value = value + ${rng.int(1, 9)} where id = ${k()}`,
    () => rng.pick(["update test set value = 30 where value > 15", "update test set value = value * 2 where value % 2 = 0"]),
    () => rng.pick([`delete from test where id = ${k()}`, "delete from test where value = 20"]),
    () => `insert into test (id, value) values (${rng.int(3, 5)}, ${rng.int(1, 6) * 10})`,
  ];
  const sessions = Array.from({ length: rng.int(2, 3) }, (_, i) => {
    const body = Array.from({ length: rng.int(2, 4) }, () => rng.pick(pool)());
    // PostgreSQL sets the level inside the transaction; MySQL for the session, before it.
    const begin = engine === "mysql" ? `set session transaction isolation level ${level}; begin` : engine === "2pl" ? "begin" : `begin; set transaction isolation level ${level}`;
    return [begin, ...body, rng.chance(0.15) ? "rollback" : "commit"].map((sql) => ({ session: `T${i + 1}`, sql }));
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
export const PARTIAL_VIEW = ["T1 begin", "T2 begin", "T2 update test set value = 11 where id = 1", "T2 insert into test (id, value) values (3, 30)", "T1 update test set value = value + 1 where value > 5", "T2 commit", "T1 commit"];
