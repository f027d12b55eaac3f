// What a placement must guarantee, checked after every step: no node above the load bound, no key
// moved between two nodes that both stayed, and no replica set holding one machine twice.
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import type { ShardingResult, Step, StrategyRun } from "./model";
import type { Options } from "./scenario";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Keys a node should hold: the average scaled by its weight. */
export function fairShare(step: Step, index: number, keys: number): number {
  const total = step.nodes.reduce((s, n) => s + n.weight, 0);
  return (keys * step.nodes[index]!.weight) / total;
}

/** max / fair share, and the coefficient of variation of keys per node (relative to fair share). */
export function balance(step: Step, keys: number): { maxOverFair: number; spread: number; worst: number } {
  let maxOverFair = 0;
  let worst = 0;
  let sq = 0;
  step.keyCounts.forEach((c, i) => {
    const fair = fairShare(step, i, keys);
    const r = c / fair;
    if (r > maxOverFair) {
      maxOverFair = r;
      worst = i;
    }
    sq += (r - 1) ** 2;
  });
  return { maxOverFair, spread: Math.sqrt(sq / step.keyCounts.length), worst };
}

function stepFindings(run: StrategyRun, step: Step, keys: number, options: Options): Finding[] {
  const out: Finding[] = [];
  const where = step.label === "start" ? "at the start" : `after "${step.label}"`;
  const b = balance(step, keys);
  if (b.maxOverFair > options.loadBound) {
    const node = step.nodes[b.worst]!;
    out.push({ severity: "error", code: "overloaded-node", title: `${run.strategy}: ${node.name} holds ${b.maxOverFair.toFixed(2)}× its share ${where}`, explanation: `${node.name} holds ${step.keyCounts[b.worst]} keys where its fair share is ${fairShare(step, b.worst, keys).toFixed(0)}: more than the bound of ${options.loadBound}× set for this scenario.${run.strategy === "ring" ? ` With ${options.virtualNodes} virtual nodes per node the arcs are uneven; more virtual nodes even them out.` : ""}` });
  }
  if (step.needless > 0) {
    const theory = step.expectedMoveFraction !== undefined ? ` Theory for ${run.strategy}: about ${pct(step.expectedMoveFraction)} must move.` : "";
    const example = step.sampleMoves.find(([, from, to]) => from !== to && step.nodes.some((n) => n.name === from));
    out.push({ severity: "error", code: "needless-moves", title: `${run.strategy}: ${step.needless} keys moved between nodes that stayed, ${where}`, explanation: `${step.moved} keys (${pct(step.moved / keys)}) changed owner ${where}, and ${step.needless} of them moved from one surviving node to another${example ? ` (key-${example[0]}: ${example[1]} → ${example[2]})` : ""}. Only the keys of the node that ${step.label.startsWith("add") ? "joined" : "changed"} needed to move.${theory}${run.strategy === "jump" ? " Jump hash numbers its buckets: removing any node but the last renumbers every node after it." : ""}` });
  }
  if (step.duplicateReplicaSets > 0) {
    out.push({ severity: "error", code: "duplicate-replicas", title: `${run.strategy}: ${step.duplicateReplicaSets} replica sets hold the same node twice ${where}`, explanation: `With ${options.replicas} copies placed on the next ring points, ${step.duplicateReplicaSets} keys (${pct(step.duplicateReplicaSets / keys)}) keep two copies on one physical node, because neighbouring virtual nodes can belong to the same machine. Losing that machine loses both copies. Walking on to the next distinct node avoids it.` });
  }
  if (step.recentWrites) {
    const total = step.recentWrites.reduce((s, x) => s + x, 0);
    const max = Math.max(...step.recentWrites);
    if (total > 0 && max / (total / step.recentWrites.length) > options.loadBound) {
      const node = step.nodes[step.recentWrites.indexOf(max)]!.name;
      out.push({ severity: "error", code: "hot-range", title: `${run.strategy}: ${node} took ${pct(max / total)} of the recent writes`, explanation: `Of the ${total} most recent inserts, ${node} received ${max}.${options.keyPattern === "sequential" ? " Sequential keys (timestamps) always sort after every existing key, so each new key lands in the last range: one node takes the whole write load until the range splits, and then the new last range does." : " The newest keys cluster in a few ranges."} Ranging over a hash of the key (keyPattern: hashed), or prefixing keys with a bucket number, spreads the writes.` });
    }
  }
  if (step.celebrityNodes !== undefined && step.label === "start") {
    out.push({ severity: "info", code: "salted-key", title: `${run.strategy}: the celebrity key is salted over ${options.saltBuckets} sub-keys on ${step.celebrityNodes} nodes`, explanation: `Writes to the celebrity key now spread over ${step.celebrityNodes} node${step.celebrityNodes === 1 ? "" : "s"}; the price is that a read must ask all ${options.saltBuckets} sub-keys and merge them (fan-in).` });
  }
  const reqTotal = step.requestCounts.reduce((s, x) => s + x, 0);
  if (reqTotal > 0) {
    const avg = reqTotal / step.requestCounts.length;
    const max = Math.max(...step.requestCounts);
    if (max / avg > options.loadBound) {
      const node = step.nodes[step.requestCounts.indexOf(max)]!.name;
      out.push({ severity: "warning", code: "hot-node", title: `${run.strategy}: ${node} serves ${(max / avg).toFixed(2)}× the average requests ${where}`, explanation: `Requests follow key popularity, and the most requested keys live on ${node}. Moving whole keys cannot split the load of one hot key; splitting or salting hot keys does.` });
    }
  }
  return out;
}

export function check(result: ShardingResult, options: Options): Verdict {
  const findings = result.runs.flatMap((run) => run.steps.flatMap((step) => stepFindings(run, step, result.keys, options)));
  const names = result.runs.map((r) => r.strategy).join(", ");
  return verdictFrom(findings, `Every step stayed within ${options.loadBound}× the fair share, moved only the keys it had to, and kept replicas on distinct nodes (${names}).`, `${findings.filter((f) => f.severity === "error").length} problem${findings.length === 1 ? "" : "s"}: ${[...new Set(findings.filter((f) => f.severity === "error").map((f) => f.code))].join(", ")}.`);
}
