// Charts and diagrams of a sharding run: keys and requests per node, keys moved per change next to
// what theory predicts, the ring's ownership, and which keys a rebalancing step moves.
import type { Verdict } from "../../core/verdict";
import { murmur3 } from "../../core/hash/murmur3";
import type { Cell, ChartSpec, DiagramSpec, StateTable, TableSpec, Timeline } from "../../protocol/output";
import { Flowchart, pieChart, SequenceDiagram } from "../../present/mermaid";
import { TimelineRecorder } from "../../present/timeline";
import { count, percent, round } from "../../present/prose";
import type { Presentation } from "../types";
import { balance } from "./model/balance";
import type { ShardingResult, Step, StrategyRun } from "./model";
import { ring, successor } from "./model/strategies";
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
  const mermaid = pieChart(
    title,
    owned.map((s, i) => ({ label: nodes[i]!.name, value: round(100 * s, 2) })),
  );
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

/** Most nodes a timeline's shard map shows: the nodes its steps touch come first. */
const MAP_ROWS = 12;

/** The nodes a timeline's tables list: those the steps touch, then the rest in node order, at most MAP_ROWS. */
function mapNodes(all: readonly string[], touched: readonly string[]): string[] {
  const first = [...new Set(touched)];
  const rest = all.filter((n) => !first.includes(n));
  const shown = new Set([...first, ...rest].slice(0, MAP_ROWS));
  return all.filter((n) => shown.has(n));
}

/** Where the most requested keys live: one arrow per key from the client to its owner, and the load they put on each node. */
function hottestKeys(result: ShardingResult, run: StrategyRun, options: Resolved): { spec: DiagramSpec; timeline: Timeline } | undefined {
  if (options.requests === 0 || options.popularity === "uniform") return undefined;
  const step = run.steps[0]!;
  const perKey = result.requestsPerKey;
  const top = Array.from(perKey.keys())
    .sort((a, b) => perKey[b]! - perKey[a]! || a - b)
    .slice(0, 6);
  const d = new SequenceDiagram();
  d.participant("client", "actor");
  const owners = [...new Set(top.map((k) => step.owners[k]!))].sort((a, b) => a - b);
  for (const i of owners) d.participant(step.nodes[i]!.name);
  const total = step.requestCounts.reduce((s, x) => s + x, 0);
  const share = (n: number) => percentOf(n, Math.max(1, total));
  // The shard map of the hottest keys: each owner, the hot keys it holds and their requests so far.
  const held = new Map<number, { keys: string[]; requests: number }>(owners.map((i) => [i, { keys: [], requests: 0 }]));
  const hotMap = (): StateTable => ({
    name: "shard map: the hottest keys' owners",
    columns: ["node", "hottest keys", "their requests", "share of all requests"],
    rows: owners.map((i) => [step.nodes[i]!.name, held.get(i)!.keys.join(", "), held.get(i)!.requests, share(held.get(i)!.requests)]),
  });
  const busiestFirst = step.nodes
    .map((_, i) => i)
    .sort((a, b) => step.requestCounts[b]! - step.requestCounts[a]! || a - b)
    .slice(0, MAP_ROWS);
  const allKeys = (done: boolean): StateTable => ({
    name: `requests per node, all keys (busiest first, ${MAP_ROWS} at most)`,
    columns: ["node", "keys", "requests", "share"],
    rows: done ? busiestFirst.map((i) => [step.nodes[i]!.name, step.keyCounts[i]!, step.requestCounts[i]!, share(step.requestCounts[i]!)]) : [],
  });
  const rec = new TimelineRecorder(d, "hottest", [hotMap(), allKeys(false)]);
  for (const k of top) {
    const fraction = perKey[k]! / Math.max(1, options.requests);
    const salted = k === 0 && options.popularity === "celebrity" && options.saltBuckets > 1;
    const salt = salted ? `, salted over ${options.saltBuckets} sub-keys` : "";
    const name = keyName(k, options.keyPattern);
    const owner = step.nodes[step.owners[k]!]!.name;
    const text = `${name}: ${perKey[k]} requests (${percent(fraction)})${salt}`;
    // A salted key's requests spread over its sub-keys' nodes: the last step's load shows where.
    if (!salted) {
      const h = held.get(step.owners[k]!)!;
      h.keys.push(name);
      h.requests += perKey[k]!;
    }
    const where = salted ? `, spread over ${step.celebrityNodes ?? options.saltBuckets} nodes` : ` go to ${owner}`;
    rec.step(
      { atMs: 0, actor: "client", text: `${text}${where}` },
      () => d.message("client", owner, text, "call", !salted && fraction > 1 / step.nodes.length),
      [hotMap(), allKeys(false)],
    );
  }
  const busiest = step.requestCounts.indexOf(Math.max(...step.requestCounts));
  const busiestName = step.nodes[busiest]!.name;
  const note = `busiest node: ${busiestName} with ${share(step.requestCounts[busiest]!)} of all requests`;
  rec.step(
    { atMs: 0, actor: busiestName, text: `${note} (${step.nodes.length} nodes, fair share ${percentOf(1, step.nodes.length)})` },
    () => d.note(step.nodes[step.owners[top[0]!]!]!.name, note),
    [hotMap(), allKeys(true)],
  );
  const { text, kinds } = d.render();
  return {
    spec: { id: "hottest", title: `The ${top.length} most requested keys and their nodes (${run.strategy})`, mermaid: text, lineKinds: kinds },
    timeline: { ...rec.build(), clock: "none" },
  };
}

