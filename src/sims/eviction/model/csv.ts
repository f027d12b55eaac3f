// CSV traces for the eviction lab: one request per line, an object id and optionally a size, read a
// megabyte at a time and parsed as it goes, so a ten-million-request file never sits in memory. Only
// the table from object ids to dense ids grows, with the number of distinct objects.
import { ScenarioError } from "../../../core/errors";
import type { ByteSource } from "../../types";
import type { RequestSource } from "./workload";

export type { ByteSource };

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
const SPACE = 32;
const QUOTE = 34;

/**
 * Streams a CSV trace: one request per line, an object id and optionally a size. Numeric ids keep
 * their value (as libCacheSim's `obj-id-is-num=true`); other ids are names. Lines with a size of 0
 * are skipped, as libCacheSim does.
 */
export function csvTrace(bytes: ByteSource, format: TraceFormat): RequestSource {
  return new CsvTrace(bytes, format);
}

/** The lines of a byte stream, read into one buffer of a megabyte that never grows. */
class Lines {
  readonly buffer = new Uint8Array(1 << 20);
  /** The current line, from `from` to `to` (its line break left out), and its number from 1. */
  from = 0;
  to = 0;
  number = 0;
  private start = 0;
  private end = 0;
  private eof = false;
  private readBytes = 0;

  constructor(
    private readonly bytes: ByteSource,
    private readonly name: string,
  ) {}

  /** Moves to the next line; false at the end of the stream. */
  next(): boolean {
    const buffer = this.buffer;
    for (;;) {
      let nl = buffer.indexOf(NL, this.start);
      if (nl < 0 || nl >= this.end) {
        if (!this.eof) {
          this.refill();
          continue;
        }
        if (this.start >= this.end) return false;
        nl = this.end; // last line without a newline
      }
      this.number++;
      let to = nl;
      if (to > this.start && buffer[to - 1] === CR) to--;
      this.from = this.start;
      this.to = to;
      this.start = Math.min(nl + 1, this.end);
      return true;
    }
  }

  /** How far through the stream, from 0 to 1 (0 when its size is unknown). */
  fraction(): number {
    return this.bytes.size ? (this.readBytes - (this.end - this.start)) / this.bytes.size : 0;
  }

  close(): void {
    this.bytes.close();
  }

  /** Keeps the unread part at the front of the buffer and reads more after it. */
  private refill(): void {
    const buffer = this.buffer;
    if (this.start > 0) {
      buffer.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end === buffer.length) throw new ScenarioError(`${this.name}, line ${this.number + 1}: the line is longer than ${buffer.length} bytes.`);
    const got = this.bytes.read(buffer.subarray(this.end));
    if (got === 0) this.eof = true;
    this.end += got;
    this.readBytes += got;
  }
}

class CsvTrace implements RequestSource {
  readonly total = undefined;
  private readonly lines: Lines;
  private readonly delimiter: number;
  private served = 0;
  /** The field found by field(). */
  private fieldFrom = 0;
  private fieldTo = 0;
  private readonly byNumber = new Map<number, number>();
  private readonly byName = new Map<string, number>();
  /** For each dense id, the numeric id (W-TinyLFU hashes it) and the name ("" for numeric ids). */
  private readonly keys: number[] = [];
  private readonly names: string[] = [];
  private readonly decoder = new TextDecoder();

  constructor(
    bytes: ByteSource,
    private readonly format: TraceFormat,
  ) {
    this.lines = new Lines(bytes, format.name);
    this.delimiter = format.delimiter.charCodeAt(0);
  }

  fill(ids: Int32Array, sizes: Float64Array): number {
    const { format, lines } = this;
    let n = 0;
    while (n < ids.length) {
      if (format.limit > 0 && this.served >= format.limit) break;
      if (!lines.next()) break;
      if (lines.to === lines.from) continue; // blank line
      if (lines.number === 1 && format.header) continue;
      if (!this.field(format.idColumn)) throw this.problem(`there is no column ${format.idColumn} for the object id.`);
      const idFrom = this.fieldFrom;
      const idTo = this.fieldTo;
      let size = 1;
      if (format.sizeColumn > 0) {
        if (!this.field(format.sizeColumn)) throw this.problem(`there is no column ${format.sizeColumn} for the size.`);
        size = this.size(this.fieldFrom, this.fieldTo);
        if (size === 0) continue;
      }
      ids[n] = this.dense(idFrom, idTo);
      sizes[n] = size;
      n++;
      this.served++;
    }
    return n;
  }

  fraction(): number {
    return this.lines.fraction();
  }

  keyOf(id: number): number {
    return this.keys[id]!;
  }

  label(id: number): string {
    return this.names[id] ? this.names[id]! : String(this.keys[id]);
  }

  close(): void {
    this.lines.close();
  }

  private problem(what: string): ScenarioError {
    return new ScenarioError(`${this.format.name}, line ${this.lines.number}: ${what}`);
  }

  /** Finds column `column` of the current line (fieldFrom, fieldTo); false when the line has fewer. */
  private field(column: number): boolean {
    const buffer = this.lines.buffer;
    const to = this.lines.to;
    let col = 1;
    let s = this.lines.from;
    for (let i = s; i <= to; i++) {
      if (i === to || buffer[i] === this.delimiter) {
        if (col === column) {
          this.fieldFrom = s;
          this.fieldTo = i;
          return true;
        }
        col++;
        s = i + 1;
      }
    }
    return false;
  }

  /** The dense id of the object id written from `from` to `to`, spaces and quotes trimmed. */
  private dense(from: number, to: number): number {
    const buffer = this.lines.buffer;
    while (from < to && (buffer[from] === SPACE || buffer[from] === QUOTE)) from++;
    while (to > from && (buffer[to - 1] === SPACE || buffer[to - 1] === QUOTE)) to--;
    if (to === from) throw this.problem(`the object id (column ${this.format.idColumn}) is empty.`);
    let value = 0;
    let numeric = to - from <= 15;
    for (let i = from; i < to && numeric; i++) {
      const c = buffer[i]! - 48;
      if (c < 0 || c > 9) numeric = false;
      else value = value * 10 + c;
    }
    return numeric ? this.denseNumber(value) : this.denseName(this.decoder.decode(buffer.subarray(from, to)));
  }

  private denseNumber(value: number): number {
    let d = this.byNumber.get(value);
    if (d === undefined) {
      d = this.keys.length;
      this.byNumber.set(value, d);
      this.keys.push(value);
      this.names.push("");
    }
    return d;
  }

  private denseName(name: string): number {
    let d = this.byName.get(name);
    if (d === undefined) {
      d = this.keys.length;
      this.byName.set(name, d);
      // A named object gets a stable numeric key from its name (for W-TinyLFU's sketch).
      let h = 2166136261;
      for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
      this.keys.push((h >>> 0) + 2 ** 32 * (name.length % 2048));
      this.names.push(name);
    }
    return d;
  }

  /** A size in bytes, written from `from` to `to` (spaces and quotes ignored). */
  private size(from: number, to: number): number {
    const buffer = this.lines.buffer;
    let v = 0;
    let any = false;
    for (let i = from; i < to; i++) {
      const c = buffer[i]!;
      if (c === SPACE || c === QUOTE) continue;
      if (c < 48 || c > 57) {
        const text = this.decoder.decode(buffer.subarray(from, to));
        throw this.problem(`the size (column ${this.format.sizeColumn}) must be a whole number of bytes, got "${text}".`);
      }
      v = v * 10 + (c - 48);
      any = true;
    }
    if (!any) throw this.problem(`the size (column ${this.format.sizeColumn}) is empty.`);
    return v;
  }
}
