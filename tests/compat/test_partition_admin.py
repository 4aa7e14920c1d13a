"""DeleteRecords, DescribeLogDirs, AlterReplicaLogDirs, OffsetForLeaderEpoch and ListOffsets
MAX_TIMESTAMP on the wire
(Debian's confluent-kafka 1.7 exposes none of them; kafkajs's deleteTopicRecords is in
test_admin_configs.py), with produced data from librdkafka."""
import os

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker
from kafka_wire import Writer, call_once


def create(admin, name, partitions=1, config=None):
    admin.create_topics([NewTopic(name, partitions, 1, config=config or {})])[name].result(15)


def produce(bootstrap, topic, values, timestamps=None, partition=0, batch_each=False):
    """One batch for all values (linger), or with batch_each one batch per value."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50})
    for i, value in enumerate(values):
        extra = {"timestamp": timestamps[i]} if timestamps else {}
        producer.produce(topic, value, partition=partition, **extra)
        if batch_each:
            assert producer.flush(15) == 0
    assert producer.flush(15) == 0


def delete_records(bootstrap, topic, offsets, version=0):
    """{partition: (low_watermark, error)}"""
    flexible = version >= 2

    def partition(w, p):
        w.int32(p[0]).int64(p[1]).tags()

    def each_topic(w, t):
        w.string(t).array(list(offsets.items()), partition).tags()

    body = Writer(flexible).array([topic], each_topic).int32(5000).tags()
    reply = call_once(bootstrap, 21, version, flexible, body)
    reply.int32()

    def partition_result(r):
        outcome = (r.int32(), r.int64(), r.int16())
        r.tags()
        return outcome

    def topic_result(r):
        name = r.string()
        partitions = r.array(partition_result)
        r.tags()
        return name, partitions

    topics = reply.array(topic_result)
    reply.tags()
    reply.done()
    return {p: (low, error) for p, low, error in topics[0][1]}


def low_watermark(bootstrap, topic, partition=0):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "watermarks"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[0]
    finally:
        consumer.close()


def test_delete_records_moves_the_low_watermark_durably():
    broker = Broker()
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    create(admin, "trimmed", partitions=2, config={"segment.bytes": "1024"})
    produce(broker.bootstrap, "trimmed", [b"v" * 300] * 10, batch_each=True)
    assert delete_records(broker.bootstrap, "trimmed", {0: 4}) == {0: (4, 0)}
    assert low_watermark(broker.bootstrap, "trimmed") == 4
    # Lower than the start: nothing changes, the current low watermark comes back.
    assert delete_records(broker.bootstrap, "trimmed", {0: 2}, version=2) == {0: (4, 0)}
    # Beyond the high watermark, an unknown partition, and -1 (up to the high watermark).
    assert delete_records(broker.bootstrap, "trimmed", {0: 11, 5: 1}, version=1) == {
        0: (-1, 1), 5: (-1, 3)}
    assert delete_records(broker.bootstrap, "trimmed", {1: -1}) == {1: (0, 0)}
    broker.stop(keep_data=True)

    again = Broker(directory=broker.directory, port=broker.port)
    try:
        assert low_watermark(again.bootstrap, "trimmed") == 4
        assert delete_records(again.bootstrap, "trimmed", {0: -1}) == {0: (10, 0)}
    finally:
        again.stop()


def test_delete_records_refused_on_a_compacted_topic(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    create(admin, "compacted", config={"cleanup.policy": "compact"})
    assert delete_records(broker.bootstrap, "compacted", {0: 0}) == {0: (-1, 44)}


def describe_log_dirs(bootstrap, topics, version):
    flexible = version >= 2

    def each_topic(w, t):
        w.string(t[0]).array(t[1], lambda w, p: w.int32(p)).tags()

    body = Writer(flexible).array(topics, each_topic).tags()
    reply = call_once(bootstrap, 35, version, flexible, body)
    reply.int32()
    top_error = reply.int16() if version >= 3 else 0

    def partition(r):
        outcome = {"partition": r.int32(), "size": r.int64(), "lag": r.int64(),
                   "future": r.boolean()}
        r.tags()
        return outcome

    def topic(r):
        outcome = (r.string(), r.array(partition))
        r.tags()
        return outcome

    def result(r):
        outcome = {"error": r.int16(), "dir": r.string(), "topics": dict(r.array(topic))}
        if version >= 4:
            outcome["total"] = r.int64()
            outcome["usable"] = r.int64()
        r.tags()
        return outcome

    results = reply.array(result)
    reply.tags()
    reply.done()
    return top_error, results


def test_describe_log_dirs_reports_partition_sizes(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    create(admin, "sized", partitions=2)
    produce(broker.bootstrap, "sized", [b"z" * 1000] * 3)
    for version in range(5):
        error, results = describe_log_dirs(broker.bootstrap, None, version)
        assert error == 0 and len(results) == 1
        entry = results[0]
        assert entry["error"] == 0
        assert entry["dir"] == os.path.join(broker.directory, "laminar-data")
        sizes = {p["partition"]: p for p in entry["topics"]["sized"]}
        assert sizes[0]["size"] > 3000 and sizes[1]["size"] == 0
        assert sizes[0]["lag"] == 0 and not sizes[0]["future"]
        if version >= 4:
            assert entry["total"] > 0 and 0 < entry["usable"] <= entry["total"]
    _, results = describe_log_dirs(broker.bootstrap, [("sized", [1, 7]), ("nope", [0])], 1)
    assert results[0]["topics"] == {
        "sized": [{"partition": 1, "size": 0, "lag": 0, "future": False}]}


def alter_replica_log_dirs(bootstrap, dirs, version):
    """dirs: [(path, [(topic, [partition])])] -> {topic: [(partition, error)]}."""
    flexible = version >= 2

    def each_topic(w, t):
        w.string(t[0]).array(t[1], lambda w, p: w.int32(p)).tags()

    body = Writer(flexible).array(
        dirs, lambda w, d: w.string(d[0]).array(d[1], each_topic).tags()).tags()
    reply = call_once(bootstrap, 34, version, flexible, body)
    assert reply.int32() == 0

    def partition(r):
        outcome = (r.int32(), r.int16())
        r.tags()
        return outcome

    def topic(r):
        outcome = (r.string(), r.array(partition))
        r.tags()
        return outcome

    results = dict(reply.array(topic))
    reply.tags()
    reply.done()
    return results


def test_alter_replica_log_dirs_to_the_one_log_dir(broker):
    """Laminar has one log dir: moving a replica to it is a success that changes nothing; any
    other path is LOG_DIR_NOT_FOUND (57), an unknown partition UNKNOWN_TOPIC_OR_PARTITION (3), a
    name too long for the future log's directory INVALID_TOPIC_EXCEPTION (17), as Kafka."""
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    create(admin, "moved", partitions=2)
    produce(broker.bootstrap, "moved", [b"m" * 100] * 2)
    here = os.path.join(broker.directory, "laminar-data")
    long_name = "l" * 249
    create(admin, long_name)
    for version in range(3):
        assert alter_replica_log_dirs(broker.bootstrap, [
            (here, [("moved", [0, 1, 5]), ("absent", [0])]),
            ("/nowhere", [("moved", [1])]),  # the last dir named for a partition wins
            (here + "/", [("moved", [0])]),  # not the path DescribeLogDirs reports
            (here, [(long_name, [0])]),
        ], version) == {"moved": [(0, 57), (1, 57), (5, 3)], "absent": [(0, 3)],
                        long_name: [(0, 17)]}
        assert alter_replica_log_dirs(broker.bootstrap, [(here, [("moved", [1, 0])])],
                                      version) == {"moved": [(0, 0), (1, 0)]}
    _, results = describe_log_dirs(broker.bootstrap, [("moved", [0])], 1)
    assert results[0]["dir"] == here
    assert results[0]["topics"]["moved"][0]["size"] > 200


