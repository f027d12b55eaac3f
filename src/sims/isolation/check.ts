// Reads the history of a run as Adya does: the direct serialization graph of the committed
// transactions (ww, wr and rw edges, on rows and on predicates), its cycles named G0, G1c, P4,
// G-single, G2-item or G2, plus the anomalies a graph cycle does not show on its own: reads of
// aborted (G1a) or intermediate (G1b) values, a transaction's effects vanishing (OTV), and
// predicate reads based on different sets of writers (PMP).
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import type { Op, Txn, Version } from "./engine";
import { matches } from "./sql";
import { failed, type RunResult } from "./run";

export type Anomaly = "G0" | "G1a" | "G1b" | "G1c" | "OTV" | "PMP" | "P4" | "G-single" | "G2-item" | "G2";
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

export interface Edge {
  readonly from: Txn;
  readonly to: Txn;
  readonly kind: "ww" | "wr" | "rw";
  readonly row: number;
  readonly predicate?: string;
  /** The steps whose statements made the edge (the read and the write). */
  readonly steps: readonly number[];
}

export interface Cycle {
  readonly anomaly: Anomaly;
  readonly edges: readonly Edge[];
}

export interface Analysis {
  readonly edges: readonly Edge[];
  readonly cycles: readonly Cycle[];
  readonly findings: readonly Finding[];
  readonly anomalies: readonly Anomaly[];
  /** A serial order equivalent to the history, when there is no cycle. */
  readonly serialOrder?: readonly string[];
}

const name = (t: Txn) => t.session + (t.implicit ? "′" : "");

export function describeEdge(e: Edge): string {
  return `${e.kind} on ${e.predicate ? `the predicate "${e.predicate}" (row ${e.row})` : `row ${e.row}`}`;
}

export function describeCycle(c: Cycle): string {
  return `${name(c.edges[0]!.from)} ${c.edges.map((e) => `→ ${name(e.to)} (${describeEdge(e)})`).join(" ")}`;
}

interface RowOrder {
  /** Committed versions of the row in install order. */
  readonly chain: readonly Version[];
  /** Each committed writer's final version's index in chain. */
  readonly finalIndex: Map<Txn, number>;
}

function rowOrders(run: RunResult): Map<number, RowOrder> {
  const out = new Map<number, RowOrder>();
  for (const [id, chain] of run.db.rows) {
    const committed = chain.filter((v) => v.writer.status === "committed");
    const finalIndex = new Map<Txn, number>();
    committed.forEach((v, i) => finalIndex.set(v.writer, i));
    out.set(id, { chain: committed, finalIndex });
  }
  return out;
}

/** Writers after `v` in version order (each by its final version), excluding `reader` unless asked. */
function laterInstallers(order: RowOrder | undefined, v: Version | undefined, reader: Txn, keepReader = false): { writer: Txn; version: Version }[] {
  if (!order) return [];
  const from = v ? (order.finalIndex.get(v.writer) ?? order.chain.indexOf(v)) + 1 : 0;
  const out: { writer: Txn; version: Version }[] = [];
  for (let i = from; i < order.chain.length; i++) {
    const version = order.chain[i]!;
    if (order.finalIndex.get(version.writer) !== i || (version.writer === reader && !keepReader)) continue;
    out.push({ writer: version.writer, version });
  }
  return out;
}

function readsOf(op: Op): { row: number; version: Version | undefined }[] {
  if (op.kind === "read") return [{ row: op.row, version: op.version }];
  if (op.kind === "pread") return [...op.seen].map(([row, version]) => ({ row, version }));
  return [];
}

