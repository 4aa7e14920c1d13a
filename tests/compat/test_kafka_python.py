"""kafka-python (Debian's python3-kafka 2.0.2), a third protocol implementation: it guesses the
broker's release from the ApiVersions ranges and picks its request versions from that guess, not
from the ranges. Producer (acks, keys, headers, every codec its Debian modules provide, metadata),
consumer (assign, seek, offsets by time, a group that splits partitions and resumes from its
commits) and admin client (topics, configs, partitions, groups, and Kafka's exception classes)."""
import threading
import time

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka import errors as Errors
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.client_async import KafkaClient
from kafka.codec import has_lz4, has_snappy, has_zstd
from kafka.structs import OffsetAndMetadata

BROKER_ARGS = ["--set", "group.initial.rebalance.delay.ms=0"]

# Codecs kafka-python can use here: gzip is in the standard library, the others need Debian's
# python3-snappy, python3-lz4 and python3-zstandard (scripts/setup-debian.sh installs them).
CODECS = ["gzip"] + [name for name, present in
                     (("snappy", has_snappy()), ("lz4", has_lz4()), ("zstd", has_zstd()))
                     if present]


@pytest.fixture(scope="module")
def admin(broker):
    client = KafkaAdminClient(bootstrap_servers=broker.bootstrap, client_id="compat-admin")
    yield client
    client.close()


def create(admin, topic, partitions=1, configs=None):
    admin.create_topics([NewTopic(topic, partitions, 1, topic_configs=configs or {})],
                        timeout_ms=10000)


def consumer_for(broker, **config):
    return KafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False,
                         fetch_max_wait_ms=100, consumer_timeout_ms=10000, **config)


def read_partition(broker, topic, partition, count, timeout=20):
    """Every record of one partition from offset 0, through assign + seek_to_beginning."""
    consumer = consumer_for(broker)
    tp = TopicPartition(topic, partition)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    records = []
    deadline = time.monotonic() + timeout
    while len(records) < count and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            records.extend(batch)
    consumer.close()
    return records


