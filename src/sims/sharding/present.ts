// Charts and diagrams of a sharding run: keys and requests per node, keys moved per change next to
// what theory predicts, the ring's ownership, and which keys a rebalancing step moves.
import type { Verdict } from "../../core/verdict";
import type { ChartSpec, DiagramSpec, TableSpec } from "../../protocol/output";
import { escapeText, SequenceDiagram } from "../../present/mermaid";
import type { Presentation } from "../types";
import { balance } from "./check";
import { keyName, type ShardingResult, type StrategyRun } from "./model";
import { ring } from "./strategies";
import type { Options } from "./scenario";

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

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
function ringPie(options: Options): DiagramSpec {
  const nodes = Array.from({ length: options.nodes }, (_, i) => ({ name: `n${i}`, weight: 1 }));
  const r = ring(nodes, options.virtualNodes);
  const share = new Array<number>(nodes.length).fill(0);
  for (let i = 0; i < r.points.length; i++) {
    const prev = i === 0 ? r.points[r.points.length - 1]! - 4294967296 : r.points[i - 1]!;
    share[r.owners[i]!] += (r.points[i]! - prev) / 4294967296;
  }
  const lines = [`pie showData title Share of the hash ring, ${options.virtualNodes} virtual node${options.virtualNodes === 1 ? "" : "s"} each`, ...share.map((s, i) => `  "${nodes[i]!.name}" : ${round(100 * s, 2)}`)];
  return { id: "ring", title: "Who owns how much of the ring", mermaid: lines.join("\n") + "\n" };
}

/** The ranges in key order, each with its node and size; the range taking the newest keys is marked. */
function rangeMap(run: StrategyRun, options: Options): DiagramSpec | undefined {
  const ranges = run.ranges;
  if (!ranges?.length) return undefined;
  // Long lists keep their two ends: the first ranges and the last, where sequential keys arrive.
  const shown = ranges.length <= 10 ? ranges.map((r, i) => ({ r, i })) : [...ranges.slice(0, 4).map((r, i) => ({ r, i })), ...ranges.slice(-5).map((r, i) => ({ r, i: ranges.length - 5 + i }))];
  // classDef separates styles by commas, so the translucent highlight is written as 8-digit hex.
  const lines = ["flowchart LR", "  classDef hot fill:#e6505038,stroke:#d04040"];
  let prev = "";
  for (const { r, i } of shown) {
    if (prev && i !== Number(prev.slice(1)) + 1) {
      lines.push(`  gap["#8230; ${i - Number(prev.slice(1)) - 1} more ranges #8230;"]`, `  ${prev} --- gap`);
      prev = "gap";
    }
    const id = `r${i}`;
    lines.push(`  ${id}["${escapeText(r.from)} to ${escapeText(r.to)}<br/>${escapeText(r.node)}, ${r.keys} keys"]`);
    if (prev) lines.push(`  ${prev} --- ${id}`);
    prev = id;
  }
  if (options.keyPattern === "sequential") lines.push(`  r${ranges.length - 1}:::hot`);
  return { id: "ranges", title: `${ranges.length} ranges in key order${options.keyPattern === "sequential" ? " (new keys arrive at the marked end)" : " (over key hashes)"}`, mermaid: lines.join("\n") + "\n" };
}

/** Where the most requested keys live: one arrow per key from the client to its owner. */
function hottestKeys(result: ShardingResult, run: StrategyRun, options: Options): DiagramSpec | undefined {
  if (options.requests === 0 || options.popularity === "uniform") return undefined;
  const step = run.steps[0]!;
  const top = Array.from(result.requestsPerKey.keys()).sort((a, b) => result.requestsPerKey[b]! - result.requestsPerKey[a]! || a - b).slice(0, 6);
  const d = new SequenceDiagram();
  d.participant("client", "actor");
  for (const i of [...new Set(top.map((k) => step.owners[k]!))].sort((a, b) => a - b)) d.participant(step.nodes[i]!.name);
  const total = step.requestCounts.reduce((s, x) => s + x, 0);
  for (const k of top) {
    const share = result.requestsPerKey[k]! / Math.max(1, options.requests);
    const salted = k === 0 && options.popularity === "celebrity" && options.saltBuckets > 1;
    d.message("client", step.nodes[step.owners[k]!]!.name, `${keyName(k, options.keyPattern)}: ${result.requestsPerKey[k]} requests (${(100 * share).toFixed(1)}%)${salted ? `, salted over ${options.saltBuckets} sub-keys` : ""}`, "call", !salted && share > 1 / step.nodes.length);
  }
  const busiest = step.requestCounts.indexOf(Math.max(...step.requestCounts));
  d.note(step.nodes[step.owners[top[0]!]!]!.name, `busiest node: ${step.nodes[busiest]!.name} with ${(100 * step.requestCounts[busiest]! / Math.max(1, total)).toFixed(1)}% of all requests`);
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
  for (const [key, from, to] of step.sampleMoves) d.message(from, to, `key-${key} moves`, "async", step.nodes.some((n) => n.name === from) && from !== step.label.split(" ")[1] && to !== step.label.split(" ")[1]);
  if (step.moved > step.sampleMoves.length) d.note(step.nodes[0]!.name, `and ${step.moved - step.sampleMoves.length} more`);
  // A request for a moved key reaches a different node once the move is done.
  const [key, from, to] = step.sampleMoves[0]!;
  d.message("client", from, `before: get key-${key}`, "call");
  d.message("client", to, `after: get key-${key}`, "call");
  return { id: "rebalance", title: `Rebalancing: ${step.label} (${run.strategy})`, mermaid: d.render().text };
}

