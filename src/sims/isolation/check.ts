// Reads the history of a run as Adya does: the direct serialization graph of the committed
// transactions (ww, wr and rw edges, on rows and on predicates), its cycles named G0, G1c, P4,
// G-single, G2-item or G2, plus the anomalies a graph cycle does not show on its own: reads of
// aborted (G1a) or intermediate (G1b) values, a transaction's effects vanishing (OTV), and
// predicate reads based on different sets of writers (PMP). Then the verdict: of one run, of the
// same run at several engines and levels, or counted over many interleavings, each count with the
// replay of the first interleaving that shows it.
import type { Tally } from "../../core/explore";
import { verdictFrom, type Finding, type Replay, type Verdict } from "../../core/verdict";
import * as say from "./explain";
import type { Anomaly, Dependency } from "./explain";
import { failed, type Interleaving, type IsolationResult, type RunResult, type TargetRun, type TargetTally } from "./model";
import type { Op, Txn, Version } from "./model/engine";
import { matches } from "./model/sql";
import type { Resolved } from "./scenario";

export { ANOMALIES, type Anomaly } from "./explain";

export interface Edge extends Dependency {
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

type Read = Exclude<Op, { kind: "write" }>;
type PredicateRead = Extract<Op, { kind: "pread" }>;

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

function readsOf(op: Read): { row: number; version: Version | undefined }[] {
  if (op.kind === "read") return [{ row: op.row, version: op.version }];
  return [...op.seen].map(([row, version]) => ({ row, version }));
}

/** The value a read returns for a row at version `v` (0 for a duplicate check, which sees only that it exists), or null for none. */
function returned(op: Read, row: number, v: Version | undefined): number | null {
  if (v === undefined || v.value === null) return null;
  if (op.kind === "read") return v.value;
  return matches(op.pred, { id: row, value: v.value }) ? (op.existsOnly ? 0 : v.value) : null;
}

/**
 * The direct serialization graph of one run's committed transactions, built edge by edge, and the
 * aborted and intermediate reads found on the way.
 */
class DependencyGraph {
  readonly setup: Txn;
  readonly committed: Txn[];
  readonly orders: Map<number, RowOrder>;
  readonly edges: Edge[] = [];
  /** G1a and G1b, each told once. */
  readonly dirtyReads = new Map<string, Finding>();
  private readonly keys = new Set<string>();
  private readonly writeStep = new Map<Version, number>();

  constructor(run: RunResult) {
    this.setup = run.db.setup;
    this.committed = run.txns.filter((t) => t.status === "committed");
    this.orders = rowOrders(run);
    for (const t of run.txns) for (const op of t.ops) if (op.kind === "write") this.writeStep.set(op.version, op.step);
    this.addWriteOrder();
    for (const r of this.committed) for (const op of r.ops) if (op.kind !== "write") this.addRead(r, op);
  }

  private add(e: Edge): void {
    if (e.from === e.to || e.from === this.setup || e.to === this.setup) return;
    if (e.from.status !== "committed" || e.to.status !== "committed") return;
    const key = `${e.from.id}/${e.to.id}/${e.kind}/${e.row}/${e.predicate ?? ""}`;
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.edges.push(e);
  }

  /** The step of a version's write (when the run wrote it) and the step of a read. */
  private steps(write: Version | undefined, read: number): number[] {
    const w = write ? this.writeStep.get(write) : undefined;
    return w === undefined ? [read] : [w, read];
  }

  private dirty(words: say.Words, code: "G1a" | "G1b"): void {
    const key = `${code}:${words.explanation}`;
    if (!this.dirtyReads.has(key)) this.dirtyReads.set(key, { severity: "error", code, ...words });
  }

  /** ww: consecutive installers of each row. */
  private addWriteOrder(): void {
    for (const [row, order] of this.orders) {
      const installers = [...order.finalIndex.entries()].sort((a, b) => a[1] - b[1]);
      for (let i = 1; i < installers.length; i++) {
        const [from, fromIndex] = installers[i - 1]!;
        const [to, toIndex] = installers[i]!;
        const steps = [this.writeStep.get(order.chain[fromIndex]!), this.writeStep.get(order.chain[toIndex]!)].filter((x) => x !== undefined);
        this.add({ from, to, kind: "ww", row, steps });
      }
    }
  }

  /** Every row a read looked at; a predicate read also covers rows that did not exist yet (inserting one can change its result). */
  private addRead(r: Txn, op: Read): void {
    const unborn = op.kind === "pread" ? [...this.orders.keys()].filter((row) => !op.seen.has(row)).map((row) => ({ row, version: undefined })) : [];
    for (const { row, version } of [...readsOf(op), ...unborn]) this.addRowRead(r, op, row, version);
  }

