// nginx's limit_req against the test's reference: one throwaway nginx (scripts/nginx.mjs) with a
// location and zone per scenario of test/support/rate-limit-scenarios.ts; each scenario's requests
// are sent at their scheduled times and what nginx did with each is read back: its error log (at
// `limit_req_log_level info`) has limit_req's own line for each request it rejected ("limiting
// requests", which must be a 503) or delayed ("delaying request", a 200 after the delay), with the
// excess it computed; a request without such a line was accepted (a 200 at once).
//
// Timing: nginx decides by its own clock, so the tier judges each request at the time nginx saw it,
// from the access log (`$msec - $request_time`: when nginx read the request, in whole ms), not at the
// time it was sent. The reference (`referenceLimiter`) is fed those arrivals in nginx's order; a
// request is near a boundary when arriving BOUNDARY_MARGIN_MS earlier or later would change the
// reference's decision: it is left out, counted, and nginx's own decision is carried into the state.
// Every other request must get the reference's decision, the excess nginx logged for it must be the
// reference's within BOUNDARY_MARGIN_MS' worth of the rate, and a delayed one must be held its
// computed delay (DELAY_EARLY_MS less to DELAY_LATE_MS more). Requests nginx read in the same ms are ordered as
// nginx must have taken them: within one ms the excess only grows, so accepted ones came first, then
// delayed ones by increasing delay, then rejected ones.
//
// One line per scenario says what nginx did, how many requests were left out, and whether the
// schedule's own prediction (the scenario's `expected`, at the times requests were meant to arrive) held.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { startNginx, type AccessLogLine, type LimitLogLine, type Nginx } from "../../scripts/nginx.mjs";
import {
  BOUNDARY_MARGIN_MS,
  DELAY_EARLY_MS,
  DELAY_LATE_MS,
  RATE_LIMIT_SCENARIOS,
  referenceLimitReq,
  referenceLimiter,
  type Decision,
  type RateLimitScenario,
} from "../support/rate-limit-scenarios";
import { nginxLimitReq } from "../../src/sims/rate-limit/model/nginx";
import { sendSchedule, type Sent } from "../support/timed-requests";

const started = Date.now();
let nginx: Nginx | undefined;
const totals = { scenarios: 0, requests: 0, leftOut: 0, modelAgreed: 0, notCompared: 0 };

/**
 * The simulator's nginx variant, fed the arrival times nginx recorded, must decide every request that
 * is not near a boundary as nginx did. At a request near one the two may go different ways; if they
 * do, their states part and the requests after it are not compared (and counted).
 */
function againstModel(scenario: RateLimitScenario, observed: readonly Observed[], near: ReadonlySet<number>): { agreed: number; after: number } {
  const decisions = nginxLimitReq(
    observed.map((o) => o.arrivalMs),
    scenario.options,
  );
  let agreed = 0;
  for (const [k, o] of observed.entries()) {
    if (near.has(o.i)) {
      if (decisions[k] !== o.decision) {
        totals.modelAgreed += agreed;
        totals.notCompared += observed.length - k;
        return { agreed, after: observed.length - k };
      }
      continue;
    }
    assert.equal(decisions[k], o.decision, `request ${o.i} (nginx ${o.arrivalMs} ms): nginx ${o.decision} it, the model's nginxLimitReq says ${decisions[k]}`);
    agreed++;
  }
  totals.modelAgreed += agreed;
  return { agreed, after: 0 };
}

before(async () => {
  nginx = await startNginx({ locations: RATE_LIMIT_SCENARIOS.map((s) => ({ name: s.location, ...s.options })) });
  console.log(`${nginx.version} on 127.0.0.1:${nginx.port}`);
});

after(async () => {
  await nginx?.stop();
  console.log(
    `nginx: ${totals.scenarios} scenarios, ${totals.requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `${totals.leftOut} left out within ${BOUNDARY_MARGIN_MS} ms of a decision boundary; the model's nginxLimitReq agreed with nginx on ${totals.modelAgreed}` +
      (totals.notCompared ? ` (${totals.notCompared} not compared, after a boundary request it decided the other way)` : ""),
  );
});

/** The scenario's lines of the access log, once all of them are written (nginx logs after responding). */
async function logLines(server: Nginx, scenario: RateLimitScenario): Promise<AccessLogLine[]> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const lines = server.accessLog().filter((l) => l.uri === `/${scenario.location}`);
    if (lines.length >= scenario.arrivalsMs.length || Date.now() > deadline) return lines;
    await sleep(20);
  }
}

interface Observed {
  readonly i: number;
  readonly sentMs: number;
  /** When nginx read the request, ms by its clock, from the scenario's first request. */
  readonly arrivalMs: number;
  readonly decision: Decision;
  /** How long nginx took to answer, ms ($request_time). */
  readonly tookMs: number;
  /** The excess nginx logged, thousandths of a request (delayed and rejected requests only). */
  readonly loggedExcess: number | undefined;
}

const RANK: Record<Decision, number> = { accepted: 0, delayed: 1, rejected: 2 };

