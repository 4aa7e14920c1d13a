"""Topic administration through real clients: create (with configs, assignments, validate-only),
add partitions, delete, and the errors Kafka returns."""
import json
import os

from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic
from confluent_kafka import KafkaException

from conftest import Broker, run

HERE = os.path.dirname(os.path.abspath(__file__))


def results(futures):
    """{topic: None or KafkaError code} for a dict of futures."""
    outcome = {}
    for topic, future in futures.items():
        try:
            future.result(timeout=15)
            outcome[topic] = None
        except KafkaException as error:
            outcome[topic] = error.args[0].code()
    return outcome


def test_create_describe_grow_and_delete_topics(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    created = results(admin.create_topics([
        NewTopic("orders", num_partitions=3, replication_factor=1,
                 config={"cleanup.policy": "compact", "retention.ms": "3600000"}),
        NewTopic("manual", num_partitions=2, replica_assignment=[[1], [1]]),
    ]))
    assert created == {"orders": None, "manual": None}
    metadata = admin.list_topics(timeout=10)
    assert len(metadata.topics["orders"].partitions) == 3
    assert len(metadata.topics["manual"].partitions) == 2

    again = results(admin.create_topics([NewTopic("orders", 1, 1)]))
    assert again == {"orders": 36}  # TOPIC_ALREADY_EXISTS

    grown = results(admin.create_partitions([NewPartitions("orders", 5)]))
    assert grown == {"orders": None}
    shrink = results(admin.create_partitions([NewPartitions("orders", 2)]))
    assert shrink == {"orders": 37}  # INVALID_PARTITIONS
    assert len(admin.list_topics(timeout=10).topics["orders"].partitions) == 5

    deleted = results(admin.delete_topics(["orders", "never-was"], operation_timeout=10))
    assert deleted == {"orders": None, "never-was": 3}  # UNKNOWN_TOPIC_OR_PARTITION
    assert "orders" not in admin.list_topics(timeout=10).topics


def test_create_topic_errors(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    outcome = results(admin.create_topics([
        NewTopic("bad-config", 1, 1, config={"retention.msec": "5"}),
        NewTopic("bad-value", 1, 1, config={"cleanup.policy": "shred"}),
        NewTopic("too-many-replicas", 1, 3),
        NewTopic("bad/name", 1, 1),
    ]))
    assert outcome == {
        "bad-config": 40,          # INVALID_CONFIG
        "bad-value": 40,
        "too-many-replicas": 38,   # INVALID_REPLICATION_FACTOR
        "bad/name": 17,            # INVALID_TOPIC_EXCEPTION
    }
    only_checked = results(admin.create_topics([NewTopic("dry-run", 2, 1)], validate_only=True))
    assert only_checked == {"dry-run": None}
    assert "dry-run" not in admin.list_topics(timeout=10).topics
    # '.' and '_' are one in Kafka's metric names: such topics may not coexist.
    assert results(admin.create_topics([NewTopic("metrics.name_clash", 1, 1)])) == {
        "metrics.name_clash": None}
    assert results(admin.create_topics([NewTopic("metrics_name.clash", 1, 1)])) == {
        "metrics_name.clash": 17}  # INVALID_TOPIC_EXCEPTION


def test_topics_survive_a_broker_restart():
    first = Broker()
    admin = AdminClient({"bootstrap.servers": first.bootstrap})
    assert results(admin.create_topics([NewTopic("durable", 4, 1)])) == {"durable": None}
    first.stop(keep_data=True)
    second = Broker(directory=first.directory, port=first.port)
    admin = AdminClient({"bootstrap.servers": second.bootstrap})
    assert len(admin.list_topics(timeout=10).topics["durable"].partitions) == 4
    second.stop()


def test_kafkajs_creates_and_deletes_topics(broker):
    result = run(["node", os.path.join(HERE, "kafkajs_topics.js"), broker.bootstrap], cwd=HERE)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"created": True, "partitions": 2, "listed": True, "deleted": True,
                      "created_again": False}


def test_describe_configs_of_a_topic_and_the_broker(broker):
    from confluent_kafka.admin import ConfigResource
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    assert results(admin.create_topics([
        NewTopic("configured", 1, 1, config={"retention.ms": "1234", "cleanup.policy": "compact"})
    ])) == {"configured": None}
    topic = ConfigResource(ConfigResource.Type.TOPIC, "configured")
    configs = admin.describe_configs([topic])[topic].result(timeout=15)
    assert configs["retention.ms"].value == "1234"
    assert configs["retention.ms"].source == 1           # DYNAMIC_TOPIC_CONFIG
    assert configs["cleanup.policy"].value == "compact"
    assert configs["segment.bytes"].value == "1073741824"
    assert configs["segment.bytes"].is_default
    assert configs["segment.bytes"].source == 5          # DEFAULT_CONFIG
    node = ConfigResource(ConfigResource.Type.BROKER, "1")
    broker_configs = admin.describe_configs([node])[node].result(timeout=15)
    assert broker_configs["listeners"].value == f"PLAINTEXT://{broker.bootstrap}"
    assert broker_configs["listeners"].source == 4       # STATIC_BROKER_CONFIG
    assert broker_configs["num.partitions"].source == 5
    missing = ConfigResource(ConfigResource.Type.TOPIC, "no-such-topic")
    try:
        admin.describe_configs([missing])[missing].result(timeout=15)
        assert False, "expected UNKNOWN_TOPIC_OR_PARTITION"
    except KafkaException as error:
        assert error.args[0].code() == 3
