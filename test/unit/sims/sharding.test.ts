// Sharding against theory. Keys are "key-0"… hashed with MurmurHash3, so every figure below is
// fixed (no randomness); the tolerances say how far a fair hash may land from the expectation, so
// a regression in the hash or a strategy shows, while the statistics of a fair hash do not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { JSDOM } from "jsdom";
import { jumpHash, ring } from "../../../src/sims/sharding/model/strategies";
import { hashKeys } from "../../../src/sims/sharding/model/keys";
import { simulate } from "../../../src/sims/sharding/model";
import { resolve, schema, type Options } from "../../../src/sims/sharding/scenario";
import { loadScenario } from "../../../src/scenario/load";
import { createRng } from "../../../src/core/rng";
import { runCell } from "../../../src/engine/pipeline";
import type { RunOutput, StateTable } from "../../../src/protocol/output";
import { snapshots } from "../../../src/present/timeline";
import { assertGolden } from "../../support/golden";

function run(source: string, seed = 1): RunOutput {
  const r = runCell({ simulator: "sharding", source, seed });
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}

type Row = { strategy: string; step: string; moved: number; needless: number; maxOverFair: number; spread: number };
function rows(o: RunOutput): Row[] {
  return o.tables[0]!.rows.map((r) => ({
    strategy: r[0] as string,
    step: r[1] as string,
    moved: r[3] as number,
    needless: r[6] as number,
    maxOverFair: r[7] as number,
    spread: r[8] as number,
  }));
}

const J = (k: bigint, n: number) => jumpHash(Number(k >> 32n), Number(k & 0xffffffffn), n);

/** Lamping and Veach's algorithm with exact 64-bit arithmetic, written independently with BigInt. */
function jumpReference(key: bigint, buckets: number): number {
  let b = -1n;
  let j = 0n;
  let k = key;
  while (j < BigInt(buckets)) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & 0xffffffffffffffffn;
    j = BigInt(Math.floor(Number(b + 1n) * (2147483648 / Number((k >> 33n) + 1n))));
  }
  return Number(b);
}

test("jump hash matches the published vectors and a BigInt reference", () => {
  const vectors: [bigint, number, number][] = [
    [1n, 1, 0],
    [42n, 57, 43],
    [0xdead10ccn, 1, 0],
    [0xdead10ccn, 666, 361],
    [256n, 1024, 520],
    [1n, 128, 55],
    [129n, 128, 120],
    [128n, 100000000, 38172097],
    [0xffffffffffffffffn, 128, 92],
    [4n, 2, 1],
    [7n, 2, 0],
  ];
  for (const [k, n, want] of vectors) assert.equal(J(k, n), want, `jump(${k}, ${n})`);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), fc.integer({ min: 1, max: 5000 }), (k, n) => J(k, n) === jumpReference(k, n)),
    { numRuns: 500 },
  );
});

test("growing N → N+1: mod N moves about N/(N+1) of the keys, the others about 1/(N+1), and only towards the new node", () => {
  // 20,000 keys: a fair hash's moved fraction has a standard deviation of at most 0.0035, so ±0.015
  // (over 4 deviations) is loose for a correct strategy and tight enough to catch a wrong one.
  const o = run("keys: 20000\nnodes: 10\nrequests: 0\ncompare: [mod, ring, rendezvous, jump]\nvirtualNodes: 200\nchanges:\n  - action: add\n    node: n10\n");
  const moved = Object.fromEntries(
    rows(o)
      .filter((r) => r.step === "add n10")
      .map((r) => [r.strategy, r]),
  );
  assert.ok(Math.abs(moved.mod!.moved / 20000 - 10 / 11) < 0.015, `mod ${moved.mod!.moved}`);
  // Jump and rendezvous hand over an exactly fair share in expectation: binomial noise only.
  assert.ok(Math.abs(moved.jump!.moved / 20000 - 1 / 11) < 0.015, `jump ${moved.jump!.moved}`);
  assert.ok(Math.abs(moved.rendezvous!.moved / 20000 - 1 / 11) < 0.015, `rendezvous ${moved.rendezvous!.moved}`);
  // The ring hands over the arcs its 200 new points cut: their total length varies by about
  // 1/sqrt(200) ≈ 7% relative, so allow 25% around 1/11.
  assert.ok(Math.abs(moved.ring!.moved / 20000 - 1 / 11) < 0.25 / 11, `ring ${moved.ring!.moved}`);
  for (const s of ["ring", "rendezvous", "jump"]) assert.equal(moved[s]!.needless, 0, `${s} moves no key between surviving nodes`);
  assert.ok(moved.mod!.needless > 15000);
});

