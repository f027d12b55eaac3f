// Request streams for the eviction lab. Every workload hands out requests in chunks of dense ids
// (0, 1, 2, … in order of first appearance for traces) and sizes, so a cache never sees the whole
// trace and a ten-million-request CSV file (csv.ts) is read a megabyte at a time.
import type { Rng } from "../../../core/rng";

export const CHUNK = 65_536;

export interface RequestSource {
  /** Fills ids and sizes from the start; returns how many requests it wrote (0 at the end). */
  fill(ids: Int32Array, sizes: Float64Array): number;
  /** The object id as the workload or trace names it, for a dense id (W-TinyLFU hashes it). */
  keyOf(id: number): number;
  /** How a dense id is shown in diagrams. */
  label(id: number): string;
  /** Requests in all, when known in advance (generated workloads). */
  readonly total: number | undefined;
  /** How far through the stream, from 0 to 1 (0 when unknown). */
  fraction(): number;
  close(): void;
}

export interface SizeModel {
  readonly min: number;
  readonly max: number;
}

/** A size per object, fixed by its id (log-uniform between min and max), so it never changes. */
export function objectSize(id: number, model: SizeModel): number {
  if (model.min === model.max) return model.min;
  // splitmix-style integer hash of the id, to a fraction in [0, 1)
  let x = (id + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  x = (x ^ (x >>> 16)) >>> 0;
  const f = x / 4294967296;
  return Math.max(model.min, Math.min(model.max, Math.round(Math.exp(Math.log(model.min) + f * (Math.log(model.max) - Math.log(model.min))))));
}

/** Zipf(alpha) over n ranks: cumulative probabilities for sampling by binary search. */
export function zipfCdf(n: number, alpha: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / Math.pow(i + 1, alpha);
    cdf[i] = sum;
  }
  for (let i = 0; i < n; i++) cdf[i] = cdf[i]! / sum;
  cdf[n - 1] = 1;
  return cdf;
}

export function sampleCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export type WorkloadKind = "zipf" | "uniform" | "scan" | "shifting" | "loop";

export interface GeneratedWorkload {
  readonly kind: WorkloadKind;
  readonly objects: number;
  readonly requests: number;
  readonly zipfAlpha: number;
  /** scan: a scan of this many never-seen objects starts every scanEvery requests. */
  readonly scanLength: number;
  readonly scanEvery: number;
  /** shifting: the popularity ranking moves by objects/shifts every requests/shifts requests. */
  readonly shifts: number;
  readonly sizes: SizeModel;
}

/** A generated workload, drawn from the seed chunk by chunk. */
export function generated(w: GeneratedWorkload, rng: Rng): RequestSource {
  const cdf = w.kind === "zipf" || w.kind === "scan" || w.kind === "shifting" ? zipfCdf(w.objects, w.zipfAlpha) : undefined;
  let done = 0;
  // scan: the next fresh object id, and how much of the current scan is left
  let fresh = w.objects;
  let scanLeft = 0;
  const phaseLength = Math.max(1, Math.ceil(w.requests / Math.max(1, w.shifts)));
  const shiftBy = Math.max(1, Math.floor(w.objects / Math.max(1, w.shifts)));
  const next = (): number => {
    switch (w.kind) {
      case "uniform":
        return Math.floor(rng.float() * w.objects);
      case "zipf":
        return sampleCdf(cdf!, rng.float());
      case "loop":
        return done % w.objects;
      case "shifting": {
        const phase = Math.floor(done / phaseLength);
        return (sampleCdf(cdf!, rng.float()) + phase * shiftBy) % w.objects;
      }
      case "scan": {
        if (scanLeft === 0 && w.scanEvery > 0 && done > 0 && done % w.scanEvery === 0) scanLeft = w.scanLength;
        if (scanLeft > 0) {
          scanLeft--;
          return fresh++;
        }
        return sampleCdf(cdf!, rng.float());
      }
    }
  };
  return {
    total: w.requests,
    fill(ids, sizes) {
      const n = Math.min(ids.length, w.requests - done);
      for (let i = 0; i < n; i++) {
        const id = next();
        ids[i] = id;
        sizes[i] = objectSize(id, w.sizes);
        done++;
      }
      return n;
    },
    fraction: () => done / w.requests,
    keyOf: (id) => id,
    label: (id) => `obj ${id}`,
    close() {},
  };
}
