// Session guarantees (Terry et al., 1994), consistent prefix and bounded staleness, checked on a
// history whose reads and writes carry versions: what each client was promised about its own
// session, and what every reader was promised about the order of writes. Each broken promise is a
// finding that names the operations involved, so the diagram can mark them.
//
// A read "observes" a write of its key when it returned that write's version or a later one:
// versions of a key grow in the order its writes take effect, so a later version includes the
// earlier ones. Whether a read observed a write of another key is only known for reads answered
// from one state together (a read group: one replica at one moment, one snapshot).
import { verdictFrom, type Finding, type Verdict } from "../verdict";
import { mayWrite, sessions, showOp, showOwn, type Operation } from "./history";
import { happenedBefore, type Cause } from "./order";
import { Versions, type VersionedRead, type VersionedWrite } from "./versions";

export type Guarantee = "read-your-writes" | "monotonic-reads" | "monotonic-writes" | "writes-follow-reads" | "consistent-prefix" | "bounded-staleness";

/** The session guarantees and consistent prefix, in the order findings are listed. */
export const ORDER_GUARANTEES: readonly Guarantee[] = ["read-your-writes", "monotonic-reads", "monotonic-writes", "writes-follow-reads", "consistent-prefix"];

export const GUARANTEE_NAMES: Readonly<Record<Guarantee, string>> = {
  "read-your-writes": "read your writes",
  "monotonic-reads": "monotonic reads",
  "monotonic-writes": "monotonic writes",
  "writes-follow-reads": "writes follow reads",
  "consistent-prefix": "consistent prefix",
  "bounded-staleness": "bounded staleness",
};

export interface SessionOptions {
  /** The guarantees to check. Default: the five order guarantees, and bounded staleness when a bound is given. */
  readonly guarantees?: readonly Guarantee[];
  /** Bounded staleness: most versions a read may be behind the writes of its key acknowledged before it began. */
  readonly maxStalenessVersions?: number;
  /** Bounded staleness: longest a read may miss a write acknowledged before it began (the history's time units). */
  readonly maxStalenessMs?: number;
  /** Findings listed per guarantee; the others are counted in one more finding. Default 3. */
  readonly maxFindings?: number;
}

/** How far behind one read was: versions of its key it missed, and how long the oldest missed one had been acknowledged. */
export interface Staleness {
  readonly id: number;
  readonly versions: number;
  readonly ms: number;
}

export interface SessionResult extends Verdict {
  /** Violations of each guarantee checked. */
  readonly violations: Readonly<Partial<Record<Guarantee, number>>>;
  /** Whether each guarantee checked held. */
  readonly held: Readonly<Partial<Record<Guarantee, boolean>>>;
  /** Every read with a version, and how stale it was. */
  readonly staleness: readonly Staleness[];
}

interface Violation {
  readonly title: string;
  readonly explanation: string;
  readonly ops: readonly Operation[];
}

function versioned(op: Operation): op is VersionedRead | VersionedWrite {
  return op.version !== undefined && (op.kind === "read" || mayWrite(op));
}

/** Each client's versioned operations in session order. */
function sessionOps(v: Versions): [string, (VersionedRead | VersionedWrite)[]][] {
  return [...sessions(v.history)].map(([c, ops]) => [c, ops.filter(versioned)]);
}

// ---- Read your writes, monotonic reads: what one session reads. ----

function readYourWrites(v: Versions): Violation[] {
  const out: Violation[] = [];
  for (const [client, ops] of sessionOps(v)) {
    const own = new Map<string, VersionedWrite>();
    for (const op of ops) {
      if (op.kind !== "read") {
        const last = own.get(op.key);
        if (op.ret !== undefined && (!last || op.version > last.version)) own.set(op.key, op);
        continue;
      }
      const mine = own.get(op.key);
      if (mine && op.version < mine.version) {
        out.push({
          title: `${client} did not read its own write of ${op.key}`,
          explanation: `${showOp(op)} did not see ${client}'s own earlier ${showOwn(mine)}: it returned version ${op.version}, older than the version ${mine.version} the same session had written and been told was done.`,
          ops: [op, mine],
        });
      }
    }
  }
  return out;
}

function monotonicReads(v: Versions): Violation[] {
  const out: Violation[] = [];
  for (const [client, ops] of sessionOps(v)) {
    const seen = new Map<string, VersionedRead>();
    for (const op of ops) {
      if (op.kind !== "read") continue;
      const before = seen.get(op.key);
      if (before && op.version < before.version) {
        out.push({
          title: `${client}'s reads of ${op.key} went back in time`,
          explanation: `${showOp(op)} returned version ${op.version}, older than version ${before.version}, which ${client} had already read (${showOwn(before)}): a later read in a session must not see less than an earlier one.`,
          ops: [op, before],
        });
      }
      if (!before || op.version > before.version) seen.set(op.key, op);
    }
  }
  return out;
}

// ---- Monotonic writes, writes follow reads: how one session's writes are ordered for everyone. ----

