// The words learners read about an isolation run: one function per finding code (each anomaly,
// counted over an exploration too, and the notes on aborts, errors, waits and levels that
// prevented an anomaly), and the verdict's summaries. Transactions are named by their sessions
// (an autocommit statement's with a prime, T1′), rows by their ids, so the story can be followed
// in the diagram.
import { count } from "../../present/prose";
import { failed, type TargetRun, type TraceEvent, type TxnSummary } from "./model";
import type { Txn } from "./model/engine";

export interface Words {
  readonly title: string;
  readonly explanation: string;
}

export type Anomaly = "G0" | "G1a" | "G1b" | "G1c" | "OTV" | "PMP" | "P4" | "G-single" | "G2-item" | "G2";

/** Every anomaly the checker names, in the order tables and charts show them. */
export const ANOMALIES: readonly { id: Anomaly; name: string }[] = [
  { id: "G0", name: "dirty write (write cycle)" },
  { id: "G1a", name: "aborted read" },
  { id: "G1b", name: "intermediate read" },
  { id: "G1c", name: "circular information flow" },
  { id: "OTV", name: "observed transaction vanishes" },
  { id: "PMP", name: "predicate-many-preceders (phantom)" },
  { id: "P4", name: "lost update" },
  { id: "G-single", name: "read skew (single anti-dependency cycle)" },
  { id: "G2-item", name: "write skew (item anti-dependency cycle)" },
  { id: "G2", name: "predicate write skew (anti-dependency cycle)" },
];

const nameOf = (id: Anomaly) => ANOMALIES.find((a) => a.id === id)!.name;

/** An anomaly's title: its code and name, and the cycle when it has one. */
const titled = (id: Anomaly, cycle?: string) => `${id}: ${nameOf(id)}${cycle ? ` (${cycle})` : ""}`;

/** A dependency of one committed transaction on another, as the words name it (check.ts's edges). */
export interface Dependency {
  readonly from: Txn;
  readonly to: Txn;
  readonly kind: "ww" | "wr" | "rw";
  readonly row: number;
  readonly predicate?: string;
}

/** A transaction by its session; an autocommit statement's with a prime. */
export const txnName = (t: Txn): string => t.session + (t.implicit ? "′" : "");

export function describeEdge(e: Dependency): string {
  return `${e.kind} on ${e.predicate ? `the predicate "${e.predicate}" (row ${e.row})` : `row ${e.row}`}`;
}

/** "T1 → T2 (rw on row 1) → T1 (ww on row 1)". */
export function describeCycle(edges: readonly Dependency[]): string {
  return `${txnName(edges[0]!.from)} ${edges.map((e) => `→ ${txnName(e.to)} (${describeEdge(e)})`).join(" ")}`;
}

function cycleWords(id: Anomaly, story: string, edges: readonly Dependency[]): Words {
  const cycle = describeCycle(edges);
  return { title: titled(id, cycle), explanation: `${story} The cycle: ${cycle}.` };
}

/** G0: a cycle of write-write dependencies. */
export function dirtyWrite(edges: readonly Dependency[]): Words {
  return cycleWords("G0", "Two transactions overwrote each other's rows in opposite orders, so no serial order explains the final state.", edges);
}

/** G1c: a cycle of write-write and write-read dependencies. */
export function circularFlow(edges: readonly Dependency[]): Words {
  return cycleWords("G1c", "Each transaction saw the other's writes, so each must come before the other.", edges);
}

/** P4: a read-write and a write-write dependency on one row. */
export function lostUpdate(edges: readonly Dependency[]): Words {
  const story = "A transaction read a row, another overwrote it, and the first then wrote the row based on what it had read: one update is lost.";
  return cycleWords("P4", story, edges);
}

/** G-single: a cycle with exactly one read-write dependency. */
export function readSkew(edges: readonly Dependency[]): Words {
  const story = "A transaction saw one row before another transaction's change and a second row after it, so it saw that transaction half done.";
  return cycleWords("G-single", story, edges);
}

