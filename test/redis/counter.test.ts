// The rate-limit simulator's central counter against a real Redis (scripts/redis.mjs). The model's
// run of a distributed cell lists every step at the counter in the order its store ran them (GET,
// INCR, PEXPIRE, the node that dies before its PEXPIRE, the key's TTL running out). The test replays
// that interleaving on a real server, one connection per gateway node: each command is sent only
// after the previous one's reply, so Redis runs them in the model's order; a node that dies closes its
// connection instead of sending PEXPIRE (its later requests come from a new connection, the node
// restarted); where the model finds the key expired, the test waits until Redis has expired it. The
// nodes decide from Redis's replies, as a gateway would: GET below the limit, then INCR, then PEXPIRE
// when INCR created the key; or one script doing INCR and PEXPIRE. Then every reply, every decision,
// the requests passed in each of the key's lives and the key's TTL at the end must be the model's:
// the racy counter over-admits as the model says, a dead node's key never expires (PTTL -1), and
// the atomic script never passes more than the limit. Nothing here depends on timing (the order is
// forced and expiries are awaited), so no request is left out.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { startRedis, type Redis, type RedisConnection } from "../../scripts/redis.mjs";
import { createRng } from "../../src/core/rng";
import { loadCell } from "../../src/engine/pipeline";
import { findSimulator } from "../../src/engine/registry";
import { simulate, type AlgorithmRun, type CounterStep } from "../../src/sims/rate-limit/model";
import type { Resolved } from "../../src/sims/rate-limit/scenario";

const WINDOW_MS = 300;
/** How late after its TTL Redis may still show a key (the test's own timers on a shared machine). */
const EXPIRY_SLACK_MS = 50;
const INCR_PEXPIRE = 'local n = redis.call("INCR", KEYS[1]) if n == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[1]) end return n';

/** Distributed cells: both central modes on the same steady arrivals; in flight at once: latency × rate. */
const SCENARIOS = [
  { nodes: 2, limit: 5, latencyMs: 20, ratePerSecond: 100 },
  { nodes: 3, limit: 10, latencyMs: 40, ratePerSecond: 200 },
  { nodes: 5, limit: 4, latencyMs: 60, ratePerSecond: 200 },
  { nodes: 3, limit: 10, latencyMs: 40, ratePerSecond: 200, crashAtMs: 400 },
  { nodes: 2, limit: 3, latencyMs: 20, ratePerSecond: 100, crashAtMs: 0 },
];
type Scenario = (typeof SCENARIOS)[number] & { crashAtMs?: number };

const cell = (s: Scenario) =>
  `limit: ${s.limit}\nwindowMs: ${WINDOW_MS}\ndurationMs: 800\ndistributed:\n  nodes: ${s.nodes}\n  compare: [central-racy, central-atomic]\n` +
  `  latencyMs: ${s.latencyMs}\n${s.crashAtMs !== undefined ? `  crashAtMs: ${s.crashAtMs}\n` : ""}` +
  `keys:\n  - name: user\n    traffic: steady\n    ratePerSecond: ${s.ratePerSecond}\n`;

const label = (s: Scenario) =>
  `${s.nodes} nodes, limit ${s.limit}, ${s.latencyMs} ms round trips, ${s.ratePerSecond} req/s${s.crashAtMs !== undefined ? `, a node dies from ${s.crashAtMs} ms` : ""}`;

let redis: Redis | undefined;
const totals = { scenarios: 0, runs: 0, steps: 0, compared: 0, agreed: 0, overAdmitted: 0, neverExpire: 0 };

before(async () => {
  redis = await startRedis();
  console.log(`${redis.version} as ${redis.user} on 127.0.0.1:${redis.port}`);
});

after(async () => {
  await redis?.stop();
  console.log(
    `redis counters: ${totals.scenarios} scenarios (${totals.runs} runs, ${totals.steps} commands replayed in the model's order); ${totals.compared} requests compared, ` +
      `0 left out (the order is forced and each expiry awaited), the model agreed on ${totals.agreed}; over-admission in ${totals.overAdmitted} racy runs, a never-expiring key in ${totals.neverExpire}`,
  );
});

