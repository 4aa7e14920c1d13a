"""AlterConfigs (confluent-kafka's alter_configs, kafkajs's alterConfigs) and
IncrementalAlterConfigs (raw wire, no client here exposes it): changes show in DescribeConfigs as
DYNAMIC_TOPIC_CONFIG, reach the open partition, survive a restart, and bad requests get Kafka's
errors."""
import glob
import json
import os

from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic

from conftest import Broker, run
from kafka_wire import Writer, call_once

HERE = os.path.dirname(os.path.abspath(__file__))
SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3
TOPIC, BROKER = 2, 4


def create(admin, name, config=None):
    admin.create_topics([NewTopic(name, 1, 1, config=config or {})])[name].result(timeout=15)


def alter(admin, resource):
    try:
        admin.alter_configs([resource])[resource].result(timeout=15)
        return None
    except KafkaException as error:
        return error.args[0].code()


def described(admin, name):
    """{key: (value, source)} of a topic."""
    resource = ConfigResource(ConfigResource.Type.TOPIC, name)
    entries = admin.describe_configs([resource])[resource].result(timeout=15)
    return {key: (entry.value, entry.source) for key, entry in entries.items()}


def incremental(bootstrap, resources, validate_only=False, version=1):
    """[(error_code, message, type, name)] of an IncrementalAlterConfigs request."""
    flexible = version >= 1

    def config(w, c):
        w.string(c[0]).int8(c[1]).string(c[2]).tags()

    def resource(w, r):
        w.int8(r[0]).string(r[1]).array(r[2], config).tags()

    body = Writer(flexible).array(resources, resource).boolean(validate_only).tags()
    reply = call_once(bootstrap, 44, version, flexible, body)
    reply.int32()

    def result(r):
        outcome = (r.int16(), r.string(), r.int8(), r.string())
        r.tags()
        return outcome

    results = reply.array(result)
    reply.tags()
    reply.done()
    return results


