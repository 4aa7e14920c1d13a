"""compression.type as a topic config and as the broker's default: librdkafka produces gzip
(or uncompressed) batches, the broker stores them in the topic's codec (a raw Fetch shows the
batch attributes), and a consumer reads the records back unchanged."""
import time

from confluent_kafka import Consumer, TopicPartition

from conftest import Broker
from kafka_wire import Connection, Writer, call_once
from test_fetch_sessions import create, fetch, produce

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def batch_codecs(bootstrap, topic):
    """The codec of every batch in partition 0, read with a raw Fetch v12."""
    connection = Connection(bootstrap)
    try:
        error, _, parts = fetch(connection, 0, -1, [(topic, [(0, 0)])])
    finally:
        connection.close()
    assert error == 0
    records = parts[(topic, 0)][3]
    codecs = []
    at = 0
    while at + 61 <= len(records):
        length = int.from_bytes(records[at + 8:at + 12], "big", signed=True)
        attributes = int.from_bytes(records[at + 21:at + 23], "big")
        codecs.append(attributes & 7)
        at += 12 + length
    return codecs


def consume(bootstrap, topic, count):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "compression-" + topic,
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    values = []
    try:
        while len(values) < count:
            message = consumer.poll(15)
            assert message is not None, f"only {len(values)} of {count}"
            assert message.error() is None, message.error()
            values.append(message.value())
    finally:
        consumer.close()
    return values


def test_gzip_produced_into_a_zstd_topic(broker):
    create(broker.bootstrap, "zstd-topic", 1, {"compression.type": "zstd"})
    values = [b"value-%d " % i * 20 for i in range(200)]
    produce(broker.bootstrap, "zstd-topic", 0, values, compression="gzip")
    codecs = batch_codecs(broker.bootstrap, "zstd-topic")
    assert codecs and set(codecs) == {CODECS["zstd"]}
    assert consume(broker.bootstrap, "zstd-topic", len(values)) == values


def test_producer_keeps_what_was_sent_and_uncompressed_decompresses(broker):
    create(broker.bootstrap, "kept", 1, {"compression.type": "producer"})
    create(broker.bootstrap, "plain", 1, {"compression.type": "uncompressed"})
    values = [b"record %d" % i * 10 for i in range(50)]
    produce(broker.bootstrap, "kept", 0, values, compression="snappy")
    produce(broker.bootstrap, "plain", 0, values, compression="lz4")
    assert set(batch_codecs(broker.bootstrap, "kept")) == {CODECS["snappy"]}
    assert set(batch_codecs(broker.bootstrap, "plain")) == {CODECS["none"]}
    assert consume(broker.bootstrap, "plain", len(values)) == values


def test_broker_default_applies_to_topics_without_their_own():
    running = Broker(["--set", "compression.type=lz4"])
    try:
        create(running.bootstrap, "defaulted", 1)
        create(running.bootstrap, "own", 1, {"compression.type": "producer"})
        values = [b"x%d" % i * 30 for i in range(100)]
        produce(running.bootstrap, "defaulted", 0, values)
        produce(running.bootstrap, "own", 0, values, compression="gzip")
        assert set(batch_codecs(running.bootstrap, "defaulted")) == {CODECS["lz4"]}
        assert set(batch_codecs(running.bootstrap, "own")) == {CODECS["gzip"]}
        assert consume(running.bootstrap, "defaulted", len(values)) == values
        # DescribeConfigs shows the broker's value for the topic without its own, as Kafka does:
        # source STATIC_BROKER_CONFIG. (confluent-kafka keys synonyms by name, and all three of
        # compression.type's share it, so only the last one is visible here.)
        from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource
        admin = AdminClient({"bootstrap.servers": running.bootstrap})
        for topic, value, source in (("defaulted", "lz4", ConfigSource.STATIC_BROKER_CONFIG),
                                     ("own", "producer", ConfigSource.DYNAMIC_TOPIC_CONFIG)):
            resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
            entry = admin.describe_configs([resource])[resource].result(timeout=15)[
                "compression.type"]
            assert (entry.value, entry.source) == (value, source.value), topic
    finally:
        running.stop()


