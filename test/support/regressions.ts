// Eight PostgreSQL behaviours the isolation model once got wrong (B1–B8 in docs/isolation.md),
// each as the shortest schedule that shows it, with what PostgreSQL 15 does. The postgres tier runs
// them on the real server, which must do what is written here, and the model must agree step by
// step; the unit tier checks the model against the same facts without a server.
import assert from "node:assert/strict";
import type { Observed } from "./differential";
import type { ScheduleStep } from "./schedules";

export interface StepFact {
  /** 1-based step number. */
  readonly step: number;
  readonly blocked?: boolean;
  /** An error whose text contains this; absent: the statement succeeds. */
  readonly error?: string;
  readonly rows?: [number, number][];
  /** The step during which the statement returned (1-based). */
  readonly returnsAt?: number;
}

export interface Regression {
  readonly id: string;
  readonly title: string;
  readonly steps: readonly ScheduleStep[];
  readonly facts: readonly StepFact[];
  readonly final: [number, number][];
}

const RR = "begin; set transaction isolation level repeatable read";
const SER = "begin; set transaction isolation level serializable";

function lines(...l: string[]): ScheduleStep[] {
  return l.map((x) => ({ session: x.slice(0, x.indexOf(" ")), sql: x.slice(x.indexOf(" ") + 1) }));
}

