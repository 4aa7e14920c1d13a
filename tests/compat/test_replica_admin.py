"""ElectLeaders, AlterPartitionReassignments, ListPartitionReassignments and DescribeProducers
against a single-node broker, as a Kafka 3.7 KRaft node answers them when every partition has
one replica that leads it: elections are never needed, the only valid reassignment target is
the current replica set and nothing is ever being reassigned; DescribeProducers lists the
idempotent producers a partition remembers, across a restart. On the wire (kafka_wire, every
version), through librdkafka's idempotent producer, and through @platformatic/kafka."""
import json
import os

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker, node_version, run
from kafka_wire import Connection, Writer
from test_idempotent_wire import Connection as ProduceConnection
from test_idempotent_wire import record_batch

HERE = os.path.dirname(os.path.abspath(__file__))

UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_TOPIC_EXCEPTION = 17
INVALID_REPLICA_ASSIGNMENT = 39
INVALID_REQUEST = 42
ELECTION_NOT_NEEDED = 84
NO_REASSIGNMENT_IN_PROGRESS = 85
NOT_NEEDED = (ELECTION_NOT_NEEDED, "Leader election not needed for topic partition.")


def create(bootstrap, topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(15)


def partition_result(r):
    """(partition, error code, error message), the per-partition answer of ElectLeaders and
    AlterPartitionReassignments."""
    answer = (r.int32(), r.int16(), r.string())
    r.tags()
    return answer


def topic_results(r):
    answer = (r.string(), r.array(partition_result))
    r.tags()
    return answer


def elect(connection, version, topics, election_type=0):
    flexible = version >= 2
    w = Writer(flexible)
    if version >= 1:
        w.int8(election_type)
    w.array(topics, lambda w, t: w.string(t[0]).array(t[1], lambda w, p: w.int32(p)).tags())
    w.int32(60000).tags()
    r = connection.call(43, version, flexible, w)
    r.int32()  # throttle
    error = r.int16() if version >= 1 else None
    results = r.array(topic_results)
    r.tags()
    r.done()
    return error, results


def test_elect_leaders_every_version(broker):
    create(broker.bootstrap, "elect.a", 2)
    connection = Connection(broker.bootstrap)
    try:
        for version in (0, 1, 2):
            types = (0,) if version == 0 else (0, 1)
            for election_type in types:
                error, results = elect(connection, version,
                                       [("elect.a", [0, 1, 5]), ("elect.none", [0])],
                                       election_type)
                assert error in (None, 0)
                assert results == [
                    ("elect.a", [(0, *NOT_NEEDED), (1, *NOT_NEEDED),
                                 (5, UNKNOWN_TOPIC_OR_PARTITION,
                                  "No such partition as elect.a-5")]),
                    ("elect.none", [(0, UNKNOWN_TOPIC_OR_PARTITION,
                                     "No such topic as elect.none")])]
                # Every partition: every topic listed, no partition needed an election.
                error, results = elect(connection, version, None, election_type)
                assert error in (None, 0)
                names = [name for name, _ in results]
                assert "elect.a" in names
                assert all(partitions == [] for _, partitions in results), results
                assert elect(connection, version, [], election_type) == (error, [])
        # An unknown election type: INVALID_REQUEST on the response and every partition.
        for version in (1, 2):
            error, results = elect(connection, version, [("elect.a", [0])], election_type=2)
            assert error == INVALID_REQUEST
            assert results == [("elect.a", [(0, INVALID_REQUEST, "Unknown election type 2")])]
    finally:
        connection.close()


def alter_reassignments(connection, topics):
    w = Writer(True).int32(60000)
    w.array(topics, lambda w, t: w.string(t[0]).array(
        t[1], lambda w, p: w.int32(p[0]).array(p[1], lambda w, r: w.int32(r)).tags()).tags())
    w.tags()
    r = connection.call(45, 0, True, w)
    r.int32()
    top = (r.int16(), r.string())
    results = r.array(topic_results)
    r.tags()
    r.done()
    return top, results


def list_reassignments(connection, topics):
    w = Writer(True).int32(60000)
    w.array(topics, lambda w, t: w.string(t[0]).array(t[1], lambda w, p: w.int32(p)).tags())
    w.tags()
    r = connection.call(46, 0, True, w)
    r.int32()
    top = (r.int16(), r.string())
    listed = r.array(lambda r: r)
    r.tags()
    r.done()
    return top, listed


def test_reassignments_on_one_node(broker):
    create(broker.bootstrap, "move.a", 2)
    connection = Connection(broker.bootstrap)
    try:
        top, results = alter_reassignments(connection, [
            ("move.a", [(0, [1]), (1, []), (0, [1, 1]), (1, [2]), (0, None), (9, [1])]),
            ("move.none", [(0, [1])])])
        assert top == (0, None)
        assert results == [
            ("move.a", [
                (0, 0, None),
                (1, INVALID_REPLICA_ASSIGNMENT,
                 "The manual partition assignment includes an empty replica list."),
                (0, INVALID_REPLICA_ASSIGNMENT,
                 "The manual partition assignment includes the broker 1 more than once."),
                (1, INVALID_REPLICA_ASSIGNMENT,
                 "The manual partition assignment includes broker 2, but no such broker is "
                 "registered."),
                (0, NO_REASSIGNMENT_IN_PROGRESS, None),
                (9, UNKNOWN_TOPIC_OR_PARTITION, "Unable to find partition move.a:9.")]),
            ("move.none", [(0, UNKNOWN_TOPIC_OR_PARTITION,
                            "Unable to find a topic named move.none.")])]
        # Nothing is ever being reassigned; unknown topics are left out, as Kafka does.
        assert list_reassignments(connection, None) == ((0, None), [])
        assert list_reassignments(connection, [("move.a", [0, 1]), ("move.none", [0])]) == \
            ((0, None), [])
    finally:
        connection.close()


def describe_producers(connection, topics):
    w = Writer(True)
    w.array(topics, lambda w, t: w.string(t[0]).array(t[1], lambda w, p: w.int32(p)).tags())
    w.tags()
    r = connection.call(61, 0, True, w)
    r.int32()

    def producer(r):
        answer = (r.int64(), r.int32(), r.int32(), r.int64(), r.int32(), r.int64())
        r.tags()
        return answer

    def partition(r):
        answer = (r.int32(), r.int16(), r.string(), r.array(producer))
        r.tags()
        return answer

    def topic(r):
        answer = (r.string(), r.array(partition))
        r.tags()
        return answer

    results = r.array(topic)
    r.tags()
    r.done()
    return results


def test_describe_producers_lists_idempotent_producers_across_a_restart():
    broker = Broker()
    directory, port = broker.directory, broker.port
    try:
        create(broker.bootstrap, "producers.a", 2)
        producing = ProduceConnection(broker.bootstrap)
        _, first, _ = producing.init_producer_id()
        _, second, _ = producing.init_producer_id()
        assert producing.produce("producers.a", record_batch(first, 0, 0, [b"a", b"b"])) == (0, 0)
        assert producing.produce("producers.a", record_batch(second, 0, 0, [b"c"])) == (0, 2)
        assert producing.produce("producers.a", record_batch(first, 0, 2, [b"d"])) == (0, 3)
        assert producing.produce("producers.a", record_batch(-1, -1, -1, [b"e"])) == (0, 4)
        producing.sock.close()
        # The batches' max timestamp is 1000 (record_batch); no transactions: -1, -1.
        expected = [("producers.a", [
            (0, 0, None, sorted([(first, 0, 2, 1000, -1, -1), (second, 0, 0, 1000, -1, -1)])),
            (1, 0, None, []),
            (7, UNKNOWN_TOPIC_OR_PARTITION, None, [])]),
            ("producers.none", [(0, UNKNOWN_TOPIC_OR_PARTITION,
                                 "This server does not host this topic-partition.", [])])]
        wanted = [("producers.a", [0, 1, 7]), ("producers.none", [0])]
        connection = Connection(broker.bootstrap)
        assert describe_producers(connection, wanted) == expected
        # A partition named twice is answered twice, the same.
        [(_, twice)] = describe_producers(connection, [("producers.a", [0, 0])])
        assert twice == [expected[0][1][0]] * 2
        invalid = describe_producers(connection, [("bad name!", [0])])
        assert invalid[0][1][0][1] == INVALID_TOPIC_EXCEPTION and invalid[0][1][0][2]
        connection.close()
    finally:
        broker.stop(keep_data=True)

    broker = Broker(directory=directory, port=port)
    try:
        # Rebuilt from the log when the partition opens.
        connection = Connection(broker.bootstrap)
        assert describe_producers(connection, wanted) == expected
        connection.close()
    finally:
        broker.stop()


def test_librdkafka_idempotent_producer_is_described(broker):
    create(broker.bootstrap, "producers.rdkafka", 1)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True,
                         "linger.ms": 5})
    delivered = []
    for index in range(100):
        producer.produce("producers.rdkafka", value=b"%d" % index, partition=0,
                         on_delivery=lambda error, message: delivered.append(error))
    assert producer.flush(30) == 0
    assert delivered == [None] * 100
    connection = Connection(broker.bootstrap)
    try:
        [(name, [(index, error, message, producers)])] = describe_producers(
            connection, [("producers.rdkafka", [0])])
        assert (name, index, error, message) == ("producers.rdkafka", 0, 0, None)
        # One producer, epoch 0, its 100 records numbered 0-99.
        assert len(producers) == 1
        producer_id, epoch, last_sequence, last_timestamp, coordinator_epoch, txn = producers[0]
        assert producer_id >= 0 and epoch == 0 and last_sequence == 99
        assert last_timestamp > 0 and (coordinator_epoch, txn) == (-1, -1)
    finally:
        connection.close()


