// The hold-ack fault: the broker appends a record but holds its answer past the request timeout,
// and the answers behind it on the connection wait too. The producer times the request out, closes
// the connection and sends again everything that was in flight on it: without idempotence each of
// those records is appended twice, after the last one that was in flight; with idempotence the broker
// drops every copy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { finalLog } from "../../../../src/sims/kafka/check";
import { model } from "./support";

const CELL = (extra: string) =>
  `brokers: 1\nreplicationFactor: 1\npartitions: 1\nconsumers: 0\nretries: 3\n${extra}workload: { records: 10, keys: 1, everyMs: 0 }\nfaults:\n  - { type: hold-ack, record: 4 }\n`;
const log = (run: ReturnType<typeof model>) => finalLog(run.partitions[0]!).map((e) => e.rec);

test("hold-ack with one request in flight: the held record is appended again right after itself", () => {
  const run = model(CELL("maxInFlight: 1\n"));
  assert.deepEqual(log(run), [1, 2, 3, 4, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(run.sent[3]!.attempts, 2);
  assert.ok(run.events.some((e) => e.text === "closes its connection to b1"));
});

test("hold-ack with 5 in flight: the held record and the four behind it are all sent again, in order", () => {
  const run = model(CELL("maxInFlight: 5\n"));
  assert.deepEqual(log(run), [1, 2, 3, 4, 5, 6, 7, 8, 4, 5, 6, 7, 8, 9, 10]);
  assert.ok(run.events.some((e) => e.text === "closes its connection to b1: #5, #6, #7, #8 in flight on it fail too"));
  assert.deepEqual(
    run.sent.map((s) => s.attempts),
    [1, 1, 1, 2, 2, 2, 2, 2, 1, 1],
  );
});

test("hold-ack with idempotence: every resent copy is dropped by the broker, in order and once", () => {
  const run = model(CELL("maxInFlight: 5\nidempotence: true\n"));
  assert.deepEqual(log(run), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(run.dedupSeqs.length, 5);
  assert.ok(run.sent.every((s) => s.outcome === "acked"));
});

test("hold-ack closes only the held broker's connection: requests in flight to other leaders are answered once", () => {
  const records = [0, 1, 0, 1, 0, 1].map((p) => `  - { key: k, atMs: 0, partition: ${p} }\n`).join("");
  const run = model(`partitions: 2\nconsumers: 0\nmaxInFlight: 5\nrecords:\n${records}faults:\n  - { type: hold-ack, record: 1 }\n`);
  assert.deepEqual(
    run.partitions.map((p) => p.leader),
    ["b1", "b2"],
  );
  assert.deepEqual(
    run.partitions.map((p) => finalLog(p).map((e) => e.rec)),
    [
      [1, 3, 5, 1, 3, 5],
      [2, 4, 6],
    ],
  );
  assert.deepEqual(
    run.sent.map((s) => s.attempts),
    [2, 1, 2, 1, 2, 1],
  );
});