/** Why a key moved, where the strategy can say it in a line: its hash mod N before and after, or the ring point it now falls on. */
function moveReason(run: StrategyRun, options: Resolved): ((key: number) => string) | undefined {
  const [before, after] = [run.steps[0]!.nodes, run.steps[1]!.nodes];
  const hash = (k: number) => murmur3(keyName(k, options.keyPattern));
  if (run.strategy === "mod") return (k) => `hash mod ${before.length} = ${hash(k) % before.length}, mod ${after.length} = ${hash(k) % after.length}`;
  if (run.strategy !== "ring" && run.strategy !== "bounded") return undefined;
  const r = ring(after, options.virtualNodes);
  const hex = (x: number) => `0x${x.toString(16).padStart(8, "0")}`;
  return (k) => {
    const p = successor(r.points, hash(k));
    return `hash ${hex(hash(k))}: next point ${hex(r.points[p]!)} is ${after[r.owners[p]!]!.name}'s`;
  };
}

/** A node's status in the shard map, before the change is done and after. */
function liveStatus(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  changed: string,
  label: string,
): (name: string, done: boolean) => string {
  return (name, done) => {
    const was = before.has(name);
    const is = after.has(name);
    if (!done) return was ? "live" : "not in the cluster yet";
    if (was && is) return name === changed ? `live (${label})` : "live";
    if (is) return "joined";
    return label.startsWith("fail") ? "failed" : "left";
  };
}

