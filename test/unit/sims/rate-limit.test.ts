import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { loadCell, runCell } from "../../../src/engine/pipeline";
import { findSimulator } from "../../../src/engine/registry";
import { createRng } from "../../../src/core/rng";
import type { RunOutput } from "../../../src/protocol/output";
import { busiestWindow, makeLimiter, nginxLimitReq, simulate } from "../../../src/sims/rate-limit/model";
import type { Resolved } from "../../../src/sims/rate-limit/scenario";
import type { LimiterParams } from "../../../src/sims/rate-limit/model/limiters";

function run(source: string, seed = 1): RunOutput {
  const r = runCell({ simulator: "rate-limit", source, seed });
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}

const params = (limit: number, windowMs: number, capacity = limit): LimiterParams => ({ limit, windowMs, capacity, burst: 0, nodelay: false });

function decisions(algorithm: Parameters<typeof makeLimiter>[0], p: LimiterParams, times: readonly number[]): string[] {
  const l = makeLimiter(algorithm, p);
  return times.map((t) => l.decide(t).decision);
}

/** Sorted arrival times with gaps of 0 to 400 ms. */
const arrivalsArb = fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 60 }).map((gaps) => {
  let t = 0;
  return gaps.map((g) => (t += g));
});

test("a fixed window admits twice the limit across a boundary, and the finding names the window and the count", () => {
  const o = run("algorithm: fixed-window\nlimit: 10\nkeys:\n  - name: user\n    traffic: boundary-burst\n    count: 20\n");
  assert.equal(o.metrics.accepted, 20);
  assert.equal(o.metrics.maxInWindow, 20);
  const f = o.verdict.findings.find((x) => x.code === "boundary-burst")!;
  assert.match(f.title, /20 requests passed within 1000 ms \(t=999–1999 ms\), twice the limit of 10/);
  assert.match(f.explanation, /boundary at t=1000 ms/);
  assert.match(f.explanation, /window 0–1000 ms/);
  assert.equal(f.events!.length, 20);
});

test("the sliding log never passes more than the limit in any window", () => {
  fc.assert(
    fc.property(arrivalsArb, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 100, max: 2000 }), (times, limit, windowMs) => {
      const l = makeLimiter("sliding-log", params(limit, windowMs));
      const passed = times.map((t, i) => ({ seq: i + 1, atMs: t, ok: l.decide(t).decision === "accepted" })).filter((x) => x.ok);
      assert.ok(busiestWindow(passed, windowMs).count <= limit);
    }),
  );
});

test("a token bucket admits exactly its burst at once, then the rate", () => {
  const p = params(2, 1000, 5); // 2 a second, capacity 5
  const burst = Array.from({ length: 8 }, () => 0);
  assert.deepEqual(decisions("token-bucket", p, burst), [...Array(5).fill("accepted"), ...Array(3).fill("rejected")]);
  const l = makeLimiter("token-bucket", p);
  for (let i = 0; i < 5; i++) l.decide(0);
  assert.equal(l.decide(499).decision, "rejected");
  assert.equal(l.decide(500).decision, "accepted");
  assert.equal(l.decide(999).decision, "rejected");
  assert.equal(l.decide(1000).decision, "accepted");
});

test("GCRA decides exactly as a token bucket with the same parameters", () => {
  fc.assert(
    fc.property(
      arrivalsArb,
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 10, max: 3000 }),
      (times, limit, cap, windowMs) => {
        const p = params(limit, windowMs, cap);
        assert.deepEqual(decisions("gcra", p, times), decisions("token-bucket", p, times));
      },
    ),
  );
});

test("nginx at 1r/s with no burst rejects a request 999 ms after the last and accepts one 1000 ms after", () => {
  const o = { ratePerSecond: 1, burst: 0, nodelay: false };
  assert.deepEqual(nginxLimitReq([0, 999], o), ["accepted", "rejected"]);
  assert.deepEqual(nginxLimitReq([0, 1000], o), ["accepted", "accepted"]);
  // A rejected request changes nothing: the next one is measured from the last accepted.
  assert.deepEqual(nginxLimitReq([0, 999, 1000], o), ["accepted", "rejected", "accepted"]);
});

test("nginx with burst delays the excess, with nodelay passes it at once, and rejects beyond the burst either way", () => {
  const at0 = Array.from({ length: 8 }, () => 0);
  assert.deepEqual(nginxLimitReq(at0, { ratePerSecond: 5, burst: 5, nodelay: false }), ["accepted", ...Array(5).fill("delayed"), "rejected", "rejected"]);
  assert.deepEqual(nginxLimitReq(at0, { ratePerSecond: 5, burst: 5, nodelay: true }), [...Array(6).fill("accepted"), "rejected", "rejected"]);
  // delay=2: the first two excess requests pass undelayed, the rest of the burst waits.
  assert.deepEqual(nginxLimitReq(at0, { ratePerSecond: 5, burst: 5, nodelay: false, delay: 2 }), [
    ...Array(3).fill("accepted"),
    ...Array(3).fill("delayed"),
    "rejected",
    "rejected",
  ]);
  // With nodelay the slots free at the rate: one more 200 ms later, not a whole new burst.
  assert.deepEqual(nginxLimitReq([...Array(6).fill(0), 200, 200], { ratePerSecond: 5, burst: 5, nodelay: true }), [...Array(7).fill("accepted"), "rejected"]);
});

test("the leaky queue delays instead of rejecting, and the checker reports the delay", () => {
  const o = run("algorithm: leaky-queue\nlimit: 5\nkeys:\n  - name: user\n    traffic: burst\n    count: 8\n");
  assert.equal(o.metrics.delayed, 5);
  assert.equal(o.metrics.maxDelayMs, 1000);
  assert.ok(o.verdict.findings.some((f) => f.code === "queue-delay"));
});

