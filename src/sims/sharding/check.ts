// What a placement must guarantee, checked after every step: no node above the load bound, no key
// moved between two nodes that both stayed, and no replica set holding one machine twice. Beyond
// those, hot nodes, hot ranges and salted keys are pointed out.
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import * as explain from "./explain";
import { balance } from "./model/balance";
import type { ShardingResult, Step, StrategyRun } from "./model";
import type { Resolved } from "./scenario";

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/** Range sharding: the node that took more than the bound's share of the most recent writes. */
function hotRange(run: StrategyRun, step: Step, options: Resolved): Finding | undefined {
  if (!step.recentWrites) return undefined;
  const total = sum(step.recentWrites);
  const max = Math.max(...step.recentWrites);
  if (total === 0 || max / (total / step.recentWrites.length) <= options.loadBound) return undefined;
  const node = step.nodes[step.recentWrites.indexOf(max)]!.name;
  return { severity: "error", code: "hot-range", ...explain.hotRange(run, node, max, total, options) };
}

/** The node serving more than the bound times the average requests. */
function hotNode(run: StrategyRun, step: Step, options: Resolved): Finding | undefined {
  const total = sum(step.requestCounts);
  if (total === 0) return undefined;
  const avg = total / step.requestCounts.length;
  const max = Math.max(...step.requestCounts);
  if (max / avg <= options.loadBound) return undefined;
  const node = step.nodes[step.requestCounts.indexOf(max)]!.name;
  return { severity: "warning", code: "hot-node", ...explain.hotNode(run, step, node, max / avg) };
}

function stepFindings(run: StrategyRun, step: Step, keys: number, options: Resolved): Finding[] {
  const out: (Finding | undefined)[] = [];
  const b = balance(step, keys);
  if (b.maxOverFair > options.loadBound) {
    out.push({ severity: "error", code: "overloaded-node", ...explain.overloadedNode(run, step, b.worst, b.maxOverFair, keys, options) });
  }
  if (step.needless > 0) out.push({ severity: "error", code: "needless-moves", ...explain.needlessMoves(run, step, keys) });
  if (step.duplicateReplicaSets > 0) out.push({ severity: "error", code: "duplicate-replicas", ...explain.duplicateReplicas(run, step, keys, options) });
  out.push(hotRange(run, step, options));
  if (step.celebrityNodes !== undefined && step.label === "start") {
    out.push({ severity: "info", code: "salted-key", ...explain.saltedKey(run, step.celebrityNodes, options) });
  }
  out.push(hotNode(run, step, options));
  return out.filter((f) => f !== undefined);
}

export function check(result: ShardingResult, resolved: Resolved): Verdict {
  const findings = result.runs.flatMap((run) => run.steps.flatMap((step) => stepFindings(run, step, result.keys, resolved)));
  return verdictFrom(findings, explain.allHeld(result, resolved), explain.problems(findings));
}
