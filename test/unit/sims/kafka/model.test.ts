// The Kafka model's facts, one test each: the high watermark, acks and the ISR, elections and
// truncation, the idempotent producer, ordering under retries, eager and cooperative rebalances,
// and what each commit strategy does when a consumer crashes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../../../src/core/rng";
import { fates, finalLog, orderViolations } from "../../../../src/sims/kafka/check";
import { Cluster } from "../../../../src/sims/kafka/model/cluster";
import { partitionForKey } from "../../../../src/sims/kafka/model/partitioner";
import { cell, codes, model, setupOf } from "./support";

const fateCount = (run: ReturnType<typeof model>, fate: string) => fates(run).filter((f) => f.fate === fate).length;

test("the high watermark is the smallest log end offset over the ISR, and leaving the ISR lets it advance", () => {
  const c = new Cluster(setupOf("partitions: 1\nworkload: { records: 1 }\n"), createRng(1));
  const leader = c.brokers.get("b1")!;
  for (let i = 1; i <= 4; i++) leader.append(0, i, "k", undefined);
  const r = leader.replica(0);
  assert.equal(r.hw, 0, "followers have nothing yet");
  r.followerEnd.set("b2", 3);
  r.followerEnd.set("b3", 1);
  leader.advanceHw(0);
  assert.equal(r.hw, 1, "min(4, 3, 1)");
  c.meta[0]!.isr = ["b1", "b2"];
  leader.advanceHw(0);
  assert.equal(r.hw, 3, "b3 out of the ISR: min(4, 3)");
});

const STALLED = "faults:\n  - { type: follower-stall, broker: b2, atMs: 0 }\n  - { type: follower-stall, broker: b3, atMs: 0 }\n";

test("acks=all waits for the ISR: with both followers stalled nothing is acknowledged until they leave it", () => {
  const run = model(`partitions: 1\nminInsyncReplicas: 1\nconsumers: 0\nreplicaLagMaxMs: 100\nworkload: { records: 3, everyMs: 10 }\n${STALLED}`);
  const shrunk = run.events.find((e) => e.text.includes("ISR {b1}"))!;
  assert.ok(shrunk.atMs >= 100, `the ISR shrinks to the leader after replica.lag.time.max.ms (${shrunk.atMs} ms)`);
  for (const s of run.sent) {
    assert.equal(s.outcome, "acked");
    assert.ok(s.ackMs! >= shrunk.atMs, `#${s.id} acknowledged at ${s.ackMs} ms, after the ISR shrank`);
  }
  const one = model(`partitions: 1\nacks: 1\nconsumers: 0\nworkload: { records: 3, everyMs: 10 }\n${STALLED}`);
  assert.ok(
    one.sent.every((s) => s.ackMs! < 60),
    "acks=1: the leader answers alone, at once",
  );
});

test("with min.insync.replicas=2 an ISR of one refuses acks=all writes (NOT_ENOUGH_REPLICAS) and the producer gives up", () => {
  const o = cell(`partitions: 1\nminInsyncReplicas: 2\nretries: 1\nconsumers: 0\nworkload: { records: 12, everyMs: 20 }\n${STALLED}`);
  assert.ok(codes(o).includes("producer-gave-up"));
  assert.ok(!codes(o).includes("acknowledged-record-lost"));
  assert.match(o.verdict.findings.find((f) => f.code === "producer-gave-up")!.explanation, /NOT_ENOUGH_REPLICAS/);
});

const LOST_ACK = `partitions: 1\nminInsyncReplicas: 1\nuncleanLeaderElection: true\nconsumers: 1\nworkload: { records: 8, keys: 2, everyMs: 25 }\n${STALLED}  - { type: broker-crash, broker: b1, atMs: 400, downMs: 200 }\n`;

