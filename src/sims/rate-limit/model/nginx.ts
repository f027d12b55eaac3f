// nginx's limit_req (ngx_http_limit_req_module.c) as nginx computes it: a leaky bucket per key
// whose `excess` is kept in thousandths of a request and drained at the rate in thousandths per
// second, on a millisecond clock, with integer arithmetic throughout. A request raises the excess
// by 1000 after draining; above burst it is rejected and changes nothing; otherwise it is accepted,
// at once when its excess is within `delay` (everything with nodelay), else delayed until the
// excess over `delay` has drained.

export type NginxDecision = "accepted" | "delayed" | "rejected";

export interface NginxOptions {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly nodelay: boolean;
  readonly delay?: number;
}

export interface NginxStep {
  readonly decision: NginxDecision;
  /** The excess after the request (before it, when rejected), in thousandths of a request. */
  readonly excess: number;
  /** How long nginx holds the request before passing it on. */
  readonly delayMs: number;
}

/** One key's limit_req state: the excess and the time it was last updated. */
export class NginxBucket {
  private excess = 0;
  private last: number | undefined;
  /** Requests a second in thousandths, as nginx stores `rate=` (r/m becomes n*1000/60). */
  readonly rate: number;
  private readonly burst: number;
  private readonly delayLimit: number;

  constructor(o: NginxOptions) {
    this.rate = Math.max(1, Math.floor(o.ratePerSecond * 1000 + 1e-9));
    this.burst = o.burst * 1000;
    this.delayLimit = o.nodelay ? Number.MAX_SAFE_INTEGER : (o.delay ?? 0) * 1000;
  }

  get state(): { readonly excess: number; readonly lastMs: number | undefined } {
    return { excess: this.excess, lastMs: this.last };
  }

  request(nowMs: number): NginxStep {
    if (this.last === undefined) {
      // A new node starts with no excess: the first request always passes.
      this.last = nowMs;
      return { decision: "accepted", excess: 0, delayMs: 0 };
    }
    let ms = nowMs - this.last;
    if (ms < -60000) ms = 1;
    else if (ms < 0) ms = 0;
    const drained = Math.trunc((this.rate * Math.abs(ms)) / 1000);
    const excess = Math.max(0, this.excess - drained + 1000);
    if (excess > this.burst) return { decision: "rejected", excess: this.excess, delayMs: 0 };
    this.excess = excess;
    if (ms) this.last = nowMs;
    if (excess <= this.delayLimit) return { decision: "accepted", excess, delayMs: 0 };
    return { decision: "delayed", excess, delayMs: Math.trunc(((excess - this.delayLimit) * 1000) / this.rate) };
  }
}

/** nginx's decisions for one key's arrivals (milliseconds, in order). */
export function nginxLimitReq(
  arrivalsMs: readonly number[],
  o: { ratePerSecond: number; burst: number; nodelay: boolean; delay?: number },
): ("accepted" | "delayed" | "rejected")[] {
  const bucket = new NginxBucket(o);
  return arrivalsMs.map((t) => bucket.request(t).decision);
}
