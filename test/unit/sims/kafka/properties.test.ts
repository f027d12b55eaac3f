// Properties of the Kafka model over many drawn runs (fast-check): idempotence never stores a record
// twice nor out of order, whatever is lost; acks=all with min.insync.replicas=2 and three replicas
// never loses an acknowledged record to one broker failure with unclean election off; a transaction
// with read_committed delivers each record once whenever the consumer crashes; commit-after never
// loses and commit-before never duplicates; and the same seed gives the same run.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fates, finalLog, orderViolations } from "../../../../src/sims/kafka/check";
import { cell, model } from "./support";

test("with idempotence, no record is stored twice and no key out of order, whatever requests, answers and messages are lost or held", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.uniqueArray(fc.integer({ min: 1, max: 16 }), { maxLength: 4 }),
      fc.uniqueArray(fc.integer({ min: 1, max: 16 }), { maxLength: 4 }),
      fc.uniqueArray(fc.integer({ min: 1, max: 16 }), { maxLength: 2 }),
      fc.constantFrom(0, 0.05, 0.2),
      fc.integer({ min: 1, max: 1_000_000 }),
      (inFlight, lostRequests, lostAcks, heldAcks, loss, seed) => {
        const faults = [
          ...lostRequests.map((r) => `  - { type: lose-request, record: ${r} }`),
          ...lostAcks.map((r) => `  - { type: lose-ack, record: ${r} }`),
          ...heldAcks.map((r) => `  - { type: hold-ack, record: ${r} }`),
        ];
        const src =
          `partitions: 2\nidempotence: true\nmaxInFlight: ${inFlight}\nretries: 10\nconsumers: 1\nworkload: { records: 16, keys: 3, everyMs: 2 }\n` +
          `network: { loss: ${loss} }\nuntilMs: 3000\n${faults.length ? `faults:\n${faults.join("\n")}\n` : ""}`;
        const run = model(src, seed);
        for (const p of run.partitions) {
          const recs = finalLog(p).map((e) => e.rec);
          assert.equal(new Set(recs).size, recs.length, `p${p.partition}: ${recs.join(" ")}`);
        }
        assert.deepEqual(orderViolations(run), []);
      },
    ),
    { numRuns: 60 },
  );
});

test("without idempotence the same faults do store duplicates (so the property above is not vacuous)", () => {
  const run = model("partitions: 1\nconsumers: 0\nworkload: { records: 4, everyMs: 2 }\nfaults:\n  - { type: lose-ack, record: 2 }\n");
  const recs = finalLog(run.partitions[0]!).map((e) => e.rec);
  assert.ok(recs.length > new Set(recs).size, recs.join(" "));
});

test("acks=all, min.insync.replicas=2, replication factor 3, unclean election off: one broker failure never loses an acknowledged record", () => {
  fc.assert(
    fc.property(
      fc.constantFrom("b1", "b2", "b3"),
      fc.integer({ min: 0, max: 300 }),
      fc.constantFrom(0, 50, 200),
      fc.boolean(),
      fc.integer({ min: 1, max: 1_000_000 }),
      (broker, atMs, downMs, stall, seed) => {
        // Optionally a follower of another broker falls behind first, shrinking some ISRs to two.
        const other = broker === "b1" ? "b2" : "b1";
        const faults = [`  - { type: broker-crash, broker: ${broker}, atMs: ${atMs}, downMs: ${downMs} }`];
        if (stall) faults.push(`  - { type: follower-stall, broker: ${other}, atMs: 0 }`);
        const src =
          `partitions: 3\nacks: all\nminInsyncReplicas: 2\nuncleanLeaderElection: false\nconsumers: 1\nworkload: { records: 24, keys: 4, everyMs: 8 }\n` +
          `untilMs: 2000\nfaults:\n${faults.join("\n")}\n`;
        const run = model(src, seed);
        const lost = fates(run).filter((f) => f.fate === "ack-lost");
        assert.deepEqual(
          lost.map((f) => f.s.id),
          [],
        );
      },
    ),
    { numRuns: 60 },
  );
});

test("acks=1 does lose acknowledged records to some single failures (so the property above is not vacuous)", () => {
  let losing = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const run = model(
      `partitions: 2\nacks: 1\nconsumers: 0\nworkload: { records: 15, keys: 3, everyMs: 10 }\nfaults:\n  - { type: broker-crash, broker: b1, atMs: 90, downMs: 100 }\n`,
      seed,
    );
    if (fates(run).some((f) => f.fate === "ack-lost")) losing++;
  }
  assert.ok(losing > 0);
});