def test_check_version_infers_a_kafka_2_x_broker(broker):
    client = KafkaClient(bootstrap_servers=broker.bootstrap)
    try:
        version = client.check_version(timeout=5)
        versions = client.get_api_versions()
    finally:
        client.close()
    # kafka-python 2.0.2 knows releases up to 2.5, which it recognises by DescribeAcls v2, and
    # takes Apache Kafka 3.7, whose ranges Laminar advertises (DescribeAcls v0-3 included, answered
    # SECURITY_DISABLED as Kafka without an authorizer: test_acls.py), for (2, 5, 0). 2.0.2 picks
    # no request version differently for 2.4 and 2.5 (its highest release check is >= (2, 1)).
    # Below (0, 10) it would speak 0.8/0.9's protocol.
    assert version == (2, 5, 0), version
    # What it then sends (producer/sender.py, consumer/fetcher.py, coordinator/*.py for >= 2.1):
    # Produce v7, Fetch v4, ListOffsets v1, OffsetFetch/OffsetCommit v1-v2, JoinGroup v0-v1...
    for key, version_sent in ((0, 7), (1, 4), (2, 1), (8, 2), (9, 1), (10, 1), (11, 1),
                              (12, 1), (13, 1), (14, 1), (19, 3), (32, 2), (33, 1), (37, 1)):
        low, high = versions[key]
        assert low <= version_sent <= high, (key, versions[key])
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    assert producer.config["api_version"] == (2, 5, 0)
    producer.close()


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("acks", ["all", 1])
def test_producer_records_come_back_exactly_once_in_order(broker, admin, codec, acks):
    topic = f"kp.produce.{codec}.{acks}"
    partitions, count = 4, 800
    create(admin, topic, partitions)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks=acks,
                             compression_type=codec, linger_ms=5, batch_size=16384)
    base = int(time.time() * 1000) - 3600 * 1000
    futures = []
    for i in range(count):
        futures.append((i, producer.send(
            topic, key=f"key-{i % 13}".encode(), value=f"{codec}-value-{i}".encode() * (1 + i % 5),
            headers=[("n", str(i).encode()), ("codec", codec.encode())],
            partition=i % partitions, timestamp_ms=base + i)))
    producer.flush(30)
    sent = {}
    for i, future in futures:
        metadata = future.get(timeout=10)
        assert (metadata.topic, metadata.partition) == (topic, i % partitions)
        assert metadata.timestamp == base + i
        sent[(metadata.partition, metadata.offset)] = i
    producer.close()
    assert len(sent) == count
    for partition in range(partitions):
        assert sorted(o for p, o in sent if p == partition) == list(range(count // partitions))
        records = read_partition(broker, topic, partition, count // partitions)
        assert [r.offset for r in records] == list(range(count // partitions))
        for record in records:
            i = sent[(partition, record.offset)]
            assert record.key == f"key-{i % 13}".encode()
            assert record.value == f"{codec}-value-{i}".encode() * (1 + i % 5)
            assert record.headers == [("n", str(i).encode()), ("codec", codec.encode())]
            assert record.timestamp == base + i
            assert record.timestamp_type == 0  # CreateTime


def test_consumer_assign_seek_and_offset_lookups(broker, admin):
    topic = "kp.offsets"
    create(admin, topic, 2)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    base = int(time.time() * 1000) - 100000
    for i in range(20):
        producer.send(topic, value=f"v{i}".encode(), partition=i % 2, timestamp_ms=base + i * 1000)
    producer.flush(10)
    producer.close()
    p0, p1 = TopicPartition(topic, 0), TopicPartition(topic, 1)
    consumer = consumer_for(broker)
    assert consumer.partitions_for_topic(topic) == {0, 1}
    assert consumer.beginning_offsets([p0, p1]) == {p0: 0, p1: 0}
    assert consumer.end_offsets([p0, p1]) == {p0: 10, p1: 10}
    # p0 holds timestamps base, base+2000, ...; the first at or after base+4500 is base+6000.
    found = consumer.offsets_for_times({p0: base + 4500, p1: base + 4500})
    assert (found[p0].offset, found[p0].timestamp) == (3, base + 6000)
    assert (found[p1].offset, found[p1].timestamp) == (2, base + 5000)
    # After the last record there is none: Kafka answers offset -1, which kafka-python maps to None.
    assert consumer.offsets_for_times({p0: base + 10 ** 6}) == {p0: None}

    consumer.assign([p0, p1])
    consumer.seek(p0, 7)
    consumer.seek_to_end(p1)
    assert consumer.position(p1) == 10
    records = [r for batch in consumer.poll(timeout_ms=3000).values() for r in batch]
    assert [(r.partition, r.offset, r.value) for r in records] == [
        (0, 7, b"v14"), (0, 8, b"v16"), (0, 9, b"v18")]
    consumer.seek_to_beginning(p1)
    records = []
    while len(records) < 10:
        batches = consumer.poll(timeout_ms=3000)
        assert batches, records
        records.extend(r for batch in batches.values() for r in batch)
    assert [(r.partition, r.offset) for r in records] == [(1, o) for o in range(10)]
    assert consumer.position(p1) == 10 and consumer.position(p0) == 10
    consumer.close()


class GroupMember(threading.Thread):
    """A KafkaConsumer subscribed in its own thread: kafka-python rejoins a rebalancing group only
    inside poll(), so two members polled from one thread would wait on each other."""

    def __init__(self, broker, topic, group):
        super().__init__(daemon=True)
        self.consumer = KafkaConsumer(
            topic, bootstrap_servers=broker.bootstrap, group_id=group, enable_auto_commit=False,
            auto_offset_reset="earliest", fetch_max_wait_ms=100, session_timeout_ms=6000,
            heartbeat_interval_ms=500, max_poll_interval_ms=10000)
        self.records = []
        self.assigned = set()
        self.stopping = threading.Event()
        self.commit_now = threading.Event()
        self.committed = threading.Event()
        self.error = None

    def run(self):
        try:
            while not self.stopping.is_set():
                for batch in self.consumer.poll(timeout_ms=200).values():
                    self.records.extend(batch)
                self.assigned = {tp.partition for tp in self.consumer.assignment()}
                if self.commit_now.is_set():
                    self.commit_now.clear()
                    self.consumer.commit()
                    self.committed.set()
            self.consumer.close(autocommit=False)
        except Exception as error:  # reported by the test thread
            self.error = error


def wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_consumer_group_splits_partitions_commits_and_resumes(broker, admin):
    topic, group = "kp.group", "kp-group"
    create(admin, topic, 4)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", linger_ms=5)
    for i in range(400):
        producer.send(topic, key=str(i).encode(), value=f"first-{i}".encode(), partition=i % 4)
    producer.flush(10)

    first, second = GroupMember(broker, topic, group), GroupMember(broker, topic, group)
    first.start()
    assert wait_until(lambda: first.assigned == {0, 1, 2, 3}, 20), first.error
    second.start()
    # The range assignor gives each of two members two of the four partitions.
    assert wait_until(lambda: len(first.assigned) == 2 and len(second.assigned) == 2
                      and first.assigned | second.assigned == {0, 1, 2, 3}, 30), (
        first.assigned, second.assigned, first.error, second.error)
    assert wait_until(lambda: len({(r.partition, r.offset) for r in first.records + second.records})
                      == 400, 20)
    for member in (first, second):
        member.commit_now.set()
    assert first.committed.wait(10) and second.committed.wait(10), (first.error, second.error)
    for member in (first, second):
        member.stopping.set()
        member.join(20)
        assert member.error is None, member.error

    # Every record was read. Nothing was committed before the second member joined, so a
    # partition that moved is read again from offset 0 by its new owner (and by the first member
    # again if it came back): within one member a partition goes forward one offset at a time or
    # starts over lower, never skipping one.
    seen = {(r.partition, r.offset): r.value for r in first.records + second.records}
    assert sorted(seen.values()) == sorted(f"first-{i}".encode() for i in range(400))
    for member in (first, second):
        for partition in range(4):
            offsets = [r.offset for r in member.records if r.partition == partition]
            assert all(b == a + 1 or b <= a for a, b in zip(offsets, offsets[1:])), offsets

    checker = consumer_for(broker, group_id=group)
    committed = {p: checker.committed(TopicPartition(topic, p)) for p in range(4)}
    checker.close()
    assert committed == {p: 100 for p in range(4)}
    descriptions = admin.describe_consumer_groups([group])
    assert descriptions[0].group == group and descriptions[0].state == "Empty"
    assert (group, "consumer") in admin.list_consumer_groups()
    assert {tp.partition: meta.offset for tp, meta in
            admin.list_consumer_group_offsets(group).items()} == committed

    for i in range(40):
        producer.send(topic, value=f"second-{i}".encode(), partition=i % 4)
    producer.flush(10)
    producer.close()
    restarted = GroupMember(broker, topic, group)
    restarted.start()
    assert wait_until(lambda: len(restarted.records) >= 40, 20), restarted.error
    time.sleep(0.5)  # nothing else arrives
    restarted.stopping.set()
    restarted.join(20)
    assert restarted.error is None
    assert sorted(r.value for r in restarted.records) == sorted(
        f"second-{i}".encode() for i in range(40))
    assert {(r.partition, r.offset) for r in restarted.records} == {
        (p, o) for p in range(4) for o in range(100, 110)}


def test_manual_commit_with_metadata(broker, admin):
    topic = "kp.commit"
    create(admin, topic, 1)
    consumer = consumer_for(broker, group_id="kp-manual")
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.commit({tp: OffsetAndMetadata(42, "note")})
    assert consumer.committed(tp) == 42
    consumer.close()
    offsets = admin.list_consumer_group_offsets("kp-manual")
    assert offsets[tp] == OffsetAndMetadata(42, "note")


def configs_of(admin, topic):
    responses = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    (error_code, error_message, resource_type, name, entries), = responses[0].resources
    assert (error_code, resource_type, name) == (0, ConfigResourceType.TOPIC, topic), error_message
    return {entry[0]: entry[1] for entry in entries}


def test_admin_topics_and_configs(broker, admin):
    topic = "kp.admin"
    admin.create_topics([NewTopic(topic, 3, 1, topic_configs={"retention.ms": "3600000"})],
                        validate_only=True)
    assert topic not in admin.list_topics()
    create(admin, topic, 3, {"retention.ms": "3600000", "cleanup.policy": "compact"})
    assert topic in admin.list_topics()
    configs = configs_of(admin, topic)
    assert configs["retention.ms"] == "3600000"
    assert configs["cleanup.policy"] == "compact"
    assert configs["segment.bytes"] == "1073741824"

    response = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic,
                                                   configs={"retention.ms": "7200000"})])
    assert [(r[0], r[3]) for r in response.resources] == [(0, topic)]
    configs = configs_of(admin, topic)
    # AlterConfigs replaces the whole set: cleanup.policy goes back to its default.
    assert (configs["retention.ms"], configs["cleanup.policy"]) == ("7200000", "delete")
    broker_configs = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, "1")])
    (error_code, _, _, name, entries), = broker_configs[0].resources
    assert error_code == 0 and name == "1"
    assert "num.partitions" in {entry[0] for entry in entries}

    admin.create_partitions({topic: NewPartitions(5)})
    consumer = consumer_for(broker)
    assert wait_until(lambda: consumer.partitions_for_topic(topic) == set(range(5)), 10)
    consumer.close()

    admin.delete_topics([topic], timeout_ms=10000)
    assert wait_until(lambda: topic not in admin.list_topics(), 10)


