// HAProxy 2.6's stick-table counter against the rate-limit simulator's haproxy variant: one throwaway
// HAProxy (scripts/haproxy.mjs) with a path and stick table per scenario of
// test/support/haproxy-scenarios.ts (`http_req_rate(<period>)`, `track-sc0` on the `x-key` header,
// `deny deny_status 429 if { sc_http_req_rate(0) gt <limit> }`). Each scenario sends its requests at
// their scheduled times with a key of its own, so its first request creates the entry and opens the
// counter's first period. Every answer says when HAProxy ran the rules (`date(0,ms)`, the clock its
// counter reads) and the rate it read; a 429 must come with a rate above the limit and a 200 without.
//
// The model (`haproxyHttpReqRate`) is fed HAProxy's own times, in the order HAProxy counted the
// requests (by time, then by the rate read: within one ms each request reads one more), measured from
// the first request's time rounded down to an even ms (HAProxy's period start is rounded so). A
// request is near a boundary when the model would decide it the other way had it arrived
// BOUNDARY_MARGIN_MS earlier (not before the request before it) or later: it is left out and counted.
// The counter's state does not depend on decisions (denied requests count too), so one left out
// changes nothing after it. Every other request must get the model's decision; where the model's rate
// is also the same BOUNDARY_MARGIN_MS either side, HAProxy's rate must be the model's too.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startHaproxy, type Haproxy } from "../../scripts/haproxy.mjs";
import { HAPROXY_SCENARIOS, type HaproxyDecision, type HaproxyScenario } from "../support/haproxy-scenarios";
import { BOUNDARY_MARGIN_MS } from "../support/rate-limit-scenarios";
import { sendSchedule, type Sent } from "../support/timed-requests";
import { haproxyHttpReqRate } from "../../src/sims/rate-limit/model/haproxy";

const started = Date.now();
let haproxy: Haproxy | undefined;
const totals = { scenarios: 0, requests: 0, compared: 0, leftOut: 0, agreed: 0, rates: 0 };

before(async () => {
  haproxy = await startHaproxy({ limits: HAPROXY_SCENARIOS.map((s) => ({ name: s.table, ...s.options })) });
  console.log(`${haproxy.version} on 127.0.0.1:${haproxy.port}`);
});

after(async () => {
  await haproxy?.stop();
  console.log(
    `haproxy: ${totals.scenarios} scenarios, ${totals.requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `${totals.leftOut} left out within ${BOUNDARY_MARGIN_MS} ms of a decision boundary; the model's haproxyHttpReqRate agreed with HAProxy ` +
      `on ${totals.agreed} of ${totals.compared} compared, and on the rate read for ${totals.rates}`,
  );
});

interface Observed {
  readonly i: number;
  readonly sentMs: number;
  /** HAProxy's clock when it ran the rules, ms from the first request's time rounded down to an even ms. */
  readonly atMs: number;
  readonly rate: number;
  readonly decision: HaproxyDecision;
}

function observe(scenario: HaproxyScenario, sent: readonly Sent[]): Observed[] {
  const raw = sent.map((s) => {
    const m = /^(\d+) (\d+)$/.exec(s.body.trim());
    assert.ok(m, `request ${s.i}: the answer is "<ms> <rate>", got ${s.status} "${s.body.trim()}"`);
    assert.ok(s.status === 200 || s.status === 429, `request ${s.i}: 200 or 429, got ${s.status}`);
    const rate = Number(m[2]);
    assert.equal(s.status === 429, rate > scenario.options.limit, `request ${s.i}: answered ${s.status} having read the rate ${rate}`);
    return { i: s.i, sentMs: s.sentMs, ms: Number(m[1]), rate, decision: (s.status === 429 ? "rejected" : "accepted") as HaproxyDecision };
  });
  const first = Math.min(...raw.map((r) => r.ms));
  const origin = first - (first % 2);
  return raw.map(({ ms, ...r }) => ({ ...r, atMs: ms - origin })).sort((a, b) => a.atMs - b.atMs || a.rate - b.rate);
}

