// Charts and diagrams of a sharding run: keys and requests per node, keys moved per change next to
// what theory predicts, the ring's ownership, and which keys a rebalancing step moves.
import type { Verdict } from "../../core/verdict";
import type { ChartSpec, DiagramSpec, TableSpec } from "../../protocol/output";
import { Flowchart, pieChart, SequenceDiagram } from "../../present/mermaid";
import { count, percent, round } from "../../present/prose";
import type { Presentation } from "../types";
import { balance } from "./model/balance";
import type { ShardingResult, Step, StrategyRun } from "./model/simulate";
import { ring } from "./model/strategies";
import { keyName, type Resolved } from "./scenario";

function perNodeChart(result: ShardingResult, id: string, title: string, pick: (run: StrategyRun) => readonly number[], ylabel: string): ChartSpec {
  return {
    id,
    title,
    kind: "bar",
    x: { label: "node", scale: "band" },
    y: { label: ylabel },
    series: result.runs.map((run) => ({ name: run.strategy, points: pick(run).map((y, i) => ({ x: run.steps[0]!.nodes[i]!.name, y })) })),
  };
}

/** A pie of the share of the hash space each node owns on the ring (the ring at the start). */
function ringPie(options: Resolved): DiagramSpec {
  const nodes = options.nodesPerStep[0]!;
  const r = ring(nodes, options.virtualNodes);
  const owned = new Array<number>(nodes.length).fill(0);
  for (let i = 0; i < r.points.length; i++) {
    const prev = i === 0 ? r.points[r.points.length - 1]! - 4294967296 : r.points[i - 1]!;
    owned[r.owners[i]!] += (r.points[i]! - prev) / 4294967296;
  }
  const title = `Share of the hash ring, ${count(options.virtualNodes, "virtual node")} each`;
  const mermaid = pieChart(title, owned.map((s, i) => ({ label: nodes[i]!.name, value: round(100 * s, 2) })));
  return { id: "ring", title: "Who owns how much of the ring", mermaid };
}

/** The ranges in key order, each with its node and size; the range taking the newest keys is marked. */
function rangeMap(run: StrategyRun, options: Resolved): DiagramSpec | undefined {
  const ranges = run.ranges;
  if (!ranges?.length) return undefined;
  // Long lists keep their two ends: the first ranges and the last, where sequential keys arrive.
  const indexes = ranges.length <= 10 ? ranges.map((_, i) => i) : [0, 1, 2, 3, ...[5, 4, 3, 2, 1].map((k) => ranges.length - k)];
  const chart = new Flowchart("LR");
  // classDef separates styles by commas, so the translucent highlight is written as 8-digit hex.
  chart.classDef("hot", "fill:#e6505038,stroke:#d04040");
  let prev: number | undefined;
  for (const i of indexes) {
    const r = ranges[i]!;
    if (prev !== undefined && i !== prev + 1) {
      chart.node({ id: "gap", label: `… ${i - prev - 1} more ranges …` });
      chart.link(`r${prev}`, "gap", { arrow: false });
    }
    chart.node({ id: `r${i}`, label: [`${r.from} to ${r.to}`, `${r.node}, ${r.keys} keys`] });
    if (prev !== undefined) chart.link(i !== prev + 1 ? "gap" : `r${prev}`, `r${i}`, { arrow: false });
    prev = i;
  }
  if (options.keyPattern === "sequential") chart.addClass(`r${ranges.length - 1}`, "hot");
  const order = options.keyPattern === "sequential" ? " (new keys arrive at the marked end)" : " (over key hashes)";
  return { id: "ranges", title: `${ranges.length} ranges in key order${order}`, mermaid: chart.render() };
}

/**
 * `part` of `whole` as a percentage with one decimal, computed as (100 × part) / whole. percent()
 * computes 100 × (part / whole), which rounds the other way on an exact half (7 of 2,000 keys:
 * 0.35% shows as "0.4%" here and "0.3%" there), so these figures keep their own arithmetic.
 */
const percentOf = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;

/** Where the most requested keys live: one arrow per key from the client to its owner. */
function hottestKeys(result: ShardingResult, run: StrategyRun, options: Resolved): DiagramSpec | undefined {
  if (options.requests === 0 || options.popularity === "uniform") return undefined;
  const step = run.steps[0]!;
  const perKey = result.requestsPerKey;
  const top = Array.from(perKey.keys()).sort((a, b) => perKey[b]! - perKey[a]! || a - b).slice(0, 6);
  const d = new SequenceDiagram();
  d.participant("client", "actor");
  for (const i of [...new Set(top.map((k) => step.owners[k]!))].sort((a, b) => a - b)) d.participant(step.nodes[i]!.name);
  const total = step.requestCounts.reduce((s, x) => s + x, 0);
  for (const k of top) {
    const fraction = perKey[k]! / Math.max(1, options.requests);
    const salted = k === 0 && options.popularity === "celebrity" && options.saltBuckets > 1;
    const salt = salted ? `, salted over ${options.saltBuckets} sub-keys` : "";
    const text = `${keyName(k, options.keyPattern)}: ${perKey[k]} requests (${percent(fraction)})${salt}`;
    d.message("client", step.nodes[step.owners[k]!]!.name, text, "call", !salted && fraction > 1 / step.nodes.length);
  }
  const busiest = step.requestCounts.indexOf(Math.max(...step.requestCounts));
  const busiestShare = percentOf(step.requestCounts[busiest]!, Math.max(1, total));
  d.note(step.nodes[step.owners[top[0]!]!]!.name, `busiest node: ${step.nodes[busiest]!.name} with ${busiestShare} of all requests`);
  return { id: "hottest", title: `The ${top.length} most requested keys and their nodes (${run.strategy})`, mermaid: d.render().text };
}

