// The rate-limit simulator's haproxy variant (HAProxy 2.6's http_req_rate with a deny rule), without a
// server: the stored schedules of the haproxy tier (test/haproxy/stick-table.test.ts holds the model
// to a real HAProxy), the period start, and properties on random schedules: a brute-force count of
// the arrivals in HAProxy's periods gives the same rates, no period passes more than the limit, and
// no span of one period more than twice the limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { HaproxyCounter, haproxyHttpReqRate } from "../../../src/sims/rate-limit/model/haproxy";
import { HAPROXY_SCENARIOS } from "../../support/haproxy-scenarios";
import { runCell } from "../../../src/engine/pipeline";
import { makeLimiter } from "../../../src/sims/rate-limit/model";

test("the model decides every stored HAProxy schedule as the scenario expects", () => {
  for (const s of HAPROXY_SCENARIOS)
    assert.deepEqual(
      haproxyHttpReqRate(s.arrivalsMs, s.options).map((x) => x.decision),
      s.expected,
      s.name,
    );
});

test("a burst straddling the period boundary: the previous period still weighs 9 of its 10 after 20 ms", () => {
  const steps = haproxyHttpReqRate([0, ...Array(9).fill(980), 1020, 1020], { periodMs: 1000, limit: 10 });
  assert.deepEqual(
    steps.map((s) => s.rate),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11],
  );
  assert.deepEqual(
    steps.slice(-2).map((s) => s.decision),
    ["accepted", "rejected"],
  );
});

test("the first request opens the period at its own time, rounded down to an even ms; two idle periods open a new one", () => {
  const c = new HaproxyCounter({ periodMs: 400, limit: 4 });
  c.request(1235);
  assert.equal(c.state.periodStartMs, 1234);
  c.request(1633);
  assert.deepEqual(c.state, { periodStartMs: 1234, current: 2, previous: 0 });
  c.request(1634);
  assert.deepEqual(c.state, { periodStartMs: 1634, current: 1, previous: 2 }, "one period later: the next one follows on");
  c.request(2434);
  assert.deepEqual(c.state, { periodStartMs: 2434, current: 1, previous: 0 }, "two periods later: a new one at the request, the past forgotten");
});

test("denied requests count: a client just over the rate is denied everything, not held to the rate", () => {
  const every180 = Array.from({ length: 17 }, (_, i) => i * 180);
  const decisions = haproxyHttpReqRate(every180, { periodMs: 1000, limit: 5 }).map((s) => s.decision[0]);
  assert.equal(decisions.join(""), "aaaaarrrrrrrraaaa");
});

/** Brute force: HAProxy's period starts for `times`, then the arrivals counted in them. */
function bruteRates(times: readonly number[], periodMs: number): number[] {
  let tick = -Infinity;
  let follows = false;
  return times.map((t, k) => {
    if (t - tick >= periodMs) {
      follows = t - tick < 2 * periodMs;
      tick = follows ? tick + periodMs : t - (t % 2);
    }
    const upTo = times.slice(0, k + 1);
    const curr = upTo.filter((u) => u >= tick).length;
    const prev = follows ? upTo.filter((u) => u >= tick - periodMs && u < tick).length : 0;
    return curr + Math.floor((prev * (tick + periodMs - t)) / periodMs);
  });
}

const schedule = fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 60 }).map((gaps) => {
  let t = 0;
  return gaps.map((g) => (t += g % 5 === 0 ? 0 : g)); // some requests in the same millisecond
});
const settings = fc.record({ periodMs: fc.integer({ min: 1, max: 2000 }), limit: fc.integer({ min: 1, max: 12 }) });

test("property: the rates are the brute-force count of arrivals in HAProxy's periods", () => {
  fc.assert(
    fc.property(schedule, settings, (times, o) => {
      assert.deepEqual(
        haproxyHttpReqRate(times, o).map((s) => s.rate),
        bruteRates(times, o.periodMs),
      );
    }),
    { numRuns: 500 },
  );
});

test("property: at most the limit passes in one of HAProxy's periods, and at most twice the limit in any span of a period", () => {
  fc.assert(
    fc.property(schedule, settings, (times, o) => {
      const c = new HaproxyCounter(o);
      const passed: { at: number; period: number }[] = [];
      for (const t of times) if (c.request(t).decision === "accepted") passed.push({ at: t, period: c.state.periodStartMs! });
      const perPeriod = new Map<number, number>();
      for (const p of passed) perPeriod.set(p.period, (perPeriod.get(p.period) ?? 0) + 1);
      for (const n of perPeriod.values()) assert.ok(n <= o.limit);
      for (const p of passed) assert.ok(passed.filter((q) => q.at >= p.at && q.at < p.at + o.periodMs).length <= 2 * o.limit);
    }),
    { numRuns: 300 },
  );
});

test("a rate-limit cell runs the haproxy algorithm: windowMs is the period, limit the deny threshold, and the state shows the counter", () => {
  const source = "algorithm: haproxy\nlimit: 10\nkeys:\n  - name: user\n    arrivalsMs: [0, 980, 980, 980, 980, 980, 980, 980, 980, 980, 1020, 1020]\n";
  const r = runCell({ simulator: "rate-limit", source, seed: 1 });
  if (!r.ok) throw new Error(r.error.message);
  assert.equal(r.output.metrics.accepted, 11);
  assert.equal(r.output.metrics.rejected, 1);
  const limiter = makeLimiter("haproxy", { limit: 10, windowMs: 1000, capacity: 10, burst: 0, nodelay: false });
  [0, 980].forEach((t) => limiter.decide(t));
  assert.deepEqual(limiter.decide(1020).state, { sc_http_req_rate: 2, current: 1, previous: 2, "period start (ms)": 1000 }, "1 + floor(2 × 980 / 1000)");
});
