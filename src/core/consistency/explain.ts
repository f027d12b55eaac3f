// Why a history is not linearizable, in words a learner can check against the diagram.
//
// First the witness is made small: reads (and failed compare-and-sets, which only read) are taken
// out while the rest still cannot be ordered. Removing a read never creates a violation, so what
// is left is a real reason found in the history, not a new one. Every write stays.
//
// Then the reads that are left are matched against the classic shapes, each of which proves the
// history cannot be ordered on its own: a value nobody wrote, a value read before any write of it
// began, a stale read (every write of the value was overwritten before the read began), and a later
// read going back to an older value. Anything else is told from the search: the longest order
// found, the state it leaves, and the operation that cannot come next.
import type { Finding } from "../verdict";
import { completed, showOp, showValue, type Operation, type ReadOp, type Value } from "./history";
import type { SequentialModel } from "./model";
import { searchLinearization } from "./search";

/** Steps the explanation may spend shrinking the witness before it settles for what it has. */
const EXPLAIN_STEPS = 2_000_000;
/** Operations named in a list before "and N more". */
const LIST_MAX = 4;

/** Reads and failed compare-and-sets never change the value: taking them out cannot create a violation. */
function onlyReads(op: Operation): boolean {
  return op.kind === "read" || (op.kind === "cas" && op.ok === false);
}

/**
 * The fewest reads (with every write up to where the search got stuck) that still cannot be
 * ordered: operations the search never reached are dropped, then reads are taken out in halving
 * chunks while what is left still fails.
 */
export function shrinkWitness<S>(history: readonly Operation[], model: SequentialModel<S, Operation>, maxSteps = EXPLAIN_STEPS): Operation[] {
  let budget = maxSteps;
  const first = searchLinearization(history, model, budget);
  budget -= first.steps;
  const ops = first.reached ? first.reached.map((i) => history[i]!) : history;
  const writes = ops.filter((o) => !onlyReads(o));
  let reads = ops.filter((o) => onlyReads(o) && !(o.kind === "read" && o.value === undefined));
  const fails = (candidate: readonly Operation[]): boolean => {
    if (budget <= 0) return false;
    const r = searchLinearization([...writes, ...candidate], model, budget);
    budget -= r.steps;
    return r.valid === false;
  };
  for (let chunk = Math.ceil(reads.length / 2); chunk >= 1 && budget > 0; chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2)) {
    for (let i = 0; i < reads.length && reads.length > 1;) {
      const trial = [...reads.slice(0, i), ...reads.slice(i + chunk)];
      if (fails(trial)) reads = trial;
      else i += chunk;
    }
  }
  const keep = new Set<Operation>([...writes, ...reads]);
  return ops.filter((o) => keep.has(o));
}

/** Operations that may have left value v (writes and compare-and-sets not known to have failed). */
function sourcesOf(ops: readonly Operation[], v: Value): Operation[] {
  return ops.filter((o) => (o.kind === "write" || (o.kind === "cas" && o.ok !== false)) && o.value === v);
}

/** Operations known to have set the key to something other than v, and to have returned. */
function overwritersOf(ops: readonly Operation[], v: Value): (Operation & { ret: number })[] {
  return ops.filter((o): o is Operation & { ret: number } => completed(o) && (o.kind === "write" || (o.kind === "cas" && o.ok === true)) && o.value !== v);
}

