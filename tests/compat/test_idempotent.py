"""Idempotent producers: InitProducerId and the per-partition sequence checks, through
confluent-kafka (librdkafka, enable.idempotence) and kafkajs (idempotent: true)."""
import json
import os
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker, run

HERE = os.path.dirname(os.path.abspath(__file__))


def create(broker, topic, partitions):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(15)


def read_partition(broker, topic, partition, count, timeout=60):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 100})
    consumer.assign([TopicPartition(topic, partition, 0)])
    messages = []
    deadline = time.monotonic() + timeout
    # Reads past `count` for a moment too, so a duplicate at the end would be seen.
    while time.monotonic() < deadline:
        batch = consumer.consume(num_messages=5000, timeout=0.5)
        fresh = [m for m in batch if not m.error()]
        messages.extend(fresh)
        if len(messages) >= count and not fresh:
            break
    consumer.close()
    return messages


def produce_idempotently(broker, topic, count, partitions, prefix):
    producer = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True,
                         "linger.ms": 5, "batch.num.messages": 1000})
    reports = []
    for i in range(count):
        while True:
            try:
                producer.produce(topic, key=str(i), value=f"{prefix}-{i}", partition=i % partitions,
                                 on_delivery=lambda error, message: reports.append((error, message)))
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    assert producer.flush(60) == 0
    return reports


def test_confluent_kafka_idempotent_producer_exactly_once_in_order(broker):
    topic, partitions, count = "idempotent.python", 6, 100_000
    create(broker, topic, partitions)
    reports = produce_idempotently(broker, topic, count, partitions, "v")
    assert len(reports) == count
    errors = [error for error, _ in reports if error is not None]
    assert errors == [], errors[:5]
    for partition in range(partitions):
        expected = [f"v-{i}" for i in range(partition, count, partitions)]
        offsets = sorted(m.offset() for _, m in reports if m.partition() == partition)
        assert offsets == list(range(len(expected))), partition
        messages = read_partition(broker, topic, partition, len(expected))
        assert [m.value().decode() for m in messages] == expected, partition
        assert [m.offset() for m in messages] == list(range(len(expected)))


def test_producer_ids_stay_unique_across_a_restart():
    first = Broker()
    directory, port = first.directory, first.port
    try:
        create(first, "idempotent.restart", 1)
        reports = produce_idempotently(first, "idempotent.restart", 1000, 1, "a")
        assert all(error is None for error, _ in reports)
    finally:
        first.stop(keep_data=True)
    with open(os.path.join(directory, "laminar-data", "producer-id-block")) as block:
        reserved = int(block.read())
    assert reserved > 0
    second = Broker(directory=directory, port=port)
    try:
        # A new producer after the restart continues on the partition whose producer state was
        # rebuilt from the log, and gets an id from a new block.
        reports = produce_idempotently(second, "idempotent.restart", 1000, 1, "b")
        assert all(error is None for error, _ in reports)
        messages = read_partition(second, "idempotent.restart", 0, 2000)
        assert [m.value().decode() for m in messages] == (
            [f"a-{i}" for i in range(1000)] + [f"b-{i}" for i in range(1000)])
        with open(os.path.join(directory, "laminar-data", "producer-id-block")) as block:
            assert int(block.read()) > reserved
    finally:
        second.stop()


def test_kafkajs_idempotent_producer(broker):
    result = run(["node", os.path.join(HERE, "kafkajs_idempotent.js"), broker.bootstrap],
                 cwd=HERE)
    assert result.returncode == 0, result.stdout + result.stderr
    sent = json.loads(result.stdout)
    assert all(r["errorCode"] == 0 for r in sent)
    for partition in range(3):
        messages = read_partition(broker, "kafkajs.idempotent", partition, 100)
        assert [m.value().decode() for m in messages] == [
            f"js-{i}" for i in range(partition, 300, 3)], partition
