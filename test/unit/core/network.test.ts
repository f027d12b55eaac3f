import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../../src/core/rng";
import { World, type Message } from "../../../src/core/network";

const NET = { minDelayMs: 10, maxDelayMs: 10, loss: 0, duplicate: 0, reorder: false };

/** Two nodes: p answers every "ping" with a "pong" and keeps what it received and when. */
function pair() {
  const w = new World<string, string>(createRng(1), NET);
  const got: { at: number; body: string }[] = [];
  const resumed: number[] = [];
  w.add({
    name: "p",
    onMessage: (m: Message<string>) => {
      got.push({ at: w.nowMs, body: m.body });
      if (m.body === "ping") w.send("p", "q", "reply", "pong", "pong");
    },
    onTimer: (tag) => got.push({ at: w.nowMs, body: `timer ${tag}` }),
    onResume: () => resumed.push(w.nowMs),
  });
  w.add({ name: "q", onMessage: () => undefined });
  return { w, got, resumed };
}

test("a paused node keeps its state, sends nothing, and handles what came due while paused, in order, as it resumes", () => {
  const { w, got, resumed } = pair();
  w.send("q", "p", "call", "ping", "ping");
  w.timer("p", 5, "t5");
  w.pause("p", 100, "GC pause");
  assert.ok(w.isPaused("p") && w.isUp("p"));
  assert.equal(w.send("p", "q", "async", "hello", "hello"), 0, "a paused node sends nothing");
  w.run(1000);
  assert.deepEqual(resumed, [100]);
  assert.deepEqual(got, [
    { at: 100, body: "timer t5" },
    { at: 100, body: "ping" },
  ]);
  const kinds = w.trace.toArray().map((e) => `${e.atMs} ${e.actor} ${e.kind}`);
  assert.deepEqual(kinds, ["0 q send", "0 p pause", "100 p resume", "100 p receive", "100 p send", "110 q receive"]);
  assert.equal(w.downtimeMs("p"), 0, "a pause is not downtime");
});

test("messages a paused node sent before its pause still arrive; a crash while paused loses what waited for it", () => {
  const { w } = pair();
  w.add({ name: "r", onMessage: () => undefined });
  w.send("p", "r", "async", "before", "before");
  w.pause("p", 100, "GC pause");
  w.send("q", "p", "call", "ping", "ping");
  w.crashAt(50, "p", 10, "killed");
  w.run(1000);
  const kinds = w.trace.toArray().map((e) => `${e.atMs} ${e.actor} ${e.kind}${e.peer ? ` ${e.peer}` : ""}`);
  assert.deepEqual(kinds, ["0 p send r", "0 p pause", "0 q send p", "10 r receive p", "50 p crash", "50 q drop p", "60 p recover"]);
  assert.ok(!w.isPaused("p"));
});

test("a message its receiver can no longer get (discard) is drawn as a drop with the reason, not handled, and not counted as lost", () => {
  const { w, got } = pair();
  w.discard = (m) => (m.body === "stale" ? "lost: the connection was closed" : undefined);
  w.send("q", "p", "call", "stale", "stale");
  w.send("q", "p", "call", "fresh", "fresh");
  w.run(1000);
  assert.deepEqual(got, [{ at: 10, body: "fresh" }]);
  const drops = w.trace.toArray().filter((e) => e.kind === "drop");
  assert.deepEqual(
    drops.map((e) => `${e.atMs} ${e.actor} → ${e.peer}: ${e.text}`),
    ["10 q → p: stale (lost: the connection was closed)"],
  );
  assert.equal(w.messagesLost, 0);
});