/** The model's step for request `k` of `times` had it arrived at `atMs` instead. */
function modelAt(times: readonly number[], k: number, atMs: number, o: HaproxyScenario["options"]) {
  return haproxyHttpReqRate([...times.slice(0, k), atMs], o)[k]!;
}

interface Judged {
  readonly compared: number;
  readonly leftOut: number;
  readonly agreed: number;
  readonly rates: number;
  readonly disagreements: string[];
}

function judge(scenario: HaproxyScenario, observed: readonly Observed[]): Judged {
  const times = observed.map((o) => o.atMs);
  const model = haproxyHttpReqRate(times, scenario.options);
  const out: Judged = { compared: 0, leftOut: 0, agreed: 0, rates: 0, disagreements: [] };
  const counts = out as { -readonly [K in keyof Judged]: Judged[K] };
  for (const [k, o] of observed.entries()) {
    const step = model[k]!;
    const earlier = modelAt(times, k, Math.max(times[k - 1] ?? 0, o.atMs - BOUNDARY_MARGIN_MS), scenario.options);
    const later = modelAt(times, k, o.atMs + BOUNDARY_MARGIN_MS, scenario.options);
    // DSNB_HAPROXY_DEBUG=1: every request as HAProxy saw it, with the model's step and its neighbours.
    if (process.env.DSNB_HAPROXY_DEBUG) console.log(JSON.stringify({ ...o, model: step, earlier, later }));
    if (k > 0 && (earlier.decision !== step.decision || later.decision !== step.decision)) {
      counts.leftOut++;
      continue;
    }
    counts.compared++;
    const where = `request ${o.i} (scheduled ${scenario.arrivalsMs[o.i]} ms, sent ${o.sentMs.toFixed(1)} ms, HAProxy ${o.atMs} ms)`;
    if (o.decision !== step.decision)
      out.disagreements.push(`${where}: HAProxy ${o.decision} it reading ${o.rate}, the model says ${step.decision} (${step.rate})`);
    else counts.agreed++;
    if (earlier.rate === step.rate && later.rate === step.rate) {
      if (o.rate !== step.rate) out.disagreements.push(`${where}: HAProxy read the rate ${o.rate}, the model ${step.rate}`);
      else counts.rates++;
    }
  }
  return out;
}

const letter = (d: HaproxyDecision) => d[0]!.toUpperCase();

describe("HAProxy stick table http_req_rate", () => {
  for (const scenario of HAPROXY_SCENARIOS) {
    test(scenario.name, async () => {
      assert.ok(haproxy, "HAProxy started");
      const key = `${scenario.table}-${Date.now()}`;
      const sent = await sendSchedule(haproxy.port, scenario.arrivalsMs, {
        pathOf: () => `/${scenario.table}`,
        readyPath: "/ready",
        headers: { "x-key": key },
      });
      const observed = observe(scenario, sent);
      const j = judge(scenario, observed);
      totals.scenarios++;
      totals.requests += observed.length;
      totals.compared += j.compared;
      totals.leftOut += j.leftOut;
      totals.agreed += j.agreed;
      totals.rates += j.rates;
      const byIndex = [...observed].sort((a, b) => a.i - b.i);
      const held = byIndex.filter((o, k) => o.decision === scenario.expected[k]).length;
      const lag = Math.max(...sent.map((s) => s.sentMs - scenario.arrivalsMs[s.i]!));
      console.log(
        `${scenario.table}: HAProxy ${byIndex.map((o) => letter(o.decision)).join("")} in sending order (rates ${byIndex.map((o) => o.rate).join(" ")}); ` +
          `compared ${j.compared}, left out ${j.leftOut} near a boundary, agreed ${j.agreed}, the rate read agreed on ${j.rates}; ` +
          `the schedule's prediction ${scenario.expected.map(letter).join("")} held for ${held} of ${observed.length}; sent at most ${lag.toFixed(1)} ms late`,
      );
      assert.deepEqual(j.disagreements, [], "HAProxy and the model agree on every request away from a boundary");
      assert.ok(j.compared * 2 >= observed.length, `at least half the requests are compared (${j.compared} of ${observed.length})`);
    });
  }
});
