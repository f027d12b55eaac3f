// Delivery under a forced retry: the kafka model's producer and broker (src/sims/kafka/model/)
// against librdkafka's producer and its mock cluster (scripts/librdkafka_driver.py, op "delivery").
//
// The fault is the same on both sides: the broker appends the records of a chosen produce request
// but holds its answer past the request timeout, and the answers behind it on the connection wait
// too. In the mock it is a (NO_ERROR, delay) entry on the broker's request error stack for that
// Produce request (the mock appends, then delays the response); in the model, a hold-ack fault on
// the record that request carries first. The driver sends one message per request; afterwards it
// reads the partition from offset 0. The model must predict the whole log: which values appear
// twice and where. Without idempotence, the held record and every record in flight behind it are
// appended twice; with idempotence, none is. The mock's log is only evidence if librdkafka really
// resent an appended batch, so each scenario also checks librdkafka's own lines: the ProduceRequest
// timed out in flight and its batch was sent again as "possibly persisted".
//
// The chosen requests are counted at the broker from 1, retries included; the test takes the
// numbers from the model's order of produce requests, so a model that sends in another order puts
// the fault on another record and fails here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLibrdkafka, type Librdkafka } from "../../scripts/librdkafka.mjs";
import { finalLog } from "../../src/sims/kafka/check";
import type { KafkaRun } from "../../src/sims/kafka/model";
import { model } from "../unit/sims/kafka/support";

interface Scenario {
  readonly name: string;
  readonly idempotence: boolean;
  readonly maxInFlight: number;
  readonly records: number;
  /** Records whose first produce request has its answer held. */
  readonly held: readonly number[];
  /**
   * Compare the mock's log with the model's. Off where the mock itself deduplicates wrongly: its
   * window of a producer's last five sequence numbers is rewound by each duplicate it drops
   * (rd_kafka_mock_validate_records), so with more than one resent request it appends the third
   * and later copies. There the client side is compared: which records librdkafka resent, with which
   * sequence numbers.
   */
  readonly compareLog: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  { name: "no idempotence, 1 in flight", idempotence: false, maxInFlight: 1, records: 12, held: [4], compareLog: true },
  { name: "no idempotence, 1 in flight, two held answers", idempotence: false, maxInFlight: 1, records: 12, held: [2, 9], compareLog: true },
  { name: "no idempotence, 5 in flight", idempotence: false, maxInFlight: 5, records: 12, held: [4], compareLog: true },
  { name: "no idempotence, 5 in flight, two held answers", idempotence: false, maxInFlight: 5, records: 16, held: [3, 12], compareLog: true },
  { name: "idempotence, 1 in flight", idempotence: true, maxInFlight: 1, records: 12, held: [4], compareLog: true },
  { name: "idempotence, 1 in flight, two held answers", idempotence: true, maxInFlight: 1, records: 12, held: [2, 9], compareLog: true },
  { name: "idempotence, 5 in flight", idempotence: true, maxInFlight: 5, records: 12, held: [4], compareLog: false },
];

const REQUEST_TIMEOUT_MS = 1000;
const RETRY_BACKOFF_MS = 100;
const RETRIES = 3;
/** Longer than the timeout plus librdkafka's once-a-second timeout scan: the answer never arrives before the timeout. */
const HOLD_MS = 5000;

interface DeliveryResult {
  readonly records: [string, number][];
  readonly reports: { value: string; offset: number | null; error: string | null }[];
  readonly log: string[];
  readonly faultEntriesLeft: number;
  readonly seconds: number;
}

let kafka: Librdkafka | undefined;
const started = Date.now();
const totals = { scenarios: 0, records: 0, librdkafkaDuplicates: 0, modelDuplicates: 0, resent: 0, clientSideOnly: 0 };

before(async () => {
  kafka = await startLibrdkafka();
  console.log(`librdkafka ${kafka.librdkafka} (confluent-kafka ${kafka.binding})`);
});

