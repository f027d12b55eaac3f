// The linearizability checker on histories small enough to read: Porcupine's own register examples,
// operations that never returned, the step budget, partitioning by key, each shape of explanation,
// the Jepsen and Knossos log readers, and the history diagram (it parses, and Mermaid reads back
// the tasks we drew).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { JSDOM } from "jsdom";
import { checkLinearizable, parseEtcdLog, parseKvLog, registerModel, searchLinearization, shrinkWitness, type Operation } from "../../../src/core/consistency";
import { historyGantt } from "../../../src/present/history";

let id = 0;
const w = (client: string, key: string, value: number | string | null, call: number, ret?: number): Operation => ({
  id: id++,
  client,
  key,
  kind: "write",
  value,
  call,
  ...(ret === undefined ? {} : { ret }),
});
const r = (client: string, key: string, value: number | string | null | undefined, call: number, ret?: number): Operation => ({
  id: id++,
  client,
  key,
  kind: "read",
  ...(value === undefined ? {} : { value }),
  call,
  ...(ret === undefined ? {} : { ret }),
});
const cas = (client: string, key: string, expect: number, value: number, ok: boolean | undefined, call: number, ret?: number): Operation => ({
  id: id++,
  client,
  key,
  kind: "cas",
  expect,
  value,
  ...(ok === undefined ? {} : { ok }),
  call,
  ...(ret === undefined ? {} : { ret }),
});

test("Porcupine's register examples: the 6.824 quiz histories (TestRegisterModel)", () => {
  // C0 put(100) over [0,100]; C1 get -> 100 over [25,75]; C2 get -> 0 over [30,60]: linearizable.
  const ok = [w("c0", "x", 100, 0, 100), r("c1", "x", 100, 25, 75), r("c2", "x", 0, 30, 60)];
  assert.equal(checkLinearizable(ok, { initial: 0 }).valid, true);
  // C1 reads 200 and returns before C2 begins and reads 0: not linearizable.
  const bad = [w("c0", "x", 200, 0, 100), r("c1", "x", 200, 10, 30), r("c2", "x", 0, 40, 90)];
  const res = checkLinearizable(bad, { initial: 0 });
  assert.equal(res.valid, false);
  assert.equal(res.findings[0]!.code, "not-linearizable");
  assert.match(res.findings[0]!.title, /later read of x went back to an older value/);
  assert.deepEqual([...res.findings[0]!.events!].sort(), [bad[1]!.id, bad[2]!.id].sort());
});

test("closed intervals: operations that touch at one instant overlap (TestZeroDuration)", () => {
  const ok = [w("c0", "x", 100, 0, 100), r("c1", "x", 100, 25, 75), r("c2", "x", 0, 30, 30), r("c3", "x", 0, 30, 30)];
  assert.equal(checkLinearizable(ok, { initial: 0 }).valid, true);
  const bad = [w("c0", "x", 200, 0, 100), r("c1", "x", 200, 10, 10), r("c2", "x", 200, 10, 10), r("c3", "x", 0, 40, 90)];
  assert.equal(checkLinearizable(bad, { initial: 0 }).valid, false);
  // a write returning at t=5 and a read called at t=5 may go either way
  assert.equal(checkLinearizable([w("a", "x", 1, 0, 5), r("b", "x", null, 5, 6)]).valid, true);
  assert.equal(checkLinearizable([w("a", "x", 1, 0, 5), r("b", "x", null, 6, 7)]).valid, false);
});

test("an operation that never returned may take effect at any time after its call, or never", () => {
  const pending = w("a", "x", 1, 0);
  assert.equal(checkLinearizable([pending, r("b", "x", null, 10, 11), r("c", "x", 1, 20, 21)]).valid, true);
  assert.equal(checkLinearizable([pending, r("b", "x", null, 10, 11)]).valid, true);
  // but not before its call
  assert.equal(checkLinearizable([w("a", "x", 1, 30), r("b", "x", 1, 10, 11)]).valid, false);
  // and once it is seen it stays (unless something else overwrites it)
  assert.equal(checkLinearizable([pending, r("b", "x", 1, 10, 11), r("c", "x", null, 20, 21)]).valid, false);
  // a read that timed out says nothing
  assert.equal(checkLinearizable([w("a", "x", 1, 0, 1), r("b", "x", undefined, 2, 3)]).valid, true);
});

