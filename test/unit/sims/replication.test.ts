import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { loadCell, runCell } from "../../../src/engine/pipeline";
import { findSimulator } from "../../../src/engine/registry";
import { createRng } from "../../../src/core/rng";
import { lostWrites, simulate } from "../../../src/sims/replication/model";
import type { Resolved } from "../../../src/sims/replication/scenario";
import type { RunOutput, TableSpec } from "../../../src/protocol/output";

function run(source: string, seed = 1): RunOutput {
  const r = runCell({ simulator: "replication", source, seed });
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}
const codes = (o: RunOutput) => [...new Set(o.verdict.findings.filter((f) => f.severity === "error").map((f) => f.code))];
const table = (o: RunOutput, title: string): TableSpec => {
  const t = o.tables.find((x) => x.title === title);
  assert.ok(t, `no table ${title}`);
  return t;
};

const LAGGING = "followers:\n  - { name: f1, lagMs: 10 }\n  - { name: f2, lagMs: 80 }\n";
const RYW = `replication: async\n${LAGGING}ops:\n  - { atMs: 0, client: c1, write: x, value: 1 }\n  - { atMs: 40, client: c1, read: x }\n`;

test("async replication and a read from a lagging follower break read-your-writes; the finding names the write, the read and the replica", () => {
  // Seed 3 sends c1's read to f2, 80 ms behind.
  const o = run(`${RYW}read: any\n`, 3);
  assert.ok(codes(o).includes("read-your-writes"), codes(o).join());
  const f = o.verdict.findings.find((x) => x.code === "read-your-writes")!;
  assert.match(f.explanation, /c1's read x → nothing/);
  assert.match(f.explanation, /write x = 1/);
  assert.match(f.explanation, /from f2 at 40 ms: f2 was 1 write \(\d+ ms\) behind the leader/);
  assert.ok(f.events!.length >= 2);
  assert.deepEqual(table(o, "reads").columns, ["client", "key", "replica", "value", "at (ms)"]);
  assert.deepEqual(table(o, "reads").rows, [["c1", "x", "f2", null, 40]]);
});

test("caught-up reads keep read-your-writes: the follower holds the read until it has the client's position", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const o = run(`${RYW}read: caught-up\nreadWaitMs: 1000\n`, seed);
    assert.equal(o.verdict.valid, true, `seed ${seed}: ${o.verdict.summary}`);
    assert.equal(table(o, "reads").rows[0]![3], 1);
  }
  // A follower that does not catch up within readWaitMs sends the client to the leader.
  const o = run(`${RYW}read: caught-up\nreadWaitMs: 5\n`, 3);
  assert.equal(o.verdict.valid, true);
  assert.equal(o.metrics.readsAtLeader, 1);
  assert.equal(table(o, "reads").rows[0]![2], "primary");
});

test("leader reads are linearizable under async replication without faults", () => {
  const o = run(`${RYW}read: leader\n`);
  assert.equal(o.verdict.valid, true);
});

const FAILOVER = (mode: string) =>
  `replication: ${mode}\nfollowers:\n  - { name: f1, lagMs: 60 }\n  - { name: f2, lagMs: 150 }\nops:\n  - { atMs: 0, client: c1, write: x, value: 1 }\n  - { atMs: 80, client: c1, write: x, value: 2 }\n` +
  "  - { atMs: 90, client: c2, write: y, value: 7 }\n  - { atMs: 400, client: c1, read: x }\ncrash: { atMs: 130 }\n";

test("async failover loses exactly the acknowledged writes past the promoted follower's position, named in the finding and the table", () => {
  const o = run(FAILOVER("async"));
  assert.ok(codes(o).includes("acknowledged-write-lost"));
  const lost = table(o, "lost writes");
  assert.deepEqual(lost.columns, ["client", "key", "value", "position"]);
  assert.deepEqual(lost.rows, [
    ["c1", "x", 2, 2],
    ["c2", "y", 7, 3],
  ]);
  const promoted = o.diagrams[0]!.mermaid.match(/promotes f1 \(the most advanced, at #35;(\d+)#59; primary had #35;(\d+)\)/);
  assert.ok(promoted, "the failover note");
  assert.equal(Number(promoted[1]), 1);
  assert.equal(Number(promoted[2]) - Number(promoted[1]), lost.rows.length);
  const f = o.verdict.findings.find((x) => x.code === "acknowledged-write-lost")!;
  assert.match(f.title, /^2 acknowledged writes lost$/);
  assert.match(f.explanation, /c1's write x=2 \(#2, acknowledged by primary at \d+ ms\); c2's write y=7 \(#3/);
  assert.equal(o.metrics.lostWrites, 2);
});

test("sync replication never loses an acknowledged write on failover", () => {
  const o = run(FAILOVER("sync"));
  assert.ok(!codes(o).includes("acknowledged-write-lost"), o.verdict.summary);
  assert.equal(table(o, "lost writes").rows.length, 0);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 20, max: 400 }), (seed, crashAt) => {
      const src =
        "replication: sync\nfollowers:\n  - { name: f1, lagMs: 5, lagMaxMs: 60 }\n  - { name: f2, lagMs: 20, lagMaxMs: 90 }\n" +
        `workload: { clients: 2, ops: 8 }\ncrash: { atMs: ${crashAt} }\nfailover: any\n`;
      const out = run(src, seed);
      assert.equal(out.metrics.lostWrites, 0);
    }),
    { numRuns: 40 },
  );
});

const SPLIT = (mode: string, fencing: string) =>
  `replication: ${mode}\nfencing: ${fencing}\nops:\n  - { atMs: 0, client: c1, write: x, value: 1 }\n  - { atMs: 100, client: c2, write: x, value: 2 }\n` +
  "  - { atMs: 120, client: c1, write: x, value: 3 }\n  - { atMs: 320, client: c1, read: x }\npartition: { atMs: 50, healAtMs: 250, clients: [c2] }\n";

