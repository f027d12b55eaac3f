// A lease lock on a real Redis with client A stopped for real: A is an OS process of its own
// (test/redis/lock-client.mjs) that takes the lock with SET key token NX PX ttl, works, checks its
// lease, and is then stopped with SIGSTOP for longer than the lease, as a GC pause or a frozen VM
// stops a process. Meanwhile B (this process) tries the same SET every few ms and gets the lock when
// the lease ends; then B writes to the storage and releases, and A is continued with SIGCONT and goes
// on with the write and the compare-and-delete release it was about to make, with its old token. The
// lock simulator's model runs the same schedule (single instance, no latency, A pausing pauseMs after
// its check), and the test holds Redis to it: B's attempts by the tier's boundary rule
// (test/support/lock-attempts.ts: within 20 ms of the lease's end left out and counted), then who
// wrote in which order and which write the storage refused (with fencing, a Lua script keeping the
// last token it accepted refuses A's older one), and which release deleted the key: A's never does.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { LOCK_SCRIPTS, startRedis, type Redis, type RedisConnection } from "../../scripts/redis.mjs";
import type { LockResult } from "../../src/sims/lock/model";
import { attemptEvery, judgeAttempts, lockModel, MARGIN_MS, modelAttempts, sleepUntil } from "../support/lock-attempts";

/**
 * A works workMs, checks its lease (still valid) and is stopped pauseMs, past the lease's end;
 * B tries from startMs every pollMs, and works workMs too once it holds the lock.
 */
const ROUNDS = [
  // A is continued after B has written and released: its release finds no key.
  { ttlMs: 300, workMs: 50, pauseMs: 500, pollMs: 11, startMs: 20, fencing: false },
  { ttlMs: 300, workMs: 50, pauseMs: 500, pollMs: 11, startMs: 20, fencing: true },
  // A is continued while B holds the lock and before B writes: its release finds B's token.
  { ttlMs: 300, workMs: 200, pauseMs: 200, pollMs: 11, startMs: 20, fencing: true },
];
type Round = (typeof ROUNDS)[number];

const CLIENT = join(import.meta.dirname, "lock-client.mjs");

let redis: Redis | undefined;
const children = new Set<LockClient>();
const totals = { rounds: 0, attempts: 0, leftOut: 0, late: 0, attemptsAgreed: 0, outcomes: 0, outcomesAgreed: 0 };

before(async () => {
  redis = await startRedis();
});

after(async () => {
  for (const c of children) c.kill();
  await redis?.stop();
  console.log(
    `redis pause: ${totals.rounds} rounds with A stopped by SIGSTOP; B's ${totals.attempts} attempts: ${totals.leftOut} left out within ${MARGIN_MS} ms of a lease's end, ` +
      `${totals.late} not compared (sent late or due at the end), the lock model agreed on ${totals.attemptsAgreed}; ` +
      `writes and releases: ${totals.outcomes} compared, the model agreed on ${totals.outcomesAgreed}`,
  );
});

// A stopped child must not outlive the tests, whatever ends them.
process.on("exit", () => {
  for (const c of children) c.kill();
});

type Reply = { op: string; error?: string } & Record<string, unknown>;