test("compare-and-set: a swap needs the expected value, a failure needs another; an unknown outcome allows both", () => {
  assert.equal(checkLinearizable([w("a", "x", 1, 0, 1), cas("b", "x", 1, 2, true, 2, 3), r("c", "x", 2, 4, 5)]).valid, true);
  assert.equal(checkLinearizable([w("a", "x", 1, 0, 1), cas("b", "x", 3, 2, true, 2, 3)]).valid, false);
  assert.equal(checkLinearizable([w("a", "x", 1, 0, 1), cas("b", "x", 1, 2, false, 2, 3)]).valid, false);
  assert.equal(checkLinearizable([w("a", "x", 1, 0, 1), cas("b", "x", 1, 2, undefined, 2), r("c", "x", 1, 4, 5), r("c", "x", 2, 6, 7)]).valid, true);
});

test("keys are checked apart, and the verdict names the key that fails", () => {
  const h = [w("a", "x", 1, 0, 1), r("b", "x", 1, 2, 3), w("a", "y", 1, 0, 1), r("b", "y", null, 2, 3)];
  const res = checkLinearizable(h);
  assert.equal(res.valid, false);
  assert.deepEqual(
    res.partitions.map((p) => [p.key, p.valid]),
    [
      ["x", true],
      ["y", false],
    ],
  );
  assert.match(res.summary, /operations on y cannot be put in any order/);
  assert.deepEqual(res.partitions[0]!.linearization, [h[0]!.id, h[1]!.id]);
  const whole = checkLinearizable(h, { partition: false });
  assert.equal(whole.valid, false);
  assert.deepEqual(
    whole.partitions.map((p) => p.key),
    ["*"],
  );
});

test('a step budget turns a search that runs too long into "unknown", with a warning', () => {
  const h: Operation[] = [];
  for (let c = 0; c < 12; c++) h.push(w(`c${c}`, "x", c, 0)); // twelve writes that never returned
  h.push(r("z", "x", 99, 1, 2));
  const res = checkLinearizable(h, { maxSteps: 500 });
  assert.equal(res.valid, "unknown");
  assert.equal(res.findings[0]!.code, "linearizability-unknown");
  assert.equal(res.findings[0]!.severity, "warning");
  assert.ok(res.steps <= 500);
});

