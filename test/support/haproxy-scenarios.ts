// Request schedules for HAProxy's stick-table counter, as data: the haproxy tier
// (test/haproxy/stick-table.test.ts) sends each to a real HAProxy 2.6 (scripts/haproxy.mjs) with
//   stick-table type string ... store http_req_rate(<periodMs>ms)
//   http-request track-sc0 req.hdr(x-key) table <table>
//   http-request deny deny_status 429 if { sc_http_req_rate(0) gt <limit> }
// and holds each request's 200 or 429 to the rate-limit simulator's haproxy variant
// (`haproxyHttpReqRate` in src/sims/rate-limit/model/haproxy.ts; docs/rate-limit-server.md). Each
// scenario's `expected` is what that model decides at exactly the scheduled times (a unit test checks
// it); the facts say in words what the schedule shows and were worked out by hand from the rule
// rate = current + floor(previous × (period start + period − now) / period).
import { stream, together } from "./rate-limit-scenarios";

export type HaproxyDecision = "accepted" | "rejected";

export interface HaproxyScenario {
  readonly name: string;
  /** Lower-case letters and digits: the stick table `t_<table>` and the path `/<table>`. */
  readonly table: string;
  readonly options: { readonly periodMs: number; readonly limit: number };
  /** When each request is sent, ms from the scenario's start (non-decreasing); the first opens the entry's first period. */
  readonly arrivalsMs: readonly number[];
  readonly expected: readonly HaproxyDecision[];
  readonly facts: readonly string[];
}

/** "AARR…" to decisions. */
const decisions = (letters: string): HaproxyDecision[] => [...letters.replace(/ /g, "")].map((c) => (c === "A" ? "accepted" : "rejected"));

export const HAPROXY_SCENARIOS: readonly HaproxyScenario[] = [
  {
    name: "5 per 1000 ms, 4 r/s for 2 s, then 8 r/s",
    table: "steady",
    options: { periodMs: 1000, limit: 5 },
    arrivalsMs: [...stream(0, 2000, 250), ...stream(2000, 3000, 125)],
    expected: decisions("AAAA AAAA AA RRRRRR"),
    facts: [
      "under the rate everything passes: from 1000 ms each request reads 5 (its period's count so far plus the previous 4 weighted by what is left of the period, rounded down)",
      "at 8 r/s the rate climbs above 5 from 2250 ms (3 + floor(4 × 750 / 1000) = 6), and every later request is denied; 2250 ms itself is 5 ms from reading 5 and is left out",
    ],
  },
  {
    name: "5 per 1000 ms, a steady 5.6 r/s (every 180 ms) for 3 s",
    table: "over",
    options: { periodMs: 1000, limit: 5 },
    arrivalsMs: stream(0, 3000, 180),
    expected: decisions("AAAAA RRRRRRRR AAAA"),
    facts: [
      "denied requests count: a client a little over the rate is not limited to the rate but denied everything, from the 6th request (900 ms) to 2160 ms, since each period's 6 requests keep the rate at 6",
      "it passes again from 2340 ms: the period from 2000 ms gets its first request only at 2160 ms, and 2340 ms reads 2 + floor(6 × 660 / 1000) = 5",
    ],
  },
  {
    name: "10 per 1000 ms, 14 at once, then 6 at once 1.5 s later",
    table: "burst",
    options: { periodMs: 1000, limit: 10 },
    arrivalsMs: [...together(0, 14), ...together(1500, 6)],
    expected: decisions("AAAAAAAAAARRRR AAARRR"),
    facts: [
      "a burst passes up to the limit at once: 10 of 14, the current count alone deciding",
      "at 1500 ms the previous period's 14 (the 4 denied ones too) weigh half: 7 + 1, 7 + 2, 7 + 3 pass, 7 + 4 = 11 is denied",
    ],
  },
  {
    name: "10 per 1000 ms, a burst straddling the period boundary",
    table: "straddle",
    options: { periodMs: 1000, limit: 10 },
    arrivalsMs: [0, ...together(980, 9), ...together(1020, 10)],
    expected: decisions("A AAAAAAAAA ARRRRRRRRR"),
    facts: [
      "the first request opens the entry's period at 0; 9 more at 980 ms make 10, all passed",
      "20 ms into the next period the previous 10 still weigh floor(10 × 980 / 1000) = 9: one more passes, 9 are denied, where a fixed window would pass all 10",
    ],
  },
  {
    name: "3 per 500 ms, trickling with uneven gaps",
    table: "trickle",
    options: { periodMs: 500, limit: 3 },
    arrivalsMs: [0, 90, 260, 300, 410, 620, 700, 760, 900, 1150, 1190, 1230, 1600, 1650, 1700, 1720, 2300, 2310],
    expected: decisions("AAARR RRRR ARR ARRR AA"),
    facts: [
      "5 in the first 500 ms: the 4th and 5th are over 3 on the current count alone",
      "the 5 (denied ones included) then weigh on the next period: 620 ms reads 1 + floor(5 × 380 / 500) = 4 and is denied, and so are the 3 after it",
      "2300 ms finds the previous period (1500–2000 ms) with 4 requests, of which 200 ms' worth is left: 1 + floor(4 × 200 / 500) = 2",
    ],
  },
  {
    name: "4 per 400 ms, a burst, then another after a long pause",
    table: "pause",
    options: { periodMs: 400, limit: 4 },
    arrivalsMs: [...together(0, 6), ...together(1234, 6)],
    expected: decisions("AAAARR AAAARR"),
    facts: [
      "two periods or more without a request forget the past: at 1234 ms a new period opens at that request (1234, an even ms), with no previous count, and 4 of 6 pass again",
    ],
  },
  {
    name: "2 per 200 ms, a steady 12.5 r/s",
    table: "fast",
    options: { periodMs: 200, limit: 2 },
    arrivalsMs: stream(0, 1200, 80),
    expected: decisions("AA RRRRRRRRRRRRR"),
    facts: [
      "a short period: 2 or 3 requests fall in each 200 ms, so from the 3rd request the rate reads 3 and everything is denied at the scheduled times; at 400 and 800 ms the previous count's weight drops to nothing a ms or two later, so HAProxy, seeing them that much late, can pass them (near the boundary or, a few ms later, not)",
    ],
  },
];
