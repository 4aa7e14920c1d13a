"""Metadata through three real clients: kcat (librdkafka), confluent-kafka (librdkafka from
Python) and kafkajs (its own protocol implementation, under node)."""
import json
import os

from confluent_kafka.admin import AdminClient

from conftest import run

HERE = os.path.dirname(os.path.abspath(__file__))


def test_kcat_lists_the_broker_and_auto_creates_a_topic(broker):
    listed = run(["kcat", "-b", broker.bootstrap, "-L", "-J"])
    assert listed.returncode == 0, listed.stderr
    metadata = json.loads(listed.stdout)
    assert [(b["id"], b["name"]) for b in metadata["brokers"]] == [(1, broker.bootstrap)]
    assert metadata["controllerid"] == 1

    created = run(["kcat", "-b", broker.bootstrap, "-L", "-J", "-t", "kcat.auto"])
    assert created.returncode == 0, created.stderr
    topics = json.loads(created.stdout)["topics"]
    assert [t["topic"] for t in topics] == ["kcat.auto"]
    assert len(topics[0]["partitions"]) == 1
    assert topics[0]["partitions"][0]["leader"] == 1


def test_confluent_kafka_admin_lists_topics(broker):
    run(["kcat", "-b", broker.bootstrap, "-L", "-t", "python.listed"])
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    metadata = admin.list_topics(timeout=10)
    assert 1 in metadata.brokers
    assert metadata.brokers[1].port == broker.port
    assert metadata.controller_id == 1
    assert "python.listed" in metadata.topics
    assert metadata.topics["python.listed"].error is None
    assert metadata.cluster_id and len(metadata.cluster_id) == 22


def test_invalid_topic_names_get_invalid_topic_exception(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    metadata = admin.list_topics(topic="bad name!", timeout=10)
    error = metadata.topics["bad name!"].error
    assert error is not None and error.code() == 17  # INVALID_TOPIC_EXCEPTION


def test_kafkajs_admin_reads_metadata(broker):
    # kafkajs's admin asks without auto-creation: create the topic through librdkafka first.
    run(["kcat", "-b", broker.bootstrap, "-L", "-t", "kafkajs.auto"])
    result = run(["node", os.path.join(HERE, "kafkajs_metadata.js"), broker.bootstrap], cwd=HERE)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["brokers"] == [{"nodeId": 1, "host": "127.0.0.1", "port": broker.port}]
    assert report["controller"] == 1
    assert report["topic"]["name"] == "kafkajs.auto"
    assert report["topic"]["partitions"] == 1