function rebalancing(run: StrategyRun): DiagramSpec | undefined {
  const step = run.steps[1];
  if (!step || step.sampleMoves.length === 0) return undefined;
  const d = new SequenceDiagram({ maxLines: 40 });
  d.participant("client", "actor");
  for (const n of run.steps[0]!.nodes) d.participant(n.name);
  for (const n of step.nodes) d.participant(n.name);
  d.note([run.steps[0]!.nodes[0]!.name, step.nodes[step.nodes.length - 1]!.name], `${run.strategy}: ${step.label}, ${step.moved} keys move`);
  // Moves between two nodes that both stay, neither of them the one the change is about, are needless: highlighted.
  const changed = step.label.split(" ")[1];
  const needless = (from: string, to: string) => step.nodes.some((n) => n.name === from) && from !== changed && to !== changed;
  for (const [key, from, to] of step.sampleMoves) d.message(from, to, `key-${key} moves`, "async", needless(from, to));
  if (step.moved > step.sampleMoves.length) d.note(step.nodes[0]!.name, `and ${step.moved - step.sampleMoves.length} more`);
  // A request for a moved key reaches a different node once the move is done.
  const [key, from, to] = step.sampleMoves[0]!;
  d.message("client", from, `before: get key-${key}`, "call");
  d.message("client", to, `after: get key-${key}`, "call");
  return { id: "rebalance", title: `Rebalancing: ${step.label} (${run.strategy})`, mermaid: d.render().text };
}

function charts(result: ShardingResult, options: Resolved): ChartSpec[] {
  const out: ChartSpec[] = [perNodeChart(result, "keys", "Keys per node at the start", (r) => r.steps[0]!.keyCounts, "keys")];
  if (options.requests > 0) {
    const title = `Requests per node (${options.popularity}${options.popularity === "zipf" ? ` α=${options.zipfAlpha}` : ""})`;
    out.push(perNodeChart(result, "requests", title, (r) => r.steps[0]!.requestCounts, "requests"));
  }
  const ranged = result.runs.filter((r) => r.steps[0]!.recentWrites);
  if (ranged.length > 0) {
    const title = "Writes per node over the most recent inserts";
    out.push(perNodeChart({ ...result, runs: ranged }, "recent-writes", title, (r) => r.steps[0]!.recentWrites!, "writes"));
  }
  if (options.changes.length) {
    out.push({
      id: "moved",
      title: "Keys moved by each change",
      kind: "bar",
      x: { label: "change", scale: "band" },
      y: { label: "keys moved", percent: true },
      series: result.runs.map((run) => ({
        name: run.strategy,
        points: run.steps.slice(1).map((s, i) => ({ x: `${i + 1}. ${s.label}`, y: s.moved / result.keys })),
      })),
      caption: "Minimal movement moves only the keys of the node that joined or left: about 1/N of them.",
    });
  }
  return out;
}

function stepTable(result: ShardingResult): TableSpec {
  const row = (run: StrategyRun, s: Step, cumulative: number) => {
    const b = balance(s, result.keys);
    const theory = s.expectedMoveFraction !== undefined ? percent(s.expectedMoveFraction) : "";
    const moved = percentOf(s.moved, result.keys);
    return [run.strategy, s.label, s.nodes.length, s.moved, moved, theory, s.needless, round(b.maxOverFair, 3), round(b.spread, 3), cumulative];
  };
  return {
    id: "steps",
    title: "Step by step",
    columns: ["strategy", "step", "nodes", "keys moved", "moved", "theory", "needless moves", "max / fair share", "spread", "moved so far"],
    rows: result.runs.flatMap((run) => {
      let cumulative = 0;
      return run.steps.map((s) => row(run, s, (cumulative += s.moved)));
    }),
  };
}

function metrics(result: ShardingResult): Record<string, number> {
  const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
  const main = result.runs[0]!;
  const start = main.steps[0]!;
  const b = balance(start, result.keys);
  const first = main.steps[1];
  return {
    maxOverFair: round(b.maxOverFair, 4),
    spread: round(b.spread, 4),
    ...(first ? { movedFraction: round(first.moved / result.keys, 4), needlessMoves: sum(main.steps.map((x) => x.needless)) } : {}),
    duplicateReplicaSets: sum(main.steps.map((x) => x.duplicateReplicaSets)),
    ...(start.recentWrites ? { maxRecentWriteShare: round(Math.max(...start.recentWrites) / Math.max(1, sum(start.recentWrites)), 4) } : {}),
    ...(start.celebrityNodes !== undefined ? { celebrityNodes: start.celebrityNodes } : {}),
    maxOverAvgRequests: round(Math.max(...start.requestCounts) / Math.max(1e-9, sum(start.requestCounts) / start.requestCounts.length), 4),
  };
}

export function present(result: ShardingResult, _verdict: Verdict, options: Resolved): Presentation {
  const main = result.runs[0]!;
  const diagrams: DiagramSpec[] = [];
  if (result.runs.some((r) => r.strategy === "ring" || r.strategy === "bounded")) diagrams.push(ringPie(options));
  for (const d of [rangeMap(main, options), hottestKeys(result, main, options), rebalancing(main)]) if (d) diagrams.push(d);
  const changes = options.changes.length ? `, ${count(options.changes.length, "change")}` : "";
  return {
    title: `${result.runs.map((r) => r.strategy).join(" vs ")}: ${result.keys} keys on ${options.nodes} nodes${changes}`,
    diagrams,
    charts: charts(result, options),
    tables: [stepTable(result)],
    metrics: metrics(result),
  };
}
