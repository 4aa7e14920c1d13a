"""Dynamic broker configs, as Kafka's `kafka-configs --entity-type brokers` sets them: the topic
defaults (log.retention.ms, log.segment.bytes, message.max.bytes, ...) altered on the cluster-wide
default (resource "") or on one broker (its node id), through AlterConfigs (confluent-kafka) and
IncrementalAlterConfigs (raw wire). They apply at once to every topic without its own key, show
in DescribeConfigs with Kafka's sources (DYNAMIC_BROKER_CONFIG over DYNAMIC_DEFAULT_BROKER_CONFIG
over STATIC_BROKER_CONFIG), survive a restart, and keys that cannot change get Kafka's errors."""
import glob
import os

from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic

from conftest import Broker
from kafka_wire import Writer, call_once
from test_admin_configs import BROKER, DELETE, SET, TOPIC, incremental

BIG = b"b" * 25000  # over 20000, under 40000


def alter_broker(bootstrap, name, configs):
    """AlterConfigs (the whole dynamic set) of broker resource `name`; the error code or None.
    confluent-kafka 1.7 refuses an empty resource name, so "" goes over the raw wire."""
    if name == "":
        return alter_raw(bootstrap, name, configs)
    resource = ConfigResource(ConfigResource.Type.BROKER, name, set_config=configs)
    admin = AdminClient({"bootstrap.servers": bootstrap})  # alive until the answer
    try:
        admin.alter_configs([resource])[resource].result(timeout=15)
        return None
    except KafkaException as error:
        return error.args[0].code()


def alter_raw(bootstrap, name, configs):
    """AlterConfigs v1 of one broker resource; the error code or None."""
    def config(w, item):
        w.string(item[0]).string(item[1])

    body = Writer(False).array([name], lambda w, n: w.int8(BROKER).string(n).array(
        list(configs.items()), config)).boolean(False)
    reply = call_once(bootstrap, 33, 1, False, body)
    reply.int32()
    results = reply.array(lambda r: (r.int16(), r.string(), r.int8(), r.string()))
    reply.done()
    assert len(results) == 1 and results[0][2:] == (BROKER, name), results
    return results[0][0] or None


def describe_raw(bootstrap, kind, name):
    """DescribeConfigs v1 of one resource with synonyms: {key: (value, source, read_only,
    [(synonym, value, source), ...])}. Raw, since confluent-kafka keys synonyms by name and
    Kafka may list one name at two levels."""
    body = Writer(False).array([name], lambda w, n: w.int8(kind).string(n).array(
        None, None)).boolean(True)
    reply = call_once(bootstrap, 32, 1, False, body)
    reply.int32()

    def entry(r):
        key, value, read_only, source, _ = (r.string(), r.string(), r.boolean(), r.int8(),
                                            r.boolean())
        synonyms = r.array(lambda s: (s.string(), s.string(), s.int8()))
        return key, (value, source, read_only, synonyms)

    results = reply.array(lambda r: (r.int16(), r.string(), r.int8(), r.string(),
                                     dict(r.array(entry))))
    reply.done()
    assert len(results) == 1 and results[0][0] == 0, results
    return results[0][4]


def describe_cluster_defaults(bootstrap):
    """Broker resource "": {key: (value, source, read_only)}."""
    return {key: entry[:3] for key, entry in describe_raw(bootstrap, BROKER, "").items()}


def describe(admin, kind, name):
    resource = ConfigResource(kind, name)
    return admin.describe_configs([resource])[resource].result(timeout=15)


