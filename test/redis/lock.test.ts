// The lock simulator's single-instance lease against a real Redis (scripts/redis.mjs): client A
// takes the lock with SET key token NX PX ttl, client B (another connection) tries the same SET
// every few milliseconds, and the test records when B gets it. Redis expires the key on its own
// clock, ttl after it ran A's SET, somewhere between the moment the test sent that SET and the
// moment the reply came back. B's attempts that Redis ran more than MARGIN_MS before that span
// must be refused, and those more than MARGIN_MS after it must succeed (B gives each lock it gets
// back at once and keeps trying a few times); attempts inside the margin are left out and counted. Then the simulator's model is run on the same schedule
// (single instance, no latency, A holding well past the lease) and must decide every attempt that
// was not left out as Redis did. A second test releases with the compare-and-delete script: A's
// stale token is refused once B holds the lock, as the model says.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { startRedis, type Redis, type RedisConnection } from "../../scripts/redis.mjs";
import { simulate } from "../../src/sims/lock/model";
import { resolve, type Options } from "../../src/sims/lock/scenario";
import type { ResolveContext } from "../../src/sims/types";

const MARGIN_MS = 20;
/** B's attempts kept after the lease's end (and the margin), each given back at once. */
const AFTER = 4;
const RELEASE = 'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end';

/** Leases and how often B tries: B starts at startMs after A's SET was sent. */
const ROUNDS = [
  { ttlMs: 200, pollMs: 7, startMs: 20 },
  { ttlMs: 300, pollMs: 11, startMs: 20 },
  { ttlMs: 500, pollMs: 13, startMs: 20 },
];

let redis: Redis | undefined;
const totals = { rounds: 0, attempts: 0, leftOut: 0, modelAgreed: 0 };

before(async () => {
  redis = await startRedis();
  console.log(`${redis.version} as ${redis.user} on 127.0.0.1:${redis.port}`);
});

after(async () => {
  await redis?.stop();
  console.log(
    `redis: ${totals.rounds} leases, ${totals.attempts} attempts by B; ${totals.leftOut} left out within ${MARGIN_MS} ms of a lease's end; the lock model agreed on ${totals.modelAgreed}`,
  );
});

const fail = (): never => {
  throw new Error("invalid options");
};
const ctx: ResolveContext = { at: () => undefined, fail };

function modelOptions(o: Partial<Options>): Options {
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
  return { ...base, ...o };
}

/** B's attempts in the model, in order, as "OK" or "nil", up to and with its first OK. */
function modelAttempts(ttlMs: number, pollMs: number, startMs: number): { atMs: number; ok: boolean }[] {
  const r = resolve(modelOptions({ ttlMs, retryMs: pollMs, secondStartMs: startMs, workMs: 10 * ttlMs }), ctx);
  return simulate(r)
    .events.filter((e) => e.actor === "B" && e.kind === "set")
    .map((e) => ({ atMs: e.atMs, ok: / → OK$/.test(e.text) }));
}

interface Attempt {
  /** When B sent it and when the reply came, in ms after A's SET was sent. */
  readonly sentMs: number;
  readonly repliedMs: number;
  readonly scheduledMs: number;
  readonly ok: boolean;
}

async function round(a: RedisConnection, b: RedisConnection, key: string, ttlMs: number, pollMs: number, startMs: number) {
  const t0 = performance.now();
  assert.equal(await a.command("SET", key, "A", "NX", "PX", ttlMs), "OK");
  const setRttMs = performance.now() - t0;
  const attempts: Attempt[] = [];
  for (let k = 0; ; k++) {
    const scheduledMs = startMs + k * pollMs;
    const wait = t0 + scheduledMs - performance.now();
    if (wait > 0) await sleep(wait);
    const sentMs = performance.now() - t0;
    const reply = await b.command("SET", key, "B", "NX", "PX", 10_000);
    attempts.push({ sentMs, repliedMs: performance.now() - t0, scheduledMs, ok: reply === "OK" });
    // B gives each lock it gets back at once, so its later attempts are decided on a free key too.
    if (reply === "OK") await b.command("DEL", key);
    if (scheduledMs > ttlMs + setRttMs + MARGIN_MS + AFTER * pollMs) break;
  }
  return { setRttMs, attempts };
}

