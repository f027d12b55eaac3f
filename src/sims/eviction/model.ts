// One pass over the request stream feeds every (policy, size) cache, a chunk at a time: a trace is
// read once however many caches replay it, and nothing but the chunk is held in memory.
import { ScenarioError } from "../../core/errors";
import type { RunContext } from "../types";
import { createCache, type Cache, type PolicyId } from "./policies";
import { WTinyLFU } from "./wtinylfu";
import { grownU8 } from "./lists";
import { CHUNK, csvTrace, generated, type RequestSource } from "./workload";
import type { Options, PolicyName } from "./scenario";

export interface CacheRun {
  readonly policy: PolicyName;
  readonly size: number;
  hits: number;
  misses: number;
  hitBytes: number;
  missBytes: number;
  /** Objects evicted (ghost ids forgotten do not count). */
  evictions: number;
  /** Hits per timeline window. */
  windowHits: Float64Array;
  /** Largest occupancy seen at a chunk boundary (never above size). */
  peakOccupied: number;
}

export type DiagramStep =
  | { readonly kind: "hit"; readonly label: string }
  | { readonly kind: "miss"; readonly label: string; readonly evicted: readonly string[]; readonly admitted: boolean };

export interface EvictionResult {
  readonly policies: readonly PolicyName[];
  readonly sizes: readonly number[];
  readonly runs: readonly CacheRun[];
  readonly requests: number;
  readonly bytes: number;
  readonly distinctObjects: number;
  readonly windowSize: number;
  /** Requests in each timeline window. */
  readonly windowRequests: readonly number[];
  readonly steps: readonly DiagramStep[];
  readonly source: string;
}

function sourceOf(options: Options, ctx: RunContext): { source: RequestSource; name: string } {
  if (options.workload === "trace") {
    const t = options.trace;
    if (!t) throw new ScenarioError("workload: trace needs a `trace:` block naming the CSV file (trace: { file: requests.csv }).");
    const bytes = ctx.files.open(t.file);
    const name = t.file;
    return { source: csvTrace(bytes, { idColumn: t.idColumn, sizeColumn: t.sizeColumn, header: t.header, delimiter: t.delimiter, limit: t.limit, name }), name };
  }
  const sizes = { min: options.objectSize?.min ?? 100, max: options.objectSize?.max ?? 100 };
  if (sizes.min > sizes.max) throw new ScenarioError(`objectSize: min (${sizes.min}) is larger than max (${sizes.max}).`);
  return {
    source: generated({ kind: options.workload, objects: options.objects, requests: options.requests, zipfAlpha: options.zipfAlpha, scanLength: options.scanLength, scanEvery: options.scanEvery, shifts: options.shifts, sizes }, ctx.rng.fork()),
    name: `${options.workload} workload`,
  };
}

