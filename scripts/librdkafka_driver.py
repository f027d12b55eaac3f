#!/usr/bin/python3
"""librdkafka's partitioner, consumer-group assignors and producer retries, driven for the `librdkafka` test tier.

Speaks JSON lines: one request per line on stdin, one reply per line on stdout. It creates one
librdkafka mock cluster (three in-process brokers on 127.0.0.1, no JVM, no broker to install)
through librdkafka's C API (ctypes: rd_kafka_mock_cluster_new and rd_kafka_mock_topic_create,
which the Python binding 1.7 does not wrap and whose mock brokers answer no CreateTopics), and
points ordinary confluent_kafka producers and consumers at its bootstrap servers.

Requests:
  {"op": "hello"}                                   -> {"librdkafka": "2.0.2", "binding": "1.7.0", "bootstrap": "..."}
  {"op": "keys", "topic", "partitions", "keys"}     -> {"partitions": [p for each key]}
      produces every key (UTF-8) with partitioner=murmur2_random, reads each delivery report.
  {"op": "groups", "groups": [spec, ...]}           -> {"groups": [result, ...]}
      runs the groups at the same time. spec: {"id", "strategy", "topics": {name: partitions},
      "steps": [{"join": [{"name", "topics"}]} | {"leave": [name]}]}. After each step it waits until
      the group has settled and records every live member's member id, generation and assignment,
      the assign/revoke callbacks of the step, each with the generation it came in, and what it
      owned when it sent each JoinGroup request, by the generation that request was answered with.
  {"op": "delivery", "scenario": spec}              -> {"records", "reports", "log", "faultEntriesLeft", "seconds"}
      on a mock cluster of its own (one broker), holds the answers to chosen Produce requests past
      the request timeout, produces the values (one per request), then reads the partition back;
      see delivery() below.
"""
import ctypes
import json
import logging
import os
import sys
import threading
import time

import confluent_kafka
from confluent_kafka import Consumer, Producer

SESSION_TIMEOUT_MS = 4000  # above the mock's 3 s initial join delay, so first joiners do not time out
PARALLEL_GROUPS = 8  # groups run at the same time (each consumer brings a handful of threads)
SETTLE_QUIET_S = 0.6  # no callback nor JoinGroup response for this long: the group has settled
STEP_TIMEOUT_S = 40


def mock_cluster(brokers):
    """A mock cluster of `brokers` brokers in this process: the library (for fault injection), the
    cluster, its bootstrap servers, and a function that creates a topic on it."""
    lib = ctypes.CDLL("librdkafka.so.1")
    lib.rd_kafka_conf_new.restype = ctypes.c_void_p
    lib.rd_kafka_conf_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.rd_kafka_new.restype = ctypes.c_void_p
    lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.rd_kafka_mock_cluster_new.restype = ctypes.c_void_p
    lib.rd_kafka_mock_cluster_new.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
    lib.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
    lib.rd_kafka_mock_topic_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
    lib.rd_kafka_mock_broker_error_stack_cnt.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.c_int16, ctypes.POINTER(ctypes.c_size_t)]
    err = ctypes.create_string_buffer(512)
    conf = lib.rd_kafka_conf_new()
    # The handle only hosts the mock cluster: no bootstrap servers, so it connects nowhere (and
    # would warn about it at log level 5).
    lib.rd_kafka_conf_set(conf, b"log_level", b"3", err, 512)
    rk = lib.rd_kafka_new(0, conf, err, 512)
    if not rk:
        raise RuntimeError(err.value.decode())
    cluster = lib.rd_kafka_mock_cluster_new(rk, brokers)
    bootstrap = lib.rd_kafka_mock_cluster_bootstraps(cluster).decode()

    def create_topic(name, partitions):
        code = lib.rd_kafka_mock_topic_create(cluster, name.encode(), partitions, 1)
        if code != 0:
            raise RuntimeError(f"rd_kafka_mock_topic_create({name}, {partitions}) failed with {code}")

    return lib, cluster, bootstrap, create_topic