test("min.insync.replicas=1, the ISR shrunk to the leader, an unclean election: acknowledged records are lost, and the old leader truncates to match", () => {
  const o = cell(LOST_ACK);
  assert.deepEqual(
    codes(o)
      .filter((c) => ["acknowledged-record-lost", "unclean-election", "replica-truncated"].includes(c))
      .sort(),
    ["acknowledged-record-lost", "replica-truncated", "unclean-election"],
  );
  const lost = o.verdict.findings.find((f) => f.code === "acknowledged-record-lost")!;
  assert.match(lost.explanation, /b2 was elected although it was not in sync \(unclean leader election\)/);
  const run = model(LOST_ACK);
  const p = run.partitions[0]!;
  assert.equal(p.leader, "b2");
  assert.deepEqual(
    p.logs.b1!.map((e) => e.rec),
    p.logs.b2!.map((e) => e.rec),
    "b1 came back, asked where its epoch ended, cut its log and caught up: the replicas agree",
  );
  assert.ok(run.truncations.some((t) => t.broker === "b1" && t.to === 0 && t.recs.length === 8));
});

test("with unclean election off the same failure leaves the partition offline instead of losing acknowledged records", () => {
  const o = cell(LOST_ACK.replace("uncleanLeaderElection: true", "uncleanLeaderElection: false").replace(", downMs: 200", ""));
  assert.ok(codes(o).includes("partition-offline"));
  assert.ok(!codes(o).includes("acknowledged-record-lost"));
  assert.ok(!codes(o).includes("unclean-election"));
});

test("acks=1, followers briefly behind, a clean election: the new leader lacks acknowledged records and the old one truncates them (KIP-101)", () => {
  const src =
    "partitions: 1\nacks: 1\nconsumers: 0\nworkload: { records: 20, everyMs: 4 }\nfaults:\n  - { type: follower-stall, broker: b2, atMs: 20, untilMs: 120 }\n" +
    "  - { type: follower-stall, broker: b3, atMs: 20, untilMs: 120 }\n  - { type: broker-crash, broker: b1, atMs: 50, downMs: 100 }\n";
  const run = model(src);
  const f = run.failovers[0]!;
  assert.equal(f.unclean, false, "b2 and b3 were still in the ISR: they had not been behind for replica.lag.time.max.ms");
  assert.deepEqual([...f.isrBefore].sort(), ["b1", "b2", "b3"]);
  const p = run.partitions[0]!;
  const leaderLog = p.logs[p.leader!]!.map((e) => `${e.rec}/${e.epoch}`);
  for (const b of ["b1", "b2", "b3"])
    assert.deepEqual(
      p.logs[b]!.map((e) => `${e.rec}/${e.epoch}`),
      leaderLog,
      `${b} holds the leader's log`,
    );
  const cut = run.truncations.find((t) => t.broker === "b1")!;
  assert.ok(cut.recs.length > 0, "the old leader cut what the new leader never had");
  const o = cell(src);
  assert.match(o.verdict.findings.find((x) => x.code === "acknowledged-record-lost")!.explanation, /With acks=1 only the leader b1 had them/);
});

const RETRIES = (extra: string) => `partitions: 1\nconsumers: 1\n${extra}records:\n  - { key: a }\n  - { key: a, atMs: 5 }\n  - { key: a, atMs: 10 }\n`;

test("a lost acknowledgement: without idempotence the retry is appended twice; with it the broker drops the copy", () => {
  const plain = model(`${RETRIES("")}faults:\n  - { type: lose-ack, record: 1 }\n`);
  assert.deepEqual(
    finalLog(plain.partitions[0]!).map((e) => e.rec),
    [1, 2, 3, 1],
  );
  const o = cell(`${RETRIES("")}faults:\n  - { type: lose-ack, record: 1 }\n`);
  assert.match(
    o.verdict.findings.find((f) => f.code === "duplicate-delivery")!.explanation,
    /#1 \(key a\) \(at p0@0 and again at offset 3\) was appended twice/,
  );
  const idem = model(`${RETRIES("idempotence: true\n")}faults:\n  - { type: lose-ack, record: 1 }\n`);
  assert.deepEqual(
    finalLog(idem.partitions[0]!).map((e) => e.rec),
    [1, 2, 3],
  );
  assert.equal(idem.dedupSeqs.length, 1);
  assert.equal(idem.sent[0]!.ackOffset, 0, "the copy is acknowledged with the original offset");
});

