"""Produce and consume through real clients: kcat (keys, headers, every codec), confluent-kafka
(producer with delivery reports, consumer with assign), kafkajs (producer), and a long-polling
consumer woken by a produce."""
import json
import os
import struct
import threading
import time

import pytest
from confluent_kafka import TIMESTAMP_CREATE_TIME, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import run
from kafka_wire import Connection, Writer
from test_idempotent_wire import record_batch

HERE = os.path.dirname(os.path.abspath(__file__))
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def create(broker, topic, partitions=1, config=None):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1, config=config or {})])[topic].result(15)


def consume_all(broker, topic, partition, count, timeout=20):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 100})
    consumer.assign([TopicPartition(topic, partition, 0)])
    messages = []
    deadline = time.monotonic() + timeout
    while len(messages) < count and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None or message.error():
            continue
        messages.append(message)
    consumer.close()
    return messages


def test_kcat_round_trips_keys_headers_and_every_codec(broker):
    for codec in CODECS:
        topic = f"kcat.{codec}"
        lines = "".join(f"k{i}:{codec}-value-{i}\n" for i in range(50))
        produced = run(["kcat", "-P", "-b", broker.bootstrap, "-t", topic, "-K:", "-z", codec,
                        "-H", "h1=v1", "-H", "trace=abc"], input=lines)
        assert produced.returncode == 0, produced.stderr
        consumed = run(["kcat", "-C", "-b", broker.bootstrap, "-t", topic, "-o", "beginning",
                        "-e", "-J"])
        assert consumed.returncode == 0, consumed.stderr
        records = [json.loads(line) for line in consumed.stdout.splitlines() if line]
        assert [r["key"] for r in records] == [f"k{i}" for i in range(50)]
        assert [r["payload"] for r in records] == [f"{codec}-value-{i}" for i in range(50)]
        assert [r["offset"] for r in records] == list(range(50))
        assert records[0]["headers"] == ["h1", "v1", "trace", "abc"]


def test_confluent_kafka_produces_and_consumes_across_partitions(broker):
    create(broker, "python.orders", partitions=4)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5,
                         "compression.type": "lz4", "acks": "all"})
    delivered = []
    for i in range(2000):
        producer.produce("python.orders", key=str(i % 17), value=f"order-{i}",
                         partition=i % 4, headers=[("n", str(i).encode())],
                         on_delivery=lambda error, message: delivered.append((error, message)))
    assert producer.flush(30) == 0
    assert len(delivered) == 2000
    assert all(error is None for error, _ in delivered)
    by_partition = {}
    for _, message in delivered:
        by_partition.setdefault(message.partition(), []).append(message.offset())
    for partition, offsets in by_partition.items():
        assert sorted(offsets) == list(range(500)), partition
    for partition in range(4):
        messages = consume_all(broker, "python.orders", partition, 500)
        assert [m.offset() for m in messages] == list(range(500))
        values = [m.value().decode() for m in messages]
        assert values == [f"order-{i}" for i in range(partition, 2000, 4)]
        assert messages[0].headers() == [("n", str(partition).encode())]


def test_list_offsets_earliest_latest_and_by_time(broker):
    create(broker, "python.times")
    producer = Producer({"bootstrap.servers": broker.bootstrap})
    base = int(time.time() * 1000) - 100000
    for i in range(10):
        producer.produce("python.times", value=f"v{i}", timestamp=base + i * 1000)
        producer.flush(10)
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "enable.auto.commit": False})
    low, high = consumer.get_watermark_offsets(TopicPartition("python.times", 0), timeout=10)
    assert (low, high) == (0, 10)
    found = consumer.offsets_for_times([TopicPartition("python.times", 0, base + 4500)],
                                       timeout=10)
    assert found[0].offset == 5
    consumer.close()


