// Request streams for the eviction lab. Every workload hands out requests in chunks of dense ids
// (0, 1, 2, … in order of first appearance for traces) and sizes, so a cache never sees the whole
// trace and a ten-million-request CSV file is read a megabyte at a time.
import { ScenarioError } from "../../core/errors";
import type { Rng } from "../../core/rng";
import type { ByteSource } from "../types";

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

export type { ByteSource };

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

export interface TraceFormat {
  /** 1-based column of the object id. */
  readonly idColumn: number;
  /** 1-based column of the size, or 0 when the trace has none. */
  readonly sizeColumn: number;
  readonly header: boolean;
  readonly delimiter: string;
  /** Stop after this many requests (0: the whole file). */
  readonly limit: number;
  /** Name shown in errors. */
  readonly name: string;
}

const NL = 10;
const CR = 13;

/**
 * Streams a CSV trace: one request per line, an object id and optionally a size. Numeric ids keep
 * their value (as libCacheSim's `obj-id-is-num=true`); other ids are names. Lines with a size of 0
 * are skipped, as libCacheSim does.
 */
export function csvTrace(bytes: ByteSource, format: TraceFormat): RequestSource {
  const buffer = new Uint8Array(1 << 20);
  let start = 0;
  let end = 0;
  let eof = false;
  let lineNo = 0;
  let served = 0;
  let readBytes = 0;
  const delim = format.delimiter.charCodeAt(0);
  const byNumber = new Map<number, number>();
  const byName = new Map<string, number>();
  const keys: number[] = [];
  const names: string[] = [];
  const decoder = new TextDecoder();
  const refill = () => {
    if (start > 0) {
      buffer.copyWithin(0, start, end);
      end -= start;
      start = 0;
    }
    if (end === buffer.length) throw new ScenarioError(`${format.name}, line ${lineNo + 1}: the line is longer than ${buffer.length} bytes.`);
    const got = bytes.read(buffer.subarray(end));
    if (got === 0) eof = true;
    end += got;
    readBytes += got;
  };
  const field = (from: number, to: number, column: number): [number, number] | undefined => {
    let col = 1;
    let s = from;
    for (let i = from; i <= to; i++) {
      if (i === to || buffer[i] === delim) {
        if (col === column) return [s, i];
        col++;
        s = i + 1;
      }
    }
    return undefined;
  };
  const denseOf = (from: number, to: number): number => {
    // trim spaces and quotes
    while (from < to && (buffer[from] === 32 || buffer[from] === 34)) from++;
    while (to > from && (buffer[to - 1] === 32 || buffer[to - 1] === 34)) to--;
    if (to === from) throw new ScenarioError(`${format.name}, line ${lineNo}: the object id (column ${format.idColumn}) is empty.`);
    let value = 0;
    let numeric = to - from <= 15;
    for (let i = from; i < to && numeric; i++) {
      const c = buffer[i]! - 48;
      if (c < 0 || c > 9) numeric = false;
      else value = value * 10 + c;
    }
    if (numeric) {
      let d = byNumber.get(value);
      if (d === undefined) {
        d = keys.length;
        byNumber.set(value, d);
        keys.push(value);
        names.push("");
      }
      return d;
    }
    const name = decoder.decode(buffer.subarray(from, to));
    let d = byName.get(name);
    if (d === undefined) {
      d = keys.length;
      byName.set(name, d);
      // A named object gets a stable numeric key from its name (for W-TinyLFU's sketch).
      let h = 2166136261;
      for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
      keys.push((h >>> 0) + 2 ** 32 * (name.length % 2048));
      names.push(name);
    }
    return d;
  };
  const sizeOf = (from: number, to: number): number => {
    let v = 0;
    let any = false;
    for (let i = from; i < to; i++) {
      const c = buffer[i]!;
      if (c === 32 || c === 34) continue;
      if (c < 48 || c > 57) throw new ScenarioError(`${format.name}, line ${lineNo}: the size (column ${format.sizeColumn}) must be a whole number of bytes, got "${decoder.decode(buffer.subarray(from, to))}".`);
      v = v * 10 + (c - 48);
      any = true;
    }
    if (!any) throw new ScenarioError(`${format.name}, line ${lineNo}: the size (column ${format.sizeColumn}) is empty.`);
    return v;
  };
  return {
    total: undefined,
    fill(ids, sizes) {
      let n = 0;
      while (n < ids.length) {
        if (format.limit > 0 && served >= format.limit) break;
        let nl = buffer.indexOf(NL, start);
        if (nl < 0 || nl >= end) {
          if (!eof) {
            refill();
            continue;
          }
          if (start >= end) break;
          nl = end; // last line without a newline
        }
        lineNo++;
        let lineEnd = nl;
        if (lineEnd > start && buffer[lineEnd - 1] === CR) lineEnd--;
        const lineStart = start;
        start = Math.min(nl + 1, end);
        if (lineEnd === lineStart) continue; // blank line
        if (lineNo === 1 && format.header) continue;
        const idField = field(lineStart, lineEnd, format.idColumn);
        if (!idField) throw new ScenarioError(`${format.name}, line ${lineNo}: there is no column ${format.idColumn} for the object id.`);
        let size = 1;
        if (format.sizeColumn > 0) {
          const sf = field(lineStart, lineEnd, format.sizeColumn);
          if (!sf) throw new ScenarioError(`${format.name}, line ${lineNo}: there is no column ${format.sizeColumn} for the size.`);
          size = sizeOf(sf[0], sf[1]);
          if (size === 0) continue;
        }
        ids[n] = denseOf(idField[0], idField[1]);
        sizes[n] = size;
        n++;
        served++;
      }
      return n;
    },
    fraction: () => (bytes.size ? (readBytes - (end - start)) / bytes.size : 0),
    keyOf: (id) => keys[id]!,
    label: (id) => (names[id] ? names[id]! : String(keys[id])),
    close: () => bytes.close(),
  };
}
