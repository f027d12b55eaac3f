// What the sharding checker's findings say to a learner: one function per finding code, each giving
// the title and the explanation, and the verdict's summary sentences.
import type { Finding } from "../../core/verdict";
import { count, noun, percent, share } from "../../present/prose";
import { fairShare } from "./model/balance";
import type { ShardingResult, Step, StrategyRun } from "./model";
import type { Resolved } from "./scenario";

export interface Explained {
  readonly title: string;
  readonly explanation: string;
}

/** When a step happens, for titles: "at the start" or `after "add n4"`. */
const whenOf = (step: Step) => (step.label === "start" ? "at the start" : `after "${step.label}"`);

/** `worst` is the index of the node with the highest keys-to-fair-share ratio, `ratio` that ratio. */
export function overloadedNode(run: StrategyRun, step: Step, worst: number, ratio: number, keys: number, options: Resolved): Explained {
  const node = step.nodes[worst]!.name;
  const ring = run.strategy === "ring" ? ` With ${options.virtualNodes} virtual nodes per node the arcs are uneven; more virtual nodes even them out.` : "";
  return {
    title: `${run.strategy}: ${node} holds ${ratio.toFixed(2)}× its share ${whenOf(step)}`,
    explanation:
      `${node} holds ${step.keyCounts[worst]} keys where its fair share is ${fairShare(step, worst, keys).toFixed(0)}: ` +
      `more than the bound of ${options.loadBound}× set for this scenario.${ring}`,
  };
}

export function needlessMoves(run: StrategyRun, step: Step, keys: number): Explained {
  const when = whenOf(step);
  const theory = step.expectedMoveFraction !== undefined ? ` Theory for ${run.strategy}: about ${percent(step.expectedMoveFraction)} must move.` : "";
  const example = step.sampleMoves.find(([, from, to]) => from !== to && step.nodes.some((n) => n.name === from));
  const jump = run.strategy === "jump" ? " Jump hash numbers its buckets: removing any node but the last renumbers every node after it." : "";
  return {
    title: `${run.strategy}: ${step.needless} keys moved between nodes that stayed, ${when}`,
    explanation:
      `${step.moved} keys (${share(step.moved, keys)}) changed owner ${when}, and ${step.needless} of them moved from one surviving node to another` +
      `${example ? ` (key-${example[0]}: ${example[1]} → ${example[2]})` : ""}. ` +
      `Only the keys of the node that ${step.label.startsWith("add") ? "joined" : "changed"} needed to move.${theory}${jump}`,
  };
}

export function duplicateReplicas(run: StrategyRun, step: Step, keys: number, options: Resolved): Explained {
  const sets = step.duplicateReplicaSets;
  return {
    title: `${run.strategy}: ${sets} replica sets hold the same node twice ${whenOf(step)}`,
    explanation:
      `With ${options.replicas} copies placed on the next ring points, ${sets} keys (${share(sets, keys)}) keep two copies on one physical node, ` +
      "because neighbouring virtual nodes can belong to the same machine. Losing that machine loses both copies. " +
      "Walking on to the next distinct node avoids it.",
  };
}

/** `node` took `max` of the `total` most recent writes. */
export function hotRange(run: StrategyRun, node: string, max: number, total: number, options: Resolved): Explained {
  const why =
    options.keyPattern === "sequential"
      ? " Sequential keys (timestamps) always sort after every existing key, so each new key lands in the last range: " +
        "one node takes the whole write load until the range splits, and then the new last range does."
      : " The newest keys cluster in a few ranges.";
  return {
    title: `${run.strategy}: ${node} took ${share(max, total)} of the recent writes`,
    explanation:
      `Of the ${total} most recent inserts, ${node} received ${max}.${why} ` +
      "Ranging over a hash of the key (keyPattern: hashed), or prefixing keys with a bucket number, spreads the writes.",
  };
}

export function saltedKey(run: StrategyRun, celebrityNodes: number, options: Resolved): Explained {
  return {
    title: `${run.strategy}: the celebrity key is salted over ${options.saltBuckets} sub-keys on ${celebrityNodes} nodes`,
    explanation:
      `Writes to the celebrity key now spread over ${count(celebrityNodes, "node")}; ` +
      `the price is that a read must ask all ${options.saltBuckets} sub-keys and merge them (fan-in).`,
  };
}

/** `node` serves `ratio` times the average requests. */
export function hotNode(run: StrategyRun, step: Step, node: string, ratio: number): Explained {
  return {
    title: `${run.strategy}: ${node} serves ${ratio.toFixed(2)}× the average requests ${whenOf(step)}`,
    explanation:
      `Requests follow key popularity, and the most requested keys live on ${node}. ` +
      "Moving whole keys cannot split the load of one hot key; splitting or salting hot keys does.",
  };
}

/** The verdict's sentence when every step held. */
export function allHeld(result: ShardingResult, options: Resolved): string {
  const names = result.runs.map((r) => r.strategy).join(", ");
  return `Every step stayed within ${options.loadBound}× the fair share, moved only the keys it had to, and kept replicas on distinct nodes (${names}).`;
}

/**
 * The verdict's sentence when some step broke a guarantee: the problems and their codes. The plural
 * follows the number of findings of every severity, not of problems ("1 problems" when a warning
 * came with the one problem); kept as it is so outputs stay the same.
 */
export function problems(findings: readonly Finding[]): string {
  const errors = findings.filter((f) => f.severity === "error");
  return `${errors.length} ${noun(findings.length, "problem")}: ${[...new Set(errors.map((f) => f.code))].join(", ")}.`;
}