def test_platformatic_reassignments_and_producers(broker):
    if node_version() < (20, 19):
        pytest.skip("@platformatic/kafka needs node >= 20.19")
    create(broker.bootstrap, "plat.move", 1)
    result = run(["node", os.path.join(HERE, "platformatic_replica_admin.js"), broker.bootstrap],
                 cwd=HERE, timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["alterSame"]["ok"]["responses"] == [
        {"name": "plat.move", "partitions": [
            {"partitionIndex": 0, "errorCode": 0, "errorMessage": None}]}]
    assert report["alterOther"]["error"] == [
        ["INVALID_REPLICA_ASSIGNMENT", INVALID_REPLICA_ASSIGNMENT, "responses/0/partitions/0"]]
    assert report["cancel"]["error"] == [
        ["NO_REASSIGNMENT_IN_PROGRESS", NO_REASSIGNMENT_IN_PROGRESS, "responses/0/partitions/0"]]
    assert report["listed"]["ok"]["topics"] == []
    assert report["listedNamed"]["ok"]["topics"] == []
    producers = report["producers"]["ok"]["topics"][0]["partitions"][0]["activeProducers"]
    assert len(producers) == 1 and producers[0]["lastSequence"] == 2
    assert report["producersMissing"]["error"] == [
        ["UNKNOWN_TOPIC_OR_PARTITION", UNKNOWN_TOPIC_OR_PARTITION, "/partitions/0"]]


def test_a_request_asking_for_a_huge_answer_closes_only_its_connection(broker):
    # 400,000 entries of a 300-character unknown topic: 1.6 MB asking for ~160 MB of messages.
    connection = Connection(broker.bootstrap)
    try:
        with pytest.raises(ConnectionError):
            elect(connection, 2, [("n" * 300, [0] * 400_000)])
    finally:
        connection.close()
    connection = Connection(broker.bootstrap)
    try:
        assert elect(connection, 2, [("elect.none", [0])])[1][0][1][0][1] == \
            UNKNOWN_TOPIC_OR_PARTITION
    finally:
        connection.close()
