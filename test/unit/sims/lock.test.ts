import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { runCell } from "../../../src/engine/pipeline";
import type { RunOutput } from "../../../src/protocol/output";
import { simulate } from "../../../src/sims/lock/model";
import { resolve, type Options } from "../../../src/sims/lock/scenario";
import type { ResolveContext } from "../../../src/sims/types";

function run(source: string, seed = 1): RunOutput {
  const r = runCell({ simulator: "lock", source, seed });
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}

const codes = (o: RunOutput) => o.verdict.findings.map((f) => f.code);

test("a pause longer than the lease: both clients hold the lock and both writes land; the finding names them, the times and the writes", () => {
  const o = run("mode: single\nttlMs: 1000\npauseMs: 1500\n");
  assert.equal(o.verdict.valid, false);
  const f = o.verdict.findings.find((x) => x.code === "two-holders")!;
  assert.match(f.title, /A and B both held the lock: A wrote token 1 at t=1556 ms, B token 7 at t=1176 ms/);
  assert.match(f.explanation, /A was paused 1500 ms \(t=54–1554 ms\), longer than its 1000 ms lease/);
  assert.match(f.explanation, /from t=4 ms to t=1558 ms/);
  assert.equal(f.events!.length, 4);
  assert.equal(o.metrics.mostHolders, 2);
  assert.equal(o.metrics.writesAccepted, 2);
});

test("the key expires on the instance at the end of the lease, and B acquires on its first try after that", () => {
  const o = run("mode: single\nttlMs: 1000\npauseMs: 1500\n");
  const steps = o.timeline!.steps;
  const expire = steps.findIndex((s) => /expires/.test(s.text));
  assert.equal(steps[expire]!.atMs, 1002);
  assert.equal(steps[expire + 1]!.actor, "redis");
  assert.match(steps[expire + 1]!.text, /^receives SET lock 7 NX PX 1000 from B$/);
  assert.match(steps[expire + 2]!.text, /^receives OK from redis$/);
  assert.equal(steps[expire + 2]!.actor, "B");
  assert.ok(steps.slice(0, expire).every((s) => !/receives OK/.test(s.text) || s.actor === "A"));
});

test("with fencing the storage refuses the stale write: the finding is gone", () => {
  const o = run("mode: single\nttlMs: 1000\npauseMs: 1500\nfencing: true\n");
  assert.equal(o.verdict.valid, true);
  assert.deepEqual(codes(o), ["fenced-write"]);
  assert.equal(o.metrics.writesRefused, 1);
  const refused = o.timeline!.steps.find((s) => s.text === "receives write with token 1 from A")!;
  const storage = refused.changed!.find((t) => t.name === "storage")!;
  assert.deepEqual(storage.rows[0], [7, "B", 1, 1]);
});

test("a pause shorter than the lease is safe: B waits for the release", () => {
  const o = run("mode: single\nttlMs: 1000\npauseMs: 500\n");
  assert.equal(o.verdict.valid, true);
  assert.equal(o.metrics.mostHolders, 1);
});

test("Redlock: an instance with a fast clock lets B form a majority while A still holds", () => {
  const o = run("mode: redlock\nttlMs: 1000\npauseMs: 0\nworkMs: 800\nunreachableFromA: [4, 5]\ndriftPercent: [0, 0, 100, 0, 0]\n");
  const f = o.verdict.findings.find((x) => x.code === "two-holders")!;
  assert.match(f.explanation, /r3 ran fast/);
  const same = run("mode: redlock\nttlMs: 1000\npauseMs: 0\nworkMs: 800\nunreachableFromA: [4, 5]\n");
  assert.equal(same.verdict.valid, true, "without drift B waits");
});

test("Redlock: validity is the ttl less the elapsed time and the drift allowance", () => {
  const o = run("mode: redlock\nttlMs: 1000\npauseMs: 0\nunreachableFromA: [5]\ntimeoutMs: 50\n");
  const grant = o.timeline!.steps.find((s) => /holds the lock, token 1/.test(s.text))!;
  // elapsed 50 ms (the timeout), drift 1000 × 0.01 + 2 = 12 ms
  assert.match(grant.text, /on 4 of 5 instances: valid 938 ms, until t=988 ms/);
});