const crashAt = (commit: string, atMs: number, downMs: number) =>
  `partitions: 2\nconsumers: 2\ncommit: ${commit}\nprocessMs: 20\nworkload: { records: 20, keys: 3, everyMs: 3 }\n` +
  `faults:\n  - { type: consumer-crash, consumer: c1, atMs: ${atMs}, downMs: ${downMs} }\nuntilMs: 3000\n`;

test("read-process-write in a transaction with read_committed delivers every record exactly once, whenever the consumer crashes", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 450 }), fc.constantFrom(0, 80), fc.integer({ min: 1, max: 1_000_000 }), (atMs, downMs, seed) => {
      const run = model(crashAt("transactional", atMs, downMs), seed);
      assert.deepEqual(
        fates(run)
          .filter((f) => f.fate !== "once")
          .map((f) => `#${f.s.id} ${f.fate}`),
        [],
      );
    }),
    { numRuns: 60 },
  );
});

test("commit after processing never loses a record, commit before never processes one twice; each shows its own failure somewhere", () => {
  let dup = 0;
  let lost = 0;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 450 }), fc.integer({ min: 1, max: 1_000_000 }), (atMs, seed) => {
      const after = fates(model(crashAt("after", atMs, 0), seed));
      assert.ok(!after.some((f) => f.fate === "lost"));
      dup += after.filter((f) => f.fate === "duplicate").length;
      const before = fates(model(crashAt("before", atMs, 0), seed));
      assert.ok(!before.some((f) => f.fate === "duplicate"));
      lost += before.filter((f) => f.fate === "lost").length;
    }),
    { numRuns: 60 },
  );
  assert.ok(dup > 0 && lost > 0, `duplicates ${dup}, losses ${lost}`);
});

test("the same cell and seed give the same run", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
      const src =
        "partitions: 3\nconsumers: 2\nnetwork: { loss: 0.05 }\nworkload: { records: 20, keys: 5 }\nfaults:\n  - { type: consumer-crash, consumer: c2, atMs: 60 }\n";
      const a = model(src, seed);
      const b = model(src, seed);
      assert.equal(JSON.stringify({ ...a, groupFaultMs: 0 }), JSON.stringify({ ...b, groupFaultMs: 0 }));
    }),
    { numRuns: 10 },
  );
});