test("jump hash is balanced up to binomial noise; removing a middle node is flagged", () => {
  // 100,000 keys on 10 buckets: 10,000 expected per bucket, standard deviation 95: within 4%.
  const o = run("strategy: jump\nkeys: 100000\nnodes: 10\nrequests: 0\n");
  assert.ok(rows(o)[0]!.maxOverFair < 1.04, String(rows(o)[0]!.maxOverFair));
  const middle = run("strategy: jump\nkeys: 5000\nnodes: 6\nrequests: 0\nchanges:\n  - action: remove\n    node: n2\n");
  assert.ok(middle.verdict.findings.some((f) => f.code === "needless-moves" && /renumbers every node after it/.test(f.explanation)));
  const last = run("strategy: jump\nkeys: 5000\nnodes: 6\nrequests: 0\nchanges:\n  - action: remove\n    node: n5\n");
  assert.equal(last.verdict.valid, true);
});

test("more virtual nodes shrink the ring's load spread roughly as 1/sqrt(V)", () => {
  const keys = hashKeys(100_000);
  const nodes = Array.from({ length: 16 }, (_, i) => ({ name: `n${i}`, weight: 1 }));
  const spreads = [4, 16, 64, 256].map((v) => {
    const r = ring(nodes, v);
    const counts = new Array(16).fill(0);
    for (let i = 0; i < keys.h.length; i++) counts[r.owner(keys.h[i]!, 0)]++;
    const fair = keys.h.length / 16;
    return Math.sqrt(counts.reduce((s, c) => s + (c / fair - 1) ** 2, 0) / 16);
  });
  for (let i = 1; i < spreads.length; i++) assert.ok(spreads[i]! < spreads[i - 1]!, `spread falls: ${spreads.join(", ")}`);
  // Quadrupling V should halve the spread; a factor within [1.4, 2.9] per quadrupling allows the
  // noise of 16 nodes while rejecting "no effect" (1) and "linear" (4).
  for (let i = 1; i < spreads.length; i++) {
    const ratio = spreads[i - 1]! / spreads[i]!;
    assert.ok(ratio > 1.4 && ratio < 2.9, `ratio ${ratio} at step ${i}: ${spreads.join(", ")}`);
  }
});

test("bounded loads never put more than ceil((1+ε)·average) keys on a node, before or after changes", () => {
  for (const eps of [0.05, 0.1, 0.5]) {
    const src = `strategy: bounded\nkeys: 9000\nnodes: 6\nvirtualNodes: 4\nepsilon: ${eps}\nrequests: 0\nchanges:\n  - action: add\n    node: n6\n  - action: remove\n    node: n1\n`;
    const options = loadScenario<Options>(src, schema).value!;
    const resolved = resolve(options, { at: () => undefined, fail: (_path, message) => assert.fail(message) });
    const result = simulate(resolved, createRng(1), () => {});
    for (const step of result.runs[0]!.steps) {
      const cap = Math.ceil(((1 + eps) * 9000) / step.nodes.length);
      assert.ok(Math.max(...step.keyCounts) <= cap, `ε=${eps} ${step.label}: ${Math.max(...step.keyCounts)} > ${cap}`);
    }
  }
  // The plain ring with 4 virtual nodes goes well past the bound.
  assert.ok(rows(run("strategy: ring\nkeys: 9000\nnodes: 6\nvirtualNodes: 4\nrequests: 0\n"))[0]!.maxOverFair > 1.1);
});

test("replicas: naive next ring points can land twice on one machine; distinct nodes never do", () => {
  const naive = run("strategy: ring\nkeys: 5000\nnodes: 5\nvirtualNodes: 10\nreplicas: 3\nreplicaPlacement: next-points\nrequests: 0\n");
  assert.ok((naive.metrics.duplicateReplicaSets as number) > 0);
  assert.ok(naive.verdict.findings.some((f) => f.code === "duplicate-replicas"));
  const distinct = run("strategy: ring\nkeys: 5000\nnodes: 5\nvirtualNodes: 10\nreplicas: 3\nrequests: 0\n");
  assert.equal(distinct.metrics.duplicateReplicaSets, 0);
});