def produce_keys(bootstrap, topic, keys):
    producer = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random", "linger.ms": 20, "log_level": 3})
    out = [None] * len(keys)
    errors = []

    def delivered(index):
        def cb(err, msg):
            if err is not None:
                errors.append(str(err))
            else:
                out[index] = msg.partition()

        return cb

    for i, key in enumerate(keys):
        while True:
            try:
                producer.produce(topic, key=key.encode("utf-8"), value=b"", on_delivery=delivered(i))
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    left = producer.flush(30)
    if left or errors or any(p is None for p in out):
        raise RuntimeError(f"{left} messages undelivered, errors: {errors[:3]}")
    return out


class Member:
    """One consumer on its own thread; records its rebalance callbacks, each with the generation it
    came in, and what it owned when it sent each JoinGroup request (see AssignorLog)."""

    def __init__(self, group, name, topics, bootstrap, on_change):
        self.name = name
        self.member_id = None
        self.generation = -1  # from the group metadata, read at each callback (for `settled`)
        self.log_generation = -1  # of the last JoinGroup response in this member's log
        self.sending = []  # what it owned when it last sent a JoinGroup request
        self.joined = {}  # generation -> what it owned when it sent the JoinGroup request answered with it
        self.assignment = set()
        self.events = []
        self.reported = 0  # events already in an earlier step's snapshot
        self.on_change = on_change
        self.stop = threading.Event()
        self.runs = group["runs"]
        logger = logging.getLogger(f"{group['id']}/{name}")
        logger.propagate = False
        logger.addHandler(AssignorLog(self))
        logger.setLevel(logging.DEBUG)
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": group["id"],
                "partition.assignment.strategy": group["strategy"],
                "session.timeout.ms": SESSION_TIMEOUT_MS,
                "heartbeat.interval.ms": 100,
                "enable.auto.commit": False,
                "topic.metadata.refresh.interval.ms": 1000,
                "debug": "cgrp",
                "logger": logger,
            }
        )
        self.cooperative = group["strategy"] == "cooperative-sticky"
        self.consumer.subscribe(topics, on_assign=self.assigned, on_revoke=self.revoked, on_lost=self.revoked)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def record(self, kind, partitions):
        self.read_group_metadata()
        parts = sorted([p.topic, p.partition] for p in partitions)
        self.events.append({"type": kind, "generation": self.log_generation, "partitions": parts})
        self.on_change()

    def read_group_metadata(self):
        """The generation and member id of the rebalance being handled, from the serialized group
        metadata ("CGMDv2:", the generation as a native int32, then the group id and the member id,
        each ending in NUL): the binding has no call for either."""
        raw = self.consumer.consumer_group_metadata()
        if not raw.startswith(b"CGMDv2:"):
            raise RuntimeError(f"unexpected consumer group metadata {raw[:16]!r}")
        self.generation = int.from_bytes(raw[7:11], sys.byteorder, signed=True)
        self.member_id = raw[11:].split(b"\0")[1].decode()

    def assigned(self, _consumer, partitions):
        keys = {(p.topic, p.partition) for p in partitions}
        self.assignment = self.assignment | keys if self.cooperative else keys
        self.record("assign", partitions)

    def revoked(self, _consumer, partitions):
        keys = {(p.topic, p.partition) for p in partitions}
        self.assignment = self.assignment - keys if self.cooperative else set()
        self.record("revoke", partitions)

    def run(self):
        while not self.stop.is_set():
            self.consumer.poll(0.05)
        self.consumer.close()

    def leave(self):
        self.stop.set()
        self.thread.join(30)


