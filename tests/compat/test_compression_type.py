"""compression.type as a topic config and as the broker's default: librdkafka produces gzip
(or uncompressed) batches, the broker stores them in the topic's codec (a raw Fetch shows the
batch attributes), and a consumer reads the records back unchanged."""
from confluent_kafka import Consumer, TopicPartition

from conftest import Broker
from kafka_wire import Connection
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