/** For each write, what its session had done before it: the latest version per key it wrote (or read). */
function sessionDependencies(v: Versions, kind: "writes" | "reads"): Map<VersionedWrite, Map<string, Operation & { version: number }>> {
  const out = new Map<VersionedWrite, Map<string, Operation & { version: number }>>();
  for (const [, ops] of sessionOps(v)) {
    const before = new Map<string, Operation & { version: number }>();
    for (const op of ops) {
      if (op.kind !== "read") out.set(op, new Map(before));
      const counts = kind === "writes" ? op.kind !== "read" && op.ret !== undefined : op.kind === "read" && op.version > 0;
      const last = before.get(op.key);
      if (counts && (!last || op.version > last.version)) before.set(op.key, op);
    }
  }
  return out;
}

function monotonicWrites(v: Versions): Violation[] {
  const deps = sessionDependencies(v, "writes");
  const out: Violation[] = [];
  for (const [w2, before] of deps) {
    const w1 = before.get(w2.key);
    if (w1 && w2.version < w1.version) {
      out.push({
        title: `${w2.client}'s writes of ${w2.key} took effect out of order`,
        explanation: `${showOp(w2)} was ordered before ${w2.client}'s earlier ${showOwn(w1)}: the later write got version ${w2.version}, below ${w1.version}, so the earlier write overwrote it.`,
        ops: [w2, w1],
      });
    }
  }
  return [...out, ...groupViolations(v, deps, "monotonic-writes")];
}

function writesFollowReads(v: Versions): Violation[] {
  const deps = sessionDependencies(v, "reads");
  const out: Violation[] = [];
  for (const [w2, before] of deps) {
    const r1 = before.get(w2.key);
    if (r1 && w2.version < r1.version) {
      out.push({
        title: `${w2.client}'s write of ${w2.key} was ordered before what it had read`,
        explanation: `${showOp(w2)} got version ${w2.version}, below version ${r1.version}, which ${w2.client} had read before writing (${showOwn(r1)}): the write was ordered before a write its session had already seen.`,
        ops: [w2, r1],
      });
    }
  }
  return [...out, ...groupViolations(v, deps, "writes-follow-reads")];
}

/**
 * Across keys: a state that shows a session's write must also show what that session had written
 * (monotonic writes) or read (writes follow reads) before it. Seen through read groups.
 */
function groupViolations(
  v: Versions,
  deps: Map<VersionedWrite, Map<string, Operation & { version: number }>>,
  g: "monotonic-writes" | "writes-follow-reads",
): Violation[] {
  const out: Violation[] = [];
  for (const group of v.groups()) {
    for (const rb of group) {
      for (const w2 of v.writesOf(rb.key).filter((w) => w.version <= rb.version)) {
        for (const ra of group) {
          const need = ra.key !== rb.key ? deps.get(w2)?.get(ra.key) : undefined;
          if (!need || ra.version >= need.version) continue;
          const what =
            g === "monotonic-writes" ? `${w2.client} had written before it (${showOwn(need)})` : `${w2.client} had read before writing (${showOwn(need)})`;
          out.push({
            title: `a state showed ${w2.client}'s write of ${w2.key} without what came before it`,
            explanation: `The reads of group ${rb.group} were answered from one state: ${showOp(rb)} saw ${showOp(w2)}, but ${showOp(ra)} missed version ${need.version} of ${ra.key}, which ${what}.`,
            ops: [ra, rb, w2, need],
          });
        }
      }
    }
  }
  return dedupe(out);
}