  private addRowRead(r: Txn, op: Read, row: number, version: Version | undefined): void {
    const order = this.orders.get(row);
    const matched = (v: Version | undefined) => op.kind === "read" || (v !== undefined && v.value !== null && matches(op.pred, { id: row, value: v.value }));
    // What the read used: a key lookup uses the version it found; a predicate read uses a row's
    // version only when the row matched (it was returned).
    const used = op.kind === "read" || (matched(version) && !op.existsOnly);
    const w = version?.writer;
    if (w && w !== r && w !== this.setup && used) this.addWriteRead(r, op, row, version!, order);
    const base = version && version.writer.status === "committed" ? version : undefined;
    if (used) {
      // Item anti-dependency: the transaction that installed the very next version of a row read.
      const next = laterInstallers(order, base, r, true)[0];
      if (next) this.add({ from: r, to: next.writer, kind: "rw", row, steps: this.steps(next.version, op.step).reverse() });
    }
    if (op.kind === "pread" && order) this.addPredicate(r, op, row, version, base, order, matched);
  }

  /** wr: the read used another transaction's version; or it used one that never committed (G1a) or was not final (G1b). */
  private addWriteRead(r: Txn, op: Read, row: number, version: Version, order: RowOrder | undefined): void {
    const w = version.writer;
    if (w.status === "aborted") return this.dirty(say.abortedRead(r, row, version.value, w), "G1a");
    const last = order?.finalIndex.get(w);
    const final = last === undefined ? undefined : order!.chain[last]!;
    // A row found deleted by a writer whose last word was also a delete saw that word.
    if (final && final !== version && !(version.value === null && final.value === null)) {
      this.dirty(say.intermediateRead(r, w, row, version.value, final.value), "G1b");
    }
    this.add({ from: w, to: r, kind: "wr", row, steps: this.steps(version, op.step) });
  }