def produce_one(bootstrap, topic, value):
    """The delivery error's code of one record, or None."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0,
                         "message.send.max.retries": 0, "compression.type": "none"})
    outcome = []
    producer.produce(topic, value, on_delivery=lambda error, _: outcome.append(error))
    producer.flush(15)
    assert len(outcome) == 1
    return outcome[0].code() if outcome[0] is not None else None


def test_dynamic_defaults_apply_show_and_survive_a_restart():
    running = Broker(["--set", "log.segment.bytes=2097152"])
    try:
        admin = AdminClient({"bootstrap.servers": running.bootstrap})
        for future in admin.create_topics([
                NewTopic("plain", 1, 1),
                NewTopic("own", 1, 1, config={"max.message.bytes": "1000000"})]).values():
            future.result(timeout=15)
        assert produce_one(running.bootstrap, "plain", BIG) is None  # Kafka's default: 1 MB

        # The cluster-wide default: every topic without its own key, at once.
        assert alter_broker(running.bootstrap, "", {"message.max.bytes": "20000"}) is None
        entry = describe(admin, ConfigResource.Type.TOPIC, "plain")["max.message.bytes"]
        assert (entry.value, entry.source) == (
            "20000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)
        # Kafka's synonyms: the broker key at every level that sets it, its default last.
        assert describe_raw(running.bootstrap, TOPIC, "plain")["max.message.bytes"][3] == [
            ("message.max.bytes", "20000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value),
            ("message.max.bytes", "1048588", ConfigSource.DEFAULT_CONFIG.value)]
        topic = describe_raw(running.bootstrap, TOPIC, "plain")
        assert topic["segment.bytes"] == ("2097152", ConfigSource.STATIC_BROKER_CONFIG.value, False, [
            ("log.segment.bytes", "2097152", ConfigSource.STATIC_BROKER_CONFIG.value),
            ("log.segment.bytes", "1073741824", ConfigSource.DEFAULT_CONFIG.value)])
        # retention.ms's broker key, log.retention.ms, has no default in Kafka (log.retention.hours
        # gives it): Kafka lists no synonym, and the source is DEFAULT_CONFIG.
        assert topic["retention.ms"] == ("604800000", ConfigSource.DEFAULT_CONFIG.value, False, [])
        assert produce_one(running.bootstrap, "plain", BIG) == 10  # MSG_SIZE_TOO_LARGE
        assert produce_one(running.bootstrap, "own", BIG) is None  # its own key wins

        # This broker's own dynamic config wins over the cluster-wide default.
        assert alter_broker(running.bootstrap, "1", {"message.max.bytes": "40000"}) is None
        entry = describe(admin, ConfigResource.Type.TOPIC, "plain")["max.message.bytes"]
        assert (entry.value, entry.source) == ("40000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
        assert produce_one(running.bootstrap, "plain", BIG) is None

        # The broker resources list them with Kafka's sources; "" lists only its own keys.
        node = describe(admin, ConfigResource.Type.BROKER, "1")
        assert (node["message.max.bytes"].value, node["message.max.bytes"].source) == (
            "40000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
        assert not node["message.max.bytes"].is_read_only
        assert (node["log.segment.bytes"].value, node["log.segment.bytes"].source) == (
            "2097152", ConfigSource.STATIC_BROKER_CONFIG.value)
        assert node["num.partitions"].is_read_only
        # Unset, with a null default in Kafka: a null value (log.retention.hours gives the time).
        assert describe_raw(running.bootstrap, BROKER, "1")["log.retention.ms"] == (
            None, ConfigSource.DEFAULT_CONFIG.value, False, [])
        assert describe_cluster_defaults(running.bootstrap) == {
            "message.max.bytes": ("20000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value,
                                  False)}

        # Keys that cannot change while a broker runs, bad values, another broker's id.
        assert alter_broker(running.bootstrap, "", {"log.retention.hours": "1"}) == 42  # INVALID_REQUEST
        assert alter_broker(running.bootstrap, "1", {"num.partitions": "3"}) == 42
        assert alter_broker(running.bootstrap, "", {"log.retention.ms": "soon"}) == 40  # INVALID_CONFIG
        errors = incremental(running.bootstrap, [
            (BROKER, "", [("num.io.threads", SET, "4")]),
            (BROKER, "1", [("log.cleanup.policy", SET, "shred")]),
            (BROKER, "7", [("log.retention.ms", SET, "1000")])])
        assert [e[0] for e in errors] == [42, 40, 42]
        assert "Cannot update these configs dynamically" in errors[0][1]
        # None of them changed anything.
        assert list(describe_cluster_defaults(running.bootstrap)) == ["message.max.bytes"]
        running.stop(keep_data=True)

        running = Broker(directory=running.directory, port=running.port,
                         extra_args=["--set", "log.segment.bytes=2097152"])
        admin = AdminClient({"bootstrap.servers": running.bootstrap})
        entry = describe(admin, ConfigResource.Type.TOPIC, "plain")["max.message.bytes"]
        assert (entry.value, entry.source) == ("40000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
        assert produce_one(running.bootstrap, "plain", BIG) is None

        # IncrementalAlterConfigs DELETE: back to the cluster-wide default.
        assert incremental(running.bootstrap, [(BROKER, "1", [
            ("message.max.bytes", DELETE, None)])]) == [(0, None, BROKER, "1")]
        entry = describe(admin, ConfigResource.Type.TOPIC, "plain")["max.message.bytes"]
        assert (entry.value, entry.source) == (
            "20000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)
        assert produce_one(running.bootstrap, "plain", BIG) == 10
        # AlterConfigs replaces the whole set: an empty one removes the cluster-wide default.
        assert alter_broker(running.bootstrap, "", {}) is None
        entry = describe(admin, ConfigResource.Type.TOPIC, "plain")["max.message.bytes"]
        assert (entry.value, entry.source) == ("1048588", ConfigSource.DEFAULT_CONFIG.value)
    finally:
        running.stop()


def test_a_dynamic_segment_size_reaches_open_logs(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic("rolled", 1, 1)])["rolled"].result(timeout=15)
    assert produce_one(broker.bootstrap, "rolled", b"warm-up") is None  # opens the log
    directory = os.path.join(broker.directory, "laminar-data", "rolled-0")
    assert len(glob.glob(os.path.join(directory, "*.log"))) == 1
    assert incremental(broker.bootstrap, [(BROKER, "", [
        ("log.segment.bytes", SET, "1024")])]) == [(0, None, BROKER, "")]
    for _ in range(6):
        assert produce_one(broker.bootstrap, "rolled", b"y" * 600) is None
    assert len(glob.glob(os.path.join(directory, "*.log"))) >= 4
    # validate_only changes nothing.
    assert incremental(broker.bootstrap, [(BROKER, "", [("log.segment.bytes", DELETE, None)])],
                       validate_only=True) == [(0, None, BROKER, "")]
    entry = describe(admin, ConfigResource.Type.TOPIC, "rolled")["segment.bytes"]
    assert (entry.value, entry.source) == ("1024", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)