function observe(sent: readonly Sent[], lines: readonly AccessLogLine[], limits: readonly LimitLogLine[]): Observed[] {
  const byI = new Map(lines.map((l) => [l.i, l]));
  const limitByI = new Map(limits.map((l) => [l.i, l]));
  assert.equal(limitByI.size, limits.length, "limit_req logged each request at most once");
  const raw = sent.map((s) => {
    const line = byI.get(s.i);
    assert.ok(line, `request ${s.i} is in nginx's access log`);
    assert.equal(line.status, s.status, `request ${s.i}: the log's status is the response's`);
    assert.ok(s.status === 200 || s.status === 503, `request ${s.i}: 200 or 503 (limit_req_status), got ${s.status}`);
    const tookMs = Math.round(line.requestTime * 1000);
    const limit = limitByI.get(s.i);
    const decision: Decision = limit?.kind ?? "accepted";
    assert.equal(s.status === 503, decision === "rejected", `request ${s.i}: answered ${s.status}, limit_req logged it ${limit?.kind ?? "not at all"}`);
    return { i: s.i, sentMs: s.sentMs, arrivalMs: Math.round(line.msec * 1000) - tookMs, decision, tookMs, loggedExcess: limit?.excess };
  });
  const first = Math.min(...raw.map((r) => r.arrivalMs));
  return raw
    .map((r) => ({ ...r, arrivalMs: r.arrivalMs - first }))
    .sort((a, b) => a.arrivalMs - b.arrivalMs || RANK[a.decision] - RANK[b.decision] || a.tookMs - b.tookMs);
}

const letter = (d: Decision) => d[0].toUpperCase();
const signed = (n: number) => (n >= 0 ? `+${n}` : `${n}`);

describe("nginx limit_req", () => {
  for (const scenario of RATE_LIMIT_SCENARIOS) {
    test(scenario.name, async () => {
      assert.ok(nginx, "nginx started");
      const predicted = referenceLimitReq(scenario.arrivalsMs, scenario.options).map((s) => s.decision);
      assert.deepEqual(predicted, scenario.expected, "the scenario's expected decisions are the reference's at the scheduled times");

      const sent = await sendSchedule(nginx.port, scenario.arrivalsMs, { pathOf: (i) => `/${scenario.location}?i=${i}`, readyPath: "/ready" });
      const lines = await logLines(nginx, scenario);
      const observed = observe(
        sent,
        lines,
        nginx.limitLog().filter((l) => l.zone === scenario.location),
      );
      const limiter = referenceLimiter(scenario.options);
      let leftOut = 0;
      const delayOffs: number[] = [];
      let worstExcessOff = 0;
      const nearOnes = new Set<number>();
      for (const o of observed) {
        const ref = limiter.arrive(o.arrivalMs, o.decision);
        if (ref.near) nearOnes.add(o.i);
        const where = `request ${o.i} (scheduled ${scenario.arrivalsMs[o.i]} ms, sent ${o.sentMs.toFixed(1)} ms, nginx ${o.arrivalMs} ms, excess ${ref.rawExcess / 1000})`;
        // DSNB_NGINX_DEBUG=1: every request as nginx saw it, with the reference's step.
        if (process.env.DSNB_NGINX_DEBUG) console.log(JSON.stringify({ ...o, ref }));
        if (ref.near) {
          leftOut++;
          continue;
        }
        assert.equal(o.decision, ref.decision, `${where}: nginx ${o.decision} it (took ${o.tookMs} ms), the reference says ${ref.decision}`);
        if (o.loggedExcess !== undefined) {
          const excessOff = Math.abs(o.loggedExcess - Math.max(0, ref.rawExcess));
          assert.ok(
            excessOff <= scenario.options.ratePerSecond * BOUNDARY_MARGIN_MS,
            `${where}: nginx logged excess ${o.loggedExcess / 1000}, more than ${BOUNDARY_MARGIN_MS} ms' worth from the reference's`,
          );
          worstExcessOff = Math.max(worstExcessOff, excessOff);
        }
        if (o.decision === "delayed") {
          const off = o.tookMs - ref.delayMs;
          assert.ok(off >= -DELAY_EARLY_MS && off <= DELAY_LATE_MS, `${where}: held ${o.tookMs} ms, the reference says ${ref.delayMs} ms`);
          delayOffs.push(off);
        }
      }
      const compared = observed.length - leftOut;
      assert.ok(compared * 2 >= observed.length, `at least half the requests are compared (${compared} of ${observed.length})`);

      const model = againstModel(scenario, observed, nearOnes);

      const byIndex = [...observed].sort((a, b) => a.i - b.i);
      const held = byIndex.filter((o, k) => o.decision === scenario.expected[k]).length;
      const lag = Math.max(...sent.map((s) => s.sentMs - scenario.arrivalsMs[s.i]));
      totals.scenarios++;
      totals.requests += observed.length;
      totals.leftOut += leftOut;
      const delays = byIndex.filter((o) => o.decision === "delayed").map((o) => o.tookMs);
      const heldFor = delayOffs.length
        ? `delayed ones held ${signed(Math.min(...delayOffs))} to ${signed(Math.max(...delayOffs))} ms from the computed delay`
        : "nothing delayed";
      console.log(
        `${scenario.location}: nginx ${byIndex.map((o) => letter(o.decision)).join("")} in sending order${delays.length ? ` (delays ${delays.join("/")} ms)` : ""}; ` +
          `${leftOut} of ${observed.length} left out near a boundary; the schedule's prediction ${scenario.expected.map(letter).join("")} held for ${held}; ` +
          `sent at most ${lag.toFixed(1)} ms late; logged excesses within ${worstExcessOff / 1000} of the reference's; ${heldFor}; ` +
          `the model agrees on ${model.agreed} of ${observed.length}${model.after ? ` (not compared after a boundary request it decided the other way: ${model.after})` : ""}`,
      );
    });
  }
});