  /**
   * Predicate dependencies (Adya): on each earlier writer whose version changed whether the row
   * matches, and to the first later writer whose version changes it again.
   */
  private addPredicate(
    r: Txn,
    op: PredicateRead,
    row: number,
    version: Version | undefined,
    base: Version | undefined,
    order: RowOrder,
    matched: (v: Version | undefined) => boolean,
  ): void {
    const upTo = base ? order.chain.indexOf(base) : -1;
    for (let i = 0; i <= upTo; i++) {
      const v = order.chain[i]!;
      if (v.writer !== r && v.writer !== this.setup && matched(v) !== matched(order.chain[i - 1])) {
        this.add({ from: v.writer, to: r, kind: "wr", row, predicate: op.text, steps: this.steps(v, op.step) });
      }
    }
    const flip = laterInstallers(order, base, r).find((l) => matched(l.version) !== matched(version));
    if (flip) this.add({ from: r, to: flip.writer, kind: "rw", row, predicate: op.text, steps: this.steps(flip.version, op.step).reverse() });
  }
}

const CYCLE_WORDS: Partial<Record<Anomaly, (edges: readonly Dependency[]) => say.Words>> = {
  G0: say.dirtyWrite,
  G1c: say.circularFlow,
  P4: say.lostUpdate,
  "G-single": say.readSkew,
  "G2-item": say.writeSkew,
  G2: say.predicateWriteSkew,
};

/** The shortest cycle of each anomaly, in the order the anomalies were first found. */
function shortestCycles(cycles: readonly Cycle[]): Cycle[] {
  const best = new Map<Anomaly, Cycle>();
  for (const c of cycles) {
    const prev = best.get(c.anomaly);
    if (!prev || c.edges.length < prev.edges.length) best.set(c.anomaly, c);
  }
  return [...best.values()];
}

function cycleFinding(c: Cycle): Finding {
  return { severity: "error", code: c.anomaly, ...CYCLE_WORDS[c.anomaly]!(c.edges) };
}

export function analyze(run: RunResult): Analysis {
  const graph = new DependencyGraph(run);
  const cycles = findCycles(graph.committed, graph.edges);
  const findings: Finding[] = [
    ...[...graph.dirtyReads.values()].filter((f) => f.code === "G1a"),
    ...[...graph.dirtyReads.values()].filter((f) => f.code === "G1b"),
    ...shortestCycles(cycles).map(cycleFinding),
    ...graph.committed.flatMap((r) => vanishes(r, graph)),
    ...graph.committed.flatMap((r) => phantoms(r, graph.setup)),
  ];
  const anomalies = [...new Set(findings.map((f) => f.code as Anomaly))];
  const serialOrder = cycles.length === 0 ? topoOrder(graph.committed, graph.edges).map(say.txnName) : undefined;
  return { edges: graph.edges, cycles, findings, anomalies, ...(serialOrder ? { serialOrder } : {}) };
}

const analyses = new WeakMap<RunResult, Analysis>();

/** The analysis of a run, made once however often the verdict and the presentation ask for it. */
export function analysisOf(run: RunResult): Analysis {
  let a = analyses.get(run);
  if (!a) analyses.set(run, (a = analyze(run)));
  return a;
}

/** The anomaly codes of one run: the judge of every interleaving an exploration plays. */
export const anomaliesOf = (run: RunResult): readonly Anomaly[] => analyze(run).anomalies;

/**
 * OTV: after seeing one of Tj's writes, a later read returns a version older than Tj's of another
 * row, and would have returned something else with Tj's. One statement that sees part of a
 * transaction is already a vanish, whatever the row order.
 */
function vanishes(r: Txn, graph: DependencyGraph): Finding[] {
  const { orders, setup } = graph;
  const observed: { row: number; version: Version }[] = [];
  for (const op of r.ops) {
    if (op.kind === "write") continue;
    const rows = op.kind === "read" ? [{ row: op.row, version: op.version }] : [...orders.keys()].map((row) => ({ row, version: op.seen.get(row) }));
    // What this read used of other transactions' work: versions it returned (or found by key).
    const used = rows.flatMap(({ row, version }) => {
      const other = version && returned(op, row, version) !== null && version.writer !== r && version.writer !== setup && version.writer.status === "committed";
      return other ? [{ row, version: version! }] : [];
    });
    const seen = [...observed, ...used];
    for (const { row, version } of rows) {
      const found = seen.flatMap((o) => vanish(r, op, o, row, version, orders.get(row)));
      if (found.length) return found;
    }
    observed.push(...used);
  }
  return [];
}

/** The OTV finding when reading `row` at `version` misses the write `o.version`'s writer made to it. */
function vanish(r: Txn, op: Read, o: { row: number; version: Version }, row: number, version: Version | undefined, order: RowOrder | undefined): Finding[] {
  const w = o.version.writer;
  const wIndex = o.row === row ? undefined : order?.finalIndex.get(w);
  if (wIndex === undefined) return [];
  const readIndex = version ? order!.chain.indexOf(version) : -1;
  const written = order!.chain[wIndex]!;
  if (readIndex >= wIndex || returned(op, row, version) === returned(op, row, written)) return [];
  const words = say.vanished({ reader: r, writer: w, seenRow: o.row, seenValue: o.version.value, row, read: version?.value, written: written.value });
  return [{ severity: "error", code: "OTV", ...words }];
}

/** PMP: two predicate reads of one transaction based on different writers of the same row. */
function phantoms(r: Txn, setup: Txn): Finding[] {
  const preds = r.ops.filter((o): o is PredicateRead => o.kind === "pread");
  for (let i = 0; i < preds.length; i++) {
    for (let j = i + 1; j < preds.length; j++) {
      const found = phantom(r, preds[i]!, preds[j]!, setup);
      if (found) return [found];
    }
  }
  return [];
}

function phantom(r: Txn, a: PredicateRead, b: PredicateRead, setup: Txn): Finding | undefined {
  for (const row of new Set([...a.seen.keys(), ...b.seen.keys()])) {
    const va = a.seen.get(row);
    const vb = b.seen.get(row);
    if (va?.writer === r || vb?.writer === r || va === vb) continue;
    if ((va?.writer ?? setup) === (vb?.writer ?? setup)) continue;
    // What each read returns for the row under either version. If one read would return the
    // same under the other's version, one state of the row explains both: no phantom.
    // A duplicate check returns only whether the row exists.
    if (returned(a, row, va) === returned(a, row, vb) || returned(b, row, va) === returned(b, row, vb)) continue;
    const saw = (v: Version | undefined) => ({ row, value: v?.value ?? null, ...(v && v.writer !== setup ? { by: v.writer.session } : {}) });
    return { severity: "error", code: "PMP", ...say.phantom(r, { text: a.text, saw: saw(va) }, { text: b.text, saw: saw(vb) }) };
  }
  return undefined;
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
    for (const e of edges) {
      if (e.from !== t) continue;
      indeg.set(e.to, indeg.get(e.to)! - 1);
      if (indeg.get(e.to) === 0) ready.push(e.to);
    }
  }
  return out;
}