export function analyze(run: RunResult): Analysis {
  const setup = run.db.setup;
  const committed = run.txns.filter((t) => t.status === "committed");
  const orders = rowOrders(run);
  const edges: Edge[] = [];
  const findings: Finding[] = [];
  const seenKeys = new Set<string>();
  const add = (e: Edge) => {
    if (e.from === e.to || e.from === setup || e.to === setup) return;
    if (e.from.status !== "committed" || e.to.status !== "committed") return;
    const key = `${e.from.id}/${e.to.id}/${e.kind}/${e.row}/${e.predicate ?? ""}`;
    if (seenKeys.has(key)) return;
    seenKeys.add(key);
    edges.push(e);
  };

  const writeStep = new Map<Version, number>();
  for (const t of run.txns) for (const op of t.ops) if (op.kind === "write") writeStep.set(op.version, op.step);
  const stepOf = (v: Version | undefined) => (v ? writeStep.get(v) : undefined);
  const steps = (...xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);

  // ww: consecutive installers of each row.
  for (const [row, order] of orders) {
    const installers = [...order.finalIndex.entries()].sort((a, b) => a[1] - b[1]);
    for (let i = 1; i < installers.length; i++) add({ from: installers[i - 1]![0], to: installers[i]![0], kind: "ww", row, steps: steps(stepOf(order.chain[installers[i - 1]![1]]), stepOf(order.chain[installers[i]![1]])) });
  }

  const g1a = new Set<string>();
  const g1b = new Set<string>();
  for (const r of committed) {
    for (const op of r.ops) {
      if (op.kind === "write") continue;
      // A predicate read also covers the rows that did not exist yet: inserting one can change its result.
      const unborn = op.kind === "pread" ? [...orders.keys()].filter((row) => !op.seen.has(row)).map((row) => ({ row, version: undefined })) : [];
      for (const { row, version } of [...readsOf(op), ...unborn]) {
        const order = orders.get(row);
        const m = (v: Version | undefined) => op.kind === "read" || (v !== undefined && v.value !== null && matches(op.pred, { id: row, value: v.value }));
        const w = version?.writer;
        // What the read used: a key lookup uses the version it found; a predicate read uses a row's
        // version only when the row matched (it was returned).
        if (w && w !== r && w !== setup && (op.kind === "read" || (m(version) && !op.existsOnly))) {
          if (w.status === "aborted") g1a.add(`${r.session} read ${row} => ${version!.value} from ${w.session}, which rolled back`);
          else {
            const last = order?.finalIndex.get(w);
            // A row found deleted by a writer whose last word was also a delete saw that word.
            if (last !== undefined && order!.chain[last] !== version && !(version!.value === null && order!.chain[last]!.value === null)) g1b.add(intermediateRead(r, w, row, version!, order!.chain[last]!));
            add({ from: w, to: r, kind: "wr", row, steps: steps(stepOf(version), op.step) });
          }
        }
        const base = version && version.writer.status === "committed" ? version : undefined;
        if (op.kind === "read" || (m(version) && !op.existsOnly)) {
          // Item anti-dependency: the transaction that installed the very next version of a row read.
          const next = laterInstallers(order, base, r, true)[0];
          if (next) add({ from: r, to: next.writer, kind: "rw", row, steps: steps(op.step, stepOf(next.version)) });
        }
        if (op.kind === "pread" && order) {
          // Predicate dependencies (Adya): on each earlier writer whose version changed whether the
          // row matches, and to the first later writer whose version changes it again.
          const upTo = base ? order.chain.indexOf(base) : -1;
          for (let i = 0; i <= upTo; i++) {
            const v = order.chain[i]!;
            if (v.writer !== r && v.writer !== setup && m(v) !== m(order.chain[i - 1])) add({ from: v.writer, to: r, kind: "wr", row, predicate: op.text, steps: steps(stepOf(v), op.step) });
          }
          const flip = laterInstallers(order, base, r).find((l) => m(l.version) !== m(version));
          if (flip) add({ from: r, to: flip.writer, kind: "rw", row, predicate: op.text, steps: steps(op.step, stepOf(flip.version)) });
        }
      }
    }
  }
  for (const text of g1a) findings.push(anomalyFinding("G1a", `${text}. A committed transaction used a value that never existed.`));
  for (const text of g1b) findings.push(anomalyFinding("G1b", `${text}. A committed transaction used a value that was never the writer's final word.`));

  const cycles = findCycles(committed, edges);
  const bestPerAnomaly = new Map<Anomaly, Cycle>();
  for (const c of cycles) {
    const prev = bestPerAnomaly.get(c.anomaly);
    if (!prev || c.edges.length < prev.edges.length) bestPerAnomaly.set(c.anomaly, c);
  }
  for (const c of bestPerAnomaly.values()) findings.push(anomalyFinding(c.anomaly, `${cycleStory(c)} The cycle: ${describeCycle(c)}.`, describeCycle(c)));

  // OTV: after seeing one of Tj's writes, a later read returns a version older than Tj's of
  // another row, and would have returned something else with Tj's.
  for (const r of committed) {
    const observed: { row: number; version: Version }[] = [];
    let found = false;
    for (const op of r.ops) {
      if (op.kind === "write" || found) continue;
      const returns = (row: number, v: Version | undefined) => (v !== undefined && v.value !== null && (op.kind === "read" || matches(op.pred, { id: row, value: v.value })) ? (op.kind === "pread" && op.existsOnly ? 0 : v.value) : null);
      const rows = op.kind === "read" ? [{ row: op.row, version: op.version }] : [...orders.keys()].map((row) => ({ row, version: op.seen.get(row) }));
      // What this read used of other transactions' work: versions it returned (or found by key).
      const used = rows.filter(({ row, version }) => version && returns(row, version) !== null && version.writer !== r && version.writer !== setup && version.writer.status === "committed").map(({ row, version }) => ({ row, version: version! }));
      // One statement that sees part of a transaction is already a vanish, whatever the row order.
      for (const { row, version } of rows) {
        const order = orders.get(row);
        for (const o of found ? [] : [...observed, ...used]) {
          const w = o.version.writer;
          const wIndex = o.row === row ? undefined : order?.finalIndex.get(w);
          if (wIndex === undefined) continue;
          const readIndex = version ? order!.chain.indexOf(version) : -1;
          if (readIndex < wIndex && returns(row, version) !== returns(row, order!.chain[wIndex])) {
            findings.push(anomalyFinding("OTV", `${r.session} saw ${w.session}'s write of row ${o.row} (${o.version.value}), then read row ${row} as ${version?.value ?? "absent"}, older than ${w.session}'s write of it (${order!.chain[wIndex]!.value ?? "a delete"}): part of ${w.session} vanished from ${r.session}'s view.`));
            found = true;
          }
        }
      }
      observed.push(...used);
    }
  }

  // PMP: two predicate reads of one transaction based on different writers of the same row.
  for (const r of committed) {
    const preds = r.ops.filter((o): o is Extract<Op, { kind: "pread" }> => o.kind === "pread");
    let done = false;
    for (let i = 0; i < preds.length && !done; i++) {
      for (let j = i + 1; j < preds.length && !done; j++) {
        const a = preds[i]!;
        const b = preds[j]!;
        for (const row of new Set([...a.seen.keys(), ...b.seen.keys()])) {
          const va = a.seen.get(row);
          const vb = b.seen.get(row);
          if (va?.writer === r || vb?.writer === r || va === vb) continue;
          if ((va?.writer ?? setup) === (vb?.writer ?? setup)) continue;
          // What each read returns for the row under either version. If one read would return the
          // same under the other's version, one state of the row explains both: no phantom.
          // A duplicate check returns only whether the row exists.
          const returns = (p: typeof a, v: Version | undefined) => (v !== undefined && v.value !== null && matches(p.pred, { id: row, value: v.value }) ? (p.existsOnly ? 0 : v.value) : null);
          if (returns(a, va) === returns(a, vb) || returns(b, va) === returns(b, vb)) continue;
          const show = (v: Version | undefined) => (v && v.value !== null ? `${row} => ${v.value}${v.writer === setup ? "" : ` (by ${v.writer.session})`}` : `no row ${row}`);
          findings.push(anomalyFinding("PMP", `"${a.text}" saw ${show(va)}, while the later "${b.text}" in the same transaction saw ${show(vb)}: ${r.session}'s predicate reads are based on different sets of committed writes, so rows appear, disappear or change between them (a phantom).`));
          done = true;
          break;
        }
      }
    }
  }

  const anomalies = [...new Set(findings.map((f) => f.code as Anomaly))];
  const serialOrder = cycles.length === 0 ? topoOrder(committed, edges).map(name) : undefined;
  return { edges, cycles, findings, anomalies, ...(serialOrder ? { serialOrder } : {}) };
}