def test_admin_errors_map_to_kafka_python_exceptions(broker, admin):
    create(admin, "kp.exists", 2)
    with pytest.raises(Errors.TopicAlreadyExistsError):
        create(admin, "kp.exists", 2)
    with pytest.raises(Errors.UnknownTopicOrPartitionError):
        admin.delete_topics(["kp.missing"], timeout_ms=5000)
    with pytest.raises(Errors.InvalidPartitionsError):
        admin.create_partitions({"kp.exists": NewPartitions(1)})
    with pytest.raises(Errors.UnknownTopicOrPartitionError):
        admin.create_partitions({"kp.missing": NewPartitions(3)})
    with pytest.raises(Errors.InvalidTopicError):
        create(admin, "bad/name")
    with pytest.raises(Errors.InvalidReplicationFactorError):
        admin.create_topics([NewTopic("kp.replicas", 1, 3)])
    with pytest.raises(Errors.InvalidConfigurationError):
        create(admin, "kp.badconfig", 1, {"retention.ms": "soon"})
    # describe_configs and alter_configs hand back the response: the error codes are Kafka's.
    responses = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kp.missing")])
    assert Errors.for_code(responses[0].resources[0][0]) is Errors.UnknownTopicOrPartitionError
    response = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "kp.exists",
                                                   configs={"no.such.config": "1"})])
    assert Errors.for_code(response.resources[0][0]) is Errors.InvalidConfigurationError
    # A group nobody joined is described as Dead without an error, as Kafka's coordinator does.
    unknown, = admin.describe_consumer_groups(["kp-no-such-group"])
    assert (unknown.error_code, unknown.state, unknown.members) == (0, "Dead", [])

