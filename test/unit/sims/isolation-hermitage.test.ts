// Outside truth: every Hermitage schedule for PostgreSQL and MySQL, played step by step on our
// engines. Each must give what Hermitage recorded on the real databases: the rows each select
// returns (the rows its comment names), which statements block and when they return, which
// session gets which error at which step, and no other errors.
// Hermitage by Martin Kleppmann, CC BY 4.0: https://github.com/ept/hermitage (see test/oracles/hermitage).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { play, type RunResult } from "../../../src/sims/isolation/model/run";
import { parseStatements } from "../../../src/sims/isolation/model/sql";
import { DEFAULT_LEVEL, type Engine } from "../../../src/sims/isolation/scenario";
import { analyze } from "../../../src/sims/isolation/check";

interface HStep {
  txn: string;
  sql: string;
  expect: string;
  blocks?: boolean;
  completes_at?: { step: number; outcome: "succeeds" | "error"; explicit: boolean };
  error?: string;
  errors_in_other_txns?: Record<string, string>;
  rows_mentioned?: [number, number][];
  rows_mentioned_for_other_txn?: Record<string, [number, number][]>;
}
interface Schedule {
  id: string;
  test: string;
  level: string;
  verdict: string;
  steps: HStep[];
}

const oracle = JSON.parse(readFileSync(join(import.meta.dirname, "../../oracles/hermitage/schedules.json"), "utf8")) as {
  tests: Record<string, { anomaly_column: string }>;
  databases: Record<string, { schedules: Schedule[] }>;
};
const ENGINES: [string, Engine][] = [
  ["postgresql", "postgresql"],
  ["mysql", "mysql"],
];

export function playHermitage(engine: Engine, schedule: Schedule): RunResult {
  const steps = schedule.steps.map((s) => ({ session: s.txn, sql: s.sql, statements: parseStatements(s.sql) }));
  return play(
    engine,
    DEFAULT_LEVEL[engine],
    [
      [1, 10],
      [2, 20],
    ],
    steps,
  );
}

/** Our error text inside Hermitage's ("ERROR: …", "ERROR 1213 (40001): …", or a paraphrase of a deadlock). */
function sameError(ours: string | undefined, theirs: string): boolean {
  if (!ours) return false;
  if (/deadlock/i.test(theirs)) return /deadlock/i.test(ours);
  return theirs.includes(ours);
}

for (const [db, engine] of ENGINES) {
  for (const schedule of oracle.databases[db]!.schedules) {
    test(`Hermitage ${schedule.id}: ${schedule.verdict}`, () => {
      const run = playHermitage(engine, schedule);
      const at = (step: number) => run.events.filter((e) => e.step === step && e.kind !== "notice");
      const expectedErrors = new Set<string>();
      schedule.steps.forEach((h, i) => {
        const mine = at(i);
        const where = `step ${i + 1} (${h.txn}: ${h.sql})`;
        const blocked = mine.some((e) => e.kind === "blocked");
        const queued = mine.some((e) => e.kind === "queued");
        assert.equal(blocked || queued, h.blocks === true, `${where}: ${h.blocks ? "should block" : "should not block"}; events: ${JSON.stringify(mine)}`);
        if (h.completes_at) {
          const done = mine.find((e) => e.kind === "resumed" || e.kind === "error");
          assert.ok(done, `${where}: a blocked statement must return`);
          assert.equal(done!.during, h.completes_at.step - 1, `${where}: returns during step ${done!.during + 1}, Hermitage says ${h.completes_at.step}`);
          assert.equal(done!.kind === "error" ? "error" : "succeeds", h.completes_at.outcome, `${where}: outcome`);
        }
        if (h.error) {
          const e = mine.find((x) => x.kind === "error");
          assert.ok(sameError(e?.message, h.error), `${where}: expected "${h.error}", got ${JSON.stringify(mine)}`);
          expectedErrors.add(`${h.txn}@${i}`);
        }
        for (const [session, message] of Object.entries(h.errors_in_other_txns ?? {})) {
          const e = run.events.find((x) => x.session === session && x.kind === "error" && x.during === i);
          assert.ok(
            sameError(e?.message, message),
            `${where}: ${session} should get "${message}"; events: ${JSON.stringify(run.events.filter((x) => x.during === i))}`,
          );
          expectedErrors.add(`${session}@${e!.step}`);
        }
        if (h.rows_mentioned) {
          const result = mine.find((e) => e.rows !== undefined) ?? run.events.find((e) => e.step === i && e.rows !== undefined);
          assert.ok(result, `${where}: returns rows`);
          if (h.rows_mentioned.length === 0) assert.deepEqual(result!.rows, [], `${where}: returns nothing`);
          for (const row of h.rows_mentioned)
            assert.ok(
              result!.rows!.some(([id, v]) => id === row[0] && v === row[1]),
              `${where}: expected row ${row[0]} => ${row[1]}, got ${JSON.stringify(result!.rows)}`,
            );
        }
      });
      const unexpected = run.events.filter(
        (e) => e.kind === "error" && !expectedErrors.has(`${e.session}@${e.step}`) && !/current transaction is aborted/.test(e.message ?? ""),
      );
      assert.deepEqual(unexpected, [], "no other statement fails");
      // The checker names the schedule's anomaly exactly when Hermitage says the level lets it through.
      const column = oracle.tests[schedule.test]!.anomaly_column;
      const found = analyze(run).anomalies;
      if (schedule.verdict === "possible") assert.ok(found.includes(column as never), `${column} should be found; found ${found.join(", ") || "nothing"}`);
      else assert.ok(!found.includes(column as never), `${column} should not be found; found ${found.join(", ")}`);
    });
  }
}