test("turning the mode knob keeps a Redlock cell valid on a single instance; a drift list longer than the instances is refused", () => {
  const single = run("mode: single\nttlMs: 1000\npauseMs: 0\nworkMs: 800\nunreachableFromA: [4, 5]\ndriftPercent: [0, 0, 100, 0, 0]\n");
  assert.equal(single.verdict.valid, true);
  const r = runCell({ simulator: "lock", source: "mode: redlock\ninstances: 3\ndriftPercent: [0, 0, 0, 10]\n", seed: 1 });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, /4 drifts for 3 instances/);
});

test("renewal keeps a long job covered, but not a pause longer than the lease", () => {
  const long = run("mode: single\nttlMs: 1000\npauseMs: 0\nworkMs: 3000\nrenewal: true\n");
  assert.equal(long.verdict.valid, true);
  assert.ok(codes(long).includes("renewed"));
  const noRenewal = run("mode: single\nttlMs: 1000\npauseMs: 0\nworkMs: 3000\n");
  assert.ok(codes(noRenewal).includes("lease-lost"));
  const paused = run("mode: single\nttlMs: 1000\npauseMs: 1500\nrenewal: true\n");
  assert.ok(codes(paused).includes("two-holders"));
});

test("timeline tables: each instance's key, each client's belief and clock, the storage's last token", () => {
  const o = run("mode: single\nttlMs: 1000\npauseMs: 1500\n");
  const names = o.timeline!.initial.map((t) => t.name);
  assert.deepEqual(names, ["instances", "clients", "storage", "in flight", "down"]);
  const granted = o.timeline!.steps.find((s) => /holds the lock, token 1/.test(s.text))!;
  const clients = granted.changed!.find((t) => t.name === "clients")!;
  assert.deepEqual(clients.rows[0], ["A", "holds", 1, 1000, 4, "runs"]);
});

const fail = (): never => {
  throw new Error("invalid");
};
const ctx: ResolveContext = { at: () => undefined, fail };

function options(o: Partial<Options>): Options {
  return {
    mode: "single",
    fencing: true,
    pauseMs: 0,
    ttlMs: 1000,
    renewal: false,
    workMs: 50,
    secondStartMs: 100,
    retryMs: 200,
    maxAttempts: 30,
    latencyMs: 2,
    timeoutMs: 50,
    instances: 5,
    driftPercent: [],
    driftFactor: 0.01,
    unreachableFromA: [],
    ...o,
  };
}

test("with fencing, the storage never accepts writes out of token order, whatever the pauses, leases and clocks", () => {
  fc.assert(
    fc.property(
      fc.record({
        mode: fc.constantFrom("single" as const, "redlock" as const),
        pauseMs: fc.integer({ min: 0, max: 5000 }),
        ttlMs: fc.integer({ min: 10, max: 3000 }),
        workMs: fc.integer({ min: 0, max: 3000 }),
        secondStartMs: fc.integer({ min: 0, max: 3000 }),
        latencyMs: fc.integer({ min: 0, max: 40 }),
        renewal: fc.boolean(),
        driftPercent: fc.array(fc.integer({ min: -50, max: 200 }), { maxLength: 5 }),
      }),
      (o) => {
        const r = resolve(options({ ...o, driftPercent: o.mode === "single" ? o.driftPercent.slice(0, 1) : o.driftPercent }), ctx);
        const accepted = simulate(r).writes.filter((w) => w.accepted);
        for (let i = 1; i < accepted.length; i++) assert.ok(accepted[i]!.token >= accepted[i - 1]!.token, JSON.stringify(accepted));
      },
    ),
  );
});