function intermediateRead(r: Txn, w: Txn, row: number, seen: Version, final: Version): string {
  const what = seen.value === null ? `found row ${row} deleted by ${w.session}` : `read ${row} => ${seen.value}`;
  const then = final.value === null ? "deleted it" : seen.value === null ? `inserted it again (${final.value})` : `overwrote it with ${final.value}`;
  return `${r.session} ${what}, and ${w.session} later ${then} before committing`;
}

function anomalyFinding(id: Anomaly, explanation: string, cycle?: string): Finding {
  const a = ANOMALIES.find((x) => x.id === id)!;
  return { severity: "error", code: id, title: `${id}: ${a.name}${cycle ? ` (${cycle})` : ""}`, explanation };
}

function cycleStory(c: Cycle): string {
  switch (c.anomaly) {
    case "G0":
      return "Two transactions overwrote each other's rows in opposite orders, so no serial order explains the final state.";
    case "G1c":
      return "Each transaction saw the other's writes, so each must come before the other.";
    case "P4":
      return "A transaction read a row, another overwrote it, and the first then wrote the row based on what it had read: one update is lost.";
    case "G-single":
      return "A transaction saw one row before another transaction's change and a second row after it, so it saw that transaction half done.";
    case "G2-item":
      return "Each transaction read rows that the other then changed, and both committed: each decided on data the other made stale.";
    case "G2":
      return "Each transaction read through a predicate that the other's write changed, and both committed: each decided on a set of rows the other made stale.";
    default:
      return "";
  }
}