test("a celebrity-heavy Zipf workload makes a hot node even when keys are balanced", () => {
  const o = run("strategy: jump\nkeys: 2000\nnodes: 8\npopularity: zipf\nzipfAlpha: 1.2\nrequests: 50000\n");
  assert.ok(o.verdict.findings.some((f) => f.code === "hot-node"));
  assert.ok(!o.verdict.findings.some((f) => f.code === "overloaded-node"));
  // The diagram shows the most requested keys, hottest first, each sent to its owner.
  const hottest = o.diagrams.find((d) => d.id === "hottest")!.mermaid;
  const keys = [...hottest.matchAll(/: (key-\d+)#58; (\d+) requests/g)].map((m) => [m[1], Number(m[2])] as const);
  assert.equal(keys[0]![0], "key-0");
  assert.deepEqual(
    keys.map(([, n]) => n),
    keys.map(([, n]) => n).sort((a, b) => b - a),
  );
  assert.match(hottest, /busiest node#58; n\d/);
});

test("range sharding: sequential keys pile every recent write onto one node; hashed ranges spread them", () => {
  const seq = run("strategy: range\nkeys: 20000\nnodes: 4\nkeyPattern: sequential\nsplitKeys: 1000\nrequests: 0\n");
  assert.ok((seq.metrics.maxRecentWriteShare as number) > 0.95, String(seq.metrics.maxRecentWriteShare));
  assert.ok(seq.verdict.findings.some((f) => f.code === "hot-range" && /sort after every existing key/.test(f.explanation)));
  // The range map runs in key order and marks the last range, where every new key arrives.
  const map = seq.diagrams.find((d) => d.id === "ranges")!;
  const ranges = Number(/^(\d+) ranges/.exec(map.title)![1]);
  assert.ok(ranges >= 20000 / 1000, `at least keys/splitKeys ranges: ${ranges}`);
  assert.match(map.mermaid, new RegExp(`r${ranges - 1}\\["t-0000019\\d+ to t-0000019999<br/>n\\d, \\d+ keys"\\]`));
  assert.match(map.mermaid, new RegExp(`r${ranges - 1}:::hot`));
  const hashed = run("strategy: range\nkeys: 20000\nnodes: 4\nkeyPattern: hashed\nsplitKeys: 1000\nrequests: 0\n");
  assert.ok((hashed.metrics.maxRecentWriteShare as number) < 0.4, String(hashed.metrics.maxRecentWriteShare));
  // Splits keep every range at or under splitKeys, so keys stay within a range's worth of balance.
  assert.ok((hashed.metrics.maxOverFair as number) < 1 + 1000 / 5000 + 0.01);
});

test("range sharding and the directory hand over whole ranges or keys: about 1/(N+1) moves, none needlessly", () => {
  for (const strategy of ["range", "directory"]) {
    const o = run(
      `strategy: ${strategy}\nkeys: 20000\nnodes: 4\nsplitKeys: 500\nrequests: 0\nchanges:\n  - action: add\n    node: n4\n  - action: remove\n    node: n1\n`,
    );
    const [, add, remove] = rows(o);
    // Whole ranges of at most 500 keys: the balancer gets within one range of the fair 20%.
    assert.ok(Math.abs(add!.moved / 20000 - 0.2) <= 500 / 20000 + 0.001, `${strategy} add ${add!.moved}`);
    assert.equal(add!.needless, 0);
    assert.equal(remove!.needless, 0);
    assert.ok(add!.maxOverFair < 1.1, `${strategy} balanced after the hand-over: ${add!.maxOverFair}`);
  }
  const moved = run("strategy: directory\nkeys: 100\nnodes: 3\nrequests: 0\nchanges:\n  - action: move\n    key: key-7\n    node: n0\n");
  assert.ok(rows(moved)[1]!.moved <= 1);
  const noTable = runCell({ simulator: "sharding", source: "strategy: ring\nchanges:\n  - action: move\n    key: key-1\n    node: n0\n" });
  assert.match((noTable as { error: { message: string } }).error.message, /move changes only apply to the directory strategy/);
});

test("salting a celebrity key spreads its load over several nodes, and reads must fan in", () => {
  const plain = run("strategy: ring\nkeys: 10000\nnodes: 8\npopularity: celebrity\ncelebrityShare: 0.4\nrequests: 100000\n");
  const salted = run("strategy: ring\nkeys: 10000\nnodes: 8\npopularity: celebrity\ncelebrityShare: 0.4\nsaltBuckets: 8\nrequests: 100000\n");
  assert.ok((plain.metrics.maxOverAvgRequests as number) > 3, String(plain.metrics.maxOverAvgRequests));
  assert.ok((salted.metrics.maxOverAvgRequests as number) < 2, String(salted.metrics.maxOverAvgRequests));
  assert.ok((salted.metrics.celebrityNodes as number) >= 4);
  assert.ok(salted.verdict.findings.some((f) => f.code === "salted-key" && /fan-in/.test(f.explanation)));
  assert.ok(plain.verdict.findings.some((f) => f.code === "hot-node"));
});

test("weights: a node of weight 2 gets about twice the keys on the ring and with rendezvous", () => {
  const o = run(
    "compare: [ring, rendezvous]\nkeys: 30000\nnodes: 4\nvirtualNodes: 200\nrequests: 0\nchanges:\n  - action: weight\n    node: n0\n    weight: 2\n",
  );
  const perNode = (strategy: string) => rows(o).filter((r) => r.strategy === strategy);
  for (const s of ["ring", "rendezvous"]) {
    const [start, weighted] = perNode(s);
    // Fair share of n0 goes from 1/4 to 2/5 of the keys; every node stays within 15% of its weighted share.
    assert.ok(weighted!.maxOverFair < 1.15, `${s}: ${weighted!.maxOverFair}`);
    assert.ok(weighted!.moved / 30000 > 0.1 && weighted!.moved / 30000 < 0.2, `${s} moved ${weighted!.moved} (theory 15%)`);
    assert.equal(weighted!.needless, 0, `${s}: only keys moving to n0`);
    assert.ok(start!.maxOverFair < 1.15);
  }
  assert.deepEqual(
    o.tables[0]!.rows.map((r) => r[9]),
    [0, perNode("ring")[1]!.moved, 0, perNode("rendezvous")[1]!.moved],
    "moved so far accumulates per strategy",
  );
});

test("bad changes are scenario errors that say what is wrong", () => {
  const r = runCell({ simulator: "sharding", source: "nodes: 3\nchanges:\n  - action: remove\n    node: n7\n" });
  assert.match((r as { error: { message: string } }).error.message, /Change 1 \(remove n7\): there is no node n7; the live nodes are n0, n1, n2/);
  const bad = runCell({ simulator: "sharding", source: "changes:\n  - action: add\n    node: '\"); click'\n" });
  assert.match((bad as { error: { message: string } }).error.message, /node names may use letters/);
  // Each problem is found before the run and shown on the value it is about.
  const at = (source: string) => {
    const r = runCell({ simulator: "sharding", source });
    assert.equal(r.ok, false, source);
    return r.ok ? "" : r.error.message.replace(/: .*/s, "");
  };
  assert.equal(at("changes:\n  - action: add\n    node: '\"); click'\n"), "Line 3, column 11");
  assert.equal(at("nodes: 3\nchanges:\n  - action: add\n    node: n3\n  - action: remove\n    node: n9\n"), "Line 6, column 11");
  assert.equal(at("strategy: ring\nchanges:\n  - action: move\n    key: key-1\n    node: n1\n"), "Line 3, column 13");
  assert.equal(at("strategy: directory\nkeys: 10\nchanges:\n  - action: move\n    key: key-10\n    node: n1\n"), "Line 5, column 10");
  assert.equal(at("strategy: range\nkeys: 300000\n"), "Line 2, column 7");
  const moved = run("strategy: directory\nkeys: 10\nchanges:\n  - action: move\n    key: key-9\n    node: n1\n");
  assert.equal(rows(moved)[1]!.moved, 1);
});

test("property: the same scenario and seed give the same output", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom("mod", "ring", "rendezvous", "jump", "bounded", "range", "directory"),
      (seed, strategy) => {
        const src = `strategy: ${strategy}\nkeys: 300\nnodes: 3\npopularity: zipf\nrequests: 500\nchanges:\n  - action: add\n    node: n3\n`;
        assert.equal(JSON.stringify(run(src, seed)), JSON.stringify(run(src, seed)));
      },
    ),
    { numRuns: 40 },
  );
});

