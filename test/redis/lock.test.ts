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
import { LOCK_SCRIPTS, startRedis, type Redis, type RedisConnection } from "../../scripts/redis.mjs";
import { attemptEvery, judgeAttempts, lockModel, MARGIN_MS, modelAttempts } from "../support/lock-attempts";

/** B's attempts kept after the lease's end (and the margin), each given back at once. */
const AFTER = 4;
const RELEASE = LOCK_SCRIPTS.release;

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

async function round(a: RedisConnection, b: RedisConnection, key: string, ttlMs: number, pollMs: number, startMs: number) {
  const t0 = performance.now();
  assert.equal(await a.command("SET", key, "A", "NX", "PX", ttlMs), "OK");
  const setRttMs = performance.now() - t0;
  const attempts = await attemptEvery(
    t0,
    startMs,
    pollMs,
    async () => (await b.command("SET", key, "B", "NX", "PX", 10_000)) === "OK",
    async (x) => {
      // B gives each lock it gets back at once, so its later attempts are decided on a free key too.
      if (x.ok) await b.command("DEL", key);
      return x.scheduledMs > ttlMs + setRttMs + MARGIN_MS + AFTER * pollMs;
    },
  );
  return { setRttMs, attempts };
}

test("B's SET NX succeeds exactly when A's lease ends, and the model decides every attempt as Redis did", async () => {
  const a = await redis!.connect();
  const b = await redis!.connect();
  try {
    for (const { ttlMs, pollMs, startMs } of ROUNDS) {
      const { setRttMs, attempts } = await round(a, b, `lock:${ttlMs}`, ttlMs, pollMs, startMs);
      const model = modelAttempts(lockModel({ ttlMs, retryMs: pollMs, secondStartMs: startMs, workMs: 10 * ttlMs }));
      const { compared, leftOut, late, got } = judgeAttempts(attempts, { ttlMs, pollMs, startMs, setRttMs }, model);
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
  const releases = lockModel({ ttlMs: 2000, workMs: 1000, pauseMs: 1500 }).events.filter((e) => e.kind === "release");
  assert.match(releases.find((e) => e.actor === "A")!.text, /→ not mine \(B holds \d+\), kept$/);
  assert.match(releases.find((e) => e.actor === "B")!.text, /→ deleted$/);
});