/** What the real server's gateway nodes did. */
interface Replay {
  /** Per request: passed or not, decided from Redis's replies. */
  readonly passed: Map<number, boolean>;
  /** The requests passed in each life of the key, in order: a new life begins when INCR returns 1. */
  readonly windows: number[][];
  /** PTTL of the key after the last step. */
  readonly pttl: number;
}

/** The nodes' connections, opened on first use and again after a node died. */
class Nodes {
  private readonly open = new Map<number, RedisConnection>();
  constructor(private readonly redis: Redis) {}
  async of(node: number): Promise<RedisConnection> {
    let c = this.open.get(node);
    if (!c) this.open.set(node, (c = await this.redis.connect()));
    return c;
  }
  die(node: number): void {
    this.open.get(node)?.close();
    this.open.delete(node);
  }
  closeAll(): void {
    for (const node of [...this.open.keys()]) this.die(node);
  }
}

/** Waits until Redis expires the key whose TTL was set between span.sentMs and span.repliedMs, and checks it lived that long. */
async function awaitExpiry(watch: RedisConnection, key: string, span: { sentMs: number; repliedMs: number }, where: string) {
  const checkedMs = performance.now();
  const pttl = Number(await watch.command("PTTL", key));
  assert.ok(pttl > 0 && pttl <= WINDOW_MS, `${where}: the model's key expires next, and Redis's has PTTL ${pttl}`);
  assert.ok(
    checkedMs < span.sentMs + WINDOW_MS,
    `${where}: replaying the key's life took ${(checkedMs - span.sentMs).toFixed(0)} ms, longer than its ${WINDOW_MS} ms TTL`,
  );
  await sleep(span.repliedMs + WINDOW_MS + EXPIRY_SLACK_MS - performance.now());
  assert.equal(await watch.command("PTTL", key), -2, `${where}: the key is still there ${WINDOW_MS + EXPIRY_SLACK_MS} ms after its PEXPIRE`);
}

async function replay(nodes: Nodes, watch: RedisConnection, steps: readonly CounterStep[], limit: number, prefix: string): Promise<Replay> {
  const passed = new Map<number, boolean>();
  const windows: number[][] = [];
  const created = new Set<number>();
  const ttlSet = new Map<string, { sentMs: number; repliedMs: number }>();
  const timed = async <T>(key: string, f: () => Promise<T>) => {
    const sentMs = performance.now();
    const reply = await f();
    ttlSet.set(key, { sentMs, repliedMs: performance.now() });
    return reply;
  };
  for (const [i, step] of steps.entries()) {
    const key = `${prefix}:${step.key}`;
    const where = `step ${i + 1} (${step.op}${"seq" in step ? ` of request ${step.seq} from node ${step.node}` : ""})`;
    if (step.op === "expired") {
      await awaitExpiry(watch, key, ttlSet.get(key)!, where);
      continue;
    }
    if (step.op === "dies") {
      assert.ok(created.has(step.seq), `${where}: only the node whose INCR created the key owes a PEXPIRE`);
      nodes.die(step.node);
      continue;
    }
    const c = await nodes.of(step.node);
    if (step.op === "GET") {
      const count = Number((await c.command("GET", key)) ?? 0);
      assert.equal(count, step.reply, `${where}: GET read ${count}, the model's store ${step.reply}`);
      passed.set(step.seq, count < limit);
    } else if (step.op === "PEXPIRE") {
      assert.ok(created.has(step.seq), `${where}: only the node whose INCR created the key sends PEXPIRE`);
      assert.equal(await timed(key, () => c.command("PEXPIRE", key, WINDOW_MS)), 1, `${where}: PEXPIRE found no key`);
    } else {
      const atomic = step.op === "INCR+PEXPIRE";
      assert.ok(atomic || passed.get(step.seq), `${where}: the node read the count at the limit and sends no INCR`);
      const send = () => (atomic ? c.command("EVAL", INCR_PEXPIRE, 1, key, WINDOW_MS) : c.command("INCR", key));
      const n = Number(atomic ? await timed(key, send) : await send());
      assert.equal(n, step.reply, `${where}: ${step.op} returned ${n}, the model's store ${step.reply}`);
      if (atomic) passed.set(step.seq, n <= limit);
      if (n === 1) {
        windows.push([]);
        created.add(step.seq);
      }
      if (passed.get(step.seq)) windows.at(-1)!.push(step.seq);
    }
  }
  return { passed, windows, pttl: Number(await watch.command("PTTL", `${prefix}:user`)) };
}