test("on one instance with a true clock, a pause that ends while the lease still covers the write never makes two holders", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 10, max: 3000 }),
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 3000 }),
      (ttlMs, workMs, pauseMs, latencyMs, secondStartMs) => {
        const r = resolve(options({ fencing: false, ttlMs, workMs, pauseMs, latencyMs, secondStartMs }), ctx);
        const result = simulate(r);
        const beliefs = result.beliefs;
        const overlap = beliefs.some((a) => beliefs.some((b) => a !== b && a.fromMs < (b.toMs ?? Infinity) && b.fromMs < (a.toMs ?? Infinity)));
        // A's release leaves two round trips after its check: the lease must outlast work, pause and both.
        if (workMs + pauseMs + 2 * latencyMs <= ttlMs) assert.ok(!overlap, JSON.stringify(beliefs));
        // And a pause from before the key's expiry to after B's grant always does.
        const b = beliefs.find((x) => x.client === "B");
        if (b && pauseMs > 0 && workMs + 2 * latencyMs < ttlMs && b.fromMs < 2 * latencyMs + workMs + pauseMs) assert.ok(overlap);
      },
    ),
  );
});

test("the same options give the same run", () => {
  const src = "mode: redlock\npauseMs: 700\nttlMs: 500\ndriftPercent: [10, -5, 30]\n";
  assert.equal(JSON.stringify(run(src)), JSON.stringify(run(src)));
});

test("on the network: A's SET to an instance it cannot reach is dropped, and a paused A sends nothing while its lease expires", () => {
  const redlock = simulate(resolve(options({ mode: "redlock", unreachableFromA: [4, 5] }), ctx));
  const drops = redlock.trace.filter((e) => e.kind === "drop");
  assert.ok(drops.some((e) => e.actor === "A" && e.peer === "r4" && /^SET lock 1 NX PX 1000/.test(e.text)));
  assert.ok(drops.every((e) => e.actor === "A" && (e.peer === "r4" || e.peer === "r5")));
  assert.ok(!redlock.trace.some((e) => e.kind === "receive" && e.peer === "A" && (e.actor === "r4" || e.actor === "r5")));
  const noAnswer = redlock.events.filter((e) => e.kind === "set" && e.style === "fault").map((e) => e.seq);
  assert.deepEqual(
    noAnswer,
    drops.filter((e) => /^SET/.test(e.text)).map((e) => e.seq),
    "each lost SET is the lock's 'no answer'",
  );

  const paused = simulate(resolve(options({ fencing: false, pauseMs: 1500, renewal: true }), ctx));
  const pause = paused.trace.find((e) => e.kind === "pause" && e.actor === "A")!;
  const resume = paused.trace.find((e) => e.kind === "resume" && e.actor === "A")!;
  assert.deepEqual([pause.atMs, resume.atMs], [54, 1554]);
  const during = paused.trace.filter((e) => e.seq > pause.seq && e.seq < resume.seq);
  assert.ok(!during.some((e) => e.actor === "A"), "A sends, receives and notes nothing while paused");
  assert.ok(
    during.some((e) => e.actor === "redis" && /the key of A \(token 1\) expires/.test(e.text)),
    "its key expires meanwhile",
  );
  assert.ok(
    during.some((e) => e.actor === "B" && /holds the lock/.test(e.text)),
    "and B goes on",
  );
  // On resuming, A does what came due while it was stopped: the write first, then the watchdog's tick.
  const after = paused.trace.filter((e) => e.seq > resume.seq && e.actor === "A" && e.kind === "send").map((e) => e.text);
  assert.deepEqual(after.slice(0, 2), ["write with token 1", "extend 1 by 1000 ms"]);
  assert.ok(paused.watched.after.get(pause.seq)!.clients.find((c) => c.name === "A")!.paused);
});

test("the timeline lists A as paused in the network's table from its pause to its resumption", () => {
  const steps = run("mode: single\nttlMs: 1000\npauseMs: 1500\n").timeline!.steps;
  const pause = steps.findIndex((s) => /stops the world for 1500 ms/.test(s.text));
  const resume = steps.findIndex((s) => /^resumes after 1500 ms/.test(s.text));
  assert.deepEqual(steps[pause]!.changed!.find((t) => t.name === "down")!.rows, [["A (paused)", 54]]);
  assert.deepEqual(steps[resume]!.changed!.find((t) => t.name === "down")!.rows, []);
  assert.ok(steps.slice(pause + 1, resume).every((s) => s.actor !== "A"));
});
