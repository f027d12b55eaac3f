import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { findSimulator } from "../../../src/engine/registry";
import { runCell } from "../../../src/engine/pipeline";
import type { RunOutput } from "../../../src/protocol/output";

function run(simulator: string, source: string, seed = 1): RunOutput {
  const r = runCell({ simulator, source, seed });
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}
const codes = (o: RunOutput) => o.verdict.findings.map((f) => f.code);

test("dual write: a crash between the commit and the publish loses the event; the outbox keeps it", () => {
  const src = "orders: 1\nfaults:\n  - service: order\n    after: commit\n";
  const dual = run("outbox", `design: dual-write\n${src}`);
  assert.deepEqual(codes(dual), ["lost-event"]);
  assert.deepEqual(dual.verdict.findings[0]!.events, [0, 1]);
  assert.equal(dual.metrics.shipments, 0);
  const ob = run("outbox", `design: outbox-dedup\n${src}`);
  assert.equal(ob.verdict.valid, true);
  assert.equal(ob.metrics.shipments, 1);
  assert.deepEqual(ob.tables[0]!.rows, [[1, true, "sent", 1]]);
});

test("publish first: a crash between the publish and the commit ships an order that does not exist", () => {
  const o = run("outbox", "design: publish-first\norders: 1\nfaults:\n  - service: order\n    after: publish\n");
  assert.deepEqual(codes(o), ["ghost-event"]);
  assert.equal(o.metrics.stored, 0);
  assert.equal(o.metrics.shipments, 1);
  assert.match(o.diagrams[0]!.mermaid, /ship order 1 \(no such order in the order database\)/);
});

test("the outbox relay crashes after publishing and before marking the row: the event goes out twice; only a deduplicating consumer ships once", () => {
  const src = "orders: 1\nfaults:\n  - service: relay\n    after: publish\n";
  const plain = run("outbox", `design: outbox\n${src}`);
  assert.deepEqual(codes(plain), ["duplicate-processing"]);
  assert.equal(plain.metrics.published, 2);
  assert.equal(plain.metrics.shipments, 2);
  const dedup = run("outbox", `design: outbox-dedup\n${src}`);
  assert.equal(dedup.verdict.valid, true);
  assert.equal(dedup.metrics.published, 2);
  assert.equal(dedup.metrics.skipped, 1);
  assert.match(dedup.diagrams[0]!.mermaid, /DEDUP event of order 1 already handled#58; skip/);
});

test("a consumer crash after applying and before acknowledging: the broker redelivers", () => {
  const o = run("outbox", "design: outbox\norders: 1\nfaults:\n  - service: shipping\n    after: consume\n");
  assert.deepEqual(codes(o), ["duplicate-processing"]);
  assert.match(o.diagrams[0]!.mermaid, /OrderPlaced 1 \(redelivery\)/);
  const relayDown = run("outbox", "design: outbox-dedup\norders: 1\nfaults:\n  - service: relay\n    after: publish\n    downMs: 0\n");
  assert.deepEqual(codes(relayDown), []);
  const bad = runCell({ simulator: "outbox", source: "faults:\n  - service: relay\n    after: consume\n" });
  assert.match((bad as { error: { message: string } }).error.message, /relay has no crash point "consume"/);
});

test("a consumer that stays down: the event waits at the broker, which is not a lost event", () => {
  const o = run("outbox", "design: outbox-dedup\norders: 2\nfaults:\n  - service: shipping\n    after: consume\n    order: 1\n    downMs: 0\n");
  assert.deepEqual(codes(o), ["event-undelivered"]);
  assert.match(o.verdict.findings[0]!.explanation, /its event reached the broker, but shipping had not consumed it at t=\d+ ms \(shipping is down\)/);
  assert.equal(o.metrics.lost, 0);
  // The dual write loses the event only when the order service crashes before the broker has it.
  const dual = run("outbox", "design: dual-write\norders: 2\nfaults:\n  - service: shipping\n    after: consume\n    order: 1\n    downMs: 0\n");
  assert.deepEqual(codes(dual), ["event-undelivered"]);
});

test("property: with the outbox and a deduplicating consumer every stored order ships exactly once, for any seed and crash rate", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom(0, 0.1, 0.3, 0.5),
      fc.constantFrom(0, 0.1, 0.3),
      fc.integer({ min: 1, max: 5 }),
      (seed, crash, loss, orders) => {
        const o = run("outbox", `design: outbox-dedup\norders: ${orders}\nnetwork:\n  loss: ${loss}\n  duplicate: ${loss}\nrandom:\n  crash: ${crash}\n`, seed);
        assert.deepEqual(codes(o), []);
        assert.equal(o.metrics.shipments, o.metrics.stored);
      },
    ),
    { numRuns: 200 },
  );
});

test("property: same seed, same output, for every design", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom("dual-write", "publish-first", "outbox", "outbox-dedup"), (seed, design) => {
      const src = `design: ${design}\norders: 3\nnetwork:\n  loss: 0.1\nrandom:\n  crash: 0.2\n`;
      assert.deepEqual(run("outbox", src, seed), run("outbox", src, seed));
    }),
    { numRuns: 50 },
  );
});

test("outbox exploration: the dual write loses events, the plain outbox duplicates them, the deduplicated outbox is clean", () => {
  const o = run("outbox", "explore: 1000\ncompare: [dual-write, outbox, outbox-dedup]\nrandom:\n  crash: 0.1\n", 2);
  assert.ok(o.metrics["lost @ dual-write"]! > 0);
  assert.equal(o.metrics["lost @ outbox"], 0);
  assert.ok(o.metrics["duplicated @ outbox"]! > 0);
  assert.equal(o.metrics["exactly once @ outbox-dedup"], 1000);
  assert.deepEqual(
    o.charts[0]!.series.map((s) => s.name),
    ["dual-write", "outbox", "outbox-dedup"],
  );
});

test("every example offered in the pickers runs and shows what its description promises", () => {
  const expected: Record<string, string[]> = {
    "dual write, crash in between": ["lost-event"],
    "outbox, relay crash": ["duplicate-processing"],
  };
  for (const ex of findSimulator("outbox")!.examples) {
    const o = run("outbox", ex.body);
    if (ex.name in expected) assert.deepEqual(codes(o), expected[ex.name], ex.name);
    else assert.equal(o.verdict.valid, false, ex.name); // the explorations compare a design that fails
  }
});

test("resolve: a crash that cannot happen is refused on the value in the cell", () => {
  const message = (source: string) => (runCell({ simulator: "outbox", source }) as { error: { message: string } }).error.message;
  assert.equal(
    message("orders: 2\nfaults:\n  - service: order\n    after: commit\n    order: 3\n"),
    "Line 5, column 12: The crash names order 3, but only 2 orders are placed.",
  );
  assert.match(message("faults:\n  - service: shipping\n    after: commit\n"), /^Line 3, column 12: shipping has no crash point "commit"/);
});

test("explore: a list of seeds runs exactly those seeds, and each finding replays one of them", () => {
  const o = run("outbox", "explore: [1, 2, 3, 4]\ncompare: [dual-write, outbox-dedup]\nrandom:\n  crash: 0.3\n");
  assert.equal(o.metrics.runs, 4);
  assert.equal(o.metrics["exactly once @ outbox-dedup"], 4);
  for (const f of o.verdict.findings) {
    assert.ok([1, 2, 3, 4].includes(f.replay!.seed!));
    assert.ok(codes(run("outbox", "design: dual-write\nrandom:\n  crash: 0.3\n", f.replay!.seed)).includes(f.code), f.code);
  }
});
