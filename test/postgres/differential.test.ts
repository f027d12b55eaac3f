// Differential tests against a real PostgreSQL: the same schedules run on a throwaway server (one
// connection per session) and on our PostgreSQL model, and every step must agree: which
// statements wait, when each returns, the rows it returns or the error it raises, and the final
// table. Schedules: all of Hermitage's PostgreSQL ones, PostgreSQL's documented read-committed
// partial view, and 100 generated ones at each of read committed, repeatable read and serializable.
// The model takes SIREAD locks at PostgreSQL's granularity, so at serializable it also aborts
// exactly where PostgreSQL does.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { startPostgres } from "../../scripts/postgres.mjs";
import { generateSchedule, PARTIAL_VIEW } from "../support/schedules";
import { agrees, type Driver } from "../support/differential";

const DEADLOCK_TIMEOUT_MS = 20;
let server: Awaited<ReturnType<typeof startPostgres>>;
let admin: pg.Client;

const driver: Driver = {
  reset: async () => void (await admin.query("drop table if exists test; create table test (id int primary key, value int); insert into test (id, value) values (1, 10), (2, 20);")),
  open: async () => {
    const client = new pg.Client(server.connection);
    await client.connect();
    const id = (await client.query("select pg_backend_pid() as pid")).rows[0].pid as number;
    return {
      id,
      query: async (sql) => {
        const r = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
        const last = Array.isArray(r) ? r[r.length - 1]! : r;
        return last.command === "SELECT" ? { rows: last.rows.map((x: { id: number; value: number }) => [x.id, x.value] as [number, number]) } : {};
      },
      close: () => client.end(),
    };
  },
  waiting: async (ids) => new Set((await admin.query("select pid from pg_stat_activity where pid = any($1) and wait_event_type = 'Lock'", [ids])).rows.map((r) => r.pid as number)),
  finalRows: async () => (await admin.query("select id, value from test")).rows.map((r) => [r.id, r.value] as [number, number]),
  afterBlockMs: DEADLOCK_TIMEOUT_MS * 6,
};

before(async () => {
  server = await startPostgres({ deadlock_timeout: `${DEADLOCK_TIMEOUT_MS}ms` });
  admin = new pg.Client(server.connection);
  await admin.connect();
  console.log(`differential tests against ${server.version}`);
});
after(async () => {
  await admin?.end().catch(() => {});
  server?.stop();
});

// Hermitage's PostgreSQL schedules (CC BY 4.0, Martin Kleppmann).
const oracle = JSON.parse(readFileSync(join(import.meta.dirname, "../oracles/hermitage/schedules.json"), "utf8")) as { databases: { postgresql: { schedules: { id: string; steps: { txn: string; sql: string }[] }[] } } };
test("every Hermitage PostgreSQL schedule behaves as on the real server", async () => {
  for (const s of oracle.databases.postgresql.schedules) {
    const r = await agrees(driver, "postgresql", s.id, s.steps.map((x) => ({ session: x.txn, sql: x.sql })));
    assert.ok(!r.unmatchedRace, `${s.id}: the server ran woken waiters in another order`);
  }
});

test("a waiting UPDATE at read committed sees one change of the other transaction and misses another, as the PostgreSQL documentation says", async () => {
  const steps = PARTIAL_VIEW.map((l) => ({ session: l.split(" ")[0]!, sql: l.slice(3) }));
  const { real } = await agrees(driver, "postgresql", "partial view", steps);
  assert.deepEqual(real.final, [[1, 12], [2, 21], [3, 30]]);
});

const LEVELS = [["read committed", 0], ["repeatable read", 0], ["serializable", 1000]] as const;
for (const [level, offset] of LEVELS) {
  test(`100 generated schedules at ${level} behave as on the real server`, async () => {
    let blocked = 0;
    let errors = 0;
    let retried = 0;
    let racy = 0;
    const unmatched: string[] = [];
    for (let seed = 1 + offset; seed <= 100 + offset; seed++) {
      const r = await agrees(driver, "postgresql", `${level} seed ${seed}`, generateSchedule(seed, level));
      // Serializable means it: whatever the model commits has no anomaly.
      if (level === "serializable") assert.deepEqual(r.ours.anomalies, [], `serializable seed ${seed}: the model committed ${r.ours.anomalies.join(", ")}`);
      blocked += r.real.steps.filter((s) => s.blocked).length;
      errors += r.real.steps.filter((s) => s.outcome === "error").length;
      if (r.retried) retried++;
      if (r.racy) racy++;
      if (r.unmatchedRace) unmatched.push(`seed ${seed}`);
    }
    console.log(`${level}: ${100 - unmatched.length} schedules agree, with ${blocked} blocked statements and ${errors} errors between them${retried ? `; ${retried} agreed on a later run on the server (${racy} where two waiters were woken together)` : ""}`);
    // A race between waiters woken together that PostgreSQL resolved the other way every time.
    if (unmatched.length) console.log(`${level}: waiters woken together ran in the other order on the server in every run: ${unmatched.join(", ")}`);
    assert.ok(unmatched.length <= 2, `too many unmatched wake-up races: ${unmatched.join(", ")}`);
    // The schedules must exercise waiting and failing, or agreeing would prove little.
    assert.ok(blocked >= 20 && errors >= 10, `too tame: ${blocked} blocked, ${errors} errors`);
  });
}
