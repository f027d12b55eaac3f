// One pass over the request stream feeds every (policy, size) cache, a chunk at a time: a trace is
// read once however many caches replay it, and nothing but the chunk is held in memory.
import { ScenarioError } from "../../../core/errors";
import type { RunContext } from "../../types";
import { createCache, type Cache, type CacheView, type PolicyParams, type ViewEntry } from "../policies";
import { grownU8 } from "../policies/lists";
import type { PolicyName, Resolved } from "../scenario";
import { csvTrace } from "./csv";
import { CHUNK, generated, type RequestSource } from "./workload";

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

/** A view entry, its object named as the workload names it (gaps have no label). */
export type LabelledEntry = ViewEntry;

/** What the cache held after a diagram step, in the policy's order (see Cache.view). */
export type LabelledView = CacheView;

/** Most entries of each queue a diagram step's view keeps: the newest half and the oldest half. */
export const VIEW_LIMIT = 10;

export type DiagramStep =
  | { readonly kind: "hit"; readonly label: string; readonly view: LabelledView }
  | { readonly kind: "miss"; readonly label: string; readonly evicted: readonly string[]; readonly admitted: boolean; readonly view: LabelledView };

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

/** The share of a run's requests that missed. */
export function missRatio(r: CacheRun): number {
  return r.misses / Math.max(1, r.hits + r.misses);
}

/** One chunk of requests: dense ids and sizes, the first `n` of them filled. */
interface Chunk {
  readonly ids: Int32Array;
  readonly sizes: Float64Array;
  n: number;
}

function sourceOf(resolved: Resolved, ctx: RunContext): { source: RequestSource; name: string } {
  if (resolved.workload === "trace") {
    const { file: name, idColumn, sizeColumn, header, delimiter, limit } = resolved.trace!; // resolve refuses a trace workload without one
    const bytes = ctx.files.open(name);
    return { source: csvTrace(bytes, { idColumn, sizeColumn, header, delimiter, limit, name }), name };
  }
  const { workload: kind, objects, requests, zipfAlpha, scanLength, scanEvery, shifts, objectSizes: sizes } = resolved;
  return {
    source: generated({ kind, objects, requests, zipfAlpha, scanLength, scanEvery, shifts, sizes }, ctx.rng.fork()),
    name: `${resolved.workload} workload`,
  };
}

/**
 * Requests per window of the run, for the hit ratio over time. Generated workloads know their
 * length, so the windows are fixed up front; a trace starts with small windows and merges
 * neighbours whenever the timeline fills up.
 */
class Timeline {
  /** Requests per window. */
  size: number;
  requests: Float64Array;

  constructor(
    private readonly points: number,
    total: number | undefined,
  ) {
    this.size = total !== undefined ? Math.max(1, Math.ceil(total / points)) : 1000;
    this.requests = new Float64Array(points + 1);
  }

  /** Counts requests done..done+n, first merging pairs of windows (the runs' hits too) until they fit. */
  count(done: number, n: number, runs: readonly CacheRun[]): void {
    while (Math.floor((done + n - 1) / this.size) > this.points) {
      this.requests = this.merged(this.requests);
      for (const r of runs) r.windowHits = this.merged(r.windowHits);
      this.size *= 2;
    }
    for (let i = 0; i < n;) {
      const w = Math.floor((done + i) / this.size);
      const end = Math.min(n, (w + 1) * this.size - done);
      this.requests[w] += end - i;
      i = end;
    }
  }

  /** Windows used by a run of `done` requests. */
  used(done: number): number {
    return Math.floor((done - 1) / this.size) + 1;
  }

  private merged(a: Float64Array): Float64Array {
    const b = new Float64Array(this.points + 1);
    for (let w = 0; w <= this.points; w++) b[w >> 1] += a[w]!;
    return b;
  }
}

/** Bytes requested and distinct objects seen so far. */
class Tally {
  bytes = 0;
  distinct = 0;
  private seen = new Uint8Array(1024);

  add(chunk: Chunk): void {
    for (let i = 0; i < chunk.n; i++) {
      this.bytes += chunk.sizes[i]!;
      const id = chunk.ids[i]!;
      if (id >= this.seen.length) this.seen = grownU8(this.seen, id + 1);
      if (this.seen[id] === 0) {
        this.seen[id] = 1;
        this.distinct++;
      }
    }
  }
}

