"""Incremental fetch sessions (KIP-227) on the wire, with hand-made Fetch v12/v13 requests on
one connection (a session lives on the shard of its connection): a session is created, an
incremental fetch with nothing new is empty, new records and forgotten partitions, epoch errors,
closing with epoch -1, and the long poll of a session fetch woken by an append. Records are
produced with librdkafka (confluent-kafka), which itself never asks for a session."""
import struct
import threading
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from kafka_wire import Connection, Writer

FETCH = 1
INVALID_FETCH_SESSION_EPOCH = 71
FETCH_SESSION_ID_NOT_FOUND = 70
FETCH_SESSION_TOPIC_ID_ERROR = 106


def create(bootstrap, name, partitions, config=None):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, partitions, 1, config=config or {})])[name].result(15)


def produce(bootstrap, topic, partition, values, compression="none"):
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20,
                         "compression.type": compression})
    for value in values:
        producer.produce(topic, value, partition=partition)
    assert producer.flush(15) == 0


def fetch(connection, session_id, epoch, topics=(), forgotten=(), max_wait_ms=0, version=12):
    """topics: [(topic, [(partition, offset)])]; forgotten: [(topic, [partitions])] (a topic
    is a name before v13, 16 id bytes from v13). Returns (error, session_id, {(topic,
    partition): (error, high_watermark, log_start_offset, records)})."""
    def write_topic(w, name):
        if version >= 13:
            w.out += name
        else:
            w.string(name)

    def each_partition(w, p):
        w.int32(p[0]).int32(-1).int64(p[1]).int32(-1).int64(-1).int32(1 << 20).tags()

    def each_topic(w, t):
        write_topic(w, t[0])
        w.array(t[1], each_partition).tags()

    def each_forgotten(w, t):
        write_topic(w, t[0])
        w.array(t[1], lambda w, p: w.int32(p)).tags()

    body = Writer(True)
    if version < 15:
        body.int32(-1)
    body.int32(max_wait_ms).int32(1).int32(50 << 20).int8(0).int32(session_id).int32(epoch)
    body.array(list(topics), each_topic).array(list(forgotten), each_forgotten).string("")
    body.tags()
    reply = connection.call(FETCH, version, True, body)
    reply.int32()
    error = reply.int16()
    answered_session = reply.int32()
    partitions = {}

    def read_partition(r, topic):
        index, code, high_watermark = r.int32(), r.int16(), r.int64()
        r.int64()
        log_start = r.int64()
        r.array(lambda r: (r.int64(), r.int64(), r.tags()))
        r.int32()
        size = r.uvarint() - 1
        records = b"" if size < 0 else r.data[r.at:r.at + size]
        r.at += max(size, 0)
        r.tags()
        partitions[(topic, index)] = (code, high_watermark, log_start, records)

    def read_topic(r):
        if version >= 13:
            topic = r.data[r.at:r.at + 16]
            r.at += 16
        else:
            topic = r.string()
        r.array(lambda r: read_partition(r, topic))
        r.tags()

    reply.array(read_topic)
    reply.tags()
    reply.done()
    return error, answered_session, partitions