export function present(result: ShardingResult, _verdict: Verdict, options: Options): Presentation {
  const charts: ChartSpec[] = [perNodeChart(result, "keys", "Keys per node at the start", (r) => r.steps[0]!.keyCounts, "keys")];
  if (options.requests > 0) charts.push(perNodeChart(result, "requests", `Requests per node (${options.popularity}${options.popularity === "zipf" ? ` α=${options.zipfAlpha}` : ""})`, (r) => r.steps[0]!.requestCounts, "requests"));
  if (result.runs.some((r) => r.steps[0]!.recentWrites)) {
    charts.push(perNodeChart({ ...result, runs: result.runs.filter((r) => r.steps[0]!.recentWrites) }, "recent-writes", "Writes per node over the most recent inserts", (r) => r.steps[0]!.recentWrites!, "writes"));
  }
  if (options.changes.length) {
    charts.push({
      id: "moved",
      title: "Keys moved by each change",
      kind: "bar",
      x: { label: "change", scale: "band" },
      y: { label: "keys moved", percent: true },
      series: result.runs.map((run) => ({ name: run.strategy, points: run.steps.slice(1).map((s, i) => ({ x: `${i + 1}. ${s.label}`, y: s.moved / result.keys })) })),
      caption: "Minimal movement moves only the keys of the node that joined or left: about 1/N of them.",
    });
  }
  const table: TableSpec = {
    id: "steps",
    title: "Step by step",
    columns: ["strategy", "step", "nodes", "keys moved", "moved", "theory", "needless moves", "max / fair share", "spread", "moved so far"],
    rows: result.runs.flatMap((run) => {
      let cumulative = 0;
      return run.steps.map((s) => {
        const b = balance(s, result.keys);
        cumulative += s.moved;
        return [run.strategy, s.label, s.nodes.length, s.moved, `${(100 * s.moved / result.keys).toFixed(1)}%`, s.expectedMoveFraction !== undefined ? `${(100 * s.expectedMoveFraction).toFixed(1)}%` : "", s.needless, round(b.maxOverFair, 3), round(b.spread, 3), cumulative];
      });
    }),
  };
  const diagrams: DiagramSpec[] = [];
  if (result.runs.some((r) => r.strategy === "ring" || r.strategy === "bounded")) diagrams.push(ringPie(options));
  for (const d of [rangeMap(result.runs[0]!, options), hottestKeys(result, result.runs[0]!, options), rebalancing(result.runs[0]!)]) if (d) diagrams.push(d);
  const main = result.runs[0]!;
  const start = balance(main.steps[0]!, result.keys);
  const first = main.steps[1];
  return {
    title: `${result.runs.map((r) => r.strategy).join(" vs ")}: ${result.keys} keys on ${options.nodes} nodes${options.changes.length ? `, ${options.changes.length} change${options.changes.length > 1 ? "s" : ""}` : ""}`,
    diagrams,
    charts,
    tables: [table],
    metrics: {
      maxOverFair: round(start.maxOverFair),
      spread: round(start.spread),
      ...(first ? { movedFraction: round(first.moved / result.keys), needlessMoves: main.steps.reduce((s, x) => s + x.needless, 0) } : {}),
      duplicateReplicaSets: main.steps.reduce((s, x) => s + x.duplicateReplicaSets, 0),
      ...(main.steps[0]!.recentWrites ? { maxRecentWriteShare: round(Math.max(...main.steps[0]!.recentWrites) / Math.max(1, main.steps[0]!.recentWrites.reduce((s, x) => s + x, 0))) } : {}),
      ...(main.steps[0]!.celebrityNodes !== undefined ? { celebrityNodes: main.steps[0]!.celebrityNodes } : {}),
      maxOverAvgRequests: round(Math.max(...main.steps[0]!.requestCounts) / Math.max(1e-9, main.steps[0]!.requestCounts.reduce((s, x) => s + x, 0) / main.steps[0]!.requestCounts.length)),
    },
  };
}
