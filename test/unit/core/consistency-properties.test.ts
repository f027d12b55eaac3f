// Properties of the checker (fast-check): histories an atomic store could have produced are always
// linearizable, and keep every session guarantee; a stale read after a completed write never is;
// partitioning by key never changes the verdict; and on small histories the search agrees with
// trying every order.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { checkLinearizable, checkSessionGuarantees, stepRegister, type Operation, type Value } from "../../../src/core/consistency";

type Kind = "read" | "write" | "cas" | "append";

/** What a client asks for, before the store answers. */
interface Request {
  readonly client: number;
  readonly key: string;
  readonly kind: Kind;
  readonly value: number;
  readonly expect: number;
  /** Time from the client's previous return to this call, and from this call to the return. */
  readonly gap: number;
  readonly length: number;
  /** Where in [call, return] the store applies it, as a fraction. */
  readonly at: number;
  /** Whether the client hears back; if not, whether the store applied it anyway. */
  readonly returns: boolean;
  readonly appliedAnyway: boolean;
}

const request = (kinds: readonly Kind[], keys: readonly string[], pending: boolean): fc.Arbitrary<Request> =>
  fc.record({
    client: fc.nat(3),
    key: fc.constantFrom(...keys),
    kind: fc.constantFrom(...kinds),
    value: fc.nat(3),
    expect: fc.nat(3),
    gap: fc.nat(4),
    length: fc.nat(6),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    returns: pending ? fc.nat(9).map((n) => n > 1) : fc.constant(true),
    appliedAnyway: fc.boolean(),
  });

/**
 * Runs the requests against one atomic copy of the store: each takes effect at one instant inside
 * its interval (or, if it never returns, at some instant after its call or never), in the order of
 * those instants. Each client waits for a reply before its next request; after a request that
 * never returns, the client is gone. Versions count the writes of each key in the order applied.
 */
function atomicHistory(requests: readonly Request[], withVersions = false): Operation[] {
  const clock = new Map<number, number>();
  const gone = new Set<number>();
  const timed = requests.flatMap((q, id) => {
    if (gone.has(q.client)) return [];
    const call = (clock.get(q.client) ?? 0) + q.gap + (clock.has(q.client) ? 1 : 0);
    const ret = call + q.length;
    clock.set(q.client, ret);
    if (!q.returns) gone.add(q.client);
    const point = q.returns || q.appliedAnyway ? call + q.at * (q.returns ? q.length : 10) : Number.POSITIVE_INFINITY;
    return [{ q, id, call, ret, point }];
  });
  const state = new Map<string, Value>();
  const versions = new Map<string, number>();
  const ops = new Map<number, Operation>();
  for (const t of [...timed].sort((a, b) => a.point - b.point || a.id - b.id)) {
    const before = state.get(t.q.key) ?? null;
    const op = answer(t.q, t.id, t.call, t.q.returns ? t.ret : undefined, before, t.point !== Number.POSITIVE_INFINITY);
    const after = t.point === Number.POSITIVE_INFINITY ? before : stepRegister(before, op)!;
    if (after !== before || (op.kind !== "read" && !(op.kind === "cas" && op.ok === false) && t.point !== Number.POSITIVE_INFINITY))
      versions.set(t.q.key, (versions.get(t.q.key) ?? 0) + 1);
    state.set(t.q.key, after);
    const version = op.kind === "read" || (op.kind === "cas" && op.ok === false) ? (versions.get(t.q.key) ?? 0) : versions.get(t.q.key);
    const known = op.kind === "read" ? op.ret !== undefined : t.point !== Number.POSITIVE_INFINITY && !(op.kind === "cas" && op.ok === false);
    ops.set(t.id, withVersions && known && version !== undefined ? { ...op, version } : op);
  }
  return [...ops.values()].sort((a, b) => a.id - b.id);
}

/** The operation as the client recorded it, given the value the key held when it took effect. */
function answer(q: Request, id: number, call: number, ret: number | undefined, held: Value, applied: boolean): Operation {
  const base = { id, client: `c${q.client}`, key: q.key, call, ...(ret === undefined ? {} : { ret }) };
  switch (q.kind) {
    case "read":
      return ret === undefined ? { ...base, kind: "read" } : { ...base, kind: "read", value: held };
    case "write":
      return { ...base, kind: "write", value: q.value };
    case "append":
      return { ...base, kind: "append", value: String(q.value) };
    case "cas":
      return { ...base, kind: "cas", expect: q.expect, value: q.value, ...(ret === undefined || !applied ? {} : { ok: held === q.expect }) };
  }
}

const ALL: readonly Kind[] = ["read", "write", "cas", "append"];

test("a history with no overlapping operations, answered in order, is linearizable", () => {
  fc.assert(
    fc.property(fc.array(request(ALL, ["x", "y"], false), { maxLength: 40 }), (qs) => {
      // one after another: every request starts after the previous one returned
      let t = 0;
      const state = new Map<string, Value>();
      const h = qs.map((q, id) => {
        const call = t + q.gap + 1;
        t = call + q.length;
        const op = answer(q, id, call, t, state.get(q.key) ?? null, true);
        state.set(q.key, stepRegister(state.get(q.key) ?? null, op)!);
        return op;
      });
      const res = checkLinearizable(h);
      assert.equal(res.valid, true);
      assert.equal(
        res.partitions.reduce((n, p) => n + p.linearization.length, 0),
        h.length,
      );
    }),
    { numRuns: 200 },
  );
});