class AssignorLog(logging.Handler):
    """Reads this member's debug log. The binding serves librdkafka's log lines from the same queue
    as the rebalance callbacks, in the order librdkafka queued them, so this stream says:
    - what the member owned when it sent each JoinGroup request (the "Joining group" line comes as
      the request is sent, after every callback of the partitions it counts: librdkafka changes the
      group assignment as it queues a callback), filed under the generation its response gives;
    - the generation each callback belongs to (the last JoinGroup response before it);
    - when this member led a rebalance, what librdkafka's assignor saw and decided
      (rd_kafka_assignor_run): the members with their subscriptions and how many partitions each
      said it owned, then each member's assignment."""

    def __init__(self, member):
        super().__init__()
        self.member = member
        self.generation = -1
        self.run = None
        self.current = None
        self.phase = "members"

    def emit(self, record):
        text = record.getMessage()
        if not text.startswith(("ASSIGN ", "JOINGROUP ", "JOIN ")):
            return
        message = text.split("]: ", 1)[1]
        if text.startswith("JOIN ") and 'Joining group "' in message:
            self.member.sending = sorted(list(tp) for tp in self.member.assignment)
        elif message.startswith("JoinGroup response: GenerationId "):
            self.generation = int(message.split("GenerationId ", 1)[1].split(",", 1)[0])
            self.member.log_generation = self.generation
            self.member.joined[self.generation] = self.member.sending
        elif message.startswith("Group ") and " assignor for " in message:
            self.run = {"generation": self.generation, "leader": self.member.name, "members": {}, "assignment": {}}
            self.phase = "members"
            self.member.runs.append(self.run)
        elif self.run is None:
            return
        elif message.startswith("Group ") and " assignment for " in message:
            self.phase = "assignment"
        elif message.startswith(" Member "):
            member_id = message.split('"', 2)[1]
            count = int(message.split(" with " if self.phase == "members" else " assigned ", 1)[1].split(" ", 1)[0])
            if self.phase == "members":
                self.current = {"topics": [], "ownedCount": count}
                self.run["members"][member_id] = self.current
            else:
                self.current = self.run["assignment"].setdefault(member_id, [])
        elif message.startswith("  ") and " [" in message:
            topic, partition = message.strip().rsplit(" [", 1)
            if self.phase == "members":
                self.current["topics"].append(topic)
            else:
                self.current.append([topic, int(partition.rstrip("]"))])
        elif message.startswith("Group "):
            self.run = None  # the assignor's report is over


def settled(group, members, since_generation, last_change):
    live = list(members.values())
    if not live or time.time() - last_change[0] < SETTLE_QUIET_S:
        return False
    generations = {m.generation for m in live}
    if len(generations) != 1 or next(iter(generations)) <= since_generation or any(m.member_id is None for m in live):
        return False
    owned = [tp for m in live for tp in m.assignment]
    wanted = {(t, p) for t, n in group["topics"].items() if any(t in m_topics for m_topics in group["subscriptions"].values()) for p in range(n)}
    return len(owned) == len(set(owned)) and set(owned) == wanted


def run_group(group, bootstrap, create_topic):
    for topic, partitions in group["topics"].items():
        create_topic(topic, partitions)
    members = {}
    last_change = [time.time()]
    group["subscriptions"] = {}
    group["runs"] = []

    def changed():
        last_change[0] = time.time()

    snapshots = []
    generation = -1
    try:
        for step in group["steps"]:
            for j in step.get("join", []):
                group["subscriptions"][j["name"]] = j["topics"]
                members[j["name"]] = Member(group, j["name"], j["topics"], bootstrap, changed)
            for name in step.get("leave", []):
                members.pop(name).leave()
                del group["subscriptions"][name]
            changed()
            deadline = time.time() + STEP_TIMEOUT_S
            while not settled(group, members, generation, last_change):
                if time.time() > deadline:
                    raise RuntimeError(f"group {group['id']} did not settle within {STEP_TIMEOUT_S} s after step {step}")
                time.sleep(0.05)
            generation = next(iter(members.values())).generation
            snapshots.append({"generation": generation, "members": [snapshot(m, group) for m in members.values()]})
    finally:
        for m in members.values():
            m.stop.set()
    for m in members.values():
        m.leave()
    return {"id": group["id"], "snapshots": snapshots, "runs": group["runs"]}