/** One violation per set of operations. */
function dedupe(vs: readonly Violation[]): Violation[] {
  const seen = new Set<string>();
  return vs.filter((x) => {
    const k = x.ops
      .map((o) => o.id)
      .sort((a, b) => a - b)
      .join(",");
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---- Consistent prefix: every state read is a prefix of the order writes happened in. ----

function because(c: Cause): string {
  switch (c.why) {
    case "real-time":
      return `${showOp(c.from)} completed before ${showOp(c.to)} began`;
    case "read":
      return `${showOp(c.via!)} came before ${c.to.client}'s ${showOwn(c.to)} in the same session`;
    case "version":
      return `${showOp(c.from)} is an earlier version of ${c.to.key} than ${showOp(c.to)}`;
  }
}

function consistentPrefix(v: Versions): Violation[] {
  const hb = happenedBefore(v);
  const out: Violation[] = [];
  for (const group of v.groups()) {
    for (const rb of group) {
      const wb = v.write(rb.key, rb.version);
      if (!wb) continue;
      for (const ra of group) {
        if (ra.key === rb.key) continue;
        const missed = hb.latestBefore(wb, ra.key);
        if (!missed || ra.version >= missed.version) continue;
        const chain = hb.chain(missed, wb);
        out.push({
          title: `a state showed a write of ${rb.key} without an earlier write of ${ra.key}`,
          explanation: `The reads of group ${rb.group} were answered from one state, and that state is not a prefix of the writes: ${showOp(rb)} saw ${showOp(wb)}, but ${showOp(ra)} missed ${showOp(missed)}, which happened before it (${chain.map(because).join("; ")}).`,
          ops: [ra, rb, wb, missed],
        });
      }
    }
  }
  return dedupe(out);
}

// ---- Bounded staleness. ----

/** How stale each versioned read was when it began. */
export function stalenessOf(v: Versions): Staleness[] {
  return v.reads.map((r) => {
    const missed = v.writesOf(r.key).filter((w) => w.version > r.version && w.ret !== undefined && w.ret < r.call);
    const oldest = missed.reduce((t, w) => Math.min(t, w.ret!), Number.POSITIVE_INFINITY);
    return { id: r.id, versions: missed.length, ms: missed.length ? r.call - oldest : 0 };
  });
}

function boundedStaleness(v: Versions, staleness: readonly Staleness[], options: SessionOptions): Violation[] {
  const maxV = options.maxStalenessVersions ?? Number.POSITIVE_INFINITY;
  const maxMs = options.maxStalenessMs ?? Number.POSITIVE_INFINITY;
  const bound = [
    options.maxStalenessVersions !== undefined ? `${options.maxStalenessVersions} version${options.maxStalenessVersions === 1 ? "" : "s"}` : "",
    options.maxStalenessMs !== undefined ? `${options.maxStalenessMs} ms` : "",
  ]
    .filter(Boolean)
    .join(" or ");
  const out: Violation[] = [];
  v.reads.forEach((r, i) => {
    const s = staleness[i]!;
    if (s.versions <= maxV && s.ms <= maxMs) return;
    const missed = v.writesOf(r.key).filter((w) => w.version > r.version && w.ret !== undefined && w.ret < r.call);
    const first = missed.reduce((a, b) => (b.ret! < a.ret! ? b : a));
    out.push({
      title: `${r.client}'s read of ${r.key} was staler than the bound`,
      explanation: `${showOp(r)} was ${s.versions} version${s.versions === 1 ? "" : "s"} behind: ${missed.length === 1 ? "a write" : `${missed.length} writes`} of ${r.key} had been acknowledged before it began, the first, ${showOp(first)}, ${s.ms} ms before. The bound is ${bound}.`,
      ops: [r, ...missed],
    });
  });
  return out;
}

// ---- The verdict. ----

function findingsFor(g: Guarantee, vs: readonly Violation[], max: number): Finding[] {
  const shown: Finding[] = vs.slice(0, max).map((x) => ({
    severity: "error",
    code: g,
    title: `${capital(GUARANTEE_NAMES[g])} broken: ${x.title}`,
    explanation: x.explanation,
    events: [...new Set(x.ops.map((o) => o.id))],
  }));
  if (vs.length > max) {
    shown.push({
      severity: "info",
      code: g,
      title: `${vs.length - max} more violation${vs.length - max === 1 ? "" : "s"} of ${GUARANTEE_NAMES[g]}`,
      explanation: `Only the first ${max} of the ${vs.length} violations of ${GUARANTEE_NAMES[g]} are listed.`,
      events: [...new Set(vs.slice(max).flatMap((x) => x.ops.slice(0, 1).map((o) => o.id)))],
    });
  }
  return shown;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Checks the session guarantees, consistent prefix and (when a bound is given) bounded staleness. */
export function checkSessionGuarantees(history: readonly Operation[], options: SessionOptions = {}): SessionResult {
  const v = new Versions(history);
  const staleness = stalenessOf(v);
  const bounded = options.maxStalenessVersions !== undefined || options.maxStalenessMs !== undefined;
  const wanted = options.guarantees ?? [...ORDER_GUARANTEES, ...(bounded ? (["bounded-staleness"] as const) : [])];
  const checks: Record<Guarantee, () => Violation[]> = {
    "read-your-writes": () => readYourWrites(v),
    "monotonic-reads": () => monotonicReads(v),
    "monotonic-writes": () => monotonicWrites(v),
    "writes-follow-reads": () => writesFollowReads(v),
    "consistent-prefix": () => consistentPrefix(v),
    "bounded-staleness": () => boundedStaleness(v, staleness, options),
  };
  const violations: Partial<Record<Guarantee, number>> = {};
  const held: Partial<Record<Guarantee, boolean>> = {};
  const findings: Finding[] = [];
  for (const g of [...ORDER_GUARANTEES, "bounded-staleness" as const].filter((x) => wanted.includes(x))) {
    const vs = checks[g]();
    violations[g] = vs.length;
    held[g] = vs.length === 0;
    findings.push(...findingsFor(g, vs, options.maxFindings ?? 3));
  }
  const names = (ok: boolean) =>
    Object.entries(held)
      .filter(([, h]) => h === ok)
      .map(([g]) => GUARANTEE_NAMES[g as Guarantee]);
  const ok = `Every guarantee checked held (${names(true).join(", ")}).`;
  const bad = `Broken: ${names(false).join(", ")}.${names(true).length ? ` Held: ${names(true).join(", ")}.` : ""}`;
  const verdict = verdictFrom(findings, ok, bad);
  return { ...verdict, violations, held, staleness };
}