/** G2-item: a cycle with several read-write dependencies on rows. */
export function writeSkew(edges: readonly Dependency[]): Words {
  const story = "Each transaction read rows that the other then changed, and both committed: each decided on data the other made stale.";
  return cycleWords("G2-item", story, edges);
}

/** G2: a cycle with several read-write dependencies, one of them on a predicate. */
export function predicateWriteSkew(edges: readonly Dependency[]): Words {
  const story =
    "Each transaction read through a predicate that the other's write changed, and both committed: each decided on a set of rows the other made stale.";
  return cycleWords("G2", story, edges);
}

/** G1a: a committed transaction used a version whose writer rolled back. */
export function abortedRead(reader: Txn, row: number, value: number | null, writer: Txn): Words {
  const read = `${reader.session} read ${row} => ${value} from ${writer.session}, which rolled back`;
  return { title: titled("G1a"), explanation: `${read}. A committed transaction used a value that never existed.` };
}

/** G1b: a committed transaction used a version its writer later replaced before committing. */
export function intermediateRead(reader: Txn, writer: Txn, row: number, seen: number | null, final: number | null): Words {
  const what = seen === null ? `found row ${row} deleted by ${writer.session}` : `read ${row} => ${seen}`;
  const then = final === null ? "deleted it" : seen === null ? `inserted it again (${final})` : `overwrote it with ${final}`;
  const story = `${reader.session} ${what}, and ${writer.session} later ${then} before committing`;
  return { title: titled("G1b"), explanation: `${story}. A committed transaction used a value that was never the writer's final word.` };
}

/** What one read saw of another transaction's writes, for OTV. */
export interface Vanish {
  readonly reader: Txn;
  readonly writer: Txn;
  /** The writer's row the reader saw first, and its value. */
  readonly seenRow: number;
  readonly seenValue: number | null;
  /** The row then read older than the writer's version of it: what it read (undefined: nothing) and what the writer wrote. */
  readonly row: number;
  readonly read: number | null | undefined;
  readonly written: number | null;
}

/** OTV: after seeing one of a transaction's writes, a read misses another of them. */
export function vanished(v: Vanish): Words {
  const { reader, writer } = v;
  const saw = `${reader.session} saw ${writer.session}'s write of row ${v.seenRow} (${v.seenValue})`;
  const then = `then read row ${v.row} as ${v.read ?? "absent"}, older than ${writer.session}'s write of it (${v.written ?? "a delete"})`;
  return { title: titled("OTV"), explanation: `${saw}, ${then}: part of ${writer.session} vanished from ${reader.session}'s view.` };
}

/** A row as a predicate read saw it: its value (null: no row) and who wrote it (undefined: the initial rows). */
export interface RowSeen {
  readonly row: number;
  readonly value: number | null;
  readonly by?: string;
}

const shown = (r: RowSeen) => (r.value !== null ? `${r.row} => ${r.value}${r.by === undefined ? "" : ` (by ${r.by})`}` : `no row ${r.row}`);

/** PMP: two predicate reads of one transaction saw different committed versions of a row. */
export function phantom(reader: Txn, first: { text: string; saw: RowSeen }, later: { text: string; saw: RowSeen }): Words {
  const reads = `"${first.text}" saw ${shown(first.saw)}, while the later "${later.text}" in the same transaction saw ${shown(later.saw)}`;
  const why = `${reader.session}'s predicate reads are based on different sets of committed writes, so rows appear, disappear or change between them`;
  return { title: titled("PMP"), explanation: `${reads}: ${why} (a phantom).` };
}

/** aborted: an error ended a transaction. */
export function abortedTxn(s: TxnSummary): Words {
  const gone = "its writes are gone, so it takes no part in the history that committed";
  return { title: `${s.session} was rolled back`, explanation: `${s.session} (${s.level}) got "${s.error}" and was rolled back; ${gone}.` };
}

/** statement-error: MySQL undid one statement and the transaction went on. */
export function statementError(s: TxnSummary): Words {
  const ended = s.status === "committed" ? "a commit" : "a rollback";
  return {
    title: `${s.session} got an error and went on`,
    explanation: `${s.session} (${s.level}) got "${s.error}". MySQL undid only that statement; the transaction went on and ended with ${ended}.`,
  };
}