test("split brain without fencing: the old leader keeps accepting writes, they are lost, and a replica diverges when the partition heals", () => {
  const o = run(SPLIT("async", "none"));
  assert.ok(codes(o).includes("split-brain-write"));
  assert.ok(codes(o).includes("acknowledged-write-lost"));
  assert.ok(codes(o).includes("replicas-diverged"));
  assert.match(o.verdict.findings.find((f) => f.code === "split-brain-write")!.explanation, /c2's write x=2 \(#2, acknowledged by primary/);
});

test("epoch fencing: replicas refuse the old leader's entries, it steps down, and with semi-sync its write is refused, not lost", () => {
  const o = run(SPLIT("semi-sync", "epoch"));
  assert.equal(o.verdict.valid, true, o.verdict.summary);
  assert.equal(o.metrics.refused, 1);
  assert.ok(o.metrics.fenced! >= 1);
  assert.match(o.diagrams[0]!.mermaid, /refuses #35;2 x=2 from primary#58; epoch 1/);
  assert.match(o.diagrams[0]!.mermaid, /steps down/);
  // Async: fencing stops the divergence, but the old leader had already acknowledged on its own.
  const a = run(SPLIT("async", "epoch"));
  assert.ok(!codes(a).includes("replicas-diverged"));
  assert.ok(codes(a).includes("split-brain-write"));
});

test("property: with sync replication and leader reads, every seed's history is linearizable", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 4 }), (seed, clients) => {
      const src =
        "replication: sync\nread: leader\nfollowers:\n  - { name: f1, lagMs: 0, lagMaxMs: 50 }\n  - { name: f2, lagMs: 10, lagMaxMs: 100 }\n" +
        `workload: { clients: ${clients}, ops: 8, keys: 2, gapMs: 15 }\n`;
      const o = run(src, seed);
      assert.ok(!codes(o).includes("not-linearizable"), o.verdict.summary);
      assert.equal(o.verdict.valid, true, o.verdict.summary);
    }),
    { numRuns: 40 },
  );
});

test("Cosmos DB levels side by side: strong keeps every guarantee; session keeps read-your-writes; eventual breaks consistent prefix", () => {
  const src =
    "followers:\n  - { name: f1, lagMs: 5, lagMaxMs: 150 }\n  - { name: f2, lagMs: 5, lagMaxMs: 150 }\nops:\n" +
    "  - { atMs: 0, client: c1, write: x, value: 1 }\n  - { atMs: 50, client: c2, write: y, value: 1 }\n  - { atMs: 60, client: c2, read: y }\n" +
    "  - { atMs: 90, client: c3, read: [x, y] }\n  - { atMs: 100, client: c4, read: [x, y] }\n  - { atMs: 110, client: c3, read: [x, y] }\n" +
    "compare: [strong, bounded-staleness, session, consistent-prefix, eventual]\n";
  const seed = [...Array(40).keys()].find((s) => run(src, s).tables[0]!.rows[4]![6] === "broken");
  assert.ok(seed !== undefined, "some seed shows eventual reading out of order");
  const o = run(src, seed);
  const m = o.tables[0]!;
  assert.equal(m.summary, true);
  const row = (name: string) => m.rows.find((r) => r[0] === name)!;
  assert.deepEqual(row("strong").slice(1, 7), ["kept", "kept", "kept", "kept", "kept", "kept"]);
  assert.equal(row("session")[2], "kept");
  assert.equal(row("consistent-prefix")[6], "kept");
  assert.equal(row("eventual")[6], "broken");
});

test("resolve: semi-sync cannot wait for more followers than there are, and an operation reads or writes", () => {
  const bad = runCell({ simulator: "replication", source: "replication: semi-sync\nacks: 3\nworkload: { clients: 1 }\n" });
  assert.equal(bad.ok, false);
  const both = runCell({ simulator: "replication", source: "ops:\n  - { atMs: 0, client: c1, write: x, value: 1, read: x }\n" });
  assert.equal(both.ok, false);
});

test("property: an async failover to the most advanced follower loses exactly the acknowledged epoch-1 writes past its position", () => {
  const sim = findSimulator("replication")!;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 30, max: 300 }), (seed, crashAt) => {
      const src =
        "replication: async\nfollowers:\n  - { name: f1, lagMs: 5, lagMaxMs: 80 }\n  - { name: f2, lagMs: 20, lagMaxMs: 150 }\n" +
        `workload: { clients: 3, ops: 8, writes: 0.7 }\ncrash: { atMs: ${crashAt} }\n`;
      const options = (loadCell(sim, src).resolved as Resolved).run;
      const run = simulate(options, createRng(seed));
      const f = run.failovers[0];
      if (!f) return;
      const expected = run.ops.filter((r) => r.kind === "write" && r.outcome === "ok" && r.epoch === 1 && r.lsn! > f.position).map((r) => r.id);
      assert.deepEqual(
        lostWrites(run).map((r) => r.id),
        expected,
      );
    }),
    { numRuns: 60 },
  );
});

test("property: the same cell and seed give the same output, byte for byte", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom("async", "semi-sync", "sync"),
      fc.constantFrom("any", "sticky", "caught-up", "bounded"),
      (seed, mode, read) => {
        const src = `replication: ${mode}\nread: ${read}\nworkload: { clients: 2, ops: 6 }\ncrash: { atMs: 90, downMs: 100 }\n`;
        assert.equal(JSON.stringify(run(src, seed)), JSON.stringify(run(src, seed)));
      },
    ),
    { numRuns: 20 },
  );
});