def test_a_waiting_fetch_is_woken_by_a_produce(broker):
    create(broker, "python.longpoll")
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 5000,
                         "fetch.min.bytes": 1})
    # Connected with the topic's metadata before the clock starts.
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0})
    assert "python.longpoll" in producer.list_topics("python.longpoll", timeout=10).topics
    consumer.assign([TopicPartition("python.longpoll", 0, 0)])
    consumer.poll(0.5)  # the consumer is now parked in a long poll
    sent_at = time.monotonic()
    producer.produce("python.longpoll", value="wake up")
    producer.flush(10)
    message = None
    while message is None and time.monotonic() - sent_at < 10:
        message = consumer.poll(0.1)
    received_after = time.monotonic() - sent_at
    consumer.close()
    assert message is not None and message.value() == b"wake up"
    # Woken by the append, not by the 5 s max wait.
    assert received_after < 2.5, received_after


def test_kafkajs_produces_and_kcat_reads_it_back(broker):
    result = run(["node", os.path.join(HERE, "kafkajs_produce.js"), broker.bootstrap], cwd=HERE)
    assert result.returncode == 0, result.stdout + result.stderr
    consumed = run(["kcat", "-C", "-b", broker.bootstrap, "-t", "kafkajs.produced", "-o",
                    "beginning", "-e", "-J"])
    records = [json.loads(line) for line in consumed.stdout.splitlines() if line]
    assert sorted((r["partition"], r["key"], r["payload"]) for r in records) == sorted(
        (i % 2, f"k{i}", f"js-{i}") for i in range(100))


def test_errors_kafka_clients_see(broker):
    create(broker, "python.small", config={"max.message.bytes": "2000"})
    producer = Producer({"bootstrap.servers": broker.bootstrap, "message.max.bytes": 100000})
    errors = []
    producer.produce("python.small", value=b"x" * 10000,
                     on_delivery=lambda error, message: errors.append(error))
    producer.flush(10)
    assert errors and errors[0] is not None
    assert errors[0].code() == 10  # MESSAGE_TOO_LARGE
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "enable.auto.commit": False, "auto.offset.reset": "error"})
    consumer.assign([TopicPartition("python.small", 0, 99)])
    message = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is not None and message.error():
            break
    consumer.close()
    assert message is not None and message.error() is not None  # offset out of range


def test_timestamp_bounds_refuse_records_as_kafka_does(broker):
    """message.timestamp.before.max.ms / after.max.ms (and the deprecated difference, their
    fallback): a CreateTime record outside them fails its batch with INVALID_TIMESTAMP (32) and
    nothing of it is written; LogAppendTime topics ignore them."""
    create(broker, "python.bounded", config={"message.timestamp.before.max.ms": "60000",
                                             "message.timestamp.after.max.ms": "60000"})
    create(broker, "python.difference", config={"message.timestamp.difference.max.ms": "60000"})
    create(broker, "python.appendtime", config={"message.timestamp.type": "LogAppendTime",
                                                "message.timestamp.before.max.ms": "60000"})
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0, "retries": 0})
    now = int(time.time() * 1000)
    outcomes = {}

    def report(error, message):
        key = (message.topic(), message.value())
        outcomes[key] = None if error is None else error.code()

    for topic in ("python.bounded", "python.difference", "python.appendtime"):
        for label, timestamp in (("old", now - 3_600_000), ("new", now + 3_600_000),
                                 ("now", now)):
            producer.produce(topic, value=label.encode(), timestamp=timestamp, on_delivery=report)
            producer.flush(10)
    for topic in ("python.bounded", "python.difference"):
        assert outcomes[(topic, b"old")] == 32, outcomes
        assert outcomes[(topic, b"new")] == 32, outcomes
        assert outcomes[(topic, b"now")] is None, outcomes
        assert [m.value() for m in consume_all(broker, topic, 0, 1, timeout=5)] == [b"now"]
        watermarks = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused"})
        assert watermarks.get_watermark_offsets(TopicPartition(topic, 0), timeout=10) == (0, 1)
        watermarks.close()
    assert all(outcomes[("python.appendtime", label)] is None for label in (b"old", b"new", b"now"))
    assert len(consume_all(broker, "python.appendtime", 0, 3)) == 3