test("golden diagrams, and every diagram parses with Mermaid", async () => {
  // Mermaid's pie parser sanitises labels with DOMPurify, which needs a window.
  const dom = new JSDOM("");
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  const { default: mermaid } = await import("mermaid");
  const golden = join(import.meta.dirname, "golden", "sharding");
  const o = run("keys: 40\nnodes: 3\nvirtualNodes: 8\nrequests: 0\nchanges:\n  - action: add\n    node: n3\n");
  for (const d of o.diagrams) {
    await mermaid.parse(d.mermaid);
    const file = join(golden, `${d.id}.mmd`);
    assertGolden(file, d.mermaid);
  }
  assert.deepEqual(
    o.diagrams.map((d) => d.id),
    ["ring", "rebalance"],
  );
  // The other diagrams a run can draw parse too (node names are validated, so they cannot inject).
  const more = [
    run("strategy: range\nkeys: 3000\nnodes: 3\nkeyPattern: sequential\nsplitKeys: 100\nrequests: 0\nchanges:\n  - action: add\n    node: new.node-1\n"),
    run("strategy: jump\nkeys: 200\nnodes: 4\npopularity: celebrity\nsaltBuckets: 4\nrequests: 1000\n"),
  ].flatMap((x) => x.diagrams);
  assert.deepEqual(
    more.map((d) => d.id),
    ["ranges", "rebalance", "hottest"],
  );
  for (const d of more) await mermaid.parse(d.mermaid);
  // The range map (both ends of a long list with a gap between, the end taking new keys marked), the
  // hottest keys and a ring pie of one virtual node each, against files drawn before the escaped
  // builders of src/present/mermaid.ts drew them.
  const drawn = {
    "ranges-sequential": more[0]!,
    "ranges-hashed": run("strategy: range\nkeys: 3000\nnodes: 3\nsplitKeys: 400\nrequests: 0\n").diagrams.find((d) => d.id === "ranges")!,
    hottest: more[2]!,
    "ring-one-virtual-node": run("strategy: ring\nkeys: 100\nnodes: 3\nvirtualNodes: 1\nrequests: 0\n").diagrams.find((d) => d.id === "ring")!,
  };
  for (const [name, d] of Object.entries(drawn)) {
    await mermaid.parse(d.mermaid);
    assertGolden(join(golden, `${name}.mmd`), d.mermaid);
  }
});

