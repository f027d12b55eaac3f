// Request schedules for nginx's limit_req, as data, with the decisions nginx's documented algorithm
// predicts for them. The nginx tier (test/nginx/limit-req.test.ts) sends each schedule to a real
// nginx (scripts/nginx.mjs) and holds what it did to the reference below; the rate-limit simulator's
// nginx variant (`nginxLimitReq` in src/sims/rate-limit/model/nginx.ts) is to be held to the same
// observations (docs/rate-limit-server.md).
//
// THE TEST'S REFERENCE, not the product's model: `referenceLimiter` restates
// ngx_http_limit_req_module.c (nginx 1.22) in a few lines, so that the tier can say what nginx should
// do at the arrival times nginx itself recorded. Per key, nginx keeps `excess` (in thousandths of a
// request) and `last` (ms). A request arriving at `now`:
//   ms = now - last;  excess = lr.excess - rate * ms / 1000 + 1000  (rate = r/s × 1000), floored at 0
//   excess > burst × 1000            → rejected (503); the state is left as it was
//   otherwise the state becomes { excess, last: now }, and
//   excess ≤ delay × 1000            → accepted at once (nodelay: delay is unlimited; default delay 0)
//   otherwise                        → delayed by (excess - delay × 1000) × 1000 / rate ms, then 200
// The first request of a key finds no state: excess 0, accepted. The state changes when a request
// arrives (a delayed request counts at its arrival, not when it is served).

export type Decision = "accepted" | "delayed" | "rejected";

export interface LimitReqOptions {
  /** The zone's `rate=Nr/s`. */
  readonly ratePerSecond: number;
  /** `burst=N` (0: no burst parameter). */
  readonly burst: number;
  /** `nodelay`: requests within the burst are served at once. */
  readonly nodelay: boolean;
  /** `delay=D`: the first D excess requests are served at once, the rest of the burst delayed. */
  readonly delay?: number;
}

export interface RateLimitScenario {
  readonly name: string;
  /** Lower-case letters and digits: the nginx zone and the path `/<location>`. */
  readonly location: string;
  readonly options: LimitReqOptions;
  /** When each request is sent, in ms from the scenario's start (non-decreasing). */
  readonly arrivalsMs: readonly number[];
  /** What the reference predicts at exactly these times (checked against `referenceLimitReq`). */
  readonly expected: readonly Decision[];
  /** What nginx must show, in words. */
  readonly facts: readonly string[];
}

/** One request's outcome by the reference. */
export interface ReferenceStep {
  readonly decision: Decision;
  /** The excess nginx computes on arrival, before flooring at 0, in thousandths of a request. */
  readonly rawExcess: number;
  /** How long a delayed request is held, ms (0 otherwise). */
  readonly delayMs: number;
  /**
   * Near a decision boundary: arriving up to BOUNDARY_MARGIN_MS earlier or later (but not before the
   * request that set the state) would change the decision.
   */
  readonly near: boolean;
}

/**
 * The timing uncertainty the tier allows, in ms of arrival time. nginx decides on its own clock,
 * in whole ms; the tier reads the same clock from the access log, but nginx's limit_req uses the
 * monotonic ms and the log the wall-clock ms of the same instant, which can round apart by 1 ms at
 * each end of a gap. A request is near a boundary when moving its arrival by up to this much (not
 * before the last request nginx counted) would change the reference's decision; the tier leaves such
 * requests out of the comparison, counts them, and follows nginx's own decision for the state after them.
 */
export const BOUNDARY_MARGIN_MS = 5;

/** A delayed request must take its computed delay, give or take: not more than this much less (clock rounding)… */
export const DELAY_EARLY_MS = BOUNDARY_MARGIN_MS;
/** …and not more than this much more (nginx's timer, one worker, a shared machine). */
export const DELAY_LATE_MS = 100;

/** nginx's limit_req state for one key, fed one arrival at a time (the test's reference). */
export function referenceLimiter(options: LimitReqOptions, marginMs = BOUNDARY_MARGIN_MS) {
  const rate = options.ratePerSecond * 1000;
  const burst = options.burst * 1000;
  const delayThreshold = options.nodelay ? Infinity : (options.delay ?? 0) * 1000;
  let state: { excess: number; last: number } | undefined;
  /** The decision for a request `gapMs` after the state's last request. */
  const decide = (s: { excess: number }, gapMs: number) => {
    const rawExcess = s.excess - Math.trunc((rate * gapMs) / 1000) + 1000;
    const excess = Math.max(0, rawExcess);
    const decision: Decision = excess > burst ? "rejected" : excess <= delayThreshold ? "accepted" : "delayed";
    const delayMs = decision === "delayed" ? Math.trunc(((excess - delayThreshold) * 1000) / rate) : 0;
    return { decision, rawExcess, excess, delayMs };
  };
  return {
    /**
     * A request arrives at `nowMs` (whole ms, nginx's clock). `follow`: the decision nginx actually
     * made, when the caller knows it (for a request near a boundary); the state is then updated as
     * nginx's was.
     */
    arrive(nowMs: number, follow?: Decision): ReferenceStep {
      if (!state) {
        // A new key: nginx stores excess 0 and accepts, whatever the settings.
        state = { excess: 0, last: nowMs };
        return { decision: "accepted", rawExcess: 0, delayMs: 0, near: false };
      }
      const gap = Math.max(0, nowMs - state.last);
      const here = decide(state, gap);
      const earlier = decide(state, Math.max(0, gap - marginMs)).decision;
      const later = decide(state, gap + marginMs).decision;
      const near = earlier !== here.decision || later !== here.decision;
      if ((follow ?? here.decision) !== "rejected") state = { excess: here.excess, last: nowMs };
      return { decision: here.decision, rawExcess: here.rawExcess, delayMs: here.delayMs, near };
    },
  };
}

