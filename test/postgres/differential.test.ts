// Differential tests against a real PostgreSQL: the same schedules run on a throwaway server (one
// connection per session) and on our PostgreSQL model, and every step must agree: which
// statements wait, when each returns, the rows it returns or the error it raises, and the final
// table. Schedules: all of Hermitage's PostgreSQL ones, PostgreSQL's documented read-committed
// partial view, the eight behaviours the model once got wrong (B1–B8, test/support/regressions.ts),
// and 300 generated ones at each of read committed, repeatable read and serializable. The model
// takes SIREAD locks at PostgreSQL's granularity, so at serializable it also aborts exactly where
// PostgreSQL does. Schedules run in parallel, each worker in a database of its own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { startPostgres } from "../../scripts/postgres.mjs";
import { generateSchedule, PARTIAL_VIEW, type ScheduleStep } from "../support/schedules";
import { agrees, onModel, type Driver } from "../support/differential";
import { assertFacts, REGRESSIONS } from "../support/regressions";

const DEADLOCK_TIMEOUT_MS = 20;
/** Schedules run at once, each in its own database; most of a schedule's time is spent waiting. */
const WORKERS = Number(process.env.DSNB_PG_WORKERS ?? 4);
const GENERATED = 300;
let server: Awaited<ReturnType<typeof startPostgres>>;
const clients: pg.Client[] = [];
const drivers: Driver[] = [];