/** The drawn kinds of each step's lines, and the tables after each step. */
function stepped(o: RunOutput) {
  const tl = o.timeline!;
  const kinds = o.diagrams.find((d) => d.id === tl.diagramId)!.lineKinds!;
  return { tl, kinds, drawn: tl.steps.map((st) => kinds.slice(st.lines![0], st.lines![0] + st.lines![1])), states: snapshots(tl) };
}
const named = (state: readonly StateTable[], prefix: string) => state.find((t) => t.name.startsWith(prefix))!;

test("the rebalancing timeline: the change, each key it moves with the shard map counting along, then the client's route", () => {
  const o = run("strategy: mod\nkeys: 10000\nnodes: 4\nrequests: 0\nchanges:\n  - action: add\n    node: n4\n");
  const { tl, kinds, drawn, states } = stepped(o);
  assert.equal(tl.diagramId, "rebalance");
  assert.equal(tl.clock, "none", "a placement has no clock");
  assert.equal(drawn.join(""), kinds, "one step per drawn line, in order");
  assert.deepEqual(drawn, ["n", ...Array(12).fill("m"), "n", "m", "m"]);
  assert.match(tl.steps[0]!.text, /^add n4: 7935 of 10000 keys change owner/);
  const map = (i: number) => Object.fromEntries(named(states[i]!, "shard map").rows.map((r) => [r[0], r.slice(1)]));
  assert.deepEqual(map(0)["n4"], [0, 0, "joined"]);
  // key-0 moves from n3 to n1: n3 loses it, n1 gains it, and the why says hash mod 4 and mod 5.
  assert.match(tl.steps[1]!.text, /^key-0 moves from n3 to n1 \(needless/);
  assert.deepEqual([map(1)["n3"]![1], map(1)["n1"]![1]], [(map(0)["n3"]![1] as number) - 1, (map(0)["n1"]![1] as number) + 1]);
  assert.deepEqual(named(states[1]!, "moved keys").rows, [["key-0", "n3", "n1", "hash mod 4 = 3, mod 5 = 1"]]);
  const final = o.tables[0]!.rows[1]!;
  assert.equal(final[3], 7935);
  const last = named(states.at(-1)!, "shard map").rows;
  assert.equal(
    last.reduce((n, r) => n + (r[2] as number), 0),
    10000,
    "after the rest move, the counts are the final ones",
  );
  assert.deepEqual(named(states.at(-2)!, "the client's route").rows, [["key-0", "n3"]]);
  assert.deepEqual(named(states.at(-1)!, "the client's route").rows, [["key-0", "n1"]]);
});

test("rebalancing on a ring says which ring point now owns each moved key; a failed node is marked", () => {
  const o = run("strategy: ring\nkeys: 2000\nnodes: 5\nvirtualNodes: 20\nrequests: 0\nchanges:\n  - action: fail\n    node: n2\n");
  const { states, tl } = stepped(o);
  const moved = named(states.at(-1)!, "moved keys").rows;
  assert.ok(
    moved.length > 0 && moved.every((r) => r[1] === "n2" && new RegExp(`next point 0x[0-9a-f]{8} is ${r[2]}'s$`).test(String(r[3]))),
    "a failed node's keys go to the next point's owner",
  );
  assert.deepEqual(
    named(states.at(-1)!, "shard map")
      .rows.find((r) => r[0] === "n2")!
      .slice(2),
    [0, "failed"],
  );
  assert.ok(
    tl.steps.every((st) => !/needless/.test(st.text)),
    "the ring moves only n2's keys",
  );
});

test("the hottest keys' timeline: each key's requests land on its owner, then the load on every node", () => {
  const o = run("strategy: jump\nkeys: 2000\nnodes: 8\npopularity: zipf\nzipfAlpha: 1.2\nrequests: 50000\n", 7);
  const { tl, kinds, drawn, states } = stepped(o);
  assert.equal(tl.diagramId, "hottest");
  assert.equal(drawn.join(""), kinds);
  assert.equal(tl.steps.length, 7, "six keys and the busiest node");
  const hot = named(states[0]!, "shard map");
  const owner = /go to (n[0-9]+)$/.exec(tl.steps[0]!.text)![1];
  assert.deepEqual(hot.rows.find((r) => r[0] === owner)!.slice(1, 2), ["key-0"]);
  assert.deepEqual(named(states[5]!, "requests per node").rows, [], "the whole load shows at the last step");
  const all = named(states[6]!, "requests per node").rows;
  assert.equal(all.length, 8);
  assert.equal(
    all.reduce((n, r) => n + (r[2] as number), 0),
    50000,
  );
  assert.match(tl.steps[6]!.text, new RegExp(`^busiest node: ${all[0]![0]} with`));
  const salted = stepped(run("compare: [ring]\nkeys: 10000\nnodes: 8\npopularity: celebrity\ncelebrityShare: 0.4\nsaltBuckets: 8\nrequests: 100000\n", 7));
  assert.match(salted.tl.steps[0]!.text, /^key-0: [0-9]+ requests \(40\.0%\), salted over 8 sub-keys, spread over [2-8] nodes$/);
  assert.ok(
    named(salted.states[0]!, "shard map").rows.every((r) => !String(r[1]).includes("key-0")),
    "a salted key is not one node's load",
  );
});

test("knobs: strategy, nodes, virtual nodes, epsilon, skew and salt, each where it applies", () => {
  const keys = (src: string) => (run(src).knobs ?? []).map((k) => k.key);
  assert.deepEqual(keys("strategy: ring\nkeys: 100\nrequests: 0\n"), ["strategy", "nodes", "virtualNodes"]);
  assert.deepEqual(
    keys("compare: [mod, bounded]\nkeys: 100\nrequests: 0\nchanges:\n  - action: add\n    node: n4\n"),
    ["virtualNodes", "epsilon"],
    "changes name nodes; compare wins",
  );
  assert.deepEqual(keys("strategy: jump\nkeys: 100\npopularity: zipf\nrequests: 100\n"), ["strategy", "nodes", "zipfAlpha"]);
  assert.deepEqual(keys("strategy: jump\nkeys: 100\npopularity: celebrity\nrequests: 100\n"), ["strategy", "nodes", "saltBuckets"]);
  assert.deepEqual(
    keys("strategy: directory\nkeys: 100\nrequests: 0\nchanges:\n  - action: move\n    key: key-1\n    node: n0\n"),
    [],
    "moves need the directory",
  );
  assert.ok(!run("strategy: mod\nkeys: 300000\nrequests: 0\n").knobs![0]!.choices!.includes("range"), "range sharding holds at most 200,000 keys");
});