def test_alter_configs_replaces_the_topic_overrides(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    create(admin, "altered", {"retention.ms": "3600000"})
    resource = ConfigResource(ConfigResource.Type.TOPIC, "altered",
                              set_config={"max.message.bytes": "2000", "segment.ms": "60000"})
    assert alter(admin, resource) is None
    configs = described(admin, "altered")
    dynamic = ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    default = ConfigSource.DEFAULT_CONFIG.value
    assert configs["max.message.bytes"] == ("2000", dynamic)
    assert configs["segment.ms"] == ("60000", dynamic)
    # AlterConfigs replaces the whole set: retention.ms, not named, is back to its default.
    assert configs["retention.ms"] == ("604800000", default)

    # The produce path sees the new limit at once.
    producer = Producer({"bootstrap.servers": broker.bootstrap, "message.send.max.retries": 0})
    failures = []
    producer.produce("altered", b"x" * 5000, on_delivery=lambda e, m: failures.append(e))
    producer.flush(15)
    assert failures and failures[0] is not None and failures[0].code() == 10  # MSG_SIZE_TOO_LARGE


def test_alter_configs_errors_and_validate_only(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    create(admin, "checked")
    unknown_key = ConfigResource(ConfigResource.Type.TOPIC, "checked",
                                 set_config={"retention.msec": "1"})
    assert alter(admin, unknown_key) == 40  # INVALID_CONFIG
    bad_value = ConfigResource(ConfigResource.Type.TOPIC, "checked",
                               set_config={"retention.ms": "soon"})
    assert alter(admin, bad_value) == 40
    missing = ConfigResource(ConfigResource.Type.TOPIC, "no-such-topic",
                             set_config={"retention.ms": "1000"})
    assert alter(admin, missing) == 3  # UNKNOWN_TOPIC_OR_PARTITION
    node = ConfigResource(ConfigResource.Type.BROKER, "1",
                          set_config={"log.retention.hours": "1"})
    assert alter(admin, node) == 42  # INVALID_REQUEST: not dynamic (log.retention.ms is)
    only_checked = ConfigResource(ConfigResource.Type.TOPIC, "checked",
                                  set_config={"retention.ms": "1000"})
    try:
        admin.alter_configs([only_checked], validate_only=True)[only_checked].result(timeout=15)
    except KafkaException as error:
        raise AssertionError(error)
    assert described(admin, "checked")["retention.ms"][0] == "604800000"


def test_incremental_alter_configs_per_key_operations(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    create(admin, "stepwise", {"retention.ms": "3600000", "segment.ms": "60000"})
    results = incremental(broker.bootstrap, [(TOPIC, "stepwise", [
        ("retention.ms", SET, "7200000"),
        ("segment.ms", DELETE, None),
        ("cleanup.policy", APPEND, "compact"),
    ])])
    assert results == [(0, None, TOPIC, "stepwise")]
    configs = described(admin, "stepwise")
    assert configs["retention.ms"][0] == "7200000"
    assert configs["segment.ms"][0] == "604800000"  # deleted: the default
    assert configs["cleanup.policy"][0] == "delete,compact"

    results = incremental(broker.bootstrap, [(TOPIC, "stepwise", [
        ("cleanup.policy", SUBTRACT, "delete")])])
    assert results[0][0] == 0
    assert described(admin, "stepwise")["cleanup.policy"][0] == "compact"

    errors = incremental(broker.bootstrap, [
        (TOPIC, "stepwise", [("retention.ms", APPEND, "5")]),
        (TOPIC, "missing-topic", [("retention.ms", SET, "5")]),
        (TOPIC, "stepwise-null", [("retention.ms", SET, None)]),
        (BROKER, "1", [("num.io.threads", SET, "4")]),
    ])
    assert [e[0] for e in errors] == [40, 3, 42, 42]
    assert "append is not allowed" in errors[0][1]
    assert "Cannot update these configs dynamically" in errors[3][1]

    # validate_only and the non-flexible v0 layout.
    checked = incremental(broker.bootstrap, [(TOPIC, "stepwise", [
        ("retention.ms", SET, "1000")])], validate_only=True, version=0)
    assert checked == [(0, None, TOPIC, "stepwise")]
    assert described(admin, "stepwise")["retention.ms"][0] == "7200000"


def test_segment_bytes_reaches_the_open_partition_and_survives_restart():
    first = Broker()
    admin = AdminClient({"bootstrap.servers": first.bootstrap})
    create(admin, "rolling")
    producer = Producer({"bootstrap.servers": first.bootstrap, "linger.ms": 0})
    producer.produce("rolling", b"warm-up")  # opens the partition's log
    producer.flush(15)
    directory = os.path.join(first.directory, "laminar-data", "rolling-0")
    assert len(glob.glob(os.path.join(directory, "*.log"))) == 1
    assert incremental(first.bootstrap, [(TOPIC, "rolling", [
        ("segment.bytes", SET, "1024")])])[0][0] == 0
    for _ in range(6):
        producer.produce("rolling", b"y" * 600)
        producer.flush(15)
    assert len(glob.glob(os.path.join(directory, "*.log"))) >= 4
    first.stop(keep_data=True)

    again = Broker(directory=first.directory, port=first.port)
    try:
        admin = AdminClient({"bootstrap.servers": again.bootstrap})
        configs = described(admin, "rolling")
        assert configs["segment.bytes"] == (
            "1024", ConfigSource.DYNAMIC_TOPIC_CONFIG.value)
    finally:
        again.stop()


def test_kafkajs_alter_and_describe_configs(broker):
    result = run(["node", os.path.join(HERE, "kafkajs_configs.js"), broker.bootstrap], cwd=HERE)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["retention"] == "86400000"
    assert outcome["source"] == 1  # DYNAMIC_TOPIC_CONFIG
    assert outcome["low_watermark"] == "2"
