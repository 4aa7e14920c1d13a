"""The KRaft cluster APIs of a Kafka 3.7 broker, on the wire: ApiVersions v3's feature fields
(SupportedFeatures, FinalizedFeatures and their epoch), DescribeQuorum (55) v0 and v1,
UpdateFeatures (57) v0 and v1 with Kafka's refusals and messages, and UnregisterBroker (64).
The finalized level and the quorum's epoch live in the metadata log: they are checked across a
SIGKILL of the broker. Written from Kafka's message JSON, independently of Laminar's codec."""
import signal
import struct
import time

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from conftest import Broker
from kafka_wire import Connection, Reader, Writer, call_once
from test_client_quotas import create_topic, produce_v7
from test_idempotent_wire import record_batch

NODE_ID = 1  # laminar-broker --dev


def api_versions_v3(bootstrap):
    """ApiVersions v3 -> (error, {key: (min, max)}, tagged fields {tag: Reader of the field})."""
    connection = Connection(bootstrap)
    try:
        w = Writer(True)
        w.string("compat").string("1.0").tags()
        header = Writer(False).int16(18).int16(3).int32(1).string("compat").uvarint(0)
        frame = bytes(header.out) + bytes(w.out)
        connection.sock.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", connection._read_exactly(4))[0]
        r = Reader(connection._read_exactly(size), True)
    finally:
        connection.close()
    assert r.int32() == 1  # response header v0: no tagged fields (KIP-511)
    error = r.int16()

    def api(r):
        entry = (r.int16(), r.int16(), r.int16())
        r.tags()
        return entry

    apis = {key: (low, high) for key, low, high in r.array(api)}
    r.int32()  # throttle
    tagged = {}
    for _ in range(r.uvarint()):
        tag, size = r.uvarint(), r.uvarint()
        tagged[tag] = Reader(r.data[r.at:r.at + size], True)
        r.at += size
    r.done()
    return error, apis, tagged


def features(bootstrap):
    """(supported {name: (min, max)}, finalized {name: (min, max)}, epoch, zk migration ready)."""
    error, _, tagged = api_versions_v3(bootstrap)
    assert error == 0

    def supported(r):
        entry = (r.string(), r.int16(), r.int16())
        r.tags()
        return entry

    def finalized(r):
        name, high, low = r.string(), r.int16(), r.int16()  # max before min on the wire
        r.tags()
        return name, low, high

    found = {}
    if 0 in tagged:
        found["supported"] = {n: (lo, hi) for n, lo, hi in tagged[0].array(supported)}
    epoch = tagged[1].int64() if 1 in tagged else -1
    if 2 in tagged:
        found["finalized"] = {n: (lo, hi) for n, lo, hi in tagged[2].array(finalized)}
    zk = tagged[3].boolean() if 3 in tagged else False
    for reader in tagged.values():
        reader.done()
    return found.get("supported", {}), found.get("finalized", {}), epoch, zk


def metadata_version(bootstrap):
    return features(bootstrap)[1]["metadata.version"][0]


def describe_quorum(bootstrap, topics, version=1):
    """topics: [(name, [partition])] -> (error, [(topic, [(partition, error, leader, epoch, hw,
    voters, observers)])]), each replica as (id, log end offset, last fetch, last caught up)."""
    w = Writer(True)
    w.array(topics, lambda w, t: (w.string(t[0]), w.array(
        t[1], lambda w, p: (w.int32(p), w.tags())), w.tags()))
    w.tags()
    r = call_once(bootstrap, 55, version, True, w)
    error = r.int16()

    def replica(r):
        entry = (r.int32(), r.int64(), *((r.int64(), r.int64()) if version >= 1 else (-1, -1)))
        r.tags()
        return entry

    def partition(r):
        entry = (r.int32(), r.int16(), r.int32(), r.int32(), r.int64(), r.array(replica),
                 r.array(replica))
        r.tags()
        return entry

    def topic(r):
        entry = (r.string(), r.array(partition))
        r.tags()
        return entry

    answer = (error, r.array(topic))
    r.tags()
    r.done()
    return answer