test("one limiter shared between keys is unfair to the lighter key", () => {
  const o = run(
    "algorithm: fixed-window\nlimit: 10\nshared: true\nkeys:\n  - name: heavy\n    traffic: steady\n    ratePerSecond: 50\n  - name: light\n    traffic: steady\n    ratePerSecond: 2\n    startMs: 300\n",
  );
  const f = o.verdict.findings.find((x) => x.code === "unfair");
  assert.ok(f, JSON.stringify(o.verdict.findings.map((x) => x.title)));
  assert.match(f.title, /light/);
});

test("compare gives a summary matrix with a row per algorithm", () => {
  const o = run("compare: [fixed-window, sliding-log, token-bucket, nginx]\nlimit: 5\nkeys:\n  - name: user\n    traffic: boundary-burst\n    count: 12\n");
  const m = o.tables.find((t) => t.summary)!;
  assert.deepEqual(
    m.rows.map((r) => r[0]),
    ["fixed-window", "sliding-log", "token-bucket", "nginx"],
  );
  assert.ok(o.timeline && o.timeline.steps.length === 12);
});

const distributed = (mode: string, extra = "") =>
  `limit: 10\ndistributed:\n  nodes: 3\n  mode: ${mode}\n  latencyMs: 60\n${extra}keys:\n  - name: user\n    traffic: steady\n    ratePerSecond: 40\n`;

test("local limiters on three nodes pass three times the limit; the atomic central counter keeps it", () => {
  const local = run(distributed("local"));
  assert.equal(local.verdict.valid, false);
  assert.match(local.verdict.findings.find((f) => f.code === "over-admission")!.title, /30 requests passed in one window, 3× the limit of 10/);
  const atomic = run(distributed("central-atomic"));
  assert.ok(!atomic.verdict.findings.some((f) => f.code === "over-admission"));
  assert.equal(atomic.metrics.accepted, 30);
});

test("GET then INCR a round trip later over-admits, and a node dying before EXPIRE leaves a key that never expires", () => {
  const racy = run(distributed("central-racy"));
  assert.ok(racy.verdict.findings.some((f) => f.code === "over-admission"));
  const crashed = run(distributed("central-racy", "  crashAtMs: 1500\n"));
  const f = crashed.verdict.findings.find((x) => x.code === "never-expires")!;
  assert.match(f.explanation, /no TTL/);
  const last = crashed.tables.find((t) => t.id === "decisions")!.rows.slice(-10);
  assert.ok(last.every((row) => row[3] === "429 rejected"));
});

test("the central counter logs its steps in the store's order: each request's GET, INCR and PEXPIRE, the dying node, the expiries", () => {
  const r = loadCell(
    findSimulator("rate-limit")!,
    distributed("central-racy", "  crashAtMs: 1500\n").replace("mode: central-racy", "compare: [central-racy, central-atomic]"),
  ).resolved as Resolved;
  const [racy, atomic] = simulate(r, createRng(1)).runs;
  for (const run of [racy!, atomic!]) {
    const sent = run.steps!.filter((s) => s.op !== "expired");
    assert.deepEqual(
      sent.map((s) => s.atMs),
      sent.map((s) => s.atMs).sort((a, b) => a - b),
      "in time order",
    );
    const incrs = sent.filter((s) => s.op === "INCR" || s.op === "INCR+PEXPIRE");
    // Every passed request counted once, in the window its INCR landed in.
    assert.equal(
      run.windows!.reduce((n, w) => n + w.seqs.length, 0),
      run.accepted,
    );
    assert.equal(run.peak!.count, Math.max(...run.windows!.map((w) => w.seqs.length)));
    assert.equal(incrs.filter((s) => "reply" in s && s.reply === 1).length, run.windows!.length, "a window per key created");
  }
  const racySteps = racy!.steps!;
  for (const o of racy!.outcomes) {
    const mine = racySteps.filter((s) => s.op !== "expired" && s.seq === o.seq).map((s) => s.op);
    assert.deepEqual(mine.slice(0, 2), o.decision === "accepted" ? ["GET", "INCR"] : ["GET"], `request ${o.seq}`);
  }
  const dies = racySteps.filter((s) => s.op === "dies");
  assert.equal(dies.length, 1);
  assert.equal(dies[0]!.op === "dies" && dies[0]!.seq, racy!.neverExpires!.seq);
  const after = racySteps.slice(racySteps.indexOf(dies[0]!));
  assert.ok(!after.some((s) => s.op === "PEXPIRE" || s.op === "expired"), "the key without a TTL is never set one nor expires");
  assert.ok(atomic!.steps!.some((s) => s.op === "expired") && !atomic!.neverExpires);
});

test("synchronised counters over-admit by what the nodes pass between syncs, less with faster syncs", () => {
  const slow = run(distributed("sync", "  syncMs: 500\n"));
  const fast = run(distributed("sync", "  syncMs: 50\n"));
  assert.ok(slow.metrics.maxInWindow > fast.metrics.maxInWindow, `${slow.metrics.maxInWindow} vs ${fast.metrics.maxInWindow}`);
});

test("clients behind one key send their rate each, from offsets the seed decides", () => {
  const cell = "algorithm: sliding-log\nlimit: 10\ndurationMs: 1000\nkeys:\n  - name: office\n    traffic: clients\n    clients: 4\n    ratePerSecond: 5\n";
  const a = run(cell, 7);
  assert.equal(a.metrics.requests, 20);
  assert.equal(a.metrics.accepted, 10);
  assert.deepEqual(run(cell, 7).tables, a.tables);
});
