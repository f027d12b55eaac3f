// HAProxy 2.6's stick-table counter `http_req_rate(<period>)` with the usual rule pair
// `http-request track-sc0 <key>` then `http-request deny if { sc_http_req_rate(0) gt <limit> }`.
// The counter (a freq_ctr: include/haproxy/freq_ctr.h, src/freq_ctr.c) keeps the current period's
// count, the previous period's count and the current period's start tick, on HAProxy's millisecond
// clock. Tracking counts the request first (src/http_act.c, http_action_track_sc), so the rate the
// deny rule reads includes it, and a denied request still counts. The rate read is the current count
// plus the previous count weighted by the part of the period still to run, rounded down:
// rate = curr + floor(prev × (start + period − now) / period). Periods do not start on a clock grid:
// the first request of a new entry opens one at its own time (rounded down to an even ms: the low bit
// of the tick is HAProxy's rotation lock), and later ones follow on, one period after the other,
// until a request finds two or more periods gone by, which opens a new one at its own time.

export interface HaproxyOptions {
  /** The `http_req_rate(<period>)` argument, ms. */
  readonly periodMs: number;
  /** `deny if { sc_http_req_rate(0) gt <limit> }`. */
  readonly limit: number;
}

export interface HaproxyStep {
  readonly decision: "accepted" | "rejected";
  /** What `sc_http_req_rate(0)` read for this request, the request itself counted. */
  readonly rate: number;
}

/** One stick-table entry's http_req_rate counter. */
export class HaproxyCounter {
  private tick: number | undefined;
  private curr = 0;
  private prev = 0;

  constructor(private readonly o: HaproxyOptions) {}

  get state(): { readonly periodStartMs: number | undefined; readonly current: number; readonly previous: number } {
    return { periodStartMs: this.tick, current: this.curr, previous: this.prev };
  }

  /** update_freq_ctr_period: count one event at `nowMs`, rotating the periods first if needed. */
  private count(nowMs: number): void {
    const period = this.o.periodMs;
    if (this.tick !== undefined && nowMs - this.tick < period) {
      this.curr++;
      return;
    }
    // A new entry's tick is 0, far behind HAProxy's clock: it takes the two-periods-missed path.
    if (this.tick !== undefined && nowMs - (this.tick + period) < period) {
      [this.prev, this.curr, this.tick] = [this.curr, 1, this.tick + period];
      return;
    }
    [this.prev, this.curr, this.tick] = [0, 1, nowMs - (nowMs % 2)];
  }

  /** read_freq_ctr_period (freq_ctr_total with its low-rate correction), at `nowMs`. */
  rateAt(nowMs: number): number {
    if (this.tick === undefined) return 0;
    const period = this.o.periodMs;
    let remain = this.tick + period - nowMs;
    let [curr, prev] = [this.curr, this.prev];
    if (remain < 0) {
      remain += period;
      [prev, curr] = [remain >= 0 ? curr : 0, 0];
    }
    if (curr === 0 && prev <= 1) return prev;
    return Math.floor((prev * remain + curr * period) / period);
  }

  request(nowMs: number): HaproxyStep {
    this.count(nowMs);
    const rate = this.rateAt(nowMs);
    return { decision: rate > this.o.limit ? "rejected" : "accepted", rate };
  }
}

/** HAProxy's decisions for one key's arrivals (its clock, ms, in order). */
export function haproxyHttpReqRate(arrivalsMs: readonly number[], o: HaproxyOptions): HaproxyStep[] {
  const counter = new HaproxyCounter(o);
  return arrivalsMs.map((t) => counter.request(t));
}
