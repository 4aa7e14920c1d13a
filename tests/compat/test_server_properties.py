"""Kafka's own server.properties starts the broker, and its log.* keys are the topic defaults.

The file is Kafka's stock KRaft one (config/kraft/server.properties: a combined broker and
controller with a CONTROLLER listener) with a few log.* keys changed, as an operator moving from
Kafka would have it. Topics without their own keys take the broker's values; DescribeConfigs
reports them as STATIC_BROKER_CONFIG with the broker key as synonym, as Kafka does; a topic's own
key still wins.
"""
import glob
import os
import socket

import pytest
from confluent_kafka import KafkaError, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic

from conftest import Broker, free_port, run

KAFKA_KRAFT_FILE = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
log.dirs={data}
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
log.retention.hours=168
log.retention.minutes=30
log.segment.bytes=1048576
log.retention.check.interval.ms=300000
message.max.bytes=20000
"""


@pytest.fixture(scope="module")
def kafka_configured(tmp_path_factory):
    directory = tmp_path_factory.mktemp("kafka-file")
    port, controller_port = free_port(), free_port()
    path = directory / "server.properties"
    path.write_text(KAFKA_KRAFT_FILE.format(port=port, controller_port=controller_port,
                                            data=directory / "data"))
    broker = Broker(["-c", str(path)], directory=str(directory), port=port, dev_listen=False)
    broker.controller_port = controller_port
    yield broker
    broker.stop()


def described(bootstrap, name):
    """{key: ConfigEntry} of a topic (librdkafka asks for synonyms)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    resource = ConfigResource(ConfigResource.Type.TOPIC, name)
    return admin.describe_configs([resource])[resource].result(timeout=15)


def test_kafkas_stock_file_starts_the_broker_on_its_plaintext_listener(kafka_configured):
    listing = run(["kcat", "-b", kafka_configured.bootstrap, "-L", "-J"])
    assert listing.returncode == 0, listing.stderr
    assert f'"name":"127.0.0.1:{kafka_configured.port}"' in listing.stdout.replace(" ", "")
    # Kafka's thread-pool keys have no meaning here: accepted, with a warning.
    warnings = kafka_configured.log()
    assert "'num.io.threads' is ignored" in warnings, warnings
    # The controller listener is not opened: Laminar's controller runs inside the broker.
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", kafka_configured.controller_port)) != 0


def test_log_keys_are_the_default_of_topics_without_their_own(kafka_configured):
    admin = AdminClient({"bootstrap.servers": kafka_configured.bootstrap})
    admin.create_topics([NewTopic("defaulted", 1, 1),
                         NewTopic("own", 1, 1, config={"retention.ms": "5000"})])["own"].result(
        timeout=15)
    entries = described(kafka_configured.bootstrap, "defaulted")
    retention = entries["retention.ms"]
    assert retention.value == "1800000"  # log.retention.minutes=30 wins over log.retention.hours
    # Kafka lists a topic key's broker synonyms from its first broker key (log.retention.ms) on:
    # with that one unset, none, and the source is DEFAULT_CONFIG though the file decides.
    assert retention.source == ConfigSource.DEFAULT_CONFIG.value
    assert not retention.synonyms
    segment = entries["segment.bytes"]
    assert segment.source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert not segment.is_default
    assert entries["segment.bytes"].value == "1048576"
    assert entries["max.message.bytes"].value == "20000"
    assert entries["cleanup.policy"].source == ConfigSource.DEFAULT_CONFIG.value

    own = described(kafka_configured.bootstrap, "own")
    assert own["retention.ms"].value == "5000"
    assert own["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert own["segment.bytes"].value == "1048576"


def test_the_broker_defaults_are_in_force(kafka_configured):
    """message.max.bytes bounds batches of a topic without max.message.bytes; log.segment.bytes
    rolls its segments."""
    admin = AdminClient({"bootstrap.servers": kafka_configured.bootstrap})
    admin.create_topics([NewTopic("enforced", 1, 1)])["enforced"].result(timeout=15)
    # batch.size below two records: one record per batch, each under message.max.bytes.
    producer = Producer({"bootstrap.servers": kafka_configured.bootstrap,
                         "compression.type": "none", "linger.ms": 0, "batch.size": 16384})
    outcomes = []

    def delivered(error, message):
        outcomes.append(error.code() if error else message.offset())

    producer.produce("enforced", b"x" * 30000, on_delivery=delivered)
    producer.flush(15)
    assert outcomes == [KafkaError.MSG_SIZE_TOO_LARGE]

    outcomes.clear()
    for _ in range(200):
        producer.produce("enforced", os.urandom(15000), on_delivery=delivered)
        producer.poll(0)
    producer.flush(30)
    assert outcomes == list(range(200))
    segments = glob.glob(os.path.join(kafka_configured.directory, "data", "enforced-0", "*.log"))
    # 200 x 15 kB = 3 MB of records in 1 MiB segments.
    assert len(segments) >= 3, segments