after(async () => {
  await kafka?.stop();
  console.log(
    `librdkafka delivery: ${totals.scenarios} scenarios; records compared: ${totals.records}; duplicates: librdkafka ${totals.librdkafkaDuplicates}, model ${totals.modelDuplicates}; batches librdkafka resent after a timeout: ${totals.resent}; scenarios compared on the client side only: ${totals.clientSideOnly}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
});

function modelRun(sc: Scenario): KafkaRun {
  const faults = sc.held.map((r) => `  - { type: hold-ack, record: ${r} }\n`).join("");
  return model(
    `brokers: 1\nreplicationFactor: 1\npartitions: 1\nconsumers: 0\nacks: all\nidempotence: ${sc.idempotence}\nmaxInFlight: ${sc.maxInFlight}\n` +
      `retries: ${RETRIES}\nrequestTimeoutMs: ${REQUEST_TIMEOUT_MS}\nretryBackoffMs: ${RETRY_BACKOFF_MS}\n` +
      `workload: { records: ${sc.records}, keys: 1, everyMs: 0 }\nuntilMs: 20000\nfaults:\n${faults}`,
  );
}

/** The produce requests in the order the model's producer sent them (one record each), as record numbers. */
function requestOrder(run: KafkaRun): number[] {
  return run.events
    .filter((e) => e.kind === "send" && e.actor === "producer")
    .flatMap((e) => /^(?:produce|resend) #(\d+)/.exec(e.text)?.[1] ?? [])
    .map(Number);
}

/** Values that appear more than once, in the order of their second appearance. */
function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}

/** librdkafka's lines for batches that timed out in flight and go back to the queue as possibly persisted: [MsgId, BaseSeq]. */
function resentBatches(log: readonly string[]): [number, number][] {
  return log.flatMap((l) => {
    const m = /MessageSet with 1 message\(s\) \(MsgId (\d+), BaseSeq (-?\d+)\) encountered error: Local: Timed out \(actions Retry,MsgPossiblyPersisted\)/.exec(
      l,
    );
    return m ? [[Number(m[1]), Number(m[2])] as [number, number]] : [];
  });
}

/** The fault fired, and librdkafka resent what it had no answer for, as the model did: the evidence of a retry. Returns the batches resent. */
function checkRetries(sc: Scenario, got: DeliveryResult, run: KafkaRun): number {
  const resentByModel = run.sent.filter((s) => s.attempts > 1);
  assert.equal(got.faultEntriesLeft, 0, "every queued entry met its Produce request");
  assert.ok(
    got.log.some((l) => l.includes("Timed out ProduceRequest in flight")),
    `no ProduceRequest timed out:\n${got.log.join("\n")}`,
  );
  const resent = resentBatches(got.log);
  assert.equal(resent.length, resentByModel.length, `librdkafka resent ${resent.length} batches, the model ${resentByModel.length}:\n${got.log.join("\n")}`);
  if (sc.idempotence)
    assert.deepEqual(
      resent.map(([msgId, seq]) => `v${msgId} seq ${seq}`),
      resentByModel.map((s) => `v${s.id} seq ${s.seq}`),
      "librdkafka resent the same records with their first sequence numbers",
    );
  assert.ok(
    got.reports.every((r) => r.error === null),
    `failed deliveries: ${JSON.stringify(got.reports.filter((r) => r.error))}`,
  );
  return resent.length;
}

/** The partition read back against the model's log, value by value; returns the duplicates on each side. */
function compareLogs(sc: Scenario, got: DeliveryResult, run: KafkaRun): { theirs: string[]; ours: string[] } {
  const theirs = got.records.map(([v]) => v);
  const ours = finalLog(run.partitions[0]!).map((e) => `v${e.rec}`);
  assert.deepEqual(duplicates(theirs), duplicates(ours), `duplicates: librdkafka ${duplicates(theirs).join(" ")}, model ${duplicates(ours).join(" ")}`);
  assert.deepEqual(theirs, ours, "the whole log, in order");
  if (sc.idempotence) assert.deepEqual(duplicates(theirs), []);
  else assert.ok(duplicates(theirs).length >= sc.held.length, "each held answer left a duplicate");
  // The application produced each value once, and its delivery report names the copy the retry
  // wrote: the first copy is the one whose answer never came.
  for (const v of sc.idempotence ? [] : duplicates(theirs)) {
    const offsets = got.records.filter(([x]) => x === v).map(([, o]) => o);
    assert.deepEqual(
      got.reports.filter((r) => r.value === v).map((r) => r.offset),
      [offsets[1]],
      `${v} at ${offsets.join(", ")}`,
    );
  }
  return { theirs: duplicates(theirs), ours: duplicates(ours) };
}

for (const [i, sc] of SCENARIOS.entries()) {
  test(`a held produce answer, ${sc.name}: librdkafka's mock cluster holds the log the model predicts`, async () => {
    const run = modelRun(sc);
    const order = requestOrder(run);
    const delayedRequests = sc.held.map((r) => order.indexOf(r) + 1);
    assert.ok(
      delayedRequests.every((n) => n > 0),
      `the model sent no request for ${sc.held.join(", ")}`,
    );
    const scenario = {
      topic: `delivery-${i}`,
      records: Array.from({ length: sc.records }, (_, k) => `v${k + 1}`),
      idempotence: sc.idempotence,
      maxInFlight: sc.maxInFlight,
      retries: RETRIES,
      retryBackoffMs: RETRY_BACKOFF_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      delayedRequests,
      delayMs: HOLD_MS,
    };
    const got = await kafka!.request<DeliveryResult>({ op: "delivery", scenario });
    totals.resent += checkRetries(sc, got, run);
    if (sc.compareLog) {
      const dups = compareLogs(sc, got, run);
      totals.records += got.records.length;
      totals.librdkafkaDuplicates += dups.theirs.length;
      totals.modelDuplicates += dups.ours.length;
    } else {
      assert.deepEqual(duplicates(finalLog(run.partitions[0]!).map((e) => `v${e.rec}`)), [], "the model's broker drops every copy");
      totals.clientSideOnly++;
    }
    totals.scenarios++;
  });
}
