// The limiters: each decides one request at a time and shows its state after the decision. Times
// are integer milliseconds; rates are kept as integers (amounts scaled by the window length), so
// token bucket, leaky bucket and GCRA decide exactly, with no floating-point drift.
import type { Algorithm } from "../scenario";
import { HaproxyCounter } from "./haproxy";
import { NginxBucket } from "./nginx";

export type Decision = "accepted" | "delayed" | "rejected";

export type LimiterState = Readonly<Record<string, string | number>>;

export interface Verdict1 {
  readonly decision: Decision;
  readonly delayMs: number;
  readonly state: LimiterState;
}

export interface Limiter {
  decide(atMs: number): Verdict1;
}

export interface LimiterParams {
  readonly limit: number;
  readonly windowMs: number;
  readonly capacity: number;
  readonly burst: number;
  readonly nodelay: boolean;
  readonly delay?: number;
}

const pass = (ok: boolean, state: LimiterState): Verdict1 => ({ decision: ok ? "accepted" : "rejected", delayMs: 0, state });

function fixedWindow(p: LimiterParams): Limiter {
  let window = -1;
  let count = 0;
  return {
    decide(t) {
      const w = Math.floor(t / p.windowMs);
      if (w !== window) [window, count] = [w, 0];
      const ok = count < p.limit;
      if (ok) count++;
      return pass(ok, { window: `${w * p.windowMs}–${(w + 1) * p.windowMs} ms`, count });
    },
  };
}

function slidingLog(p: LimiterParams): Limiter {
  const log: number[] = [];
  return {
    decide(t) {
      while (log.length > 0 && log[0]! <= t - p.windowMs) log.shift();
      const ok = log.length < p.limit;
      if (ok) log.push(t);
      return pass(ok, { "in the last window": log.length, oldest: log[0] ?? "—" });
    },
  };
}

function slidingWindow(p: LimiterParams): Limiter {
  let window = 0;
  let prev = 0;
  let cur = 0;
  return {
    decide(t) {
      const w = Math.floor(t / p.windowMs);
      if (w !== window) [prev, cur, window] = [w === window + 1 ? cur : 0, 0, w];
      const weight = (p.windowMs - (t - w * p.windowMs)) / p.windowMs;
      const estimate = prev * weight + cur;
      const ok = estimate + 1 <= p.limit + 1e-9;
      if (ok) cur++;
      return pass(ok, { previous: prev, current: cur, estimate: Math.round((prev * weight + cur) * 100) / 100 });
    },
  };
}

/** Tokens scaled by windowMs: refilled by limit per millisecond, one request costs windowMs. */
function tokenBucket(p: LimiterParams): Limiter {
  const full = p.capacity * p.windowMs;
  let scaled = full;
  let last = 0;
  return {
    decide(t) {
      scaled = Math.min(full, scaled + (t - last) * p.limit);
      last = t;
      const ok = scaled >= p.windowMs;
      if (ok) scaled -= p.windowMs;
      return pass(ok, { tokens: Math.round((scaled / p.windowMs) * 100) / 100 });
    },
  };
}

/** The meter: the mirror of the token bucket, a level that fills by one per request and drains. */
function leakyBucket(p: LimiterParams): Limiter {
  let level = 0;
  let last = 0;
  return {
    decide(t) {
      level = Math.max(0, level - (t - last) * p.limit);
      last = t;
      const ok = level + p.windowMs <= p.capacity * p.windowMs;
      if (ok) level += p.windowMs;
      return pass(ok, { level: Math.round((level / p.windowMs) * 100) / 100 });
    },
  };
}

/** The queue: requests wait their turn, served one every windowMs / limit; a full queue rejects. */
function leakyQueue(p: LimiterParams): Limiter {
  const starts: number[] = []; // scaled by limit
  let free = 0;
  return {
    decide(t) {
      const now = t * p.limit;
      while (starts.length > 0 && starts[0]! <= now) starts.shift();
      if (starts.length >= p.capacity) return pass(false, { queued: starts.length });
      const start = Math.max(now, free);
      free = start + p.windowMs;
      if (start > now) starts.push(start);
      const delayMs = Math.ceil((start - now) / p.limit);
      return { decision: delayMs > 0 ? "delayed" : "accepted", delayMs, state: { queued: starts.length } };
    },
  };
}

/** GCRA: the theoretical arrival time (scaled by limit); admit unless it runs more than tau ahead. */
function gcra(p: LimiterParams): Limiter {
  const tau = (p.capacity - 1) * p.windowMs;
  let tat = 0;
  return {
    decide(t) {
      const now = t * p.limit;
      const base = Math.max(tat, now);
      const ok = base - now <= tau;
      if (ok) tat = base + p.windowMs;
      return pass(ok, { "theoretical arrival (ms)": Math.round((tat / p.limit) * 100) / 100 });
    },
  };
}

function nginx(p: LimiterParams): Limiter {
  const bucket = new NginxBucket({ ratePerSecond: (p.limit * 1000) / p.windowMs, burst: p.burst, nodelay: p.nodelay, delay: p.delay });
  return {
    decide(t) {
      const step = bucket.request(t);
      return {
        decision: step.decision,
        delayMs: step.delayMs,
        state: { "excess (thousandths)": bucket.state.excess, "last (ms)": bucket.state.lastMs ?? "—" },
      };
    },
  };
}

function haproxy(p: LimiterParams): Limiter {
  const counter = new HaproxyCounter({ periodMs: p.windowMs, limit: p.limit });
  return {
    decide(t) {
      const { rate } = counter.request(t);
      const s = counter.state;
      return pass(rate <= p.limit, { sc_http_req_rate: rate, current: s.current, previous: s.previous, "period start (ms)": s.periodStartMs ?? "—" });
    },
  };
}

const MAKERS: Record<Algorithm, (p: LimiterParams) => Limiter> = {
  "fixed-window": fixedWindow,
  "sliding-log": slidingLog,
  "sliding-window": slidingWindow,
  "token-bucket": tokenBucket,
  "leaky-bucket": leakyBucket,
  "leaky-queue": leakyQueue,
  gcra,
  nginx,
  haproxy,
};

export function makeLimiter(algorithm: Algorithm, p: LimiterParams): Limiter {
  return MAKERS[algorithm](p);
}