/** Serves requests start..n of a chunk through one cache, counting hits per timeline window. */
function serve(cache: Cache, run: CacheRun, chunk: Chunk, start: number, done: number, windowSize: number, bySize: boolean): void {
  const { ids, sizes, n } = chunk;
  let hits = 0;
  let hitBytes = 0;
  for (let i = start; i < n;) {
    const w = Math.floor((done + i) / windowSize);
    const end = Math.min(n, (w + 1) * windowSize - done);
    let h = 0;
    if (bySize) {
      for (; i < end; i++) {
        const sz = sizes[i]!;
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

function sameEntries(a: readonly LabelledEntry[] | undefined, b: readonly LabelledEntry[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x.label !== y.label || x.queue !== y.queue || x.mark !== y.mark || x.note !== y.note || x.gap !== y.gap) return false;
  }
  return true;
}

/** The previous view itself when nothing in it changed (a timeline then has nothing to store). */
function unchanged(prev: LabelledView | undefined, next: LabelledView): LabelledView {
  if (!prev || !sameEntries(prev.entries, next.entries) || !sameEntries(prev.ghosts, next.ghosts)) return next;
  const [f, g] = [prev.figures ?? {}, next.figures ?? {}];
  return Object.keys(g).every((k) => f[k] === g[k]) ? prev : next;
}

/**
 * Serves the first requests one at a time, noting evictions and what the cache holds after each,
 * for the sequence diagram and its timeline (the fast path, serve, never looks).
 */
function traceFirst(cache: Cache, run: CacheRun, chunk: Chunk, count: number, steps: DiagramStep[], source: RequestSource, windowSize: number): number {
  const { ids, sizes } = chunk;
  const evicted: string[] = [];
  cache.onEvict = (id) => evicted.push(source.label(id));
  let view: LabelledView | undefined;
  const name = (id: number) => source.label(id);
  for (let i = 0; i < count; i++) {
    evicted.length = 0;
    const hit = cache.get(ids[i]!, sizes[i]!);
    const label = source.label(ids[i]!);
    view = unchanged(view, cache.view(VIEW_LIMIT, name));
    if (hit) {
      run.hits++;
      run.hitBytes += sizes[i]!;
      run.windowHits[Math.floor(i / windowSize)] += 1;
      steps.push({ kind: "hit", label, view });
    } else {
      run.misses++;
      steps.push({ kind: "miss", label, evicted: [...evicted], admitted: cache.contents().includes(ids[i]!), view });
    }
  }
  cache.onEvict = null;
  return count;
}

export function simulate(resolved: Resolved, ctx: RunContext): EvictionResult {
  const { policies, sizes } = resolved;
  const bySize = resolved.capacity === "bytes";
  const { source, name } = sourceOf(resolved, ctx);
  try {
    const { samples, lfuLogFactor, lfuDecayTime, requestsPerSecond } = resolved;
    const params: PolicyParams = { samples, lfuLogFactor, lfuDecayTime, requestsPerSecond, seed: ctx.rng.int(1, 0x7fffffff), keyOf: (id) => source.keyOf(id) };
    const timeline = new Timeline(resolved.timeline, source.total);
    const caches: Cache[] = [];
    const runs: CacheRun[] = [];
    for (const policy of policies) {
      for (const size of sizes) {
        caches.push(createCache(policy, size, params));
        const windowHits = new Float64Array(resolved.timeline + 1);
        runs.push({ policy, size, hits: 0, misses: 0, hitBytes: 0, missBytes: 0, evictions: 0, windowHits, peakOccupied: 0 });
      }
    }
    const steps: DiagramStep[] = [];
    const chunk: Chunk = { ids: new Int32Array(CHUNK), sizes: new Float64Array(CHUNK), n: 0 };
    const tally = new Tally();
    let done = 0;
    while ((chunk.n = source.fill(chunk.ids, chunk.sizes)) > 0) {
      if (!bySize) chunk.sizes.fill(1, 0, chunk.n);
      tally.add(chunk);
      timeline.count(done, chunk.n, runs);
      for (let c = 0; c < caches.length; c++) {
        const first = done === 0 && c === 0 ? Math.min(chunk.n, resolved.diagramRequests) : 0;
        const start = first > 0 ? traceFirst(caches[c]!, runs[c]!, chunk, first, steps, source, timeline.size) : 0;
        serve(caches[c]!, runs[c]!, chunk, start, done, timeline.size, bySize);
      }
      done += chunk.n;
      ctx.progress(source.fraction(), `${done.toLocaleString("en-US")} requests`);
    }
    for (const r of runs) r.missBytes = (bySize ? tally.bytes : done) - r.hitBytes;
    if (done === 0) throw new ScenarioError(`${name} has no requests.`);
    const used = timeline.used(done);
    return {
      policies,
      sizes,
      runs: runs.map((r) => ({ ...r, windowHits: r.windowHits.slice(0, used) })),
      requests: done,
      bytes: bySize ? tally.bytes : done,
      distinctObjects: tally.distinct,
      windowSize: timeline.size,
      windowRequests: Array.from(timeline.requests.subarray(0, used)),
      steps,
      source: name,
    };
  } finally {
    source.close();
  }
}