def update_features(bootstrap, updates, version=1, validate_only=False):
    """updates: [(feature, level, upgrade type (v1) or allow downgrade (v0))] ->
    (top error, top message, [(feature, error, message)])."""
    w = Writer(True)
    w.int32(30000)

    def update(w, u):
        w.string(u[0]).int16(u[1])
        if version == 0:
            w.boolean(u[2])
        else:
            w.int8(u[2])
        w.tags()

    w.array(updates, update)
    if version >= 1:
        w.boolean(validate_only)
    w.tags()
    r = call_once(bootstrap, 57, version, True, w)
    r.int32()
    error, message = r.int16(), r.string()

    def result(r):
        entry = (r.string(), r.int16(), r.string())
        r.tags()
        return entry

    results = r.array(result)
    r.tags()
    r.done()
    return error, message, results


def unregister_broker(bootstrap, broker_id):
    """-> (error, message)."""
    w = Writer(True)
    w.int32(broker_id).tags()
    r = call_once(bootstrap, 64, 0, True, w)
    r.int32()
    answer = (r.int16(), r.string())
    r.tags()
    r.done()
    return answer


UPGRADE, SAFE_DOWNGRADE, UNSAFE_DOWNGRADE = 1, 2, 3


def test_api_versions_v3_reports_features(broker):
    error, apis, _ = api_versions_v3(broker.bootstrap)
    assert error == 0
    assert apis[55] == (0, 1) and apis[57] == (0, 1) and apis[64] == (0, 0)
    supported, finalized, epoch, zk = features(broker.bootstrap)
    assert supported == {"metadata.version": (1, 19)}
    assert finalized == {"metadata.version": (19, 19)}
    assert epoch >= 0 and zk is False
    # The epoch is the offset of the last metadata record: a change moves it on.
    create_topic(broker.bootstrap, "features-epoch")
    assert features(broker.bootstrap)[2] > epoch


@pytest.mark.parametrize("version", [0, 1])
def test_describe_quorum_describes_the_single_voter(broker, version):
    before = time.time() * 1000
    error, topics = describe_quorum(broker.bootstrap, [("__cluster_metadata", [0])], version)
    assert error == 0
    [(name, [(index, code, leader, epoch, hw, voters, observers)])] = topics
    assert (name, index, code, leader, observers) == ("__cluster_metadata", 0, 0, NODE_ID, [])
    assert epoch >= 1 and hw > 0
    [(voter, end, fetched, caught_up)] = voters
    assert (voter, end) == (NODE_ID, hw)
    if version == 0:
        assert fetched == caught_up == -1
    else:
        assert before - 1000 <= fetched <= time.time() * 1000 + 1000
        assert caught_up == fetched
    # A change appends records: the high watermark follows the log's end.
    create_topic(broker.bootstrap, f"quorum-v{version}")
    assert describe_quorum(broker.bootstrap, [("__cluster_metadata", [0])], version)[1][0][1][0][4] > hw


def test_describe_quorum_refuses_anything_but_the_metadata_log(broker):
    # Kafka echoes every partition asked for with UNKNOWN_TOPIC_OR_PARTITION, top-level error 0.
    assert describe_quorum(broker.bootstrap, [("orders", [0, 3])]) == (0, [
        ("orders", [(0, 3, 0, 0, 0, [], []), (3, 3, 0, 0, 0, [], [])])])
    assert describe_quorum(broker.bootstrap, [("__cluster_metadata", [1])]) == (0, [
        ("__cluster_metadata", [(1, 3, 0, 0, 0, [], [])])])
    assert describe_quorum(broker.bootstrap, [("__cluster_metadata", [0, 0])])[1][0][1][0][1] == 3
    assert describe_quorum(broker.bootstrap, []) == (0, [])


