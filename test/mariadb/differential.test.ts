// Differential tests of the MySQL/InnoDB model against a real InnoDB: Debian packages MariaDB,
// not MySQL, so this is MariaDB's InnoDB (docs/isolation.md lists where the two differ). Every
// Hermitage MySQL schedule, the schedules of PostgreSQL's eight behaviours (B1–B8) in MySQL's
// words, and generated schedules at all four levels run on a throwaway server and on the model,
// and every step must agree, as in the PostgreSQL tier. Schedules run in parallel, each worker in
// a database of its own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { startMariadb } from "../../scripts/mariadb.mjs";
import { generateSchedule } from "../support/schedules";
import { agrees, type Driver } from "../support/differential";
import { assertFacts, REGRESSIONS, type Regression } from "../support/regressions";

/** Schedules run at once, each in its own database. */
const WORKERS = Number(process.env.DSNB_MARIADB_WORKERS ?? 4);
const GENERATED = 100;
let server: Awaited<ReturnType<typeof startMariadb>>;
let root: mysql.Connection;
const admins: mysql.Connection[] = [];
const drivers: Driver[] = [];

const driverFor = (database: string, admin: mysql.Connection): Driver => ({
  reset: async () => {
    await admin.query("drop table if exists test");
    await admin.query("create table test (id int primary key, value int) engine=innodb");
    await admin.query("insert into test (id, value) values (1, 10), (2, 20)");
  },
  open: async (level) => {
    const conn = await mysql.createConnection({ ...server.connection, database });
    if (level) await conn.query(`set session transaction isolation level ${level}`);
    const [rows] = await conn.query("select connection_id() as id");
    const id = (rows as { id: number }[])[0]!.id;
    return {
      id,
      query: async (sql) => {
        // One statement at a time (the lab's SQL has no string literals, so ";" only separates);
        // the last statement's rows are the answer.
        let answer: { rows?: [number, number][] } = {};
        for (const part of sql
          .split(";")
          .map((x) => x.trim())
          .filter(Boolean)) {
          // MariaDB 10.11 spells MySQL 8's FOR SHARE the older way; the two mean the same.
          const [result] = await conn.query(part.replace(/\bfor share\b/i, "lock in share mode"));
          answer = Array.isArray(result) ? { rows: (result as { id: number; value: number }[]).map((r) => [r.id, r.value] as [number, number]) } : {};
        }
        return answer;
      },
      // A session still waiting for a lock would hold its locks until the wait times out (50 s),
      // and the next schedule's DROP TABLE would wait for it: end it on the server at once.
      close: async () => {
        await admin.query(`kill ${id}`).catch(() => {});
        conn.destroy();
      },
    };
  },
  waiting: async (ids) => {
    const [rows] = await admin.query("select trx_mysql_thread_id as id from information_schema.innodb_trx where trx_state = 'LOCK WAIT'");
    const found = new Set((rows as { id: number }[]).map((r) => Number(r.id)));
    // INFORMATION_SCHEMA.INNODB_TRX sometimes shows a transaction whose statement waits for a
    // record lock as RUNNING for seconds; InnoDB's own status report lists it under LOCK WAIT.
    const [status] = await admin.query("show engine innodb status");
    for (const block of String((status as { Status: string }[])[0]!.Status)
      .split("---TRANSACTION")
      .slice(1)) {
      const thread = /MariaDB thread id (\d+)/.exec(block)?.[1];
      if (thread && /^LOCK WAIT/m.test(block)) found.add(Number(thread));
    }
    return new Set(ids.filter((id) => found.has(id)));
  },
  finalRows: async () => {
    const [rows] = await admin.query("select id, value from test");
    return (rows as { id: number; value: number }[]).map((r) => [r.id, r.value] as [number, number]);
  },
  // InnoDB looks for deadlocks when a lock is requested: nothing runs on a timer.
  afterBlockMs: 30,
});

/** The model's texts are MySQL's; MariaDB prints the same ones. */
const sameError = (ours: string, theirs: string) => theirs === ours;

before(async () => {
  server = await startMariadb();
  root = await mysql.createConnection(server.connection);
  for (let i = 0; i < WORKERS; i++) {
    const database = `dsnb_${i}`;
    await root.query(`create database ${database}`);
    const admin = await mysql.createConnection({ ...server.connection, database });
    admins.push(admin);
    drivers.push(driverFor(database, admin));
  }
  console.log(`differential tests against ${server.version}, ${WORKERS} schedules at a time`);
});
after(async () => {
  for (const a of [...admins, root]) await a?.end().catch(() => {});
  server?.stop();
});

/** Run `job` on every item with one driver per worker; results in the items' order. */
async function inParallel<T, R>(items: readonly T[], job: (driver: Driver, item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    drivers.map(async (driver) => {
      while (next < items.length) {
        const i = next++;
        out[i] = await job(driver, items[i]!);
      }
    }),
  );
  return out;
}

