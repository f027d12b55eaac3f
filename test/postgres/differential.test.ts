// Differential tests against a real PostgreSQL: the same schedules run on a throwaway server (one
// connection per session) and on our PostgreSQL model, and every step must agree: which
// statements wait, when each returns, the rows it returns or the error it raises, and the final
// table. Schedules: all of Hermitage's PostgreSQL ones, PostgreSQL's documented read-committed
// partial view, and 100 generated ones at each of read committed, repeatable read and serializable. The model takes SIREAD locks at PostgreSQL's
// granularity, so at serializable it also aborts exactly where PostgreSQL does.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { startPostgres } from "../../scripts/postgres.mjs";
import { play } from "../../src/sims/isolation/run";
import { analyze } from "../../src/sims/isolation/check";
import { parseStatements } from "../../src/sims/isolation/sql";
import { generateSchedule as generate, PARTIAL_VIEW, type ScheduleStep } from "../support/schedules";

type PStep = ScheduleStep;
interface StepOutcome {
  blocked: boolean;
  outcome: "ok" | "error";
  rows?: [number, number][];
  message?: string;
  during: number;
}
interface Observed {
  steps: StepOutcome[];
  final: [number, number][];
}

const DEADLOCK_TIMEOUT_MS = 20;
const INITIAL: [number, number][] = [[1, 10], [2, 20]];
let server: Awaited<ReturnType<typeof startPostgres>>;
let admin: pg.Client;

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const byId = (rows: [number, number][]) => rows.slice().sort((a, b) => a[0] - b[0]);

/** Run a schedule on the real server, step by step, telling blocked statements from slow ones. */
async function onPostgres(steps: readonly PStep[]): Promise<Observed> {
  await admin.query("drop table if exists test; create table test (id int primary key, value int); insert into test (id, value) values (1, 10), (2, 20);");
  const clients = new Map<string, { client: pg.Client; pid: number }>();
  const out: (StepOutcome | undefined)[] = steps.map(() => undefined);
  const pending: { step: number; session: string; settled: boolean; result?: pg.QueryResult | pg.QueryResult[]; error?: Error }[] = [];
  let current = 0;
  for (const [i, step] of steps.entries()) {
    current = i;
    let c = clients.get(step.session);
    if (!c) {
      const client = new pg.Client(server.connection);
      await client.connect();
      const pid = (await client.query("select pg_backend_pid() as pid")).rows[0].pid as number;
      clients.set(step.session, (c = { client, pid }));
    }
    const entry: (typeof pending)[number] = { step: i, session: step.session, settled: false };
    pending.push(entry);
    const queuedBehind = pending.some((p) => p !== entry && p.session === step.session && !p.settled);
    c.client.query(step.sql).then(
      (r) => Object.assign(entry, { settled: true, result: r }),
      (e: Error) => Object.assign(entry, { settled: true, error: e }),
    ).finally(() => {
      const last = Array.isArray(entry.result) ? entry.result[entry.result.length - 1] : entry.result;
      out[entry.step] = {
        blocked: out[entry.step]?.blocked ?? false,
        outcome: entry.error ? "error" : "ok",
        ...(entry.error ? { message: entry.error.message } : {}),
        ...(last?.command === "SELECT" ? { rows: byId(last.rows.map((r: { id: number; value: number }) => [r.id, r.value])) } : {}),
        during: current,
      };
    });
    // Wait until every outstanding statement has returned or is waiting for a lock, twice in a row.
    let blockedNow = false;
    for (let stable = 0, tries = 0; stable < 2 && tries < 300; tries++) {
      await sleep(8);
      const open = pending.filter((p) => !p.settled);
      if (open.length === 0) {
        stable++;
        continue;
      }
      const pids = [...new Set(open.map((p) => clients.get(p.session)!.pid))];
      const waits = await admin.query("select pid, wait_event_type from pg_stat_activity where pid = any($1)", [pids]);
      const locked = new Set(waits.rows.filter((r) => r.wait_event_type === "Lock").map((r) => r.pid as number));
      const allWaiting = open.every((p) => locked.has(clients.get(p.session)!.pid) || pending.some((q) => q !== p && q.session === p.session && !q.settled && q.step < p.step));
      stable = allWaiting ? stable + 1 : 0;
    }
    if (!entry.settled) {
      blockedNow = true;
      out[i] = { blocked: true, outcome: "ok", during: -1 };
      void queuedBehind;
    }
    // Give PostgreSQL's deadlock check (deadlock_timeout) time to run before the next step, as a
    // person typing would: the transaction whose wait closed the cycle is then the victim.
    if (blockedNow) {
      await sleep(DEADLOCK_TIMEOUT_MS * 6);
      for (let tries = 0; tries < 50 && pending.some((p) => p.settled && out[p.step]?.during === -1); tries++) await sleep(5);
    }
    await sleep(1);
  }
  for (const { client } of clients.values()) await client.end().catch(() => {});
  await sleep(20);
  const final = byId((await admin.query("select id, value from test")).rows.map((r) => [r.id, r.value]));
  return { steps: out.map((o, i) => o ?? { blocked: true, outcome: "error", message: "never returned", during: steps.length, step: i }), final };
}