/** Client A: the child process, its replies in order, and the signals that stop and continue it. */
class LockClient {
  private readonly waiting: ((r: Reply) => void)[] = [];
  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (line) => this.waiting.shift()?.(JSON.parse(line) as Reply));
  }

  static async start(port: number): Promise<LockClient> {
    const c = new LockClient(spawn(process.execPath, [CLIENT, String(port)], { stdio: ["pipe", "pipe", "inherit"] }));
    children.add(c);
    const ready = await c.next();
    assert.equal(ready.op, "ready");
    return c;
  }

  private next(): Promise<Reply> {
    return new Promise((ok) => this.waiting.push(ok));
  }

  /** Sends one request; the reply comes when A has run it (after SIGCONT, if A is stopped). */
  async send(msg: Record<string, unknown>): Promise<Reply> {
    const reply = this.next();
    this.child.stdin!.write(`${JSON.stringify(msg)}\n`);
    const r = await reply;
    if (r.error) throw new Error(`A's ${r.op}: ${r.error}`);
    return r;
  }

  signal(sig: "SIGSTOP" | "SIGCONT"): void {
    assert.ok(this.child.kill(sig), `${sig} could not be sent to A`);
  }

  /** The process's state letter from /proc: T when stopped. */
  state(): string {
    const stat = readFileSync(`/proc/${this.child.pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]!;
  }

  /** Continues a stopped A and ends it (also on failure). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGCONT");
      this.child.kill("SIGKILL");
    }
    children.delete(this);
  }
}

interface Keys {
  readonly lock: string;
  readonly tokens: string;
  readonly last: string;
  readonly value: string;
}

/** What Redis said, in the order it happened. */
interface Seen {
  readonly writes: { client: string; accepted: boolean }[];
  readonly releases: Record<string, { deleted: boolean; keyAfter: string | null }>;
  /** When A was continued (performance.now()). */
  continuedAt?: number;
  /** Who wrote the value the storage holds at the end. */
  lastWriter?: string;
}

/** B's write and release, at bGrant + workMs. */
async function bWrites(b: RedisConnection, k: Keys, token: number, fencing: boolean, seen: Seen) {
  const accepted = await b.command("EVAL", LOCK_SCRIPTS.write, 2, k.last, k.value, token, `written by B with token ${token}`, fencing ? "1" : "0");
  seen.writes.push({ client: "B", accepted: accepted === 1 });
  const deleted = await b.command("EVAL", LOCK_SCRIPTS.release, 1, k.lock, token);
  seen.releases.B = { deleted: deleted === 1, keyAfter: (await b.command("GET", k.lock)) as string | null };
}

/** A continued: the write and release it sent while stopped run now. */
async function aResumes(a: LockClient, b: RedisConnection, k: Keys, pending: { write: Promise<Reply>; release: Promise<Reply> }, seen: Seen) {
  assert.equal(a.state(), "T", "A was stopped until now");
  a.signal("SIGCONT");
  seen.continuedAt = performance.now();
  seen.writes.push({ client: "A", accepted: (await pending.write).accepted === true });
  const deleted = (await pending.release).deleted === 1;
  seen.releases.A = { deleted, keyAfter: (await b.command("GET", k.lock)) as string | null };
}

/** What the model says: the writes in order, and what each release did. */
function modelOutcome(model: LockResult) {
  const release = (client: string) => {
    const text = model.events.find((e) => e.kind === "release" && e.actor === client)!.text;
    return /→ deleted$/.test(text) ? "deleted" : /→ not mine \(B holds \d+\), kept$/.test(text) ? "B's" : "no key";
  };
  const at = (client: string, kind: string) => model.events.find((e) => e.actor === client && e.kind === kind)!.atMs;
  const belief = (client: string) => model.beliefs.find((b) => b.client === client)!;
  return {
    writes: model.writes.map((w) => ({ client: w.client, accepted: w.accepted })),
    lastWriter: model.events.at(-1)!.state.storage.lastWriter,
    /** A still believed it held the lock when B was granted it. */
    twoHolders: (belief("A").toMs ?? Infinity) > belief("B").fromMs,
    releases: { A: release("A"), B: release("B") },
    /** The model's times of A's resumption and B's write, which the test keeps in the model's order. */
    aResumesMs: at("A", "resume"),
    bWritesMs: at("B", "write"),
  };
}

/** The key after a release, in the model's words: deleted (by B's own release), B's (A's release kept it), no key. */
function realRelease(client: string, r: { deleted: boolean; keyAfter: string | null }, bToken: number) {
  if (r.deleted) return client === "B" && r.keyAfter === null ? "deleted" : `deleted by ${client}, key now ${r.keyAfter}`;
  return r.keyAfter === String(bToken) ? "B's" : r.keyAfter === null ? "no key" : `kept ${r.keyAfter}`;
}

async function round(rd: Round, i: number) {
  const model = lockModel({ ttlMs: rd.ttlMs, workMs: rd.workMs, pauseMs: rd.pauseMs, secondStartMs: rd.startMs, retryMs: rd.pollMs, fencing: rd.fencing });
  const expected = modelOutcome(model);
  assert.ok(Math.abs(expected.aResumesMs - expected.bWritesMs) > 2 * MARGIN_MS, "the round keeps A's resumption and B's write apart");
  const p = `pause:${process.pid}:${i}`;
  const k: Keys = { lock: `${p}:lock`, tokens: `${p}:tokens`, last: `${p}:storage:last`, value: `${p}:storage:value` };
  const a = await LockClient.start(redis!.port);
  const b = await redis!.connect();
  const seen: Seen = { writes: [], releases: {} };
  try {
    const t0 = performance.now();
    const acquired = await a.send({ op: "acquire", key: k.lock, tokens: k.tokens, ttlMs: rd.ttlMs });
    const setRttMs = performance.now() - t0;
    assert.equal(acquired.ok, true, "A takes the free lock");
    // B tries from startMs on while A works, checks its lease and is stopped.
    let bToken = 0;
    const bTries = attemptEvery(
      t0,
      rd.startMs,
      rd.pollMs,
      async () => {
        bToken = Number(await b.command("INCR", k.tokens));
        return (await b.command("SET", k.lock, bToken, "NX", "PX", rd.ttlMs)) === "OK";
      },
      (x) => x.ok,
    );
    bTries.catch(() => {}); // awaited below; a failure of A's part first must not leave it unhandled
    await sleepUntil(t0 + rd.workMs);
    const check = await a.send({ op: "check" });
    assert.equal(check.valid, true, `A's lease is still valid when it checks (${Number(check.remainingMs).toFixed(0)} ms left)`);
    a.signal("SIGSTOP");
    const stoppedMs = performance.now() - t0;
    // A was about to write and release: it gets the requests now, and runs them when continued.
    const pending = { write: a.send({ op: "write", keys: [k.last, k.value], fencing: rd.fencing }), release: a.send({ op: "release", key: k.lock }) };
    const attempts = await bTries;
    assert.equal(a.state(), "T", "A is still stopped when B gets the lock");
    const judged = judgeAttempts(attempts, { ttlMs: rd.ttlMs, pollMs: rd.pollMs, startMs: rd.startMs, setRttMs }, modelAttempts(model));
    assert.ok(bToken > Number(acquired.token), "B's token is newer than A's");
    // B's write and A's resumption, each at its time, in the model's order.
    const steps = [
      { atMs: judged.got.repliedMs + rd.workMs, modelMs: expected.bWritesMs, run: () => bWrites(b, k, bToken, rd.fencing, seen) },
      { atMs: stoppedMs + rd.pauseMs, modelMs: expected.aResumesMs, run: () => aResumes(a, b, k, pending, seen) },
    ].sort((x, y) => x.modelMs - y.modelMs);
    for (const s of steps) {
      await sleepUntil(t0 + s.atMs);
      await s.run();
    }
    seen.lastWriter = /^written by (\w+)/.exec(String(await b.command("GET", k.value)))?.[1];
    const stoppedForMs = seen.continuedAt! - t0 - stoppedMs;
    assert.ok(stoppedForMs >= rd.pauseMs, `A was stopped ${stoppedForMs.toFixed(0)} ms`);
    compare(rd, expected, seen, bToken);
    const order = seen.writes.map((w) => `${w.client} ${w.accepted ? "accepted" : "refused"}`).join(", then ");
    console.log(
      `ttl ${rd.ttlMs} ms, A stopped ${rd.pauseMs} ms after ${rd.workMs} ms of work${rd.fencing ? ", fencing" : ""}: B got the lock at ${judged.got.sentMs.toFixed(1)} ms ` +
        `(${attempts.length} attempts, ${judged.leftOut} left out, model agreed on ${judged.compared}); writes: ${order}, the storage holds ${seen.lastWriter}'s; ` +
        `A's release: ${seen.releases.A!.deleted ? "deleted" : "refused"} (${expected.releases.A}), B's: ${seen.releases.B!.deleted ? "deleted" : "refused"}; A stopped ${stoppedForMs.toFixed(0)} ms`,
    );
    totals.rounds++;
    totals.attempts += attempts.length;
    totals.leftOut += judged.leftOut;
    totals.late += judged.late;
    totals.attemptsAgreed += judged.compared;
  } finally {
    a.kill();
    b.close();
  }
}