def test_a_producers_log_append_time_flag_is_rewritten_to_the_topics_type(broker):
    """Kafka's LogValidator gives a batch the topic's timestamp type: on a CreateTime topic a
    batch a producer flagged LogAppendTime is stored CreateTime with its records' timestamps."""
    from test_idempotent_wire import Connection, record_batch
    create(broker, "python.flagged")
    connection = Connection(broker.bootstrap)
    try:
        flagged = record_batch(-1, -1, -1, [b"a", b"b"], attributes=0x08)
        assert connection.produce("python.flagged", flagged) == (0, 0)
    finally:
        connection.sock.close()
    records = consume_all(broker, "python.flagged", 0, 2)
    assert [(m.value(), m.timestamp()) for m in records] == [
        (b"a", (TIMESTAMP_CREATE_TIME, 1000)), (b"b", (TIMESTAMP_CREATE_TIME, 1000))]


def produce_acks_zero(connection, topic, partition, batch):
    """Produce v3 with acks=0: no response is read."""
    w = Writer(False).string(None).int16(0).int32(10000)
    w.array([topic], lambda w, t: w.string(t).array(
        [partition], lambda w, p: w.int32(p).bytes_(batch)))
    connection.correlation += 1
    header = Writer(False).int16(0).int16(3).int32(connection.correlation).string("compat")
    frame = bytes(header.out) + bytes(w.out)
    connection.sock.sendall(struct.pack(">i", len(frame)) + frame)


def test_acks_zero_is_unanswered_and_an_error_closes_the_connection(broker):
    """Kafka answers no acks=0 Produce, and closes the connection when one had an error, so the
    producer learns of it (and refreshes its metadata)."""
    create(broker, "acks-zero")
    connection = Connection(broker.bootstrap)
    try:
        produce_acks_zero(connection, "acks-zero", 0, record_batch(-1, -1, -1, [b"kept"]))
        # Unanswered: the next request's answer is the next frame on the connection.
        r = connection.call(18, 0, False, Writer(False))
        assert r.int16() == 0
        produce_acks_zero(connection, "acks-zero", 7, record_batch(-1, -1, -1, [b"lost"]))
        with pytest.raises(ConnectionError):
            connection.call(18, 0, False, Writer(False))
    finally:
        connection.close()
    assert [m.value() for m in consume_all(broker, "acks-zero", 0, 2, timeout=3)] == [b"kept"]


def produce_on_the_wire(connection, topic, acks, batch):
    """Produce v3 of one batch to partition 0: (error code, base offset)."""
    w = Writer(False).string(None).int16(acks).int32(10000)
    w.array([topic], lambda w, t: w.string(t).array([0], lambda w, p: w.int32(p).bytes_(batch)))
    r = connection.call(0, 3, False, w)
    [(_, [answer])] = r.array(lambda r: (r.string(), r.array(
        lambda r: (r.int32(), r.int16(), r.int64(), r.int64())[1:3])))
    return answer


def test_min_insync_replicas_counts_at_most_the_replicas(broker):
    """Kafka 3.7 caps min.insync.replicas at the replication factor (KAFKA-15583): a topic of
    one replica with min.insync.replicas=2 takes acks=all writes (Kafka 3.6 refused them with
    NOT_ENOUGH_REPLICAS)."""
    create(broker, "min-isr", config={"min.insync.replicas": "2"})
    connection = Connection(broker.bootstrap)
    try:
        assert produce_on_the_wire(connection, "min-isr", -1,
                                   record_batch(-1, -1, -1, [b"all"])) == (0, 0)
        assert produce_on_the_wire(connection, "min-isr", 1,
                                   record_batch(-1, -1, -1, [b"one"])) == (0, 1)
    finally:
        connection.close()
    assert [m.value() for m in consume_all(broker, "min-isr", 0, 3, timeout=3)] == [
        b"all", b"one"]