test("a lost request with 5 in flight reorders a key; max.in.flight=1 or idempotence keeps send order", () => {
  const fault = "faults:\n  - { type: lose-request, record: 1 }\n";
  const five = model(`${RETRIES("maxInFlight: 5\n")}${fault}`);
  assert.deepEqual(
    finalLog(five.partitions[0]!).map((e) => e.rec),
    [2, 3, 1],
  );
  assert.equal(orderViolations(five).length, 1, "#1 stored after #3 (and #2)");
  for (const extra of ["maxInFlight: 1\n", "idempotence: true\n"]) {
    const run = model(`${RETRIES(extra)}${fault}`);
    assert.deepEqual(
      finalLog(run.partitions[0]!).map((e) => e.rec),
      [1, 2, 3],
      extra,
    );
  }
  const refused = model(`${RETRIES("idempotence: true\n")}${fault}`).events.filter((e) => e.text.includes("OUT_OF_ORDER_SEQUENCE"));
  assert.ok(refused.length >= 1, "the broker refused what came after the gap");
});

test("a request timeout closes the producer's connection: the other requests in flight on it are sent again, and their late answers never reach it", () => {
  const run = model(
    `${RETRIES("replicationFactor: 1\nidempotence: true\n")}  - { key: a, atMs: 15 }\nfaults:\n  - { type: lose-ack, record: 1 }\n  - { type: lose-request, record: 3 }\n`,
  );
  const texts = run.events.map((e) => `${e.atMs} ${e.kind} ${e.text}`);
  const closed = texts.findIndex((t) => t.includes("closes its connection to b1"));
  assert.ok(closed > 0, texts.join("\n"));
  assert.match(texts[closed]!, /^300 fail closes its connection to b1: #3, #4 in flight on it fail too$/);
  assert.match(texts[closed - 1]!, /^300 fail #1: no answer in 300 ms$/);
  // #4's answer to its attempt on the closed connection was under way: drawn as lost, never handled.
  const late = texts.filter((t) => t.includes("(lost: the producer closed the connection)"));
  assert.equal(late.length, 1, texts.join("\n"));
  assert.match(late[0]!, /drop #4: OUT_OF_ORDER_SEQUENCE/);
  // #3 and #4 are sent again at once with #1, not 300 ms after their own sends: the log is in order.
  assert.deepEqual(
    finalLog(run.partitions[0]!).map((e) => e.rec),
    [1, 2, 3, 4],
  );
  for (const id of [3, 4]) assert.equal(run.sent[id - 1]!.story.filter((s) => s.what === "connection closed").length, 1, `#${id}`);
});

test("a closed connection fails only the requests waiting on it, not records already answered and waiting out their backoff", () => {
  // #1's request is lost; #2 and #3 are refused (OUT_OF_ORDER_SEQUENCE) again and again, each
  // answer followed by a backoff. When #1 times out at 300 ms neither waits for an answer.
  const run = model(`${RETRIES("idempotence: true\n")}faults:\n  - { type: lose-request, record: 1 }\n`);
  const closes = run.events.filter((e) => e.actor === "producer" && e.text.startsWith("closes its connection"));
  assert.deepEqual(
    closes.map((e) => `${e.atMs} ${e.text}`),
    ["300 closes its connection to b1"],
  );
  // Each resend of #2 follows its own answer: never two sends of #2 without an answer between.
  const two = run.events.filter(
    (e) =>
      (e.actor === "producer" && e.kind === "send" && /^(produce|resend) #2 /.test(e.text)) ||
      (e.actor === "producer" && e.kind === "receive" && /^(ack )?#2[: ]/.test(e.text)),
  );
  for (let i = 1; i < two.length; i++)
    assert.ok(!(two[i]!.kind === "send" && two[i - 1]!.kind === "send"), `#2 sent twice in a row at ${two[i - 1]!.atMs} and ${two[i]!.atMs} ms`);
  assert.deepEqual(
    finalLog(run.partitions[0]!).map((e) => e.rec),
    [1, 2, 3],
  );
});

/**
 * Two consumers; c1's first join meets the group's first generation, so generation 2 starts, and
 * c2's notice of it is lost: generation 2 completes only after c2 is told again. c1 meanwhile sends
 * its join again (no assignment in `requestTimeoutMs`), and that copy is held up until generation 2
 * is done, so it starts generation 3 ("c1 rejoined"). With `lose`, c1's assignment for generation 3
 * is lost too.
 */
function lateRejoin(commit: string, lose: boolean) {
  let notices = 0;
  let joins = 0;
  return model(`partitions: 2\nconsumers: 2\ncommit: ${commit}\nworkload: { records: 30, keys: 4, everyMs: 20 }\nuntilMs: 3000\n`, 1, (m) => {
    const b = m.body;
    if (b.t === "rebalance" && b.generation === 2 && notices++ === 0) return { drop: true };
    if (m.from === "c1" && b.t === "join" && joins++ === 1) return { delayMs: 100 };
    if (lose && m.to === "c1" && b.t === "sync" && b.generation === 3) return { drop: true };
    return undefined;
  });
}

const unprocessed = (run: ReturnType<typeof model>) => fates(run).filter((f) => f.s.outcome === "acked" && f.fate !== "once" && f.fate !== "duplicate");
const lines = (run: ReturnType<typeof model>) => run.events.map((e) => `${e.atMs} ${e.actor} ${e.kind} ${e.text}${e.peer ? ` ${e.peer}` : ""}`);

test("an assignment that answers an older join is ignored: the member waits for the one that answers its latest join", () => {
  const run = lateRejoin("after", false);
  const all = lines(run);
  const stale = all.findIndex((l) => / c1 receive assign p\d+ \(generation 2\) coordinator$/.test(l));
  const fresh = all.findIndex((l) => / c1 receive assign p\d+ \(generation 3\) coordinator$/.test(l));
  assert.ok(stale > 0 && fresh > stale, all.join("\n"));
  // Between the two c1 fetches nothing: it holds no partition of generation 2.
  assert.ok(!all.slice(stale, fresh).some((l) => / c1 send fetch /.test(l)), all.slice(stale, fresh).join("\n"));
  assert.ok(!all.some((l) => l.includes("REFUSE")), "no commit of c1's is refused");
  // The join sent again is not a restart: c1's transactions, if any, are left alone.
  assert.ok(!all.some((l) => l.includes("abort c1's open transaction")));
  assert.deepEqual(unprocessed(run), []);
});

test("the assignment for a member's latest join lost: it sends the join again after requestTimeoutMs and is assigned in the next generation", () => {
  const run = lateRejoin("transactional", true);
  const all = lines(run);
  const lost = all.findIndex((l) => / coordinator drop assign p\d+ \(generation 3\) .* c1$/.test(l));
  assert.ok(lost > 0, all.join("\n"));
  const again = all.slice(lost).find((l) => / c1 send join group coordinator$/.test(l));
  assert.ok(again, "c1 sends its join again");
  assert.ok(all.slice(lost).some((l) => / c1 receive assign p\d+ \(generation 4\) coordinator$/.test(l)));
  assert.ok(!all.some((l) => l.includes("REFUSE") || l.includes("abort c1's open transaction")));
  assert.deepEqual(unprocessed(run), []);
});

test("a zombie that never hears it was removed learns it from its refused commit, and joins again", () => {
  // c1 stops for longer than the session timeout and is removed; the heartbeat answers that would
  // tell it are lost, so the refusal of its commit is the first it hears of it.
  const run = model(
    "partitions: 1\nconsumers: 2\ncommit: after\nworkload: { records: 12, keys: 3, everyMs: 3 }\nprocessMs: 20\nfaults:\n  - { type: consumer-pause, consumer: c1, atMs: 190, downMs: 400 }\nuntilMs: 2000\n",
    1,
    (m) => (m.to === "c1" && m.body.t === "unknown-member" ? { drop: true } : undefined),
  );
  const all = lines(run);
  const refused = all.findIndex((l) => /coordinator fail REFUSE offsets .* from c1 \(generation \d+ is over\)$/.test(l));
  assert.ok(refused > 0, all.join("\n"));
  const next = all.slice(refused).find((l) => / c1 send /.test(l) && !l.includes(" heartbeat "));
  assert.match(next ?? "", / c1 send join group coordinator$/, "after the refusal c1's next request is a join");
  assert.deepEqual(unprocessed(run), []);
});

test("cooperative and transactional: batches processed while a rebalance holds the commit share one transaction, committed after it", () => {
  // c1 processes p1's and p2's first records while its join is on its way: it cannot commit
  // (Kafka's RebalanceInProgressException), so the transaction stays open for the next batch.
  const run = model("partitions: 3\nconsumers: 2\nassignor: cooperative-sticky\ncommit: transactional\nworkload: { records: 20, keys: 4, everyMs: 15 }\n", 4);
  const first = run.output.filter((o) => o.txn === "c1.1");
  assert.deepEqual(new Set(first.map((o) => o.partition)), new Set([1, 2]));
  assert.ok(
    first.every((o) => o.state === "committed"),
    first.map((o) => `#${o.rec} ${o.state}`).join(" "),
  );
  assert.deepEqual(
    fates(run)
      .filter((f) => f.fate !== "once")
      .map((f) => `#${f.s.id} ${f.fate}`),
    [],
  );
});

test("Kafka's refusals: idempotence needs acks=all and at most 5 requests in flight", () => {
  assert.throws(() => setupOf("idempotence: true\nacks: 1\nworkload: { records: 1 }\n"), /acks=all/);
  assert.throws(() => setupOf("idempotence: true\nmaxInFlight: 6\nworkload: { records: 1 }\n"), /more than 5/);
  assert.throws(() => setupOf("brokers: 2\nreplicationFactor: 3\nworkload: { records: 1 }\n"), /needs as many brokers/);
});

test("a consumer that joins later is a new one, and joins once", () => {
  const join = (...names: string[]) =>
    `consumers: 2\nworkload: { records: 1 }\nfaults:\n${names.map((c) => `  - { type: consumer-join, consumer: ${c}, atMs: 10 }\n`).join("")}`;
  assert.throws(() => setupOf(join("c2")), /c2 is in the group from the start \(consumers: 2\); one that joins later is c3 or above/);
  assert.throws(() => setupOf(join("c3", "c3")), /c3 already joins \(faults\[0\]\); a consumer joins once/);
  assert.doesNotThrow(() => setupOf(join("c3", "c4")));
});

test("Kafka's connections are TCP: network.duplicate delivers nothing twice", () => {
  const run = model("partitions: 2\nconsumers: 2\nnetwork: { duplicate: 0.5 }\nworkload: { records: 20, keys: 4, everyMs: 5 }\n");
  assert.ok(run.events.filter((e) => e.kind === "receive").length > 100);
  assert.deepEqual(
    run.events.filter((e) => e.copy).map((e) => e.text),
    [],
  );
});

test("keyed records go to murmur2(key) mod partitions, explicit partitions are kept, null keys stick to a partition for a batch", () => {
  const run = model(
    "partitions: 5\nstickyBatch: 3\nconsumers: 0\nrecords:\n  - { key: alpha }\n  - { key: beta }\n  - { key: alpha, partition: 4 }\n  - {}\n  - {}\n  - {}\n  - {}\n",
  );
  assert.equal(run.sent[0]!.partition, partitionForKey("alpha", 5));
  assert.equal(run.sent[1]!.partition, partitionForKey("beta", 5));
  assert.equal(run.sent[2]!.partition, 4);
  const nulls = run.sent.slice(3).map((s) => s.partition);
  assert.equal(new Set(nulls.slice(0, 3)).size, 1, "three null-key records on one partition");
  assert.notEqual(nulls[3], nulls[2], "the fourth starts a new batch elsewhere");
});

test("consumers read only up to the high watermark: nothing is processed before the followers have it", () => {
  const run = model(`partitions: 1\nminInsyncReplicas: 1\nconsumers: 1\nworkload: { records: 3, everyMs: 10 }\n${STALLED}`);
  const shrunk = run.events.find((e) => e.text.includes("ISR {b1}"))!;
  assert.equal(run.output.length, 3);
  assert.ok(run.output.every((o) => o.atMs > shrunk.atMs));
});

const JOIN = (assignor: string) =>
  `partitions: 12\nconsumers: 3\nassignor: ${assignor}\nworkload: { records: 120, keys: 24, everyMs: 4 }\nfaults:\n  - { type: consumer-join, consumer: c4, atMs: 300 }\nuntilMs: 2000\n`;

test("a member joins: an eager rebalance revokes every partition from everyone, a cooperative one only those that move, in two rounds", () => {
  const eager = model(JOIN("range"));
  const coop = model(JOIN("cooperative-sticky"));
  const eagerLater = eager.rebalances.filter((r) => r.startMs >= 300);
  const coopLater = coop.rebalances.filter((r) => r.startMs >= 300);
  assert.equal(eagerLater.length, 1);
  assert.deepEqual(eagerLater[0]!.revoked, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.equal(coopLater.length, 2, "a second round hands the revoked partitions over");
  const moved = coopLater.flatMap((r) => r.revoked);
  assert.equal(moved.length, 3, "12 partitions over 4 members: 3 move to the newcomer");
  assert.deepEqual(coopLater[1]!.assignment!.c4!.sort(), [...moved].sort());
  const e = cell(JOIN("range"));
  const c = cell(JOIN("cooperative-sticky"));
  assert.ok(c.metrics.stalledPartitionMs! < e.metrics.stalledPartitionMs! / 2, `${c.metrics.stalledPartitionMs} vs ${e.metrics.stalledPartitionMs}`);
});

const CRASH = (commit: string, extra = "") =>
  `partitions: 1\nconsumers: 2\ncommit: ${commit}\n${extra}processMs: 20\nworkload: { records: 12, keys: 3, everyMs: 3 }\nfaults:\n  - { type: consumer-crash, consumer: c1, atMs: 190 }\n`;

test("a consumer crashes mid-batch: commit before processing loses records, commit after processes them twice, a transaction neither", () => {
  const before = cell(CRASH("before"));
  assert.ok(codes(before).includes("record-lost"));
  assert.ok(!codes(before).includes("duplicate-delivery"));
  assert.match(
    before.verdict.findings.find((f) => f.code === "record-lost")!.explanation,
    /commit of p0→\d+ at \d+ ms, made before processing, then c1 crashed at 190 ms/,
  );
  const after = cell(CRASH("after"));
  assert.ok(codes(after).includes("duplicate-delivery"));
  assert.ok(!codes(after).includes("record-lost"));
  assert.match(
    after.verdict.findings.find((f) => f.code === "duplicate-delivery")!.explanation,
    /processed by c1, which crashed at 190 ms before committing past/,
  );
  const txn = cell(CRASH("transactional"));
  assert.equal(txn.verdict.valid, true);
  assert.equal(txn.metrics.deliveredOnce, 12);
  const uncommitted = cell(CRASH("transactional", "isolation: read_uncommitted\n"));
  assert.ok(codes(uncommitted).includes("duplicate-delivery"), "a read_uncommitted reader sees the aborted transaction's outputs");
  assert.equal(fateCount(model(CRASH("transactional")), "once"), 12);
});

test("a crashed consumer is noticed only after session.timeout.ms; a clean leave starts the rebalance at once", () => {
  const crash = model("partitions: 2\nconsumers: 2\nworkload: { records: 10, everyMs: 20 }\nfaults:\n  - { type: consumer-crash, consumer: c1, atMs: 100 }\n");
  const leave = model("partitions: 2\nconsumers: 2\nworkload: { records: 10, everyMs: 20 }\nfaults:\n  - { type: consumer-leave, consumer: c1, atMs: 100 }\n");
  const after = (r: ReturnType<typeof model>) => r.rebalances.find((x) => x.startMs >= 100)!;
  assert.match(after(crash).why, /c1 stopped heartbeating/);
  assert.ok(after(crash).startMs >= 100 + 150, `noticed at ${after(crash).startMs} ms`);
  assert.match(after(leave).why, /c1 left/);
  assert.ok(after(leave).startMs < 100 + 40, `started at ${after(leave).startMs} ms`);
});

test("a member that leaves cleanly finishes its batch and commits first: nothing lost, nothing repeated", () => {
  const o = cell(
    "partitions: 4\nreplicationFactor: 1\nconsumers: 2\nassignor: cooperative-sticky\nworkload: { records: 60, keys: 12, everyMs: 5 }\n" +
      "faults:\n  - { type: consumer-leave, consumer: c1, atMs: 150 }\nuntilMs: 2000\n",
  );
  assert.equal(o.verdict.valid, true);
  assert.equal(o.metrics.deliveredOnce, 60);
  assert.match(o.verdict.findings.find((f) => f.code === "rebalance-stall")!.explanation, /c1 left/);
});

test("acks=all with min.insync.replicas=2: requests held when the ISR shrinks to one are answered NOT_ENOUGH_REPLICAS_AFTER_APPEND, never acknowledged", () => {
  const src = `partitions: 1\nminInsyncReplicas: 2\nuncleanLeaderElection: true\nconsumers: 1\nworkload: { records: 8, keys: 2, everyMs: 25 }\n${STALLED}  - { type: broker-crash, broker: b1, atMs: 400 }\n`;
  const run = model(src);
  assert.ok(run.events.some((e) => e.text.includes("NOT_ENOUGH_REPLICAS_AFTER_APPEND")));
  assert.deepEqual(
    run.sent.filter((s) => s.outcome === "acked").map((s) => s.id),
    [],
  );
  assert.ok(!codes(cell(src)).includes("acknowledged-record-lost"));
});

test("acks=0: the producer counts a record as sent when it leaves, so a lost request is a silent loss", () => {
  const o = cell(`${RETRIES("acks: 0\n")}faults:\n  - { type: lose-request, record: 2 }\n`);
  const lost = o.verdict.findings.find((f) => f.code === "record-lost")!;
  assert.match(lost.explanation, /#2 \(key a\) never reached the log: with acks=0 the producer does not wait for an answer/);
  assert.equal(o.metrics.acknowledged, 3, "all three count as sent");
  assert.equal(o.metrics.retries, 0);
});

const ZOMBIE = (commit: string) =>
  `partitions: 1\nconsumers: 2\ncommit: ${commit}\nprocessMs: 20\nworkload: { records: 12, keys: 3, everyMs: 3 }\n` +
  "faults:\n  - { type: consumer-pause, consumer: c1, atMs: 190, downMs: 400 }\nuntilMs: 2000\n";

test("a paused consumer is removed, comes back a zombie, finishes its batch and has its commit refused: duplicates, unless the commit was a transaction's", () => {
  const after = cell(ZOMBIE("after"));
  assert.ok(codes(after).includes("commit-refused"));
  assert.match(after.verdict.findings.find((f) => f.code === "duplicate-delivery")!.explanation, /whose commit at \d+ ms was refused: generation 2 was over/);
  const run = model(ZOMBIE("after"));
  const resumed = run.events.find((e) => e.text.includes("resumes"))!;
  assert.ok(
    run.output.some((o) => o.by === "c1" && o.atMs >= resumed.atMs),
    "the zombie processed records after its pause",
  );
  const txn = cell(ZOMBIE("transactional"));
  assert.equal(txn.verdict.valid, true);
  assert.equal(txn.metrics.deliveredOnce, 12);
  assert.match(txn.verdict.findings.find((f) => f.code === "commit-refused")!.explanation, /transaction was aborted with it/);
});
