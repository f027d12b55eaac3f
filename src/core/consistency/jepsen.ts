// Readers for the two history formats Porcupine tests against: Jepsen's etcd logs (one register;
// read, write, compare-and-set) and Knossos's key-value logs (get, put, append on string values).
// Times are event indices, as in Porcupine's CheckEvents. They read the way Porcupine's test
// parsers do, so the verdicts Porcupine's tests state apply to what they return: an operation
// that timed out (`:info`) never returns (it may or may not have taken effect), a read that
// failed with a timeout returns with an unknown value, and whatever is still open at the end of
// the log never returns.
import type { Operation, Value } from "./history";

export interface ParsedHistory {
  readonly operations: Operation[];
  /** The value a key holds before any write, in this format's model. */
  readonly initial: Value;
  /** Non-empty lines that were not operations. */
  readonly skipped: number;
}

/** Where and when a call was read; its return completes it. */
interface Call {
  readonly id: number;
  readonly client: string;
  readonly call: number;
}

type Build = (call: Call, ret: number | undefined, result: string | undefined) => Operation;

/** Matches each call to the next return of the same process. */
class Pairing {
  private readonly done: Operation[] = [];
  private readonly open = new Map<string, { call: Call; build: Build }>();
  private time = 0;
  private ids = 0;
  skipped = 0;

  call(process: string, build: Build): void {
    this.close(process, undefined, undefined); // a process that calls again has given up on its last call
    this.open.set(process, { call: { id: this.ids++, client: process, call: this.time++ }, build });
  }

  /** The return of the process's open call, with what it returned (undefined: unknown). */
  ret(process: string, result: string | undefined): void {
    if (this.open.has(process)) this.close(process, this.time++, result);
  }

  private close(process: string, at: number | undefined, result: string | undefined): void {
    const o = this.open.get(process);
    if (!o) return;
    this.open.delete(process);
    this.done.push(o.build(o.call, at, result));
  }

  finish(): Operation[] {
    for (const p of [...this.open.keys()]) this.close(p, undefined, undefined);
    return this.done.sort((a, b) => a.id - b.id);
  }
}

const ETCD = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$/;
const CAS_ARGS = /^\[(-?\d+)\s+(-?\d+)\]$/;

/** The register Jepsen's etcd test used: its key is "r", its values integers, nil at first. */
export function parseEtcdLog(text: string): ParsedHistory {
  const p = new Pairing();
  for (const line of text.split(/\r?\n/)) {
    const m = ETCD.exec(line);
    if (!m) {
      if (line.trim()) p.skipped++;
      continue;
    }
    const [, proc, type, f, arg] = m as unknown as [string, string, string, string, string];
    const client = `p${proc}`;
    if (type === "invoke") etcdCall(p, client, f, arg, line);
    else if (type === "ok" || (type === "fail" && f === "cas")) p.ret(client, type === "ok" ? (f === "read" ? arg : "ok") : "fail");
    else if (type === "fail" && f === "read") p.ret(client, undefined); // timed out: returned, value unknown
    // info (timed out write or cas): no return; it may or may not have happened
  }
  return { operations: p.finish(), initial: null, skipped: p.skipped };
}

function etcdCall(p: Pairing, client: string, f: string, arg: string, line: string): void {
  const key = "r";
  if (f === "read") {
    p.call(client, (c, ret, result) => ({
      ...c,
      key,
      kind: "read",
      ...times(ret),
      ...(result === undefined ? {} : { value: result === "nil" ? null : Number(result) }),
    }));
  } else if (f === "write") {
    p.call(client, (c, ret) => ({ ...c, key, kind: "write", ...times(ret), value: Number(arg) }));
  } else {
    const cas = CAS_ARGS.exec(arg);
    if (!cas) throw new Error(`Cannot read the compare-and-set in: ${line}`);
    p.call(client, (c, ret, result) => ({
      ...c,
      key,
      kind: "cas",
      ...times(ret),
      expect: Number(cas[1]),
      value: Number(cas[2]),
      ...(result === undefined ? {} : { ok: result === "ok" }),
    }));
  }
}

/** An operation that never returned has no `ret` at all. */
function times(ret: number | undefined): { ret?: number } {
  return ret === undefined ? {} : { ret };
}

const KV = /^\{:process (\d+), :type :(invoke|ok|fail|info), :f :(get|put|append), :key "(.*?)", :value (nil|"(.*)")\}\s*$/;

/** Knossos's key-value store: string keys and values, "" before any write. */
export function parseKvLog(text: string): ParsedHistory {
  const p = new Pairing();
  for (const line of text.split(/\r?\n/)) {
    const m = KV.exec(line);
    if (!m) {
      if (line.trim()) p.skipped++;
      continue;
    }
    const [, proc, type, f, key, , value] = m as unknown as [string, string, string, string, string, string, string | undefined];
    const client = `p${proc}`;
    if (type === "invoke") kvCall(p, client, f, key, value ?? "");
    else if (type === "ok") p.ret(client, value ?? "");
  }
  return { operations: p.finish(), initial: "", skipped: p.skipped };
}

function kvCall(p: Pairing, client: string, f: string, key: string, value: string): void {
  if (f === "get") p.call(client, (c, ret, result) => ({ ...c, key, kind: "read", ...times(ret), ...(result === undefined ? {} : { value: result }) }));
  else if (f === "put") p.call(client, (c, ret) => ({ ...c, key, kind: "write", ...times(ret), value }));
  else p.call(client, (c, ret) => ({ ...c, key, kind: "append", ...times(ret), value }));
}
