// Arrivals: each key's traffic pattern turned into request times, merged in time order (ties in
// key order). Randomness (client offsets, trickle gaps) comes only from the run's generator.
import type { Rng } from "../../../core/rng";
import type { KeyOptions, Resolved } from "../scenario";

export interface Request {
  /** 1-based, in arrival order: the number findings and the diagram use. */
  readonly seq: number;
  readonly key: string;
  readonly atMs: number;
  /** The client behind the key (clients traffic). */
  readonly client?: number;
}

/** The most requests a run simulates; later arrivals are dropped. */
export const MAX_REQUESTS = 5000;

function steadyTimes(k: KeyOptions, durationMs: number, offset = 0): number[] {
  const gap = 1000 / k.ratePerSecond;
  const out: number[] = [];
  for (let t = k.startMs + offset; t < durationMs && out.length < MAX_REQUESTS; t += gap) out.push(Math.floor(t));
  return out;
}

function keyTimes(k: KeyOptions, r: Resolved, rng: Rng): { atMs: number; client?: number }[] {
  switch (k.traffic) {
    case "steady":
      return steadyTimes(k, r.durationMs).map((atMs) => ({ atMs }));
    case "burst":
      return Array.from({ length: k.count }, () => ({ atMs: k.startMs }));
    case "boundary-burst": {
      const boundary = (Math.floor(k.startMs / r.windowMs) + 1) * r.windowMs;
      const before = Math.ceil(k.count / 2);
      return Array.from({ length: k.count }, (_, i) => ({ atMs: i < before ? boundary - 1 : boundary }));
    }
    case "clients": {
      const gap = 1000 / k.ratePerSecond;
      return Array.from({ length: k.clients }, (_, c) => steadyTimes(k, r.durationMs, rng.float() * gap).map((atMs) => ({ atMs, client: c + 1 }))).flat();
    }
    case "trickle": {
      const out: { atMs: number }[] = [];
      const mean = 1000 / k.ratePerSecond;
      for (let t = k.startMs; t < r.durationMs && out.length < MAX_REQUESTS; t += mean * (0.5 + rng.float())) out.push({ atMs: Math.floor(t) });
      return out;
    }
    case "explicit":
      return (k.arrivalsMs ?? []).map((atMs) => ({ atMs }));
  }
}

export function arrivals(r: Resolved, rng: Rng): Request[] {
  const all = r.keys.flatMap((k, i) => keyTimes(k, r, rng).map((a, j) => ({ ...a, key: k.name, order: i, j })));
  all.sort((a, b) => a.atMs - b.atMs || a.order - b.order || a.j - b.j);
  return all.slice(0, MAX_REQUESTS).map((a, i) => ({ seq: i + 1, key: a.key, atMs: a.atMs, ...(a.client !== undefined ? { client: a.client } : {}) }));
}