/** Elementary cycles of the small graph, each classified by its weakest edges. */
function findCycles(nodes: readonly Txn[], edges: readonly Edge[]): Cycle[] {
  const out: Cycle[] = [];
  const index = new Map(nodes.map((t, i) => [t, i]));
  const rank = (e: Edge) => (e.kind === "ww" ? 0 : e.kind === "wr" ? 1 : e.predicate ? 3 : 2);
  const best = (a: Txn, b: Txn) => edges.filter((e) => e.from === a && e.to === b).sort((x, y) => rank(x) - rank(y));
  const succ = (t: Txn) => [...new Set(edges.filter((e) => e.from === t).map((e) => e.to))];
  for (const start of nodes) {
    const path: Txn[] = [start];
    const walk = (t: Txn) => {
      if (out.length > 200) return;
      for (const n of succ(t)) {
        if (n === start) {
          out.push(...classify(path.map((p, i) => best(p, path[i + 1] ?? start))));
        } else if (index.get(n)! > index.get(start)! && !path.includes(n)) {
          path.push(n);
          walk(n);
          path.pop();
        }
      }
    };
    walk(start);
  }
  return out;
}

/** Choose one edge per hop to make the weakest anomaly this cycle shows, and also the same-row reading for P4. */
function classify(hops: Edge[][]): Cycle[] {
  const weakest = hops.map((h) => h[0]!);
  const out: Cycle[] = [{ anomaly: kindOf(weakest), edges: weakest }];
  // A cycle on one row made of a read-write edge and a write-write edge back is a lost update
  // (Berenson et al.'s P4: r1[x] … w2[x] … w1[x]): the reader wrote the row on the strength of a
  // value the other transaction had already replaced.
  const rows = new Set(hops.flatMap((h) => h.map((e) => e.row)));
  for (const row of rows) {
    const onRow = hops.map((h) => h.find((e) => e.row === row && !e.predicate && e.kind === "ww") ?? h.find((e) => e.row === row && !e.predicate));
    if (onRow.every((e) => e) && onRow.filter((e) => e!.kind === "rw").length === 1 && onRow.some((e) => e!.kind === "ww")) {
      out[0] = { anomaly: "P4", edges: onRow as Edge[] };
      break;
    }
  }
  return out;
}

function kindOf(edges: readonly Edge[]): Anomaly {
  const rw = edges.filter((e) => e.kind === "rw");
  if (rw.length === 0) return edges.every((e) => e.kind === "ww") ? "G0" : "G1c";
  if (rw.length === 1) return "G-single";
  return rw.some((e) => e.predicate) ? "G2" : "G2-item";
}

function topoOrder(nodes: readonly Txn[], edges: readonly Edge[]): Txn[] {
  const indeg = new Map(nodes.map((t) => [t, 0]));
  for (const e of edges) indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
  const out: Txn[] = [];
  const ready = nodes.filter((t) => indeg.get(t) === 0);
  while (ready.length) {
    ready.sort((a, b) => (a.commitSeq ?? 0) - (b.commitSeq ?? 0));
    const t = ready.shift()!;
    out.push(t);
    for (const e of edges) if (e.from === t) {
      indeg.set(e.to, indeg.get(e.to)! - 1);
      if (indeg.get(e.to) === 0) ready.push(e.to);
    }
  }
  return out;
}

export function check(run: RunResult): { verdict: Verdict; analysis: Analysis } {
  const analysis = analyze(run);
  const notes: Finding[] = run.summaries.filter((s) => s.error).map((s) => (failed(s)
    ? { severity: "info", code: "aborted", title: `${s.session} was rolled back`, explanation: `${s.session} (${s.level}) got "${s.error}" and was rolled back; its writes are gone, so it takes no part in the history that committed.` }
    : { severity: "info", code: "statement-error", title: `${s.session} got an error and went on`, explanation: `${s.session} (${s.level}) got "${s.error}". MySQL undid only that statement; the transaction went on and ended with ${s.status === "committed" ? "a commit" : "a rollback"}.` }));
  const waits = run.events.filter((e) => e.kind === "blocked");
  if (waits.length) notes.push({ severity: "info", code: "blocked", title: `${waits.length} statement${waits.length > 1 ? "s" : ""} waited for a lock`, explanation: waits.map((e) => `${e.session}'s "${e.sql}" waited for ${e.waitingFor?.join(", ")} (${e.message?.replace(/^waits for /, "")})`).join("; ") + "." });
  const order = analysis.serialOrder?.length ? ` It is equivalent to running ${analysis.serialOrder.join(", then ")} one after the other.` : "";
  const verdict = verdictFrom([...analysis.findings, ...notes], `Serializable: the committed transactions' dependency graph has no cycle and no read saw an aborted or intermediate value.${order}`, `Anomal${analysis.anomalies.length > 1 ? "ies" : "y"}: ${analysis.anomalies.join(", ")}.`);
  return { verdict, analysis };
}
