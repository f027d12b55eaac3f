// Linearizability of a key-value history (Herlihy and Wing, 1990): is there one order of all the
// operations, each taking effect at an instant between its call and its return, in which every read
// returns the latest value written? Keys are independent (a history is linearizable exactly when
// the operations on each key are), so each key is searched on its own, as Porcupine's
// Model.Partition does; the search is Wing–Gong's with Lowe's memoisation (search.ts).
import type { Finding, Verdict } from "../verdict";
import { byKey, validateHistory, type Operation, type Value } from "./history";
import { keyValueModel, registerModel, type SequentialModel } from "./model";
import { searchLinearization } from "./search";
import { explainViolation } from "./explain";

export interface LinearizabilityOptions {
  /** Search each key on its own (Porcupine's partitioning). Default true; false searches the whole store at once. */
  readonly partition?: boolean;
  /** Most search steps in all, summed over keys, before the answer is "unknown". Default 10,000,000. */
  readonly maxSteps?: number;
  /** The value of a key nobody has written yet. Default null ("nothing"). */
  readonly initial?: Value;
  /** Explain each violation: look for the fewest reads that still cannot be ordered, and say why. Default true. */
  readonly explain?: boolean;
}

export interface PartitionResult {
  /** The key, or "*" when the history was searched whole. */
  readonly key: string;
  readonly operations: number;
  /**
   * "unknown" when the budget ran out, or when the search stopped early because another key had
   * already failed.
   */
  readonly valid: boolean | "unknown";
  /** Operation ids: an order that works when valid, otherwise the longest order found for part of the history. */
  readonly linearization: readonly number[];
  readonly steps: number;
}

export interface LinearizabilityResult extends Verdict {
  readonly partitions: readonly PartitionResult[];
  /** Search steps in all. */
  readonly steps: number;
}

export const DEFAULT_MAX_STEPS = 10_000_000;

interface Part {
  readonly key: string;
  readonly ops: readonly Operation[];
  readonly model: SequentialModel<unknown, Operation>;
}

function parts(history: readonly Operation[], options: LinearizabilityOptions): Part[] {
  if (options.partition === false) {
    return history.length ? [{ key: "*", ops: history, model: keyValueModel(options.initial ?? null) as SequentialModel<unknown, Operation> }] : [];
  }
  const model = registerModel(options.initial ?? null) as SequentialModel<unknown, Operation>;
  return [...byKey(history)].map(([key, ops]) => ({ key, ops, model }));
}

/** Steps each undecided key gets in the first round; each later round gives four times as many. */
const FIRST_ROUND_STEPS = 20_000;

interface Searched {
  valid: boolean | "unknown";
  order: readonly number[];
  steps: number;
}

/**
 * Searches every key in rounds with a growing step budget, so that a key that fails quickly is found
 * before a hard key spends the whole budget (Porcupine searches keys in parallel and stops at the
 * first failure; rounds give the same effect, deterministically). A key left on its own gets the
 * rest of the budget at once. Stops at the end of the round in
 * which some key fails, or when the budget is spent.
 */
function searchRounds(list: readonly Part[], maxSteps: number): Searched[] {
  const out: Searched[] = list.map(() => ({ valid: "unknown", order: [], steps: 0 }));
  let budget = maxSteps;
  for (let round = FIRST_ROUND_STEPS; budget > 0; round *= 4) {
    const open = list.map((_, i) => i).filter((i) => out[i]!.valid === "unknown");
    if (open.length === 0) break;
    for (const i of open) {
      const r = searchLinearization(list[i]!.ops, list[i]!.model, open.length === 1 ? budget : Math.min(round, budget));
      budget -= r.steps;
      out[i] = {
        valid: r.valid,
        order: r.valid === "unknown" && out[i]!.order.length > r.order.length ? out[i]!.order : r.order,
        steps: out[i]!.steps + r.steps,
      };
      if (budget <= 0) break;
    }
    if (out.some((o) => o.valid === false)) break;
  }
  return out;
}

/** Checks the history; the verdict's findings explain each key that cannot be ordered. */
export function checkLinearizable(history: readonly Operation[], options: LinearizabilityOptions = {}): LinearizabilityResult {
  validateHistory(history);
  const list = parts(history, options);
  const searched = searchRounds(list, options.maxSteps ?? DEFAULT_MAX_STEPS);
  const failed = searched.some((s) => s.valid === false);
  const partitions: PartitionResult[] = [];
  const findings: Finding[] = [];
  list.forEach((part, i) => {
    const s = searched[i]!;
    partitions.push({ key: part.key, operations: part.ops.length, valid: s.valid, linearization: s.order.map((j) => part.ops[j]!.id), steps: s.steps });
    if (s.valid === false) {
      findings.push(
        options.explain === false
          ? bareFinding(part, s.order)
          : explainViolation(part.ops, part.model, part.key === "*" ? undefined : part.key, options.initial ?? null),
      );
    } else if (s.valid === "unknown" && !failed) {
      findings.push(unknownFinding(part, s.steps));
    }
  });
  const steps = partitions.reduce((sum, p) => sum + p.steps, 0);
  const valid = failed ? false : partitions.some((p) => p.valid === "unknown") ? "unknown" : true;
  return { valid, summary: summary(valid, history.length, partitions), findings, partitions, steps };
}

function summary(valid: boolean | "unknown", operations: number, partitions: readonly PartitionResult[]): string {
  const keys = partitions.filter((p) => p.key !== "*").length;
  const scope = `${operations} operation${operations === 1 ? "" : "s"}${keys ? ` on ${keys} key${keys === 1 ? "" : "s"}` : ""}`;
  if (valid === true) return `Linearizable: the ${scope} can be put in one order that respects real time.`;
  if (valid === "unknown") return `Undecided: the search gave up before deciding whether the ${scope} are linearizable.`;
  const bad = partitions.filter((p) => p.valid === false).map((p) => p.key);
  return bad.length === 1 && bad[0] !== "*"
    ? `Not linearizable: the operations on ${bad[0]} cannot be put in any order that respects real time.`
    : bad[0] === "*"
      ? `Not linearizable: the ${scope} cannot be put in any order that respects real time.`
      : `Not linearizable: the operations on ${bad.length} keys (${bad.join(", ")}) cannot be ordered.`;
}

function bareFinding(part: Part, longest: readonly number[]): Finding {
  return {
    severity: "error",
    code: "not-linearizable",
    title: part.key === "*" ? "Not linearizable" : `Not linearizable: ${part.key}`,
    explanation: `No order of the ${part.ops.length} operations${part.key === "*" ? "" : ` on ${part.key}`} respects real time; the longest order found places ${longest.length} of them.`,
    events: part.ops.map((o) => o.id),
  };
}

function unknownFinding(part: Part, steps: number): Finding {
  return {
    severity: "warning",
    code: "linearizability-unknown",
    title: part.key === "*" ? "Linearizability undecided" : `Linearizability undecided: ${part.key}`,
    explanation: `The search stopped after ${steps} steps without deciding whether the ${part.ops.length} operations${part.key === "*" ? "" : ` on ${part.key}`} can be ordered. Raise the step budget, or check a shorter history.`,
  };
}