def snapshot(member, group):
    """A settled member: its id, subscription, assignment, and the callbacks since the last snapshot."""
    events = member.events[member.reported :]
    member.reported += len(events)
    assignment = sorted(list(tp) for tp in member.assignment)
    return {"name": member.name, "memberId": member.member_id, "topics": group["subscriptions"][member.name], "assignment": assignment, "events": events, "joined": member.joined}


def run_groups(groups, bootstrap, create_topic):
    results = [None] * len(groups)
    failures = []
    slots = threading.Semaphore(PARALLEL_GROUPS)

    def work(i, g):
        with slots:
            started = time.time()
            try:
                results[i] = run_group(g, bootstrap, create_topic)
                print(f"{g['id']}: {len(g['steps'])} steps in {time.time() - started:.1f} s", file=sys.stderr, flush=True)
            except Exception as e:  # reported to the test, which fails
                failures.append(f"{g['id']}: {e}")
                print(f"{g['id']}: {e}", file=sys.stderr, flush=True)

    threads = [threading.Thread(target=work, args=(i, g), daemon=True) for i, g in enumerate(groups)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError("; ".join(failures))
    return results


# ---- delivery: a forced retry of a produce request the broker appended ----
#
# Each scenario gets its own mock cluster of one broker (id 1), so the fault queued on it cannot
# reach another scenario's requests. The fault is the mock's per-broker request error stack
# (rd_kafka_mock_broker_push_request_error_rtts): for the Produce requests before the chosen one an
# entry (NO_ERROR, 0 ms), then (NO_ERROR, delay_ms). The mock's Produce handler appends the records
# of a request whose entry is NO_ERROR, and the entry's delay only holds its response back
# (rdkafka_mock.c, v2.0.2), so the chosen request is in the log while its answer, and every answer
# queued behind it on the connection, waits longer than the request's timeout. librdkafka's timeout
# scan (once a second) times those requests out, closes the connection (socket.max.fails=1, the
# default) and puts their batches back in the partition's queue as "possibly persisted", to be sent
# again after retry.backoff.ms.


class DeliveryLog(logging.Handler):
    """Keeps librdkafka's lines about timed-out requests (REQTMOUT), closed connections (FAIL) and
    message sets that failed and go back to the queue (MSGSET, debug=msg)."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        text = record.getMessage()
        if text.startswith(("REQTMOUT ", "FAIL ")) or (text.startswith("MSGSET ") and "encountered error" in text):
            self.lines.append(text)


def queue_delayed_answers(lib, cluster, delays_ms):
    """Queues one entry per Produce request on broker 1: (NO_ERROR, delay) in request order."""
    args = []
    for d in delays_ms:
        args += [ctypes.c_int(0), ctypes.c_int(d)]
    code = lib.rd_kafka_mock_broker_push_request_error_rtts(ctypes.c_void_p(cluster), ctypes.c_int32(1), ctypes.c_int16(0), ctypes.c_size_t(len(delays_ms)), *args)
    if code != 0:
        raise RuntimeError(f"rd_kafka_mock_broker_push_request_error_rtts failed with {code}")


def entries_left(lib, cluster):
    left = ctypes.c_size_t(0)
    lib.rd_kafka_mock_broker_error_stack_cnt(ctypes.c_void_p(cluster), 1, 0, ctypes.byref(left))
    return left.value


def produce_with_fault(bootstrap, spec, log):
    """Produces spec["records"] values, one message per request, and waits for every delivery report."""
    logger = logging.getLogger(f"delivery/{spec['topic']}")
    logger.propagate = False
    logger.addHandler(log)
    logger.setLevel(logging.DEBUG)
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": spec["idempotence"],
            "max.in.flight.requests.per.connection": spec["maxInFlight"],
            "retries": spec["retries"],
            "retry.backoff.ms": spec["retryBackoffMs"],
            # A ProduceRequest times out at the first message's message.timeout.ms, capped by
            # socket.timeout.ms (rd_kafka_ProduceRequest): request.timeout.ms only goes to the broker.
            "socket.timeout.ms": spec["requestTimeoutMs"],
            "request.timeout.ms": spec["requestTimeoutMs"],
            "message.timeout.ms": 60000,
            "linger.ms": 0,
            "batch.num.messages": 1,
            "debug": "msg,broker",
            "logger": logger,
            # The mock checks producer ids and sequence numbers only for a transactional producer
            # (rd_kafka_mock_validate_records returns at once without a transactional id): the
            # idempotent scenario runs its records in one transaction.
            **({"transactional.id": f"{spec['topic']}-txn"} if spec["idempotence"] else {}),
        }
    )
    if spec["idempotence"]:
        producer.init_transactions(30)
        producer.begin_transaction()
    reports = []

    def delivered(err, msg):
        reports.append({"value": msg.value().decode(), "offset": msg.offset(), "error": None if err is None else err.name()})

    for value in spec["records"]:
        producer.produce(spec["topic"], value=value.encode(), partition=0, on_delivery=delivered)
        producer.poll(0)
    left = producer.flush(60)
    if left:
        raise RuntimeError(f"{left} messages undelivered")
    if spec["idempotence"]:
        producer.commit_transaction(30)
    return reports


def read_partition(bootstrap, topic):
    """Every record of partition 0 from offset 0 to its end, as [value, offset] (read_committed)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-reader", "enable.auto.commit": False, "enable.partition.eof": True, "log_level": 3})
    consumer.assign([confluent_kafka.TopicPartition(topic, 0, 0)])
    out = []
    deadline = time.time() + 20
    while True:
        if time.time() > deadline:
            raise RuntimeError(f"{topic}: no end of partition after {len(out)} records")
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        if msg.error() is None:
            out.append([msg.value().decode(), msg.offset()])
        elif msg.error().code() == confluent_kafka.KafkaError._PARTITION_EOF:
            break
        else:
            raise RuntimeError(f"{topic}: {msg.error()}")
    consumer.close()
    return out


def delivery(spec):
    """One scenario: spec {"topic", "records": [value], "idempotence", "maxInFlight", "retries",
    "retryBackoffMs", "requestTimeoutMs", "delayedRequests": [n], "delayMs"}, where n counts the
    Produce requests the broker gets from 1. Returns the log, the delivery reports and the evidence."""
    lib, cluster, bootstrap, create_topic = mock_cluster(1)
    create_topic(spec["topic"], 1)
    last = max(spec["delayedRequests"])
    queue_delayed_answers(lib, cluster, [spec["delayMs"] if n in spec["delayedRequests"] else 0 for n in range(1, last + 1)])
    log = DeliveryLog()
    started = time.time()
    reports = produce_with_fault(bootstrap, spec, log)
    return {
        "records": read_partition(bootstrap, spec["topic"]),
        "reports": reports,
        "log": log.lines,
        "faultEntriesLeft": entries_left(lib, cluster),
        "seconds": round(time.time() - started, 2),
    }


def main():
    _, _, bootstrap, create_topic = mock_cluster(3)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            op = request["op"]
            if op == "hello":
                reply = {"librdkafka": confluent_kafka.libversion()[0], "binding": confluent_kafka.version()[0], "bootstrap": bootstrap}
            elif op == "keys":
                create_topic(request["topic"], request["partitions"])
                reply = {"partitions": produce_keys(bootstrap, request["topic"], request["keys"])}
            elif op == "delivery":
                reply = delivery(request["scenario"])
            elif op == "groups":
                reply = {"groups": run_groups(request["groups"], bootstrap, create_topic)}
            else:
                reply = {"error": f"unknown op {op}"}
        except Exception as e:
            reply = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
    # The mock cluster's handle is never destroyed: leave at once instead of waiting on its threads.
    sys.stdout.flush()
    os._exit(0)