/** Replays one mode's run on fresh keys and holds Redis's outcome to the model's. */
async function compareRun(s: Scenario, run: AlgorithmRun, prefix: string): Promise<string> {
  const nodes = new Nodes(redis!);
  const watch = await redis!.connect();
  let real: Replay;
  try {
    real = await replay(nodes, watch, run.steps!, s.limit, prefix);
  } finally {
    nodes.closeAll();
    watch.close();
  }
  let agreed = 0;
  for (const o of run.outcomes) {
    assert.equal(real.passed.get(o.seq), o.decision === "accepted", `${run.algorithm}: request ${o.seq}`);
    agreed++;
  }
  assert.deepEqual(
    real.windows,
    run.windows!.map((w) => [...w.seqs]),
    `${run.algorithm}: the requests passed in each life of the key`,
  );
  const most = Math.max(...real.windows.map((w) => w.length));
  assert.equal(most, run.peak!.count);
  assert.equal(most > s.limit, run.peak!.count > s.limit, `${run.algorithm}: over-admission`);
  if (run.algorithm.startsWith("central-atomic")) assert.ok(most <= s.limit, `the atomic script passed ${most} in one window, over the limit ${s.limit}`);
  if (run.neverExpires) assert.equal(real.pttl, -1, `${run.algorithm}: the dead node's key has no TTL`);
  else assert.ok(real.pttl > 0, `${run.algorithm}: the key has a TTL (PTTL ${real.pttl})`);
  totals.runs++;
  totals.steps += run.steps!.length;
  totals.compared += run.outcomes.length;
  totals.agreed += agreed;
  if (most > s.limit && !run.algorithm.startsWith("central-atomic")) totals.overAdmitted++;
  if (run.neverExpires) totals.neverExpire++;
  const ttl = real.pttl === -1 ? "no TTL (PTTL -1)" : `PTTL ${real.pttl} ms`;
  return `${run.algorithm}: passed ${real.windows.map((w) => w.length).join(", ")} per life of the key (limit ${s.limit}), the key left with ${ttl}`;
}

// The scenarios run at once, each on its own keys and connections: their waits for expiries overlap.
describe("the central counter on a real Redis, in the model's interleaving", { concurrency: true }, () => {
  for (const [i, s] of SCENARIOS.entries()) {
    test(label(s), async () => {
      const r = loadCell(findSimulator("rate-limit")!, cell(s)).resolved as Resolved;
      const [racy, atomic] = simulate(r, createRng(1)).runs;
      // The cells are chosen to show both failures: a test of them must not pass on a quiet model.
      assert.ok(racy!.peak!.count > s.limit, "the model's racy counter over-admits in this cell");
      assert.equal(racy!.neverExpires !== undefined, s.crashAtMs !== undefined, "the model's key never expires when a node dies");
      const prefix = `counter:${process.pid}:${i}`;
      const lines = await Promise.all([compareRun(s, racy!, `${prefix}:racy`), compareRun(s, atomic!, `${prefix}:atomic`)]);
      totals.scenarios++;
      console.log(`${label(s)}: ${lines.join("; ")}`);
    });
  }
});