function compare(rd: Round, expected: ReturnType<typeof modelOutcome>, seen: Seen, bToken: number) {
  assert.deepEqual(seen.writes, expected.writes, "the writes the storage saw, in order, and which it refused");
  assert.equal(seen.lastWriter, expected.lastWriter, "whose write the storage holds at the end");
  // A believed it held the lock from its SET until its release, which came after B's grant (A was stopped meanwhile).
  assert.equal(expected.twoHolders, true, "the model's A still believes it holds the lock when B gets it");
  if (rd.fencing) assert.ok(seen.writes.find((w) => w.client === "B")!.accepted, "B's newer token is accepted");
  assert.equal(seen.releases.A!.deleted, false, "A's release with its old token deletes nothing");
  assert.equal(realRelease("A", seen.releases.A!, bToken), expected.releases.A, "A's release");
  assert.equal(realRelease("B", seen.releases.B!, bToken), expected.releases.B, "B's release");
  totals.outcomes += seen.writes.length + 3;
  totals.outcomesAgreed += seen.writes.length + 3;
}

for (const [i, rd] of ROUNDS.entries()) {
  test(`A stopped ${rd.pauseMs} ms past a ${rd.ttlMs} ms lease after ${rd.workMs} ms of work${rd.fencing ? ", with fencing" : ""}: B gets the lock when the model says, A's release is refused`, () =>
    round(rd, i));
}