test("a history from an atomic register with random overlap and lost replies is linearizable", () => {
  fc.assert(
    fc.property(fc.array(request(ALL, ["x", "y", "z"], true), { maxLength: 40 }), (qs) => {
      const h = atomicHistory(qs);
      assert.equal(checkLinearizable(h, { maxSteps: 5_000_000 }).valid, true);
    }),
    { numRuns: 200 },
  );
});

test("a stale read after a completed write is not linearizable, and is explained as a stale read", () => {
  fc.assert(
    fc.property(
      fc.array(
        request(
          ALL.filter((k) => k !== "append"),
          ["x", "y"],
          false,
        ),
        { minLength: 1, maxLength: 30 },
      ),
      fc.nat(),
      (qs, pick) => {
        const h = atomicHistory(qs);
        const end = Math.max(...h.map((o) => o.ret!));
        const key = h[pick % h.length]!.key;
        const olds = [null, ...h.filter((o) => o.key === key && (o.kind === "write" || (o.kind === "cas" && o.ok))).map((o) => o.value as Value)];
        const stale = olds[pick % olds.length]!;
        const fresh: Operation = { id: 1000, client: "w", key, kind: "write", value: 99, call: end + 1, ret: end + 2 };
        const read: Operation = { id: 1001, client: "r", key, kind: "read", value: stale, call: end + 3, ret: end + 4 };
        const res = checkLinearizable([...h, fresh, read]);
        assert.equal(res.valid, false);
        const f = res.findings[0]!;
        assert.equal(f.title, `Not linearizable: stale read of ${key}`);
        assert.ok(f.events!.includes(read.id));
      },
    ),
    { numRuns: 200 },
  );
});

test("partitioning by key gives the same verdict as checking the whole store at once", () => {
  const mutate = fc.array(fc.tuple(fc.nat(), fc.nat(3)), { maxLength: 2 });
  fc.assert(
    fc.property(fc.array(request(ALL, ["x", "y", "z"], true), { maxLength: 14 }), mutate, (qs, changes) => {
      const h = atomicHistory(qs).map((o) => ({ ...o }));
      for (const [i, v] of changes) {
        const op = h[i % Math.max(h.length, 1)];
        if (op && op.kind === "read" && op.value !== undefined) (op as { value: Value }).value = v; // a wrong answer, sometimes
      }
      const split = checkLinearizable(h, { explain: false });
      const whole = checkLinearizable(h, { partition: false, explain: false, maxSteps: 20_000_000 });
      assert.equal(split.valid, whole.valid);
    }),
    { numRuns: 150 },
  );
});

/** Tries every order: a sequence of all completed operations and any of the others, respecting real time, that the register accepts. */
function bruteForce(h: readonly Operation[]): boolean {
  const go = (left: readonly Operation[], state: Map<string, Value>): boolean => {
    if (left.every((o) => o.ret === undefined)) return true;
    return left.some((o) => {
      if (left.some((p) => p !== o && p.ret !== undefined && p.ret < o.call)) return false; // p must come first
      const after = stepRegister(state.get(o.key) ?? null, o);
      return (
        after !== undefined &&
        go(
          left.filter((p) => p !== o),
          new Map(state).set(o.key, after),
        )
      );
    });
  };
  return go(h, new Map());
}

test("on small histories the search agrees with trying every order", () => {
  const op = fc.record({
    client: fc.nat(2),
    key: fc.constantFrom("x", "y"),
    kind: fc.constantFrom<Kind>("read", "write", "cas"),
    value: fc.option(fc.nat(2), { nil: null }),
    expect: fc.nat(2),
    call: fc.nat(12),
    length: fc.nat(6),
    ok: fc.option(fc.boolean(), { nil: undefined }),
    returns: fc.nat(5),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 7 }), (raw) => {
      const h: Operation[] = raw.map((o, id) => {
        const base = { id, client: `c${o.client}`, key: o.key, call: o.call, ...(o.returns > 0 ? { ret: o.call + o.length } : {}) };
        if (o.kind === "read") return { ...base, kind: "read", ...(o.returns > 0 ? { value: o.value } : {}) };
        if (o.kind === "write") return { ...base, kind: "write", value: o.value };
        return { ...base, kind: "cas", expect: o.expect, value: o.value ?? 0, ...(o.returns > 0 && o.ok !== undefined ? { ok: o.ok } : {}) };
      });
      assert.equal(checkLinearizable(h, { explain: false }).valid, bruteForce(h));
    }),
    { numRuns: 1000 },
  );
});

test("a history from an atomic store keeps every session guarantee, and no read is stale", () => {
  fc.assert(
    fc.property(fc.array(request(["read", "write"], ["x", "y"], true), { maxLength: 40 }), (qs) => {
      const h = atomicHistory(qs, true);
      const res = checkSessionGuarantees(h, { maxStalenessVersions: 0, maxStalenessMs: 0 });
      assert.equal(res.valid, true, JSON.stringify(res.findings[0]));
    }),
    { numRuns: 200 },
  );
});