const oracle = JSON.parse(readFileSync(join(import.meta.dirname, "../oracles/hermitage/schedules.json"), "utf8")) as {
  databases: { mysql: { schedules: { id: string; steps: { txn: string; sql: string }[] }[] } };
};
test("every Hermitage MySQL schedule behaves on MariaDB's InnoDB as the model says", async () => {
  const schedules = oracle.databases.mysql.schedules;
  const results = await inParallel(schedules, (d, s) =>
    agrees(
      d,
      "mysql",
      s.id,
      s.steps.map((x) => ({ session: x.txn, sql: x.sql })),
      sameError,
    ),
  );
  results.forEach((r, i) => assert.ok(!r.unmatchedRace, `${schedules[i]!.id}: the server ran woken waiters in another order`));
});

/**
 * What InnoDB does with the schedules of B1 and B3, which PostgreSQL's tuples make special. InnoDB
 * keeps one clustered-index record per key: a waiting UPDATE reads the key's newest committed row,
 * the re-inserted one included (B1), and an insert's duplicate check locks the key's record, so it
 * waits for a running statement that deleted or changed it (B3).
 */
const INNODB: Record<string, Pick<Regression, "facts" | "final">> = {
  B1: {
    facts: [{ step: 5, blocked: true, returnsAt: 6 }],
    final: [
      [1, 41],
      [2, 20],
    ],
  },
  "B1 (two transactions)": {
    facts: [
      { step: 4, blocked: true, returnsAt: 7 },
      { step: 6, blocked: true, returnsAt: 9 },
    ],
    final: [
      [1, 40],
      [2, 20],
    ],
  },
  B3: {
    facts: [
      { step: 4, blocked: true, returnsAt: 7 },
      { step: 6, blocked: true, returnsAt: 8 },
    ],
    final: [[1, 99]],
  },
  // InnoDB finds the deadlock when the lock is requested: the insert fails before it is seen to wait.
  "B3 (deadlock)": {
    facts: [
      { step: 4, blocked: true, returnsAt: 5 },
      { step: 5, blocked: false, error: "Deadlock found", returnsAt: 5 },
    ],
    final: [
      [1, 11],
      [2, 21],
    ],
  },
};
for (const r of REGRESSIONS) {
  test(`${r.id} in MySQL's words behaves on MariaDB's InnoDB as the model says`, async () => {
    // MySQL sets the level for the session, before the transaction.
    const steps = r.steps.map((s) => ({
      ...s,
      sql: s.sql.replace(/^begin; set transaction isolation level (.*)$/, "set session transaction isolation level $1; begin"),
    }));
    const { real, ours } = await agrees(drivers[0]!, "mysql", r.id, steps, sameError);
    const innodb = INNODB[r.id];
    if (innodb) {
      assertFacts({ ...r, ...innodb }, real, "MariaDB");
      assertFacts({ ...r, ...innodb }, ours, "the MySQL model");
    }
  });
}

// Generated schedules: the model is MySQL's InnoDB and the server is MariaDB's, which differ in
// two places our schedules reach (docs/isolation.md): MariaDB 10.6 chose deadlock victims
// differently, and its purge removes a committed delete at once when no read view needs it,
// which lets statements waiting on that row go on (and moves its locks to the next record). Add
// the wake-up races of sessions woken by one commit, and 95% must agree step by step; every
// difference is printed.
for (const level of ["read uncommitted", "read committed", "repeatable read", "serializable"] as const) {
  test(`generated schedules at ${level}: most behave on MariaDB's InnoDB as the model says`, async () => {
    let blocked = 0;
    let agree = 0;
    const total = GENERATED;
    const differences: string[] = [];
    await inParallel(
      Array.from({ length: total }, (_, i) => i + 1),
      async (driver, seed) => {
        try {
          const r = await agrees(driver, "mysql", `${level} seed ${seed}`, generateSchedule(seed, level, "mysql"), sameError, level);
          blocked += r.real.steps.filter((s) => s.blocked).length;
          if (r.unmatchedRace) differences.push(`${level} seed ${seed}: waiters woken together ran in the other order`);
          else agree++;
        } catch (err) {
          differences.push((err as Error).message.split("\n")[0]!);
        }
      },
    );
    console.log(
      `${level}: ${agree} of ${total} schedules agree step by step (${blocked} blocked statements between them)${differences.length ? `; the others differ first at:\n  ${differences.join("\n  ")}` : ""}`,
    );
    assert.ok(blocked >= 100, `too tame: ${blocked} blocked`);
    assert.ok(agree >= total * 0.95, `only ${agree} of ${total} agree`);
  });
}
