// Differential testing of the isolation lab against a real database server: play a schedule on
// the server (one connection per session) and on our model, and reduce both to the same
// observations per step: did the statement wait, when did it return, what rows or error did it
// give; and the final table. A driver adapts one database (PostgreSQL, MariaDB).
import assert from "node:assert/strict";
import { DEFAULT_LEVEL, type Engine } from "../../src/sims/isolation/scenario";
import { analyze } from "../../src/sims/isolation/check";
import { play } from "../../src/sims/isolation/model/run";
import { parseStatements, type Level } from "../../src/sims/isolation/model/sql";
import type { ScheduleStep } from "./schedules";

export interface StepOutcome {
  readonly blocked: boolean;
  readonly outcome: "ok" | "error";
  readonly rows?: [number, number][];
  readonly message?: string;
  /** Index of the step during which the statement returned. */
  readonly during: number;
}

export interface Observed {
  readonly steps: readonly StepOutcome[];
  readonly final: [number, number][];
}

export interface ServerSession {
  /** The server's id for this connection, as its lock-wait view reports it. */
  readonly id: number;
  /** Run SQL; resolves with the rows of the last statement when it was a select. */
  query(sql: string): Promise<{ rows?: [number, number][] }>;
  close(): Promise<void>;
}

export interface Driver {
  /** Recreate test(id, value) with the rows (1, 10) and (2, 20). */
  reset(): Promise<void>;
  /** A new connection; with `level`, the isolation level of its transactions, autocommit statements included. */
  open(level?: Level): Promise<ServerSession>;
  /** Which of these connections are waiting for a lock right now. */
  waiting(ids: readonly number[]): Promise<Set<number>>;
  finalRows(): Promise<[number, number][]>;
  /** How long to leave a blocked statement before the next step, for deadlock checks on a timer. */
  readonly afterBlockMs: number;
  /**
   * An error the server raises only in a statement that has waited (PostgreSQL checks for a
   * deadlock after deadlock_timeout): such a statement blocked even when it failed before the
   * polling below saw it wait twice.
   */
  readonly onlyAfterWaiting?: (message: string) => boolean;
}

export const INITIAL: [number, number][] = [
  [1, 10],
  [2, 20],
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const byId = (rows: [number, number][]) => rows.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);

/** Run a schedule on the real server, step by step, telling blocked statements from slow ones. */
export async function onServer(driver: Driver, steps: readonly ScheduleStep[], level?: Level): Promise<Observed> {
  await driver.reset();
  const sessions = new Map<string, ServerSession>();
  const out: (StepOutcome | undefined)[] = steps.map(() => undefined);
  const pending: { step: number; session: string; settled: boolean }[] = [];
  let current = 0;
  for (const [i, step] of steps.entries()) {
    current = i;
    let c = sessions.get(step.session);
    if (!c) sessions.set(step.session, (c = await driver.open(level)));
    const entry = { step: i, session: step.session, settled: false };
    pending.push(entry);
    const finish = (o: Omit<StepOutcome, "blocked" | "during">) => {
      entry.settled = true;
      const waited = o.outcome === "error" && (driver.onlyAfterWaiting?.(o.message!) ?? false);
      out[entry.step] = { ...o, blocked: out[entry.step]?.blocked ?? waited, during: current };
    };
    c.query(step.sql).then(
      (r) => finish({ outcome: "ok", ...(r.rows ? { rows: byId(r.rows) } : {}) }),
      (e: Error) => finish({ outcome: "error", message: e.message }),
    );
    // Wait until every outstanding statement has returned or is waiting for a lock (or queued
    // behind its session's waiting statement), twice in a row.
    for (let stable = 0, tries = 0; stable < 2 && tries < 300; tries++) {
      await sleep(8);
      const open = pending.filter((p) => !p.settled);
      if (open.length === 0) {
        stable++;
        continue;
      }
      const locked = await driver.waiting([...new Set(open.map((p) => sessions.get(p.session)!.id))]);
      const allWaiting = open.every(
        (p) => locked.has(sessions.get(p.session)!.id) || pending.some((q) => q !== p && q.session === p.session && !q.settled && q.step < p.step),
      );
      stable = allWaiting ? stable + 1 : 0;
    }
    // Waiters this step woke that at once wait again have deadlock checks of their own to come.
    const wokeWaiters = pending.some((p) => p !== entry && p.settled && out[p.step]?.during === i) && pending.some((p) => p !== entry && !p.settled);
    if (!entry.settled || wokeWaiters) {
      if (!entry.settled) out[i] = { blocked: true, outcome: "ok", during: -1 };
      // Leave time for a deadlock check on a timer to run before the next step, as a person
      // typing would: the transaction whose wait closed the cycle is then the victim, unless
      // another member fell asleep earlier in the same step.
      await sleep(driver.afterBlockMs);
      for (let tries = 0; tries < 50 && pending.some((p) => p.settled && out[p.step]?.during === -1); tries++) await sleep(5);
    }
    await sleep(1);
  }
  for (const s of sessions.values()) await s.close().catch(() => {});
  await sleep(20);
  const final = byId(await driver.finalRows());
  return { steps: out.map((o) => o ?? { blocked: true, outcome: "error", message: "never returned", during: steps.length }), final };
}