/** The same schedule on our model, reduced to the same observations. */
function onModel(steps: readonly PStep[]): Observed & { anomalies: string[] } {
  const run = play("postgresql", "read committed", INITIAL, steps.map((s) => ({ session: s.session, sql: s.sql, statements: parseStatements(s.sql) })));
  const out = steps.map((_, i): StepOutcome => {
    const evs = run.events.filter((e) => e.step === i && e.kind !== "notice");
    const done = [...evs].reverse().find((e) => e.kind === "ok" || e.kind === "resumed" || e.kind === "error");
    return {
      blocked: evs.some((e) => e.kind === "blocked" || e.kind === "queued"),
      outcome: done?.kind === "error" ? "error" : "ok",
      ...(done?.kind === "error" ? { message: done.message! } : {}),
      ...(done?.rows ? { rows: byId(done.rows) } : {}),
      during: done ? done.during : steps.length,
    };
  });
  return { steps: out, final: run.finalRows, anomalies: [...analyze(run).anomalies] };
}

function compare(name: string, steps: readonly PStep[], real: Observed, ours: Observed): void {
  try {
    compareSteps(name, steps, real, ours);
  } catch (err) {
    const show = (o: StepOutcome | undefined) => (o ? `${o.blocked ? "blocked, " : ""}${o.outcome === "error" ? `error "${o.message}"` : o.rows ? JSON.stringify(o.rows) : "ok"} during ${o.during + 1}` : "?");
    const listing = steps.map((s, i) => `  ${i + 1}. ${s.session}: ${s.sql}\n       PostgreSQL: ${show(real.steps[i])}\n       model:      ${show(ours.steps[i])}`).join("\n");
    (err as Error).message += `\n${listing}\n  final: PostgreSQL ${JSON.stringify(real.final)}, model ${JSON.stringify(ours.final)}`;
    throw err;
  }
}

function compareSteps(name: string, steps: readonly PStep[], real: Observed, ours: Observed): void {
  steps.forEach((s, i) => {
    const a = real.steps[i]!;
    const b = ours.steps[i]!;
    const where = `${name}, step ${i + 1} (${s.session}: ${s.sql})`;
    assert.equal(b.blocked, a.blocked, `${where}: PostgreSQL ${a.blocked ? "blocked" : "did not block"}`);
    assert.equal(b.outcome, a.outcome, `${where}: PostgreSQL ${a.outcome === "error" ? `failed with "${a.message}"` : "succeeded"}, we ${b.outcome === "error" ? `failed with "${b.message}"` : "succeeded"}`);
    if (a.outcome === "error") assert.equal(b.message, a.message, `${where}: error text`);
    assert.deepEqual(b.rows, a.rows, `${where}: rows`);
    assert.equal(b.during, a.during, `${where}: returned during step ${a.during + 1} on PostgreSQL, ${b.during + 1} here`);
  });
  assert.deepEqual(ours.final, real.final, `${name}: final table`);
}

// Hermitage's PostgreSQL schedules (CC BY 4.0, Martin Kleppmann).
const oracle = JSON.parse(readFileSync(join(import.meta.dirname, "../oracles/hermitage/schedules.json"), "utf8")) as { databases: { postgresql: { schedules: { id: string; steps: { txn: string; sql: string }[] }[] } } };
test("every Hermitage PostgreSQL schedule behaves as on the real server", async () => {
  for (const s of oracle.databases.postgresql.schedules) {
    const steps = s.steps.map((x) => ({ session: x.txn, sql: x.sql }));
    compare(s.id, steps, await onPostgres(steps), onModel(steps));
  }
});

test("a waiting UPDATE at read committed sees one change of the other transaction and misses another, as the PostgreSQL documentation says", async () => {
  const steps = PARTIAL_VIEW.map((l) => ({ session: l.split(" ")[0]!, sql: l.slice(3) }));
  const real = await onPostgres(steps);
  compare("partial view", steps, real, onModel(steps));
  assert.deepEqual(real.final, [[1, 12], [2, 21], [3, 30]]);
});

/**
 * Run on the server and compare. A schedule that disagrees is run on the server once more before
 * the test fails: when a statement waits, PostgreSQL's deadlock check runs on a timer, and on a
 * loaded machine it can fire after the next step was typed. A model error fails twice.
 */
async function agrees(name: string, steps: readonly PStep[], ours: Observed): Promise<{ real: Observed; retried: boolean }> {
  const real = await onPostgres(steps);
  try {
    compare(name, steps, real, ours);
    return { real, retried: false };
  } catch {
    const again = await onPostgres(steps);
    compare(name, steps, again, ours);
    return { real: again, retried: true };
  }
}

const LEVELS = [["read committed", 0], ["repeatable read", 0], ["serializable", 1000]] as const;
for (const [level, offset] of LEVELS) {
  test(`100 generated schedules at ${level} behave as on the real server`, async () => {
    let blocked = 0;
    let errors = 0;
    let retried = 0;
    for (let seed = 1 + offset; seed <= 100 + offset; seed++) {
      const steps = generate(seed, level);
      const ours = onModel(steps);
      const r = await agrees(`${level} seed ${seed}`, steps, ours);
      // Serializable means it: whatever the model commits has no anomaly.
      if (level === "serializable") assert.deepEqual(ours.anomalies, [], `serializable seed ${seed}: the model committed ${ours.anomalies.join(", ")}`);
      blocked += r.real.steps.filter((s) => s.blocked).length;
      errors += r.real.steps.filter((s) => s.outcome === "error").length;
      if (r.retried) retried++;
    }
    console.log(`${level}: 100 schedules agree, with ${blocked} blocked statements and ${errors} errors between them${retried ? ` (${retried} after a second run on the server)` : ""}`);
    // The schedules must exercise waiting and failing, or agreeing would prove little.
    assert.ok(blocked >= 20 && errors >= 10, `too tame: ${blocked} blocked, ${errors} errors`);
  });
}