/** The notes on one run besides its anomalies: transactions an error ended or interrupted, and waits. */
function notes(run: RunResult): Finding[] {
  const out: Finding[] = run.summaries
    .filter((s) => s.error)
    .map((s) =>
      failed(s) ? { severity: "info", code: "aborted", ...say.abortedTxn(s) } : { severity: "info", code: "statement-error", ...say.statementError(s) },
    );
  const waits = run.events.filter((e) => e.kind === "blocked");
  if (waits.length) out.push({ severity: "info", code: "blocked", ...say.blocked(waits) });
  return out;
}

/** The run whose steps the output lets a learner walk: the first with an anomaly, or else the first. */
export function walkedRun(runs: readonly TargetRun[]): TargetRun {
  return runs.find((r) => analysisOf(r.run).anomalies.length > 0) ?? runs[0]!;
}

/** The statements of an anomaly's shortest cycle, as the run's event numbers (the explorer's steps). */
function cycleEvents(run: RunResult, code: string): number[] | undefined {
  const cycles = analysisOf(run).cycles.filter((c) => c.anomaly === code);
  if (cycles.length === 0) return undefined;
  const shortest = cycles.reduce((a, b) => (b.edges.length < a.edges.length ? b : a));
  const steps = new Set(shortest.edges.flatMap((e) => e.steps));
  const events = run.events.flatMap((e, i) => (steps.has(e.step) && (e.kind === "ok" || e.kind === "resumed" || e.kind === "error") ? [i] : []));
  return events.length ? events : undefined;
}

/** Each anomaly finding names the events of its cycle, which the explorer marks as blamed. */
function withEvents(findings: readonly Finding[], run: RunResult): Finding[] {
  return findings.map((f) => {
    const events = cycleEvents(run, f.code);
    return events ? { ...f, events } : f;
  });
}

/** The verdict of one run: its anomalies, then what else happened. */
export function checkRun(run: RunResult): Verdict {
  const analysis = analysisOf(run);
  const { ok, bad } = say.runSummary(analysis.anomalies, analysis.serialOrder);
  return verdictFrom([...withEvents(analysis.findings, run), ...notes(run)], ok, bad);
}

/** The same interleaving at several engines and levels: each one's anomalies, or that it prevented them. */
function checkComparison(runs: readonly TargetRun[]): Verdict {
  const analysed = runs.map((run) => ({ run, anomalies: analysisOf(run.run).anomalies }));
  const walked = walkedRun(runs);
  const findings = runs.flatMap((r): Finding[] => {
    const a = analysisOf(r.run);
    // Only the walked run's findings name events: the explorer's steps are that run's.
    const own = (r === walked ? withEvents(a.findings, r.run) : a.findings).map((f) => ({ ...f, title: `${r.target}: ${f.title}` }));
    return a.anomalies.length === 0 ? [...own, { severity: "info", code: "prevented", ...say.prevented(r) }] : own;
  });
  return { valid: analysed.every((r) => r.anomalies.length === 0), summary: say.compareSummary(analysed), findings };
}

/** "Replay this run": the cell at the tally's engine and level, with the interleaving as its steps. */
function replayOf(at: Interleaving, t: Tally<string, Interleaving>, resolved: Resolved): Replay {
  return { remove: ["explore", "compare"], set: { ...t.keys, steps: at.map((i) => resolved.steps[i]!.text) } };
}

function exploredFindings(t: TargetTally, resolved: Resolved): Finding[] {
  return Object.entries(t.tally.codes).map(([code, n]) => {
    const id = code as Anomaly;
    const first = t.examples[code]!;
    const cycle = analysisOf(first.run).cycles.find((c) => c.anomaly === id);
    const words = say.explored(id, t.target, n, t.tally.runs, first, cycle?.edges);
    return { severity: "error", code, ...words, replay: replayOf(t.tally.firstCode[code]!.value, t.tally, resolved) };
  });
}

export function check(result: IsolationResult, resolved: Resolved): Verdict {
  if (result.mode !== "explore") return result.mode === "run" ? checkRun(result.runs[0]!.run) : checkComparison(result.runs);
  const ex = result.explore;
  const findings = ex.tallies.flatMap((t) => exploredFindings(t, resolved));
  const counted = ex.tallies.map((t) => ({ target: t.target, runs: t.tally.runs, anomalous: t.tally.counts.anomalous }));
  return { valid: findings.length === 0, summary: say.exploreSummary(ex, counted), findings };
}