def test_session_lifecycle(broker):
    create(broker.bootstrap, "sessions", 2)
    connection = Connection(broker.bootstrap)
    try:
        # Epoch 0: a full fetch that creates a session.
        error, session, parts = fetch(connection, 0, 0, [("sessions", [(0, 0), (1, 0)])])
        assert error == 0 and session != 0
        assert set(parts) == {("sessions", 0), ("sessions", 1)}
        assert parts[("sessions", 0)][:2] == (0, 0)

        # Epoch 1, nothing new: no partitions, after the long poll.
        started = time.monotonic()
        error, same, parts = fetch(connection, session, 1, max_wait_ms=300)
        assert (error, same, parts) == (0, session, {})
        assert time.monotonic() - started >= 0.25

        # New records on partition 1 only: only partition 1 comes back.
        produce(broker.bootstrap, "sessions", 1, [b"one", b"two"])
        error, same, parts = fetch(connection, session, 2, max_wait_ms=1000)
        assert (error, same) == (0, session)
        assert list(parts) == [("sessions", 1)]
        code, high_watermark, _, records = parts[("sessions", 1)]
        assert (code, high_watermark) == (0, 2) and len(records) > 61

        # The client moves partition 1's offset on; a parked session fetch wakes on an append
        # to partition 0 and answers with partition 0 alone.
        timer = threading.Timer(0.3, produce, (broker.bootstrap, "sessions", 0, [b"zero"]))
        timer.start()
        started = time.monotonic()
        error, same, parts = fetch(connection, session, 3, [("sessions", [(1, 2)])],
                                   max_wait_ms=10000)
        timer.join()
        assert time.monotonic() - started < 5
        assert (error, same) == (0, session)
        assert list(parts) == [("sessions", 0)]
        assert parts[("sessions", 0)][1] == 1

        # Forget partition 0: new records there no longer come back; partition 1's do.
        error, same, parts = fetch(connection, session, 4, forgotten=[("sessions", [0])])
        assert (error, same, parts) == (0, session, {})
        produce(broker.bootstrap, "sessions", 0, [b"unseen"])
        error, same, parts = fetch(connection, session, 5, max_wait_ms=200)
        assert (error, same, parts) == (0, session, {})
        produce(broker.bootstrap, "sessions", 1, [b"three"])
        error, same, parts = fetch(connection, session, 6, max_wait_ms=1000)
        assert list(parts) == [("sessions", 1)]
        assert parts[("sessions", 1)][1] == 3

        # A wrong epoch and an unknown id are errors; the session survives them.
        assert fetch(connection, session, 42)[:2] == (INVALID_FETCH_SESSION_EPOCH, 0)
        assert fetch(connection, session + 1, 7)[:2] == (FETCH_SESSION_ID_NOT_FOUND, 0)
        # v13 (topic ids) on a session made with names.
        assert fetch(connection, session, 7, version=13)[:2] == (FETCH_SESSION_TOPIC_ID_ERROR, 0)
        # Records keep coming back until the client moves its offset past them.
        error, same, parts = fetch(connection, session, 7)
        assert (error, same, list(parts)) == (0, session, [("sessions", 1)])
        error, same, parts = fetch(connection, session, 8, [("sessions", [(1, 3)])])
        assert (error, same, parts) == (0, session, {})

        # Epoch -1 closes it: a sessionless full fetch, and the id is gone.
        error, none, parts = fetch(connection, session, -1, [("sessions", [(1, 3)])])
        assert (error, none) == (0, 0)
        assert list(parts) == [("sessions", 1)]
        assert fetch(connection, session, 9)[:2] == (FETCH_SESSION_ID_NOT_FOUND, 0)
    finally:
        connection.close()


def test_full_fetch_with_epoch_zero_replaces_the_session(broker):
    create(broker.bootstrap, "replaced", 1)
    connection = Connection(broker.bootstrap)
    try:
        _, first, _ = fetch(connection, 0, 0, [("replaced", [(0, 0)])])
        _, second, _ = fetch(connection, first, 0, [("replaced", [(0, 0)])])
        assert first != 0 and second not in (0, first)
        assert fetch(connection, first, 1)[0] == FETCH_SESSION_ID_NOT_FOUND
        assert fetch(connection, second, 1)[:2] == (0, second)
    finally:
        connection.close()


def test_no_session_slots_means_session_id_zero():
    from conftest import Broker
    running = Broker(["--set", "max.incremental.fetch.session.cache.slots=0"])
    try:
        create(running.bootstrap, "nosessions", 1)
        connection = Connection(running.bootstrap)
        try:
            error, session, parts = fetch(connection, 0, 0, [("nosessions", [(0, 0)])])
            assert (error, session) == (0, 0)
            assert list(parts) == [("nosessions", 0)]
        finally:
            connection.close()
    finally:
        running.stop()