def fetch_v9(bootstrap, partitions, max_wait_ms, version=9):
    """A sessionless Fetch v9 (before zstd, non-flexible) of [(topic, partition, offset,
    current_leader_epoch)], min_bytes 1. Returns ({(topic, partition): (error,
    high_watermark, record bytes)}, seconds it took)."""
    by_topic = {}
    for topic, partition, offset, epoch in partitions:
        by_topic.setdefault(topic, []).append((partition, offset, epoch))

    def each_partition(w, p):
        w.int32(p[0]).int32(p[2]).int64(p[1]).int64(-1).int32(1 << 20)

    body = Writer(False).int32(-1).int32(max_wait_ms).int32(1).int32(50 << 20).int8(0)
    body.int32(0).int32(-1)  # no session
    body.array(list(by_topic.items()),
               lambda w, t: (w.string(t[0]), w.array(t[1], each_partition)))
    body.array([], None)  # forgotten topics
    started = time.monotonic()
    reply = call_once(bootstrap, 1, version, False, body)
    took = time.monotonic() - started
    reply.int32()
    assert reply.int16() == 0
    reply.int32()
    answers = {}

    def read_partition(r, topic):
        index, code, high_watermark = r.int32(), r.int16(), r.int64()
        r.int64(), r.int64()
        r.array(lambda r: (r.int64(), r.int64()))
        size = r.int32()
        records = b"" if size < 0 else r.data[r.at:r.at + size]
        r.at += max(size, 0)
        answers[(topic, index)] = (code, high_watermark, records)

    def read_topic(r):
        topic = r.string()
        r.array(lambda r: read_partition(r, topic))

    reply.array(read_topic)
    reply.done()
    return answers, took


def test_fetch_below_v10_of_a_zstd_topic_as_kafka_answers_it(broker):
    """KafkaApis answers UNSUPPORTED_COMPRESSION_TYPE (76) for a zstd topic's partition of a
    Fetch below v10 when it sends the response: the fetch itself reads and waits as any other
    (an empty partition holds it for max_wait_ms). A leader epoch error in any partition
    answers the fetch at once (ReplicaManager: errorReadingData)."""
    create(broker.bootstrap, "zstd-old-fetch", 1, {"compression.type": "zstd"})
    create(broker.bootstrap, "plain-old-fetch", 1)
    produce(broker.bootstrap, "zstd-old-fetch", 0, [b"z1", b"z2"])
    produce(broker.bootstrap, "plain-old-fetch", 0, [b"p1"])

    answers, took = fetch_v9(broker.bootstrap, [("zstd-old-fetch", 0, 0, -1)], 5000)
    assert answers == {("zstd-old-fetch", 0): (76, -1, b"")}
    assert took < 2.5, took  # records were found: no wait
    answers, took = fetch_v9(broker.bootstrap, [("zstd-old-fetch", 0, 2, -1)], 1500)
    assert answers == {("zstd-old-fetch", 0): (76, -1, b"")}
    assert took >= 1.2, took  # nothing past the end: Kafka waits max_wait_ms first

    # Epoch 5 is past the partition's (0): UNKNOWN_LEADER_EPOCH (75), and no wait for the
    # other partition, which has nothing past offset 1.
    answers, took = fetch_v9(broker.bootstrap, [("plain-old-fetch", 0, 1, -1),
                                                ("zstd-old-fetch", 0, 2, 5)], 5000)
    assert answers[("plain-old-fetch", 0)][:2] == (0, 1)
    assert answers[("zstd-old-fetch", 0)] == (76, -1, b"")
    assert took < 2.5, took
    answers, took = fetch_v9(broker.bootstrap, [("plain-old-fetch", 0, 1, 5)], 5000)
    assert answers[("plain-old-fetch", 0)][0] == 75
    assert took < 2.5, took

    # From v10 on the records come back.
    answers, _ = fetch_v9(broker.bootstrap, [("zstd-old-fetch", 0, 0, -1)], 0, version=10)
    assert answers[("zstd-old-fetch", 0)][:2] == (0, 2)
    assert answers[("zstd-old-fetch", 0)][2]