/** The first change's moves: a few keys from old owner to new, and a request before and after; the shard map as it changes. */
function rebalancing(run: StrategyRun, options: Resolved): { spec: DiagramSpec; timeline: Timeline } | undefined {
  const step = run.steps[1];
  if (!step || step.sampleMoves.length === 0) return undefined;
  const start = run.steps[0]!;
  const d = new SequenceDiagram({ maxLines: 40 });
  d.participant("client", "actor");
  for (const n of start.nodes) d.participant(n.name);
  for (const n of step.nodes) d.participant(n.name);
  // Moves between two nodes that both stay, neither of them the one the change is about, are needless: highlighted.
  const changed = step.label.split(" ")[1]!;
  const needless = (from: string, to: string) => step.nodes.some((n) => n.name === from) && from !== changed && to !== changed;
  const names = [...new Set([...start.nodes, ...step.nodes].map((n) => n.name))];
  const shown = mapNodes(names, [changed, ...step.sampleMoves.flatMap(([, from, to]) => [from, to])]);
  const before = new Map(start.nodes.map((n, i) => [n.name, start.keyCounts[i]!]));
  const after = new Map(step.nodes.map((n, i) => [n.name, step.keyCounts[i]!]));
  const now = new Map(before);
  const live = liveStatus(before, after, changed, step.label);
  let done = false;
  const map = (): StateTable => ({
    name: `shard map: keys per node (${MAP_ROWS} nodes at most)`,
    columns: ["node", "keys before", "keys now", "status"],
    rows: shown.map((n) => [n, before.get(n) ?? 0, now.get(n) ?? 0, live(n, done)]),
  });
  const why = moveReason(run, options);
  const moved: Cell[][] = [];
  const movedTable = (): StateTable => ({
    name: `moved keys (${step.sampleMoves.length} shown of ${step.moved})`,
    columns: ["key", "from", "to", ...(why ? ["why"] : [])],
    rows: [...moved],
  });
  const [key, from, to] = step.sampleMoves[0]!;
  let route = from;
  const client = (): StateTable => ({ name: "the client's route", columns: ["key", "served by"], rows: [[`key-${key}`, route]] });
  const tables = () => [map(), movedTable(), client()];
  const rec = new TimelineRecorder(d, "rebalance", tables());
  const caption = `${run.strategy}: ${step.label}, ${step.moved} keys move`;
  done = true;
  rec.step(
    {
      atMs: 0,
      actor: changed,
      text: `${step.label}: ${step.moved} of ${start.owners.length} keys change owner (${percentOf(step.moved, start.owners.length)})`,
    },
    () => {
      d.note([start.nodes[0]!.name, step.nodes[step.nodes.length - 1]!.name], caption);
    },
    tables(),
  );
  for (const [k, a, b] of step.sampleMoves) {
    now.set(a, now.get(a)! - 1);
    now.set(b, (now.get(b) ?? 0) + 1);
    moved.push([`key-${k}`, a, b, ...(why ? [why(k)] : [])]);
    const wasted = needless(a, b);
    const text = `key-${k} moves from ${a} to ${b}${wasted ? ` (needless: both stay, and neither is ${changed})` : ""}`;
    rec.step({ atMs: 0, actor: a, text }, () => d.message(a, b, `key-${k} moves`, "async", wasted), tables());
  }
  const more = step.moved - step.sampleMoves.length;
  if (more > 0) {
    for (const [n, c] of after) now.set(n, c);
    for (const n of before.keys()) if (!after.has(n)) now.set(n, 0);
    rec.step({ atMs: 0, actor: step.nodes[0]!.name, text: `and ${more} more keys move` }, () => d.note(step.nodes[0]!.name, `and ${more} more`), tables());
  }
  // A request for a moved key reaches a different node once the move is done.
  rec.step(
    { atMs: 0, actor: "client", text: `before the move, get key-${key} goes to ${from}` },
    () => d.message("client", from, `before: get key-${key}`, "call"),
    tables(),
  );
  route = to;
  rec.step(
    { atMs: 0, actor: "client", text: `after the move, get key-${key} goes to ${to}` },
    () => d.message("client", to, `after: get key-${key}`, "call"),
    tables(),
  );
  const { text, kinds } = d.render();
  return {
    spec: { id: "rebalance", title: `Rebalancing: ${step.label} (${run.strategy})`, mermaid: text, lineKinds: kinds },
    timeline: { ...rec.build(), clock: "none" },
  };
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
  const range = rangeMap(main, options);
  if (range) diagrams.push(range);
  const hottest = hottestKeys(result, main, options);
  const moves = rebalancing(main, options);
  for (const d of [hottest, moves]) if (d) diagrams.push(d.spec);
  // One timeline per output: the change, where there is one, is the run to step through.
  const timeline = (moves ?? hottest)?.timeline;
  const changes = options.changes.length ? `, ${count(options.changes.length, "change")}` : "";
  return {
    title: `${result.runs.map((r) => r.strategy).join(" vs ")}: ${result.keys} keys on ${options.nodes} nodes${changes}`,
    diagrams,
    ...(timeline ? { timeline } : {}),
    charts: charts(result, options),
    tables: [stepTable(result)],
    metrics: metrics(result),
  };
}