/** The same schedule on our model, reduced to the same observations. */
export function onModel(
  engine: Engine,
  steps: readonly ScheduleStep[],
  level: Level = DEFAULT_LEVEL[engine],
): Observed & { anomalies: string[]; wokenTogether: boolean } {
  const run = play(
    engine,
    level,
    INITIAL,
    steps.map((s) => ({ session: s.session, sql: s.sql, statements: parseStatements(s.sql) })),
  );
  const out = steps.map((_, i): StepOutcome => {
    const evs = run.events.filter((e) => e.step === i);
    // A notice ("there is no transaction in progress") is a statement that returned without error.
    const done = [...evs].reverse().find((e) => e.kind === "ok" || e.kind === "resumed" || e.kind === "error" || (e.kind === "notice" && e.step >= 0));
    return {
      blocked: evs.some((e) => e.kind === "blocked" || e.kind === "queued"),
      outcome: done?.kind === "error" ? "error" : "ok",
      ...(done?.kind === "error" ? { message: done.message! } : {}),
      ...(done?.rows ? { rows: byId(done.rows) } : {}),
      during: done ? done.during : steps.length,
    };
  });
  return { steps: out, final: run.finalRows, anomalies: [...analyze(run).anomalies], wokenTogether: run.wokenTogether.length > 0 };
}

/** Every step and the final table must agree; the message lists the whole schedule side by side. */
export function compare(
  name: string,
  steps: readonly ScheduleStep[],
  real: Observed,
  ours: Observed,
  sameError: (ours: string, theirs: string) => boolean = (a, b) => a === b,
): void {
  try {
    steps.forEach((s, i) => {
      const a = real.steps[i]!;
      const b = ours.steps[i]!;
      const where = `${name}, step ${i + 1} (${s.session}: ${s.sql})`;
      assert.equal(b.blocked, a.blocked, `${where}: the server ${a.blocked ? "blocked" : "did not block"}`);
      assert.equal(
        b.outcome,
        a.outcome,
        `${where}: the server ${a.outcome === "error" ? `failed with "${a.message}"` : "succeeded"}, we ${b.outcome === "error" ? `failed with "${b.message}"` : "succeeded"}`,
      );
      if (a.outcome === "error") assert.ok(sameError(b.message!, a.message!), `${where}: error text: server "${a.message}", model "${b.message}"`);
      assert.deepEqual(b.rows, a.rows, `${where}: rows`);
      assert.equal(b.during, a.during, `${where}: returned during step ${a.during + 1} on the server, ${b.during + 1} here`);
    });
    assert.deepEqual(ours.final, real.final, `${name}: final table`);
  } catch (err) {
    const show = (o: StepOutcome | undefined) =>
      o
        ? `${o.blocked ? "blocked, " : ""}${o.outcome === "error" ? `error "${o.message}"` : o.rows ? JSON.stringify(o.rows) : "ok"} during ${o.during + 1}`
        : "?";
    const listing = steps
      .map((s, i) => `  ${i + 1}. ${s.session}: ${s.sql}\n       server: ${show(real.steps[i])}\n       model:  ${show(ours.steps[i])}`)
      .join("\n");
    (err as Error).message += `\n${listing}\n  final: server ${JSON.stringify(real.final)}, model ${JSON.stringify(ours.final)}`;
    throw err;
  }
}

/** Blocked statements of different sessions that returned during the same step: woken together. */
function wokenTogether(steps: readonly ScheduleStep[], o: Observed): boolean {
  const byStep = new Map<number, Set<string>>();
  o.steps.forEach((x, i) => {
    if (!x.blocked) return;
    const set = byStep.get(x.during) ?? new Set<string>();
    set.add(steps[i]!.session);
    byStep.set(x.during, set);
  });
  return [...byStep.values()].some((sessions) => sessions.size > 1);
}

/**
 * Run on the server and compare. A schedule that disagrees is run on the server again: once when
 * nothing in it is left to chance (a deadlock check on a timer can fire late on a loaded machine),
 * up to five times when two waiting sessions were woken by the same step, because which of them
 * the operating system runs first is a race inside the server, and the model's order (the one that
 * waited first goes first) must then be one the server shows. It never passes on a mismatch the
 * server repeats every time.
 */
export async function agrees(
  driver: Driver,
  engine: Engine,
  name: string,
  steps: readonly ScheduleStep[],
  sameError?: (ours: string, theirs: string) => boolean,
  level?: Level,
): Promise<{ real: Observed; ours: Observed & { anomalies: string[]; wokenTogether: boolean }; retried: boolean; racy: boolean; unmatchedRace: boolean }> {
  const ours = onModel(engine, steps, level);
  const real = await onServer(driver, steps, level);
  try {
    compare(name, steps, real, ours, sameError);
    return { real, ours, retried: false, racy: false, unmatchedRace: false };
  } catch (first) {
    // Woken together as the server showed it, or as the model did (when the server let the
    // other one go first, that one may have finished before the first even woke).
    const racy = wokenTogether(steps, real) || ours.wokenTogether;
    for (let attempt = 0; attempt < (racy ? 5 : 1); attempt++) {
      const again = await onServer(driver, steps, level);
      try {
        compare(name, steps, again, ours, sameError);
        return { real: again, ours, retried: true, racy, unmatchedRace: false };
      } catch {
        /* try again, or report the first mismatch below */
      }
    }
    // Waiters woken together whose order the server never showed the model's way in six runs:
    // reported to the caller, which bounds how many such races it accepts.
    if (racy) return { real, ours, retried: true, racy, unmatchedRace: true };
    throw first;
  }
}
