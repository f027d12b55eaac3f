// How evenly a step spreads keys: each node's keys against its fair share (the average scaled by its
// weight). The checker bounds it; the presenter tabulates it.
import type { Step } from "./index";

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