function names(ops: readonly Operation[]): string {
  const shown = ops.slice(0, LIST_MAX).map(showOp);
  const more = ops.length - shown.length;
  if (more > 0) shown.push(`${more} more`);
  return shown.length <= 1 ? shown.join("") : `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
}

interface Explained {
  readonly title: string;
  readonly explanation: string;
  readonly events: readonly Operation[];
}

/** One read that no order can explain, with every write in view. */
function explainOneRead(r: ReadOp & { value: Value }, ops: readonly Operation[], initial: Value): Explained | undefined {
  const v = r.value;
  const sources = sourcesOf(ops, v);
  const fromStart = v === initial;
  if (!fromStart && sources.length === 0) {
    return {
      title: `read of ${r.key} returned a value nobody wrote`,
      explanation: `${showOp(r)} returned ${showValue(v)}, but no operation wrote ${showValue(v)} to ${r.key}.`,
      events: [r],
    };
  }
  if (!fromStart && r.ret !== undefined && sources.every((s) => s.call > r.ret!)) {
    return {
      title: `read of ${r.key} saw a write before it began`,
      explanation: `${showOp(r)} returned ${showValue(v)}, but ${sources.length === 1 ? "the only write" : "every write"} of ${showValue(v)} (${names(sources)}) began after the read had returned.`,
      events: [r, ...sources],
    };
  }
  return explainStale(r, ops, sources, fromStart);
}

/** Every way the read could have got its value was overwritten, for certain, before the read began. */
function explainStale(r: ReadOp & { value: Value }, ops: readonly Operation[], sources: readonly Operation[], fromStart: boolean): Explained | undefined {
  const over = overwritersOf(ops, r.value).filter((w) => w.ret < r.call);
  const pairs: { source?: Operation; by: Operation }[] = [];
  if (fromStart) {
    if (over.length === 0) return undefined;
    pairs.push({ by: over[0]! });
  }
  for (const s of sources) {
    if (r.ret !== undefined && s.call > r.ret) continue; // began after the read returned: cannot be what it read
    const w = s.ret === undefined ? undefined : over.find((o) => s.ret! < o.call);
    if (!w) return undefined;
    pairs.push({ source: s, by: w });
  }
  const v = showValue(r.value);
  const last = pairs[pairs.length - 1]!;
  const lastSays = last.source
    ? `${pairs.length === 1 ? "the only write" : "the last write"} of ${v} that could have reached it, ${showOp(last.source)}, was overwritten by ${showOp(last.by)}`
    : `${r.key} held ${v} only before it was first written, and ${showOp(last.by)} wrote it`;
  const earlier =
    pairs.length === 2
      ? ` (an earlier write of ${v} was overwritten the same way)`
      : pairs.length > 2
        ? ` (the ${pairs.length - 1} earlier writes of ${v} were overwritten the same way)`
        : "";
  return {
    title: `stale read of ${r.key}`,
    explanation: `${showOp(r)} returned ${v}, a value ${r.key} no longer held: ${lastSays}, which completed before the read began${earlier}. No write of ${v} could have taken effect after that, so no order lets the read return ${v}.`,
    events: [r, ...pairs.slice(-2).flatMap((p) => (p.source ? [p.source, p.by] : [p.by]))],
  };
}

/** Two reads in real-time order where the later one returned a value every write of which was done before the earlier one began. */
function explainTwoReads(a: ReadOp & { value: Value }, b: ReadOp & { value: Value }, ops: readonly Operation[]): Explained | undefined {
  for (const [first, later] of [
    [a, b],
    [b, a],
  ] as const) {
    if (first.ret === undefined || !(first.ret < later.call) || first.value === later.value) continue;
    const sources = sourcesOf(ops, later.value).filter((s) => later.ret === undefined || s.call <= later.ret); // later writes cannot be what it read
    if (!sources.every((s) => s.ret !== undefined && s.ret < first.call)) continue;
    const old = showValue(later.value);
    const writes =
      sources.length === 0
        ? `${later.key} held ${old} only before any write`
        : `every write of ${old} (${names(sources)}) had completed before the earlier read began`;
    return {
      title: `a later read of ${later.key} went back to an older value`,
      explanation: `${showOp(first)} returned ${showValue(first.value)} before ${showOp(later)} began, yet the later read returned the older value ${old}: ${writes}, so once a read had seen ${showValue(first.value)}, no later read could see ${old} again.`,
      events: [first, later, ...sources],
    };
  }
  return undefined;
}

/**
 * The classic shapes, when the key is a plain register (no appends) and one or two reads are left.
 * Each shape is checked against every write of the key in the whole history, not only the ones in
 * the witness, so what it says holds of the history as recorded.
 */
function classic(witness: readonly Operation[], all: readonly Operation[], initial: Value): Explained | undefined {
  if (all.some((o) => o.kind === "append")) return undefined;
  const left = witness.filter(onlyReads);
  const reads = left.filter((o): o is ReadOp & { value: Value } => o.kind === "read" && o.value !== undefined);
  if (reads.length !== left.length) return undefined;
  if (reads.length === 1) return explainOneRead(reads[0]!, all, initial);
  if (reads.length === 2) return explainTwoReads(reads[0]!, reads[1]!, all);
  return undefined;
}

/** Told from the search: the reads left in the witness, where the longest order gets stuck, and why. */
function fromSearch<S>(core: readonly Operation[], model: SequentialModel<S, Operation>, key: string | undefined): Explained {
  const outcome = searchLinearization(core, model, EXPLAIN_STEPS);
  const placed = new Set(outcome.order);
  let state = model.init();
  for (const i of outcome.order) state = model.step(state, core[i]!) ?? state;
  const waiting = core.filter((_, i) => !placed.has(i));
  const stuck = waiting.filter((o) => model.step(state, o) === undefined).sort((x, y) => (x.ret ?? Infinity) - (y.ret ?? Infinity))[0];
  const reads = core.filter(onlyReads);
  const where = key ? ` on ${key}` : "";
  const tail = outcome.order.slice(-3).map((i) => showOp(core[i]!));
  const until = core.reduce((t, o) => Math.max(t, o.call), Number.NEGATIVE_INFINITY);
  const head = `No order of the ${core.length} operations${where} called up to t=${until} respects both real time and what each one returned${reads.length ? `; the results that cannot all hold together are those of ${names(reads)}` : ""}.`;
  const longest = outcome.order.length
    ? ` The longest order that works places ${outcome.order.length} of them, ending with ${tail.join(", ")}, and leaves ${key ?? "the store"} holding ${model.describe(state)}.`
    : "";
  const next = stuck
    ? ` Then ${showOp(stuck)} cannot take effect, since ${why(stuck, model.describe(state))}, and no other choice gets further.`
    : " Every operation that could go next leads to a dead end later.";
  return {
    title: `no order of the operations${where} fits`,
    explanation: head + longest + next,
    events: [...reads, ...(stuck && !reads.includes(stuck) ? [stuck] : [])],
  };
}

function why(op: Operation, held: string): string {
  if (op.kind === "read") return `it returned ${showValue(op.value)}, not ${held}`;
  if (op.kind === "cas")
    return op.ok ? `it swapped, so it found ${showValue(op.expect)} there, not ${held}` : `it failed, so it did not find ${showValue(op.expect)} there`;
  return `the model refuses it after ${held}`;
}

/**
 * The finding for a key (or whole history) whose operations cannot be ordered: the smallest witness
 * found, told as a classic shape when it is one, or from the search otherwise.
 */
export function explainViolation<S>(ops: readonly Operation[], model: SequentialModel<S, Operation>, key?: string, initial: Value = null): Finding {
  const core = shrinkWitness(ops, model);
  const readKeys = new Set(core.filter(onlyReads).map((o) => o.key));
  const oneKey = key ?? (readKeys.size === 1 ? [...readKeys][0] : undefined);
  const shape =
    oneKey !== undefined
      ? classic(
          core.filter((o) => o.key === oneKey),
          ops.filter((o) => o.key === oneKey),
          initial,
        )
      : undefined;
  const told = shape ?? fromSearch(core, model, key);
  return {
    severity: "error",
    code: "not-linearizable",
    title: `Not linearizable: ${told.title}`,
    explanation: told.explanation,
    events: [...new Set(told.events.map((o) => o.id))],
  };
}