test("any mix of settings and faults runs through the whole pipeline: a verdict, finite metrics, every record with a fate", () => {
  const fault = fc.oneof(
    fc.record({
      type: fc.constantFrom("broker-crash", "follower-stall"),
      broker: fc.constantFrom("b1", "b2", "b3", "leader"),
      atMs: fc.integer({ min: 0, max: 400 }),
    }),
    fc.record({ type: fc.constantFrom("lose-request", "lose-ack"), record: fc.integer({ min: 1, max: 12 }) }),
    fc.record({
      type: fc.constantFrom("consumer-crash", "consumer-pause", "consumer-leave", "consumer-join"),
      consumer: fc.constantFrom("c1", "c2", "c3", "c4"),
      atMs: fc.integer({ min: 0, max: 400 }),
    }),
  );
  fc.assert(
    fc.property(
      fc.record({
        partitions: fc.integer({ min: 1, max: 5 }),
        consumers: fc.integer({ min: 0, max: 3 }),
        acks: fc.constantFrom("0", "1", "all"),
        assignor: fc.constantFrom("range", "roundrobin", "sticky", "cooperative-sticky"),
        commit: fc.constantFrom("auto", "before", "after", "transactional"),
        isolation: fc.constantFrom("read_committed", "read_uncommitted"),
        unclean: fc.boolean(),
        keys: fc.integer({ min: 0, max: 4 }),
        downMs: fc.constantFrom(0, 100),
      }),
      fc.array(fault, { maxLength: 4 }),
      fc.integer({ min: 1, max: 1_000_000 }),
      (o, faults, seed) => {
        // A consumer that joins later is a new one, named after the first ones (the cell refuses others).
        let joins = 0;
        const named = faults.map((f) => (f.type === "consumer-join" ? { ...f, consumer: `c${o.consumers + ++joins}` } : f));
        const lines = named.map((f) => `  - ${JSON.stringify({ ...f, downMs: o.downMs })}`);
        const src =
          `partitions: ${o.partitions}\nconsumers: ${o.consumers}\nacks: ${o.acks}\nassignor: ${o.assignor}\ncommit: ${o.commit}\nisolation: ${o.isolation}\n` +
          `uncleanLeaderElection: ${o.unclean}\nworkload: { records: 12, keys: ${o.keys}, everyMs: 7 }\nuntilMs: 1500\n${lines.length ? `faults:\n${lines.join("\n")}\n` : ""}`;
        const out = cell(src, seed);
        assert.ok([true, false].includes(out.verdict.valid as boolean));
        for (const [k, v] of Object.entries(out.metrics)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
        assert.equal(out.tables.find((t) => t.id === "records")!.rows.length, 12);
      },
    ),
    { numRuns: 60 },
  );
});

test("on a lossy network every acknowledged record is still processed: lost commits, joins, epoch queries and rebalance notices are sent again", () => {
  fc.assert(
    fc.property(fc.constantFrom("after", "auto", "transactional"), fc.integer({ min: 1, max: 1_000_000 }), (commit, seed) => {
      const run = model(
        `partitions: 3\nconsumers: 2\ncommit: ${commit}\nidempotence: true\nretries: 50\nnetwork: { loss: 0.1 }\nworkload: { records: 10, keys: 3, everyMs: 10 }\nuntilMs: 8000\n`,
        seed,
      );
      const stuck = fates(run).filter((f) => f.s.outcome === "acked" && f.fate !== "once" && f.fate !== "duplicate");
      assert.deepEqual(
        stuck.map((f) => `#${f.s.id} ${f.fate}`),
        [],
      );
    }),
    {
      numRuns: 30,
      // Runs that once left records unprocessed: a consumer took an assignment that answered an
      // older join of its own, and missed the one for its latest.
      examples: [
        ["transactional", 591340],
        ["transactional", 2336105],
      ],
    },
  );
});

test("whatever one consumer does (crash, pause, leave) while another joins, on a lossy network, no acknowledged record goes unprocessed under at-least-once or transactions", () => {
  const fault = fc.oneof(
    fc.record({ type: fc.constant("consumer-crash"), atMs: fc.integer({ min: 50, max: 800 }), downMs: fc.integer({ min: 50, max: 1500 }) }),
    fc.record({ type: fc.constant("consumer-pause"), atMs: fc.integer({ min: 50, max: 800 }), downMs: fc.integer({ min: 50, max: 1500 }) }),
    fc.record({ type: fc.constant("consumer-leave"), atMs: fc.integer({ min: 50, max: 800 }) }),
  );
  fc.assert(
    fc.property(
      fc.constantFrom("after", "auto", "transactional"),
      fc.constantFrom("range", "roundrobin", "sticky", "cooperative-sticky"),
      fc.constantFrom(0, 0.02, 0.1),
      fc.array(fault, { maxLength: 2 }),
      fc.option(fc.integer({ min: 50, max: 800 }), { nil: undefined }),
      fc.constantFrom("5, 20", "0, 3"),
      fc.integer({ min: 1, max: 1_000_000 }),
      (commit, assignor, loss, faults, joinAt, delays, seed) => {
        // c1 takes the faults, c3 may join; c2 is always there to consume.
        const lines = faults.map((f) => `  - { type: ${f.type}, consumer: c1, atMs: ${f.atMs}${"downMs" in f ? `, downMs: ${f.downMs}` : ""} }`);
        if (joinAt !== undefined) lines.push(`  - { type: consumer-join, consumer: c3, atMs: ${joinAt} }`);
        const [minDelayMs, maxDelayMs] = delays.split(", ");
        const run = model(
          `partitions: 3\nconsumers: 2\nassignor: ${assignor}\ncommit: ${commit}\nidempotence: true\nretries: 50\n` +
            `network: { loss: ${loss}, minDelayMs: ${minDelayMs}, maxDelayMs: ${maxDelayMs} }\n` +
            `workload: { records: 20, keys: 4, everyMs: 15 }\n${lines.length ? `faults:\n${lines.join("\n")}\n` : ""}untilMs: 12000\n`,
          seed,
        );
        const missing = fates(run).filter((f) => f.s.outcome === "acked" && (f.fate === "unconsumed" || f.fate === "lost"));
        assert.deepEqual(
          missing.map((f) => `#${f.s.id} ${f.fate}`),
          [],
        );
      },
    ),
    {
      numRuns: 40,
      // Runs that once lost records: with answers in 0 to 3 ms, an idle consumer's poll timer fired
      // while it was busy again and cut its batch short.
      examples: [
        [
          "auto",
          "roundrobin",
          0.02,
          [
            { type: "consumer-leave", atMs: 224 },
            { type: "consumer-pause", atMs: 671, downMs: 1454 },
          ],
          50,
          "0, 3",
          9,
        ],
        ["transactional", "cooperative-sticky", 0.02, [], 379, "0, 3", 1],
        ["transactional", "cooperative-sticky", 0, [{ type: "consumer-leave", atMs: 132 }], 55, "0, 3", 18],
      ],
    },
  );
});