def test_update_features_refusals_carry_kafkas_messages(broker):
    assert update_features(broker.bootstrap, [("metadata.version", 20, UPGRADE)]) == (0, None, [
        ("metadata.version", 95, "Invalid update version 20 for feature metadata.version. "
                                 "Local controller 1 only supports versions 1-19")])
    assert update_features(broker.bootstrap, [("metadata.version", 18, UPGRADE)]) == (0, None, [
        ("metadata.version", 95, "Invalid update version 18 for feature metadata.version. "
                                 "Can't downgrade the version of this feature without setting the "
                                 "upgrade type to either safe or unsafe downgrade.")])
    assert update_features(broker.bootstrap, [("metadata.version", 16, SAFE_DOWNGRADE)]) == (
        0, None, [("metadata.version", 95, "Invalid metadata.version 16. Refusing to perform the "
                                           "requested downgrade because it might delete metadata "
                                           "information.")])
    assert update_features(broker.bootstrap, [("metadata.version", 19, 7)])[2][0][1] == 95
    # One result per feature, in name order; an unknown feature at level 0 passes (no change).
    assert update_features(broker.bootstrap, [("zz.version", 1, UPGRADE),
                                              ("aa.version", 0, UPGRADE)]) == (0, None, [
        ("aa.version", 0, None),
        ("zz.version", 95, "Invalid update version 1 for feature zz.version. Local controller 1 "
                           "does not support this feature.")])
    assert features(broker.bootstrap)[1] == {"metadata.version": (19, 19)}
    # validate_only answers the same and changes nothing.
    assert update_features(broker.bootstrap, [("metadata.version", 17, SAFE_DOWNGRADE)],
                           validate_only=True) == (0, None, [("metadata.version", 0, None)])
    assert metadata_version(broker.bootstrap) == 19


def test_a_downgrade_survives_a_sigkill_and_upgrades_back():
    running = Broker()
    try:
        assert update_features(running.bootstrap, [("metadata.version", 17, SAFE_DOWNGRADE)]) == (
            0, None, [("metadata.version", 0, None)])
        assert metadata_version(running.bootstrap) == 17
        epoch = describe_quorum(running.bootstrap, [("__cluster_metadata", [0])])[1][0][1][0][3]
        running.process.send_signal(signal.SIGKILL)
        running.process.wait(timeout=30)
        restarted = Broker(directory=running.directory, port=running.port)
        try:
            assert metadata_version(restarted.bootstrap) == 17
            # A new leader epoch at every start, as a Raft election.
            quorum = describe_quorum(restarted.bootstrap, [("__cluster_metadata", [0])])
            assert quorum[1][0][1][0][3] == epoch + 1
            # v0's AllowDowngrade: false is an upgrade.
            assert update_features(restarted.bootstrap, [("metadata.version", 19, False)],
                                   version=0) == (0, None, [("metadata.version", 0, None)])
            assert metadata_version(restarted.bootstrap) == 19
            assert update_features(restarted.bootstrap, [("metadata.version", 18, True)],
                                   version=0) == (0, None, [("metadata.version", 0, None)])
            assert metadata_version(restarted.bootstrap) == 18
        finally:
            restarted.stop()
    finally:
        if running.process.poll() is None:
            running.stop()


def test_unregister_broker():
    running = Broker()
    try:
        # Kafka answers only the code: BROKER_ID_NOT_REGISTERED, no message.
        assert unregister_broker(running.bootstrap, 5) == (102, None)
        topic = "unregistered"
        create_topic(running.bootstrap, topic)
        connection = Connection(running.bootstrap)
        assert produce_v7(connection, topic, record_batch(-1, -1, -1, [b"before"]))[0] == 0
        assert unregister_broker(running.bootstrap, NODE_ID) == (0, None)
        assert unregister_broker(running.bootstrap, NODE_ID) == (102, None)
        # Its partitions have no leader: Produce answers NOT_LEADER_OR_FOLLOWER, Metadata lists
        # no broker and the partition leaderless (its replica offline).
        assert produce_v7(connection, topic, record_batch(-1, -1, -1, [b"refused"]))[0] == 6
        described = AdminClient({"bootstrap.servers": running.bootstrap}).list_topics(
            topic, timeout=15)
        assert described.brokers == {}
        partition = described.topics[topic].partitions[0]
        assert partition.leader == -1 and partition.isrs == [NODE_ID]
        assert partition.error is not None and partition.error.code() == 5
        connection.close()
        running.stop(keep_data=True)
        restarted = Broker(directory=running.directory, port=running.port)
        try:
            # Registered again at start, it leads its partitions again and keeps their records.
            connection = Connection(restarted.bootstrap)
            assert produce_v7(connection, topic, record_batch(-1, -1, -1, [b"after"]))[0] == 0
            connection.close()
            consumer = Consumer({"bootstrap.servers": restarted.bootstrap, "group.id": "u"})
            try:
                assert consumer.get_watermark_offsets(TopicPartition(topic, 0), 15) == (0, 2)
            finally:
                consumer.close()
        finally:
            restarted.stop()
    finally:
        if running.process.poll() is None:
            running.stop()
