// B's attempts at a lease lock that A took on a real Redis, judged by the boundary rule of the redis
// tier (docs/testing.md) and against the lock simulator's model run on the same schedule. Redis
// expires A's key on its own clock, ttl after it ran A's SET: between ttl after the test sent that
// SET and ttl after the reply came. B's attempts that Redis answered more than MARGIN_MS before that
// span must be refused, those sent more than MARGIN_MS after it granted; attempts inside the margin
// are left out and counted. The model (single instance, no latency) must decide every other attempt
// as Redis did, unless it was sent late or scheduled within the margin of the lease's end.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { simulate, type LockResult } from "../../src/sims/lock/model";
import { resolve, type Options } from "../../src/sims/lock/scenario";
import type { ResolveContext } from "../../src/sims/types";

export const MARGIN_MS = 20;

const ctx: ResolveContext = {
  at: () => undefined,
  fail: () => {
    throw new Error("invalid options");
  },
};

/** The lock model on one instance with no latency: the options given, the schema's defaults otherwise. */
export function lockModel(o: Partial<Options>): LockResult {
  const base: Options = {
    mode: "single",
    fencing: false,
    pauseMs: 0,
    ttlMs: 1000,
    renewal: false,
    workMs: 50,
    secondStartMs: 100,
    retryMs: 200,
    maxAttempts: 200,
    latencyMs: 0,
    timeoutMs: 50,
    instances: 5,
    driftPercent: [],
    driftFactor: 0.01,
    unreachableFromA: [],
  };
  return simulate(resolve({ ...base, ...o }, ctx));
}

/** B's attempts in the model, in order, up to and with its first OK. */
export function modelAttempts(run: LockResult): { atMs: number; ok: boolean }[] {
  return run.events.filter((e) => e.actor === "B" && e.kind === "set").map((e) => ({ atMs: e.atMs, ok: / → OK$/.test(e.text) }));
}

export interface Attempt {
  /** When B sent it, when the reply came and when it was due, in ms after A's SET was sent. */
  readonly sentMs: number;
  readonly repliedMs: number;
  readonly scheduledMs: number;
  readonly ok: boolean;
}

/** Resolves once performance.now() has reached atMs (a timer alone may fire a fraction of a ms early). */
export async function sleepUntil(atMs: number): Promise<void> {
  while (performance.now() < atMs) await sleep(Math.max(1, atMs - performance.now()));
}

/** B's attempts from startMs every pollMs after t0 (performance.now()), until `stop` says so after one. */
export async function attemptEvery(
  t0: number,
  startMs: number,
  pollMs: number,
  attempt: () => Promise<boolean>,
  stop: (x: Attempt) => boolean | Promise<boolean>,
): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  for (let k = 0; ; k++) {
    const scheduledMs = startMs + k * pollMs;
    await sleepUntil(t0 + scheduledMs);
    const sentMs = performance.now() - t0;
    const ok = await attempt();
    const x = { sentMs, repliedMs: performance.now() - t0, scheduledMs, ok };
    attempts.push(x);
    if (await stop(x)) return attempts;
  }
}

export interface Schedule {
  readonly ttlMs: number;
  readonly pollMs: number;
  readonly startMs: number;
  /** How long A's SET took to answer: Redis ran it somewhere in that span. */
  readonly setRttMs: number;
}

/** Holds B's attempts to the lease's end and to the model's attempts; returns what was compared. */
export function judgeAttempts(attempts: readonly Attempt[], s: Schedule, model: readonly { ok: boolean }[]) {
  const where = `ttl ${s.ttlMs}`;
  const [endLo, endHi] = [s.ttlMs, s.ttlMs + s.setRttMs];
  const near = (x: Attempt) => x.repliedMs > endLo - MARGIN_MS && x.sentMs < endHi + MARGIN_MS;
  let compared = 0;
  let leftOut = 0;
  let late = 0;
  for (const [k, x] of attempts.entries()) {
    if (near(x)) {
      leftOut++;
      continue;
    }
    const before = x.repliedMs <= endLo - MARGIN_MS;
    assert.equal(
      x.ok,
      !before,
      `${where}: B's attempt ${k + 1} (${x.sentMs.toFixed(1)}–${x.repliedMs.toFixed(1)} ms) ${x.ok ? "got" : "did not get"} the lock`,
    );
    // The model tries at the scheduled times: an attempt sent late (a busy machine) may fall on the other side.
    if (x.sentMs - x.scheduledMs > MARGIN_MS || Math.abs(x.scheduledMs - s.ttlMs) < MARGIN_MS) {
      late++;
      continue;
    }
    // The model's B stops at its first OK; the key was free from then on (its attempts after that are OK).
    const modelOk = model[k]?.ok ?? true;
    assert.equal(modelOk, x.ok, `${where}: the model's attempt ${k + 1} at ${x.scheduledMs} ms says ${modelOk ? "OK" : "nil"}`);
    compared++;
  }
  const firstOk = attempts.findIndex((x) => x.ok);
  assert.ok(firstOk >= 0, `${where}: B never got the lock`);
  const got = attempts[firstOk]!;
  assert.ok(
    attempts.slice(firstOk).every((x) => x.ok),
    `${where}: a free key refused B`,
  );
  // When and at which attempt B got the lock, unless that attempt went out late (a stalled machine
  // skips the attempts due meanwhile; it is counted in `late` above).
  if (got.sentMs - got.scheduledMs <= MARGIN_MS) {
    assert.ok(got.sentMs < endHi + MARGIN_MS + s.pollMs, `${where}: B got the lock at ${got.sentMs.toFixed(1)} ms, later than the first try after the lease`);
    const firstModelOk = model.findIndex((m) => m.ok);
    assert.ok(
      Math.abs(firstModelOk - firstOk) <= leftOut + late,
      `${where}: the model's B got the lock at attempt ${firstModelOk + 1}, Redis's at ${firstOk + 1}`,
    );
  }
  return { compared, leftOut, late, got };
}