export const REGRESSIONS: readonly Regression[] = [
  {
    id: "B1",
    title: "read committed: the re-check after a wait never follows a deleted row to a new row with its key",
    steps: lines(
      "T1 begin",
      "T1 delete from test where id = 1",
      "T1 insert into test (id, value) values (1, 40)",
      "T2 begin",
      "T2 update test set value = value + 1 where id = 1",
      "T1 commit",
      "T2 commit",
    ),
    facts: [{ step: 5, blocked: true, returnsAt: 6 }],
    final: [
      [1, 40],
      [2, 20],
    ],
  },
  {
    id: "B1 (two transactions)",
    title: "read committed: the same when another transaction inserts the key again",
    steps: lines(
      "T1 begin",
      "T1 delete from test where id = 1",
      "T2 begin",
      "T2 update test set value = value + 1 where id = 1",
      "T3 begin",
      "T3 insert into test (id, value) values (1, 40)",
      "T1 commit",
      "T3 commit",
      "T2 commit",
    ),
    facts: [
      { step: 4, blocked: true, returnsAt: 7 },
      { step: 6, blocked: true, returnsAt: 7 },
    ],
    final: [
      [1, 40],
      [2, 20],
    ],
  },
  {
    id: "B2",
    title: "read committed: an UPDATE whose re-check failed keeps its lock on the newest row version",
    steps: lines(
      "T1 begin",
      "T1 update test set value = 11 where id = 1",
      "T2 begin",
      "T2 update test set value = 0 where value = 10",
      "T1 commit",
      "T3 begin",
      "T3 update test set value = 99 where id = 1",
      "T2 commit",
      "T3 commit",
    ),
    facts: [
      { step: 4, blocked: true, returnsAt: 5 },
      { step: 7, blocked: true, returnsAt: 8 },
    ],
    final: [
      [1, 99],
      [2, 20],
    ],
  },
  {
    id: "B3",
    title: "an insert waits for a running statement that deleted its key",
    steps: lines(
      "T1 begin",
      "T1 update test set value = 11 where id = 2",
      "T2 begin",
      "T2 delete from test where value > 5",
      "T3 begin",
      "T3 insert into test (id, value) values (1, 99)",
      "T1 commit",
      "T2 commit",
      "T3 commit",
    ),
    facts: [
      { step: 4, blocked: true, returnsAt: 7 },
      { step: 6, blocked: true, returnsAt: 8 },
    ],
    final: [[1, 99]],
  },
  {
    id: "B3 (deadlock)",
    title: "an insert of a key a blocked UPDATE has already changed closes a deadlock",
    steps: lines(
      "T1 begin",
      "T1 update test set value = 11 where id = 2",
      "T2 begin",
      "T2 update test set value = value + 1 where value > 5",
      "T1 insert into test (id, value) values (1, 99)",
      "T1 commit",
      "T2 commit",
    ),
    facts: [
      { step: 4, blocked: true, returnsAt: 5 },
      { step: 5, blocked: true, error: "deadlock detected", returnsAt: 5 },
    ],
    final: [
      [1, 11],
      [2, 21],
    ],
  },
  {
    id: "B4",
    title: "repeatable read: an own insert does not hide the snapshot's deleted row with the same key",
    steps: lines(
      `T1 ${RR}`,
      "T1 select * from test where id = 1",
      "T2 delete from test where id = 2",
      "T1 insert into test (id, value) values (2, 50)",
      "T1 select * from test",
      "T1 select * from test where id = 2",
      "T1 update test set value = 0 where value = 20",
      "T1 commit",
    ),
    facts: [
      {
        step: 5,
        rows: [
          [1, 10],
          [2, 20],
          [2, 50],
        ],
      },
      {
        step: 6,
        rows: [
          [2, 20],
          [2, 50],
        ],
      },
      { step: 7, error: "could not serialize access due to concurrent delete" },
    ],
    final: [[1, 10]],
  },
  {
    id: "B5",
    title: "repeatable read: a row replaced after the snapshot fails at once, even while a newer writer holds it",
    steps: lines(
      `T1 ${RR}`,
      "T1 select * from test",
      "T2 update test set value = 11 where id = 1",
      "T3 begin",
      "T3 update test set value = 12 where id = 1",
      "T1 update test set value = 13 where id = 1",
      "T3 commit",
      "T1 commit",
    ),
    facts: [{ step: 6, blocked: false, error: "could not serialize access due to concurrent update", returnsAt: 6 }],
    final: [
      [1, 12],
      [2, 20],
    ],
  },
  {
    id: "B6",
    title: "serializable: `id = 2 and value > 0` is an index scan, so its SIREAD locks miss the other insert",
    steps: lines(
      `T1 ${SER}`,
      "T1 insert into test (id, value) values (3, 30)",
      `T2 ${SER}`,
      "T2 select * from test where id = 2 and value > 0",
      "T2 update test set value = 21 where id = 2",
      "T2 commit",
      "T1 select * from test where id = 2",
      "T1 commit",
    ),
    facts: [{ step: 7, rows: [[2, 20]] }, { step: 8 }],
    final: [
      [1, 10],
      [2, 21],
      [3, 30],
    ],
  },
  {
    id: "B6 (sequential scan)",
    title: "serializable: the same read through a sequential scan locks the table and aborts T1",
    steps: lines(
      `T1 ${SER}`,
      "T1 insert into test (id, value) values (3, 30)",
      `T2 ${SER}`,
      "T2 select * from test where id + 0 = 2 and value > 0",
      "T2 update test set value = 21 where id = 2",
      "T2 commit",
      "T1 select * from test where id = 2",
      "T1 commit",
    ),
    facts: [{ step: 7, error: "could not serialize access due to read/write dependencies among transactions" }],
    final: [
      [1, 10],
      [2, 21],
    ],
  },
  {
    id: "B7",
    title: "read committed: a sequential scan visits rows in heap order, where an updated row's new version comes last",
    steps: lines(
      "T0 update test set value = 11 where id = 1",
      "T2 begin",
      "T2 update test set value = 21 where id = 2",
      "T1 begin",
      "T1 update test set value = value + 1",
      "T2 update test set value = 12 where id = 1",
      "T2 commit",
      "T1 commit",
    ),
    facts: [
      { step: 5, blocked: true, returnsAt: 7 },
      { step: 6, blocked: false },
    ],
    final: [
      [1, 13],
      [2, 22],
    ],
  },
  {
    id: "B8",
    title: "a deadlock between waiters one commit woke: the one that fell asleep again first finds the cycle and is the victim",
    steps: lines(
      "T3 begin",
      "T3 update test set value = 11 where id = 1",
      "T1 begin",
      "T1 update test set value = 21 where id = 2",
      "T2 begin",
      "T2 update test set value = 12 where id = 1",
      "T1 update test set value = 13 where id = 1",
      "T2 update test set value = 22 where id = 2",
      "T3 commit",
      "T1 commit",
      "T2 commit",
    ),
    facts: [
      { step: 6, blocked: true, returnsAt: 9 },
      { step: 7, blocked: true, error: "deadlock detected", returnsAt: 9 },
      { step: 8, blocked: true, returnsAt: 9 },
    ],
    final: [
      [1, 12],
      [2, 22],
    ],
  },
];

/** Assert that an observed run (the server's or the model's) shows every fact of the regression. */
export function assertFacts(r: Regression, o: Observed, who: string): void {
  for (const f of r.facts) {
    const s = o.steps[f.step - 1]!;
    const where = `${r.id} on ${who}, step ${f.step} (${r.steps[f.step - 1]!.sql})`;
    if (f.blocked !== undefined) assert.equal(s.blocked, f.blocked, `${where}: blocked`);
    assert.equal(s.outcome, f.error ? "error" : "ok", `${where}: ${s.outcome === "error" ? s.message : "succeeded"}`);
    if (f.error) assert.ok(s.message?.includes(f.error), `${where}: error "${s.message}"`);
    if (f.rows) assert.deepEqual(s.rows, f.rows, `${where}: rows`);
    if (f.returnsAt !== undefined) assert.equal(s.during + 1, f.returnsAt, `${where}: returns at`);
  }
  assert.deepEqual(o.final, r.final, `${r.id} on ${who}: final table`);
}
