// Which plan PostgreSQL 15 picks for a WHERE clause on test(id int primary key, value int), as a
// small rule instead of its cost model. The plan decides which tuples a statement visits, in what
// order (so which row it locks first), and how coarse its SIREAD locks are at serializable. The
// rule reproduces the plans EXPLAIN shows for a freshly created, never analysed table (the
// planner then assumes 10 pages and about 2,260 rows); docs/isolation.md lists where it simplifies.
import { evalExpr, type Expr, type Pred } from "./sql";

export type Plan =
  /** Every tuple of the heap in physical order; a SIREAD lock on the whole relation. */
  | { readonly kind: "seq" }
  /** An index scan on one key: its index entries in heap order of their tuples. */
  | { readonly kind: "index"; readonly key: number; readonly keys: (id: number) => boolean }
  /** A bitmap index scan, then the heap in physical order of the index entries it found. */
  | { readonly kind: "bitmap"; readonly keys: (id: number) => boolean };

/** What the index can do for part of a WHERE clause: the keys it selects and the estimated share of the table. */
interface KeyCond {
  readonly test: (id: number) => boolean;
  readonly share: number;
  /** Set when the condition pins one key with `=` (or a one-element `in`). */
  readonly eq?: number;
}

/** The planner's share for `id = c` on a unique index (one row of its ~2,260), and for an open range (a third). */
const EQ_SHARE = 1 / 2260;
const RANGE_SHARE = 1 / 3;
/** Above this estimated share of the table a bitmap heap scan costs more than a sequential scan. */
const BITMAP_MAX_SHARE = 0.4;

type CmpOp = Extract<Pred, { kind: "cmp" }>["op"];
const NEGATED: Record<CmpOp, CmpOp> = { "=": "<>", "<>": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">" };
const FLIPPED: Record<CmpOp, CmpOp> = { "=": "=", "<>": "<>", "<": ">", ">": "<", "<=": ">=", ">=": "<=" };

/** The value of an expression that uses no column (the planner folds it to a constant). */
function constant(e: Expr): number | undefined {
  const usesColumn = (x: Expr): boolean =>
    x.kind === "col" || (x.kind === "neg" && usesColumn(x.expr)) || (x.kind === "bin" && (usesColumn(x.left) || usesColumn(x.right)));
  if (usesColumn(e)) return undefined;
  return evalExpr(e, { id: 0, value: 0 }) ?? undefined;
}

const isId = (e: Expr) => e.kind === "col" && e.name === "id";

/** NOT pushed down to the comparisons, as PostgreSQL's negate_clause does (De Morgan; `not id < 3` is `id >= 3`). */
function pushNot(p: Pred, negate = false): Pred {
  switch (p.kind) {
    case "not":
      return pushNot(p.pred, !negate);
    case "and":
    case "or": {
      const kind = negate ? (p.kind === "and" ? "or" : "and") : p.kind;
      return { kind, left: pushNot(p.left, negate), right: pushNot(p.right, negate) };
    }
    case "cmp":
      return negate ? { ...p, op: NEGATED[p.op] } : p;
    case "in":
      return negate ? { ...p, negated: !p.negated } : p;
    case "true":
      return negate ? { kind: "not", pred: p } : p;
  }
}

function comparison(p: Extract<Pred, { kind: "cmp" }>): KeyCond | undefined {
  const [op, c] = isId(p.left) ? [p.op, constant(p.right)] : isId(p.right) ? [FLIPPED[p.op], constant(p.left)] : [p.op, undefined];
  if (c === undefined || op === "<>") return undefined;
  const tests: Record<Exclude<CmpOp, "<>">, (id: number) => boolean> = {
    "=": (id) => id === c,
    "<": (id) => id < c,
    "<=": (id) => id <= c,
    ">": (id) => id > c,
    ">=": (id) => id >= c,
  };
  return { test: tests[op], share: op === "=" ? EQ_SHARE : RANGE_SHARE, ...(op === "=" ? { eq: c } : {}) };
}

function inList(p: Extract<Pred, { kind: "in" }>): KeyCond | undefined {
  if (p.negated || !isId(p.expr)) return undefined;
  const values = p.list.map(constant);
  if (values.some((v) => v === undefined)) return undefined;
  const set = new Set(values as number[]);
  // `id in (c)` is planned as `id = c`.
  return { test: (id) => set.has(id), share: set.size * EQ_SHARE, ...(set.size === 1 ? { eq: [...set][0]! } : {}) };
}

/** The index condition PostgreSQL can extract from a (NOT-free) predicate, if any. */
function keyCond(p: Pred): KeyCond | undefined {
  switch (p.kind) {
    case "cmp":
      return comparison(p);
    case "in":
      return inList(p);
    case "and": {
      // Conjuncts the index cannot use become a filter; the others narrow the keys.
      const parts = [keyCond(p.left), keyCond(p.right)].filter((x): x is KeyCond => x !== undefined);
      if (parts.length === 0) return undefined;
      const eq = parts.find((x) => x.eq !== undefined)?.eq;
      return { test: (id) => parts.every((x) => x.test(id)), share: Math.min(...parts.map((x) => x.share)), ...(eq !== undefined ? { eq } : {}) };
    }
    case "or": {
      // Every arm must use the index (a BitmapOr); one arm that cannot means a sequential scan.
      const l = keyCond(p.left);
      const r = keyCond(p.right);
      if (!l || !r) return undefined;
      return { test: (id) => l.test(id) || r.test(id), share: l.share + r.share };
    }
    default:
      return undefined;
  }
}

/**
 * The rule: a conjunct `id = c` (or `id in (c)`) gives an index scan; otherwise an index condition
 * on id (comparisons with constants, `in` lists, and ORs whose every arm has one) gives a bitmap
 * scan, unless it is estimated to select more than 40% of the table (an OR of two open ranges);
 * anything else, `<>` and `not in` included, is a sequential scan.
 */
export function planFor(where: Pred): Plan {
  const cond = keyCond(pushNot(where));
  if (!cond) return { kind: "seq" };
  if (cond.eq !== undefined) return { kind: "index", key: cond.eq, keys: cond.test };
  if (cond.share > BITMAP_MAX_SHARE) return { kind: "seq" };
  return { kind: "bitmap", keys: cond.test };
}