def offset_for_leader_epoch(bootstrap, topic, partitions, version=3):
    """partitions: [(partition, current_leader_epoch, leader_epoch)] -> [(error, p, epoch, end)]"""
    flexible = version >= 4
    body = Writer(flexible)
    if version >= 3:
        body.int32(-1)

    def partition(w, p):
        w.int32(p[0])
        if version >= 2:
            w.int32(p[1])
        w.int32(p[2]).tags()

    body.array([topic], lambda w, t: w.string(t).array(partitions, partition).tags()).tags()
    reply = call_once(bootstrap, 23, version, flexible, body)
    if version >= 2:
        reply.int32()

    def result(r):
        outcome = (r.int16(), r.int32(), r.int32() if version >= 1 else -1, r.int64())
        r.tags()
        return outcome

    def topic_result(r):
        outcome = (r.string(), r.array(result))
        r.tags()
        return outcome

    topics = reply.array(topic_result)
    reply.tags()
    reply.done()
    return topics[0][1]


def test_offset_for_leader_epoch(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    create(admin, "epochs")
    produce(broker.bootstrap, "epochs", [b"e"] * 5)
    assert offset_for_leader_epoch(broker.bootstrap, "epochs", [
        (0, -1, 0),   # the current epoch: the log end
        (0, 0, 1),    # a later epoch nobody led: undefined
        (0, 3, 0),    # current_leader_epoch ahead of ours: UNKNOWN_LEADER_EPOCH
        (4, -1, 0),   # no such partition
    ]) == [(0, 0, 0, 5), (0, 0, -1, -1), (75, 0, -1, -1), (3, 4, -1, -1)]
    for version in range(5):
        assert offset_for_leader_epoch(broker.bootstrap, "epochs", [(0, 0, 0)], version)[0][3] == 5


def list_offsets_max_timestamp(bootstrap, topic):
    """ListOffsets v7 with MAX_TIMESTAMP: (error, timestamp, offset)."""
    body = Writer(True).int32(-1).int8(0)

    def partition(w, p):
        w.int32(p).int32(-1).int64(-3).tags()

    body.array([topic], lambda w, t: w.string(t).array([0], partition).tags()).tags()
    reply = call_once(bootstrap, 2, 7, True, body)
    reply.int32()

    def partition_result(r):
        outcome = (r.int32(), r.int16(), r.int64(), r.int64(), r.int32())
        r.tags()
        return outcome

    def topic_result(r):
        outcome = (r.string(), r.array(partition_result))
        r.tags()
        return outcome

    topics = reply.array(topic_result)
    reply.tags()
    reply.done()
    _, error, timestamp, offset, _ = topics[0][1][0]
    return error, timestamp, offset


def test_list_offsets_max_timestamp(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    create(admin, "timed")
    assert list_offsets_max_timestamp(broker.bootstrap, "timed") == (0, -1, -1)
    # One batch (linger) whose second record holds the largest timestamp...
    produce(broker.bootstrap, "timed", [b"a", b"b", b"c", b"d"], [1000, 9000, 9000, 4000])
    assert list_offsets_max_timestamp(broker.bootstrap, "timed") == (0, 9000, 1)
    # ...then later, older batches do not move it, a newer one does.
    produce(broker.bootstrap, "timed", [b"e"], [5000])
    assert list_offsets_max_timestamp(broker.bootstrap, "timed") == (0, 9000, 1)
    produce(broker.bootstrap, "timed", [b"f", b"g"], [9500, 2000])
    assert list_offsets_max_timestamp(broker.bootstrap, "timed") == (0, 9500, 5)