export function simulate(options: Options, ctx: RunContext): EvictionResult {
  const policies: PolicyName[] = options.compare.length > 0 ? [...new Set(options.compare)] : [options.policy];
  const sizes = options.cacheSizes.length > 0 ? [...new Set(options.cacheSizes)].sort((a, b) => a - b) : [options.cacheSize];
  const bySize = options.capacity === "bytes";
  const { source, name } = sourceOf(options, ctx);
  try {
    const params = { samples: options.samples, lfuLogFactor: options.lfuLogFactor, lfuDecayTime: options.lfuDecayTime, requestsPerSecond: options.requestsPerSecond, seed: ctx.rng.int(1, 0x7fffffff) };
    // Generated workloads know their length, so the timeline windows are fixed up front; a trace
    // starts with small windows and merges neighbours whenever the timeline fills up.
    const points = options.timeline;
    let windowSize = source.total !== undefined ? Math.max(1, Math.ceil(source.total / points)) : 1000;
    const caches: Cache[] = [];
    const runs: CacheRun[] = [];
    for (const policy of policies) {
      for (const size of sizes) {
        caches.push(policy === "w-tinylfu" ? new WTinyLFU(size, (id) => source.keyOf(id)) : createCache(policy as PolicyId, size, params));
        runs.push({ policy, size, hits: 0, misses: 0, hitBytes: 0, missBytes: 0, evictions: 0, windowHits: new Float64Array(points + 1), peakOccupied: 0 });
      }
    }
    let windowRequests = new Float64Array(points + 1);
    const steps: DiagramStep[] = [];
    const ids = new Int32Array(CHUNK);
    const sizesChunk = new Float64Array(CHUNK);
    let done = 0;
    let bytes = 0;
    let distinct = 0;
    let seen = new Uint8Array(1024);
    for (;;) {
      const n = source.fill(ids, sizesChunk);
      if (n === 0) break;
      if (!bySize) sizesChunk.fill(1, 0, n);
      for (let i = 0; i < n; i++) {
        bytes += sizesChunk[i]!;
        const id = ids[i]!;
        if (id >= seen.length) seen = grownU8(seen, id + 1);
        if (seen[id] === 0) {
          seen[id] = 1;
          distinct++;
        }
      }
      // A trace longer than the timeline: merge pairs of windows and double their size.
      while (Math.floor((done + n - 1) / windowSize) > points) {
        const merge = (a: Float64Array) => {
          const b = new Float64Array(points + 1);
          for (let w = 0; w <= points; w++) b[w >> 1] += a[w]!;
          return b;
        };
        windowRequests = merge(windowRequests);
        for (const r of runs) r.windowHits = merge(r.windowHits);
        windowSize *= 2;
      }
      for (let i = 0; i < n; ) {
        const w = Math.floor((done + i) / windowSize);
        const end = Math.min(n, (w + 1) * windowSize - done);
        windowRequests[w] += end - i;
        i = end;
      }
      for (let c = 0; c < caches.length; c++) {
        const cache = caches[c]!;
        const run = runs[c]!;
        let start = 0;
        if (done === 0 && c === 0 && options.diagramRequests > 0) start = traceFirst(cache, run, ids, sizesChunk, Math.min(n, options.diagramRequests), steps, source, windowSize);
        let hits = 0;
        let hitBytes = 0;
        for (let i = start; i < n; ) {
          const w = Math.floor((done + i) / windowSize);
          const end = Math.min(n, (w + 1) * windowSize - done);
          let h = 0;
          if (bySize) {
            for (; i < end; i++) {
              const sz = sizesChunk[i]!;
              if (cache.get(ids[i]!, sz)) {
                h++;
                hitBytes += sz;
              }
            }
          } else {
            for (; i < end; i++) if (cache.get(ids[i]!, 1)) h++;
          }
          run.windowHits[w] += h;
          hits += h;
        }
        run.hits += hits;
        run.misses += n - start - hits;
        run.hitBytes += bySize ? hitBytes : hits;
        run.evictions = cache.evictions;
        const occ = cache.occupied();
        if (occ > run.peakOccupied) run.peakOccupied = occ;
      }
      done += n;
      ctx.progress(source.fraction(), `${done.toLocaleString("en-US")} requests`);
    }
    for (const r of runs) r.missBytes = (bySize ? bytes : done) - r.hitBytes;
    if (done === 0) throw new ScenarioError(`${name} has no requests.`);
    const used = Math.floor((done - 1) / windowSize) + 1;
    return {
      policies,
      sizes,
      runs: runs.map((r) => ({ ...r, windowHits: r.windowHits.slice(0, used) })),
      requests: done,
      bytes: bySize ? bytes : done,
      distinctObjects: distinct,
      windowSize,
      windowRequests: Array.from(windowRequests.subarray(0, used)),
      steps,
      source: name,
    };
  } finally {
    source.close();
  }
}

/** Serves the first requests one at a time, noting evictions, for the sequence diagram. */
function traceFirst(cache: Cache, run: CacheRun, ids: Int32Array, sizes: Float64Array, count: number, steps: DiagramStep[], source: RequestSource, windowSize: number): number {
  const evicted: string[] = [];
  cache.onEvict = (id) => evicted.push(source.label(id));
  for (let i = 0; i < count; i++) {
    evicted.length = 0;
    const hit = cache.get(ids[i]!, sizes[i]!);
    const label = source.label(ids[i]!);
    if (hit) {
      run.hits++;
      run.hitBytes += sizes[i]!;
      run.windowHits[Math.floor(i / windowSize)] += 1;
      steps.push({ kind: "hit", label });
    } else {
      run.misses++;
      steps.push({ kind: "miss", label, evicted: [...evicted], admitted: cache.contents().includes(ids[i]!) });
    }
  }
  cache.onEvict = null;
  return count;
}
