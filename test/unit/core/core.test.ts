import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createRng, normalizeSeed } from "../../../src/core/rng";
import { EventQueue } from "../../../src/core/clock";
import { lineColAt } from "../../../src/core/errors";
import { verdictFrom } from "../../../src/core/verdict";

test("the same seed gives the same sequence; different seeds differ", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
      const a = createRng(seed);
      const b = createRng(seed);
      const xs = Array.from({ length: 20 }, () => a.float());
      assert.deepEqual(
        xs,
        Array.from({ length: 20 }, () => b.float()),
      );
      assert.ok(xs.every((x) => x >= 0 && x < 1));
    }),
    { numRuns: 200 },
  );
  assert.notDeepEqual([createRng(1).float(), createRng(1).float()], [createRng(2).float(), createRng(2).float()]);
});

test("int, pick, shuffle and fork stay in range and are reproducible", () => {
  const r = createRng(7);
  for (let i = 0; i < 1000; i++) {
    const v = r.int(3, 5);
    assert.ok(v >= 3 && v <= 5 && Number.isInteger(v));
  }
  assert.deepEqual(createRng(9).shuffle([1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
  assert.deepEqual(createRng(9).shuffle([1, 2, 3, 4, 5]), createRng(9).shuffle([1, 2, 3, 4, 5]));
  assert.equal(createRng(3).fork().float(), createRng(3).fork().float());
  assert.throws(() => r.pick([]), /empty/);
  assert.equal(r.chance(0), false);
  assert.equal(r.chance(1), true);
});

test("seeds are normalised to unsigned 32-bit integers", () => {
  assert.equal(normalizeSeed(-5), 5);
  assert.equal(normalizeSeed(2 ** 32 + 3), 3);
  assert.equal(normalizeSeed(Number.NaN), 0);
  assert.equal(createRng(4.7).seed, 4);
});

test("the event queue orders by time, then by scheduling order, and advances the clock", () => {
  const q = new EventQueue<string>();
  q.schedule(10, "b");
  q.schedule(5, "a");
  q.schedule(10, "c");
  q.schedule(0, "first");
  const order: [string, number][] = [];
  for (let e = q.pop(); e; e = q.pop()) {
    order.push([e.payload, q.nowMs]);
    if (e.payload === "a") q.schedule(5, "a+5"); // same instant as b and c, scheduled later
  }
  assert.deepEqual(order, [
    ["first", 0],
    ["a", 5],
    ["b", 10],
    ["c", 10],
    ["a+5", 10],
  ]);
  assert.throws(() => q.scheduleAt(1, "past"), /past/);
  assert.throws(() => q.schedule(-1, "neg"), /non-negative/);
});

test("property: the event queue pops every event in (time, seq) order", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (delays) => {
      const q = new EventQueue<number>();
      delays.forEach((d, i) => q.schedule(d, i));
      const out: [number, number][] = [];
      for (let e = q.pop(); e; e = q.pop()) out.push([e.atMs, e.seq]);
      const sorted = [...out].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      assert.deepEqual(out, sorted);
      assert.equal(out.length, delays.length);
    }),
  );
});

test("line and column of an offset, with CRLF", () => {
  assert.deepEqual(lineColAt("ab\r\ncd\nef", 5), { line: 2, column: 2 });
  assert.deepEqual(lineColAt("ab\r\ncd\nef", 7), { line: 3, column: 1 });
});

test("a verdict is valid only without error findings", () => {
  assert.equal(verdictFrom([{ severity: "warning", code: "w", title: "t", explanation: "e" }], "fine").valid, true);
  const bad = verdictFrom([{ severity: "error", code: "x", title: "t", explanation: "e" }], "fine");
  assert.equal(bad.valid, false);
  assert.equal(bad.summary, "1 problem found.");
});