test("explanations: a value nobody wrote, a value read before its write began", () => {
  const never = checkLinearizable([w("a", "x", 1, 0, 1), r("b", "x", 7, 2, 3)]).findings[0]!;
  assert.equal(never.title, "Not linearizable: read of x returned a value nobody wrote");
  assert.equal(never.explanation, "b's read x → 7 (t=2–3) returned 7, but no operation wrote 7 to x.");
  const early = checkLinearizable([r("b", "x", 3, 1, 2), w("a", "x", 3, 4, 5)]).findings[0]!;
  assert.equal(early.title, "Not linearizable: read of x saw a write before it began");
  assert.match(early.explanation, /the only write of 3 \(a's write x = 3 \(t=4–5\)\) began after the read had returned/);
});

test("explanations: a stale read names the write it read and the write that replaced it", () => {
  const h = [w("c1", "x", 1, 0, 1), w("c2", "x", 2, 2, 3), r("c3", "x", 1, 5, 6)];
  const f = checkLinearizable(h).findings[0]!;
  assert.equal(f.title, "Not linearizable: stale read of x");
  assert.equal(
    f.explanation,
    "c3's read x → 1 (t=5–6) returned 1, a value x no longer held: the only write of 1 that could have reached it, c1's write x = 1 (t=0–1), was overwritten by c2's write x = 2 (t=2–3), which completed before the read began. No write of 1 could have taken effect after that, so no order lets the read return 1.",
  );
  assert.deepEqual(f.events, [h[2]!.id, h[0]!.id, h[1]!.id]);
  // the initial value is stale too once a write has completed
  const g = checkLinearizable([w("c1", "x", 5, 0, 1), r("c2", "x", null, 2, 3)]).findings[0]!;
  assert.match(g.explanation, /x held nothing only before it was first written, and c1's write x = 5 \(t=0–1\) wrote it/);
});

test("explanations: the smallest witness is found among many reads, and it cannot be ordered on its own", () => {
  const h: Operation[] = [w("w", "x", 1, 0, 1)];
  for (let i = 0; i < 20; i++) h.push(r(`r${i}`, "x", 1, 2 + i * 2, 3 + i * 2));
  h.push(w("w", "x", 2, 50, 51));
  for (let i = 0; i < 20; i++) h.push(r(`s${i}`, "x", 2, 52 + i * 2, 53 + i * 2));
  const stale = r("late", "x", 1, 100, 101);
  h.push(stale);
  const core = shrinkWitness(h, registerModel());
  assert.deepEqual(
    core.filter((o) => o.kind === "read").map((o) => o.id),
    [stale.id],
  );
  assert.equal(searchLinearization(core, registerModel()).valid, false);
  const f = checkLinearizable(h).findings[0]!;
  assert.match(f.title, /stale read of x/);
  assert.ok(f.events!.includes(stale.id));
});

test("explanations: what no classic shape covers is told from the search", () => {
  // appends: the read misses an append that completed before it began
  const h: Operation[] = [
    { id: 1, client: "p0", key: "k", kind: "append", value: "a", call: 0, ret: 1 },
    { id: 2, client: "p0", key: "k", kind: "append", value: "b", call: 2, ret: 3 },
    { id: 3, client: "p0", key: "k", kind: "read", value: "a", call: 4, ret: 5 },
  ];
  const f = checkLinearizable(h, { initial: "" }).findings[0]!;
  assert.equal(f.title, "Not linearizable: no order of the operations on k fits");
  assert.match(f.explanation, /leaves k holding "ab"\. Then p0's read k → "a" \(t=4–5\) cannot take effect, since it returned "a", not "ab"/);
  assert.deepEqual(f.events, [3]);
});

test("malformed histories are refused", () => {
  assert.throws(() => checkLinearizable([w("a", "x", 1, 5, 4)]), /returns \(t=4\) before it is called/);
  const one = w("a", "x", 1, 0, 1);
  assert.throws(() => checkLinearizable([one, one]), /appears twice/);
});

test("Jepsen's etcd log: calls pair with returns by process; timeouts never return; a failed read returns nothing known", () => {
  const log = [
    "INFO  jepsen.util - 0\t:invoke\t:write\t3",
    "INFO  jepsen.util - 1\t:invoke\t:read\tnil",
    "INFO  jepsen.util - 1\t:ok\t:read\tnil",
    "INFO  jepsen.util - 0\t:ok\t:write\t3",
    "INFO  jepsen.util - 2   :invoke :cas    [3 4]",
    "INFO  jepsen.util - 3\t:invoke\t:read\tnil",
    "INFO  jepsen.util - 2   :info   :cas    :timed-out",
    "INFO  jepsen.util - 3\t:fail\t:read\t:timed-out",
    "INFO  jepsen.util - 4\t:invoke\t:cas\t[1 2]",
    "INFO  jepsen.util - 4\t:fail\t:cas\t[1 2]",
    "not an operation",
  ].join("\n");
  const { operations, initial, skipped } = parseEtcdLog(log);
  assert.equal(initial, null);
  assert.equal(skipped, 1);
  assert.deepEqual(operations, [
    { id: 0, client: "p0", call: 0, key: "r", kind: "write", ret: 3, value: 3 },
    { id: 1, client: "p1", call: 1, key: "r", kind: "read", ret: 2, value: null },
    { id: 2, client: "p2", call: 4, key: "r", kind: "cas", expect: 3, value: 4 },
    { id: 3, client: "p3", call: 5, key: "r", kind: "read", ret: 6 },
    { id: 4, client: "p4", call: 7, key: "r", kind: "cas", ret: 8, expect: 1, value: 2, ok: false },
  ]);
});

test("Knossos's key-value log: get, put and append on string values", () => {
  const log = [
    '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}',
    '{:process 1, :type :invoke, :f :get, :key "0", :value nil}',
    '{:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y"}',
    '{:process 1, :type :ok, :f :get, :key "0", :value "x 0 0 y"}',
    '{:process 2, :type :invoke, :f :put, :key "3", :value "z"}',
  ].join("\n");
  const { operations, initial } = parseKvLog(log);
  assert.equal(initial, "");
  assert.deepEqual(operations, [
    { id: 0, client: "p0", call: 0, key: "0", kind: "append", ret: 2, value: "x 0 0 y" },
    { id: 1, client: "p1", call: 1, key: "0", kind: "read", ret: 3, value: "x 0 0 y" },
    { id: 2, client: "p2", call: 4, key: "3", kind: "write", value: "z" },
  ]);
});

// ---- The history diagram ----

let mermaid: typeof import("mermaid").default;
before(async () => {
  const dom = new JSDOM("");
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  mermaid = (await import("mermaid")).default;
});

interface GanttTask {
  id: string;
  task: string;
  section: string;
  startTime: Date;
  endTime: Date;
  crit?: boolean;
  active?: boolean;
  milestone?: boolean;
}

async function tasks(text: string): Promise<GanttTask[]> {
  await mermaid.parse(text);
  const api = (mermaid as unknown as { mermaidAPI: { getDiagramFromText(t: string): Promise<{ db: { getTasks(): GanttTask[] } }> } }).mermaidAPI;
  return (await api.getDiagramFromText(text)).db.getTasks();
}

test("history diagram: one section per client, one bar per operation, the blamed ones marked", async () => {
  const h = [w("c1", "x", 1, 0, 10), w("c2", "x", 2, 20, 30), r("c3", "x", 1, 50, 60), w("c2", "x", 3, 40)];
  const res = checkLinearizable(h);
  const { text, omitted } = historyGantt(h, { title: "x", marked: res.findings[0]!.events!, order: res.partitions[0]!.linearization });
  assert.equal(omitted, 0);
  const got = await tasks(text);
  assert.deepEqual(
    got.map((t) => [t.section, t.task.trim(), t.startTime.valueOf(), t.endTime.valueOf(), Boolean(t.crit), Boolean(t.active)]),
    [
      ["c1", "write x = 1 [1]", 0, 10, true, false],
      ["c2", "write x = 2 [2]", 20, 30, true, false],
      ["c2", "write x = 3 (no reply) [3]", 40, 63, false, true],
      ["c3", "read x → 1", 50, 60, true, false],
    ],
  );
});

test("history diagram: hostile names stay text, zero-length operations are milestones, long histories keep the marked part", async () => {
  const evil = 'x"); click a call alert() #; end\nsection y:';
  const h: Operation[] = [w("end", evil, "a:b", 5, 5)];
  for (let i = 0; i < 100; i++) h.push(r(`c${i % 3}`, "k", null, 10 + i * 10, 15 + i * 10));
  const marked = h[80]!;
  const { text, omitted } = historyGantt(h, { marked: [marked.id], maxOperations: 10 });
  assert.equal(omitted, 91);
  const got = await tasks(text);
  assert.equal(got.length, 10);
  assert.ok(got.some((t) => t.crit && t.startTime.valueOf() === marked.call));
  assert.match(text, /title 91 more operations not shown/);
  const small = historyGantt(h.slice(0, 2)).text;
  const two = await tasks(small);
  assert.equal(two[0]!.section.trim(), "end");
  assert.ok(two[0]!.milestone);
  assert.equal(small.split("\n").filter((l) => /^\s*section /.test(l)).length, 2);
  assert.ok(!small.includes("click a call") || small.includes("#quot;)#59; click"));
});