test("B's SET NX succeeds exactly when A's lease ends, and the model decides every attempt as Redis did", async () => {
  const a = await redis!.connect();
  const b = await redis!.connect();
  try {
    for (const { ttlMs, pollMs, startMs } of ROUNDS) {
      const { setRttMs, attempts } = await round(a, b, `lock:${ttlMs}`, ttlMs, pollMs, startMs);
      // The key expires between ttl after A's SET was sent and ttl after its reply came.
      const [endLo, endHi] = [ttlMs, ttlMs + setRttMs];
      const near = (x: Attempt) => x.repliedMs > endLo - MARGIN_MS && x.sentMs < endHi + MARGIN_MS;
      const model = modelAttempts(ttlMs, pollMs, startMs);
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
          `ttl ${ttlMs}: B's attempt ${k + 1} (${x.sentMs.toFixed(1)}–${x.repliedMs.toFixed(1)} ms) ${x.ok ? "got" : "did not get"} the lock`,
        );
        // The model tries at the scheduled times: an attempt sent late (a busy machine) may fall on the other side.
        if (x.sentMs - x.scheduledMs > MARGIN_MS || Math.abs(x.scheduledMs - ttlMs) < MARGIN_MS) {
          late++;
          continue;
        }
        // The model's B stops at its first OK; the key was free from then on (its attempts after that are OK).
        const modelOk = model[k]?.ok ?? true;
        assert.equal(modelOk, x.ok, `ttl ${ttlMs}: the model's attempt ${k + 1} at ${startMs + k * pollMs} ms says ${modelOk ? "OK" : "nil"}`);
        compared++;
      }
      const firstOk = attempts.findIndex((x) => x.ok);
      assert.ok(firstOk >= 0, `ttl ${ttlMs}: B never got the lock`);
      const got = attempts[firstOk]!;
      assert.ok(
        got.sentMs < endHi + MARGIN_MS + pollMs,
        `ttl ${ttlMs}: B got the lock at ${got.sentMs.toFixed(1)} ms, later than the first try after the lease`,
      );
      assert.ok(
        attempts.slice(firstOk).every((x) => x.ok),
        `ttl ${ttlMs}: a free key refused B`,
      );
      const firstModelOk = model.findIndex((m) => m.ok);
      assert.ok(
        Math.abs(firstModelOk - firstOk) <= leftOut + late,
        `ttl ${ttlMs}: the model's B got the lock at attempt ${firstModelOk + 1}, Redis's at ${firstOk + 1}`,
      );
      console.log(
        `ttl ${ttlMs} ms, B every ${pollMs} ms: ${attempts.length} attempts, first OK sent at ${got.sentMs.toFixed(1)} ms (A's SET took ${setRttMs.toFixed(1)} ms); ${leftOut} left out, model agreed on ${compared}${late ? ` (${late} not compared: scheduled near the end or sent late)` : ""}`,
      );
      totals.rounds++;
      totals.attempts += attempts.length;
      totals.leftOut += leftOut;
      totals.modelAgreed += compared;
    }
  } finally {
    a.close();
    b.close();
  }
});

test("the compare-and-delete script refuses A's stale token once B holds the lock, and deletes B's own", async () => {
  const a = await redis!.connect();
  const b = await redis!.connect();
  try {
    assert.equal(await a.command("SET", "lock:cad", "token-A", "NX", "PX", 150), "OK");
    assert.equal(await b.command("SET", "lock:cad", "token-B", "NX", "PX", 10_000), null, "held by A");
    await sleep(150 + 2 * MARGIN_MS);
    assert.equal(await b.command("SET", "lock:cad", "token-B", "NX", "PX", 10_000), "OK", "A's lease is over");
    assert.equal(await a.command("EVAL", RELEASE, 1, "lock:cad", "token-A"), 0, "A's stale release deletes nothing");
    assert.equal(await a.command("GET", "lock:cad"), "token-B");
    assert.equal(await b.command("EVAL", RELEASE, 1, "lock:cad", "token-B"), 1);
    assert.equal(await b.command("GET", "lock:cad"), null);
  } finally {
    a.close();
    b.close();
  }
  // The model: A paused past its lease resumes while B holds the lock; its release finds B's token.
  const r = resolve(modelOptions({ ttlMs: 2000, workMs: 1000, pauseMs: 1500 }), ctx);
  const releases = simulate(r).events.filter((e) => e.kind === "release");
  assert.match(releases.find((e) => e.actor === "A")!.text, /→ not mine \(B holds \d+\), kept$/);
  assert.match(releases.find((e) => e.actor === "B")!.text, /→ deleted$/);
});