/** blocked: statements that waited for a lock, and for whom. */
export function blocked(waits: readonly TraceEvent[]): Words {
  const each = (e: TraceEvent) => `${e.session}'s "${e.sql}" waited for ${e.waitingFor?.join(", ")} (${e.message?.replace(/^waits for /, "")})`;
  return { title: `${count(waits.length, "statement")} waited for a lock`, explanation: waits.map(each).join("; ") + "." };
}

/** What happened in a run besides the anomalies: who aborted and why, how many waits. */
export function outcome(r: TargetRun): string {
  const parts = r.run.summaries.filter(failed).map((s) => `${s.session} aborted (${s.error})`);
  const waits = r.run.events.filter((e) => e.kind === "blocked").length;
  if (waits) parts.push(count(waits, "wait"));
  return parts.join("; ") || "no waits, no errors";
}

/** prevented: one engine and level of a comparison kept the interleaving serializable. */
export function prevented(r: TargetRun): Words {
  return { title: `${r.target}: serializable`, explanation: `At ${r.target} the committed history has no anomaly: ${outcome(r)}.` };
}

/** The verdict's sentences for one run. */
export function runSummary(anomalies: readonly Anomaly[], serialOrder: readonly string[] | undefined): { ok: string; bad: string } {
  const order = serialOrder?.length ? ` It is equivalent to running ${serialOrder.join(", then ")} one after the other.` : "";
  return {
    ok: `Serializable: the committed transactions' dependency graph has no cycle and no read saw an aborted or intermediate value.${order}`,
    bad: `Anomal${anomalies.length > 1 ? "ies" : "y"}: ${anomalies.join(", ")}.`,
  };
}

/** The verdict's sentence for a comparison. */
export function compareSummary(runs: readonly { run: TargetRun; anomalies: readonly Anomaly[] }[]): string {
  const bad = runs.filter((r) => r.anomalies.length > 0);
  const each = runs.map((r) => `${r.run.target}: ${outcome(r.run)}`).join("; ");
  if (bad.length === 0) return `Every engine and level kept this interleaving serializable (${each}).`;
  return `${bad.map((r) => `${r.run.target} let ${r.anomalies.join(", ")} through`).join("; ")}; ${runs.length - bad.length} of ${runs.length} prevented it.`;
}

/** Who ran in turn in an interleaving: "T1 → T2 → T1". */
export function turns(events: readonly TraceEvent[]): string {
  const sessions = events.filter((e) => e.kind !== "queued" && e.step >= 0).map((e) => e.session);
  return sessions.filter((s, i, arr) => i === 0 || arr[i - 1] !== s).join(" → ");
}

/** Any anomaly, counted over an exploration: how often, and the first interleaving that shows it. */
export function explored(id: Anomaly, target: string, n: number, runs: number, first: TargetRun, cycle: readonly Dependency[] | undefined): Words {
  const its = cycle ? ` Its cycle: ${describeCycle(cycle)}.` : "";
  return {
    title: `${target}: ${id} in ${n} of ${runs} interleavings`,
    explanation: `${nameOf(id)}. The first interleaving that shows it: ${turns(first.run.events)}.${its}`,
  };
}

/** The verdict's sentence for an exploration. */
export function exploreSummary(
  ex: { readonly space: number; readonly sampled: boolean },
  tallies: readonly { readonly target: string; readonly runs: number; readonly anomalous: number }[],
): string {
  const runs = tallies[0]?.runs ?? 0;
  const which = ex.sampled ? `${runs} random interleavings of ${ex.space}` : `All ${ex.space} interleavings`;
  const clean = tallies.filter((t) => t.anomalous === 0).map((t) => t.target);
  const kept = clean.length ? `${clean.join(", ")} kept every one serializable` : "no level kept every one serializable";
  const bad = tallies.filter((t) => t.anomalous > 0);
  return `${which}: ${kept}${bad.length ? `; ${bad.map((t) => `${t.target}: ${t.anomalous} anomalous`).join(", ")}` : ""}.`;
}