function driverFor(database: string, admin: pg.Client): Driver {
  return {
    reset: async () =>
      void (await admin.query(
        "drop table if exists test; create table test (id int primary key, value int); insert into test (id, value) values (1, 10), (2, 20);",
      )),
    open: async (level) => {
      const client = new pg.Client({ ...server.connection, database });
      await client.connect();
      if (level) await client.query(`set session characteristics as transaction isolation level ${level}`);
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
    // A backend whose lock was just granted still shows its lock wait until it runs again; with
    // nobody left blocking it, it is awake, not waiting.
    waiting: async (ids) =>
      new Set(
        (
          await admin.query("select pid from pg_stat_activity where pid = any($1) and wait_event_type = 'Lock' and cardinality(pg_blocking_pids(pid)) > 0", [
            ids,
          ])
        ).rows.map((r) => r.pid as number),
      ),
    finalRows: async () => (await admin.query("select id, value from test")).rows.map((r) => [r.id, r.value] as [number, number]),
    afterBlockMs: DEADLOCK_TIMEOUT_MS * 6,
    onlyAfterWaiting: (message) => message === "deadlock detected",
  };
}

before(async () => {
  server = await startPostgres({ deadlock_timeout: `${DEADLOCK_TIMEOUT_MS}ms` });
  const root = new pg.Client(server.connection);
  await root.connect();
  for (let i = 0; i < WORKERS; i++) {
    const database = `dsnb_${i}`;
    await root.query(`create database ${database}`);
    const admin = new pg.Client({ ...server.connection, database });
    await admin.connect();
    clients.push(admin);
    drivers.push(driverFor(database, admin));
  }
  await root.end();
  console.log(`differential tests against ${server.version}, ${WORKERS} schedules at a time`);
});
after(async () => {
  for (const c of clients) await c.end().catch(() => {});
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

// Hermitage's PostgreSQL schedules (CC BY 4.0, Martin Kleppmann).
const oracle = JSON.parse(readFileSync(join(import.meta.dirname, "../oracles/hermitage/schedules.json"), "utf8")) as {
  databases: { postgresql: { schedules: { id: string; steps: { txn: string; sql: string }[] }[] } };
};
test("every Hermitage PostgreSQL schedule behaves as on the real server", async () => {
  const results = await inParallel(oracle.databases.postgresql.schedules, (d, s) =>
    agrees(
      d,
      "postgresql",
      s.id,
      s.steps.map((x) => ({ session: x.txn, sql: x.sql })),
    ),
  );
  results.forEach((r, i) => assert.ok(!r.unmatchedRace, `${oracle.databases.postgresql.schedules[i]!.id}: the server ran woken waiters in another order`));
});

test("a waiting UPDATE at read committed sees one change of the other transaction and misses another, as the PostgreSQL documentation says", async () => {
  const steps = PARTIAL_VIEW.map((l) => ({ session: l.split(" ")[0]!, sql: l.slice(3) }));
  const { real } = await agrees(drivers[0]!, "postgresql", "partial view", steps);
  assert.deepEqual(real.final, [
    [1, 12],
    [2, 21],
    [3, 30],
  ]);
});

for (const r of REGRESSIONS) {
  test(`${r.id}: ${r.title}, on the server and in the model`, async () => {
    const { real, ours } = await agrees(drivers[0]!, "postgresql", r.id, r.steps);
    assertFacts(r, real, "the server");
    assertFacts(r, ours, "the model");
  });
}

interface Tally {
  agree: number;
  retried: number;
  racy: number;
  unmatchedRaces: string[];
  differences: string[];
  blocked: number;
  errors: number;
}

async function runGenerated(level: "read committed" | "repeatable read" | "serializable", seeds: readonly number[]): Promise<Tally> {
  const tally: Tally = { agree: 0, retried: 0, racy: 0, unmatchedRaces: [], differences: [], blocked: 0, errors: 0 };
  await inParallel(seeds, async (driver, seed) => {
    const steps: ScheduleStep[] = generateSchedule(seed, level);
    try {
      // Autocommit statements run at the schedule's level too, as every session of a cell with `level:` does.
      const r = await agrees(driver, "postgresql", `${level} seed ${seed}`, steps, undefined, level);
      // Serializable means it: whatever the model commits has no anomaly.
      if (level === "serializable") assert.deepEqual(r.ours.anomalies, [], `serializable seed ${seed}: the model committed ${r.ours.anomalies.join(", ")}`);
      tally.blocked += r.real.steps.filter((s) => s.blocked).length;
      tally.errors += r.real.steps.filter((s) => s.outcome === "error").length;
      if (r.retried) tally.retried++;
      if (r.racy) tally.racy++;
      if (r.unmatchedRace) tally.unmatchedRaces.push(`seed ${seed}`);
      else tally.agree++;
    } catch (err) {
      tally.differences.push((err as Error).message);
    }
  });
  return tally;
}

const LEVELS = [
  ["read committed", 0],
  ["repeatable read", 0],
  ["serializable", 1000],
] as const;
for (const [level, offset] of LEVELS) {
  test(`${GENERATED} generated schedules at ${level} behave as on the real server`, async () => {
    const seeds = Array.from({ length: GENERATED }, (_, i) => offset + i + 1);
    const t = await runGenerated(level, seeds);
    console.log(
      `${level}: ${t.agree} of ${GENERATED} schedules agree step by step, with ${t.blocked} blocked statements and ${t.errors} errors between them${t.retried ? `; ${t.retried} agreed on a later run on the server (${t.racy} where two waiters were woken together)` : ""}`,
    );
    // A race between waiters woken together that PostgreSQL resolved the other way every time.
    if (t.unmatchedRaces.length)
      console.log(`${level}: waiters woken together ran in the other order on the server in every run: ${t.unmatchedRaces.join(", ")}`);
    for (const d of t.differences) console.log(`${level}: ${d}\n`);
    assert.deepEqual(
      t.differences.map((d) => d.split("\n")[0]),
      [],
      "schedules where the model and the server differ",
    );
    // At least 99.5% agree; the rest may only be wake-up races the server resolved the other way.
    assert.ok(t.agree >= GENERATED * 0.995, `only ${t.agree} of ${GENERATED} agree: ${t.unmatchedRaces.join(", ")}`);
    // The schedules must exercise waiting and failing, or agreeing would prove little.
    assert.ok(t.blocked >= 100 && t.errors >= 50, `too tame: ${t.blocked} blocked, ${t.errors} errors`);
  });
}

test("the generated schedules contain the statement forms the eight behaviours need", () => {
  const all = LEVELS.flatMap(([level, offset]) => Array.from({ length: GENERATED }, (_, i) => generateSchedule(offset + i + 1, level)));
  const count = (f: (s: ScheduleStep[]) => boolean) => all.filter(f).length;
  const has = (re: RegExp) => (s: ScheduleStep[]) => s.some((x) => re.test(x.sql));
  const forms: Record<string, number> = {
    "a delete then an insert of the same key": count((s) =>
      s.some((d, i) => {
        const k = /^delete from test where id = (\d+)$/.exec(d.sql)?.[1];
        return k !== undefined && s.slice(i + 1).some((x) => x.sql.startsWith(`insert into test (id, value) values (${k},`));
      }),
    ),
    "id = N and value > K": count(has(/where id = \d+ and value > \d+/)),
    "id = 1 or id = 2": count(has(/where id = \d+ or id = \d+/)),
    "id < N / id <= N": count(has(/where id <=? \d+/)),
    "id in (…)": count(has(/where id in \(/)),
    "three sessions": count((s) => new Set(s.map((x) => x.session)).size === 3),
    "a whole-table update after an earlier update": count((s) =>
      s.some((x, i) => /^update test set value = value \+ \d+$/.test(x.sql) && s.slice(0, i).some((y) => y.sql.startsWith("update"))),
    ),
    "for update / for share": count(has(/for (update|share)$/)),
    "autocommit statements": count((s) =>
      s.some((x) => !/^(begin|commit|rollback)/.test(x.sql) && !s.some((y) => y.session === x.session && y.sql.startsWith("begin"))),
    ),
  };
  // Inserts of a key that exists, while another session's statement waits, need the model run to see.
  forms["a duplicate-key insert while another statement waits"] = all.filter((s) => {
    const o = onModel("postgresql", s);
    return s.some((_, i) => o.steps[i]!.message?.startsWith("duplicate key") && o.steps.some((y, j) => j < i && y.blocked && y.during > i));
  }).length;
  console.log(
    `in ${all.length} generated schedules: ${Object.entries(forms)
      .map(([k, n]) => `${k} ${n}`)
      .join("; ")}`,
  );
  for (const [form, n] of Object.entries(forms)) assert.ok(n >= 20, `${form}: only ${n}`);
});
