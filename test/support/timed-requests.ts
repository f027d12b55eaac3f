// Sending a schedule of HTTP requests at set times, for the tiers that hold a real rate limiter
// (nginx, HAProxy) to the rate-limit simulator: keep-alive connections opened beforehand, as many as
// the largest group of simultaneous requests, then each request written at its time (a timer to 3 ms
// before, then a spin on performance.now(), since timers are late by a ms or more).
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

export interface Sent {
  readonly i: number;
  /** When the request was written, ms after the schedule's start (performance.now()). */
  readonly sentMs: number;
  readonly status: number;
  readonly body: string;
}

/** Wait until `target` (performance.now() ms): a timer to 3 ms before, then a spin. */
export async function until(target: number): Promise<void> {
  for (let left = target - performance.now(); left > 3; left = target - performance.now()) await sleep(left - 3);
  while (performance.now() < target) {
    /* spin: timers are late by a ms or more */
  }
}

function get(agent: Agent, port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path, agent, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

/**
 * Send GET `pathOf(i)` to 127.0.0.1:`port` at each of `arrivalsMs` (ms from the start, non-decreasing),
 * after opening the connections with `readyPath`; resolves when every response has come back.
 */
export async function sendSchedule(
  port: number,
  arrivalsMs: readonly number[],
  o: { readonly pathOf: (i: number) => string; readonly readyPath: string; readonly headers?: Record<string, string> },
): Promise<Sent[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const headers = o.headers ?? {};
  try {
    const widest = Math.max(...arrivalsMs.map((t) => arrivalsMs.filter((u) => u === t).length));
    await Promise.all(Array.from({ length: widest }, () => get(agent, port, o.readyPath, headers)));
    const start = performance.now() + 50;
    const pending: Promise<Sent>[] = [];
    for (const [i, at] of arrivalsMs.entries()) {
      await until(start + at);
      const sentMs = performance.now() - start;
      pending.push(get(agent, port, o.pathOf(i), headers).then((r) => ({ i, sentMs, ...r })));
    }
    return await Promise.all(pending);
  } finally {
    agent.destroy();
  }
}