/** The reference's decisions for a whole schedule. */
export function referenceLimitReq(arrivalsMs: readonly number[], options: LimitReqOptions): ReferenceStep[] {
  const limiter = referenceLimiter(options);
  return arrivalsMs.map((t) => limiter.arrive(t));
}

/** `n` requests at the same moment. */
export function together(at: number, n: number): number[] {
  return Array.from({ length: n }, () => at);
}

/** Requests every `everyMs` from `from` (inclusive) to `to` (exclusive). */
export function stream(from: number, to: number, everyMs: number): number[] {
  const out: number[] = [];
  for (let t = from; t < to; t += everyMs) out.push(t);
  return out;
}

const A = "accepted";
const D = "delayed";
const R = "rejected";

export const RATE_LIMIT_SCENARIOS: readonly RateLimitScenario[] = [
  {
    name: "1r/s, no burst: one request per second, counted from the last accepted one",
    location: "one_per_second",
    options: { ratePerSecond: 1, burst: 0, nodelay: false },
    arrivalsMs: [0, 500, 999, 1001, 2000, 2500, 3100, 3200, 4300],
    expected: [A, R, R, A, R, A, R, R, A],
    facts: [
      "without burst, a request less than 1000 ms after the last accepted one is rejected, however close to 1000 ms (999 ms: excess 1 > 0)",
      "rejected requests do not move the clock: 2000 is 999 ms after the accepted 1001 and is rejected; 2500 is accepted",
      "the requests at 999, 1001 and 2000 ms are one ms from the threshold: near the boundary, left out of the comparison",
    ],
  },
  {
    name: "10r/s, burst 5, nodelay: 8 at once, then a stream at 22 r/s",
    location: "burst_nodelay",
    options: { ratePerSecond: 10, burst: 5, nodelay: true },
    arrivalsMs: [...together(0, 8), ...stream(300, 1300, 45)],
    expected: [A, A, A, A, A, A, R, R, A, A, A, A, R, A, R, A, R, A, R, R, A, R, A, R, A, R, A, R, A, R, R],
    facts: [
      "of 8 requests at once, the first and the burst of 5 are served at once (nodelay), the last 2 rejected",
      "a stream faster than the rate is served at the rate once the burst is used up: the rest are rejected",
    ],
  },
  {
    name: "2r/s, burst 3, delayed: 5 at once, a pause, then 4 more",
    location: "burst_delayed",
    options: { ratePerSecond: 2, burst: 3, nodelay: false },
    arrivalsMs: [...together(0, 5), 2700, 2800, 2900, 3000],
    expected: [A, D, D, D, R, A, D, D, D],
    facts: [
      "without nodelay the burst is queued: the 2nd, 3rd and 4th requests are held 500, 1000 and 1500 ms (one interval of the rate per excess request)",
      "the 5th exceeds the burst and is rejected at once",
      "a delayed request counts when it arrives, not when it is served: after 2.7 s the excess is back to 0; the next three, 100 ms apart, are delayed 400, 800 and 1200 ms",
    ],
  },
  {
    name: "2r/s, burst 4, delay=2: 6 at once, then one more",
    location: "two_stage",
    options: { ratePerSecond: 2, burst: 4, nodelay: false, delay: 2 },
    arrivalsMs: [...together(0, 6), 1200],
    expected: [A, A, A, D, D, R, D],
    facts: [
      "with delay=2, the first 2 excess requests are served at once, the next 2 of the burst delayed (500 and 1000 ms), the 6th rejected",
      "the excess drains at the rate while requests wait: at 1200 ms it is 2.6 with this request, so it is delayed 300 ms",
    ],
  },
  {
    name: "10r/s, no burst: a stream under the rate, then one over it",
    location: "steady_stream",
    options: { ratePerSecond: 10, burst: 0, nodelay: false },
    arrivalsMs: [...stream(0, 1000, 125), ...stream(1000, 2000, 80)],
    expected: [A, A, A, A, A, A, A, A, A, R, A, R, A, R, A, R, A, R, A, R, A],
    facts: [
      "at 8 r/s every request is accepted: each finds the excess drained (the 9th, at 1000 ms, is still 125 ms after the 8th)",
      "at 12.5 r/s with no burst every other request is rejected: 80 ms after an accepted one the excess is 0.2",
    ],
  },
];
