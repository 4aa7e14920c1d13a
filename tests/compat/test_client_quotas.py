"""DescribeClientQuotas (48) and AlterClientQuotas (49), v0 and v1, on the wire: what a Kafka 3.7
KRaft broker answers (error codes, messages, a null entry list on a refused filter, "" as the
message of a success), and quotas kept in the metadata log across a SIGKILL of the broker.
Then enforcement: producer_byte_rate throttles Produce (the throttle time in the response, the
connection muted for it), consumer_byte_rate answers an over-quota Fetch empty with its
throttle time. @platformatic/kafka's admin calls are in test_platformatic.py."""
import signal
import time

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker
from kafka_wire import Connection, Reader, Writer, call_once
from test_idempotent_wire import record_batch

# Two windows of a second: a rate is measured over 1 to 2 s, so a test sees throttling at once.
BROKER_ARGS = ["--set", "quota.window.num=2", "--set", "quota.window.size.seconds=1"]

USER, CLIENT_ID, IP = "user", "client-id", "ip"
EXACT, DEFAULT, ANY = 0, 1, 2


def write_entity(w, entity):
    w.array(entity, lambda w, part: (w.string(part[0]), w.string(part[1]), w.tags()))


def read_entity(r):
    def part(r):
        answer = (r.string(), r.string())
        r.tags()
        return answer
    return r.array(part)


def alter(bootstrap, entries, version=1, validate_only=False):
    """entries: [(entity [(type, name)], [(key, value or None to remove)])] ->
    [(error code, message, entity)]."""
    flexible = version >= 1
    w = Writer(flexible)

    def entry(w, item):
        entity, ops = item
        write_entity(w, entity)
        w.array(ops, lambda w, op: (w.string(op[0]), w.float64(op[1] or 0.0),
                                    w.boolean(op[1] is None), w.tags()))
        w.tags()

    w.array(entries, entry)
    w.boolean(validate_only)
    w.tags()
    r = call_once(bootstrap, 49, version, flexible, w)
    r.int32()

    def answer(r):
        code, message, entity = r.int16(), r.string(), read_entity(r)
        r.tags()
        return code, message, entity

    answers = r.array(answer)
    r.tags()
    r.done()
    return answers


def describe(bootstrap, components, strict=False, version=1):
    """components: [(type, match type, match)] -> (error, message, entries or None), entries as
    sorted [(sorted entity, sorted values)]."""
    flexible = version >= 1
    w = Writer(flexible)
    w.array(components, lambda w, c: (w.string(c[0]), w.int8(c[1]), w.string(c[2]), w.tags()))
    w.boolean(strict)
    w.tags()
    r = call_once(bootstrap, 48, version, flexible, w)
    r.int32()
    error, message = r.int16(), r.string()

    def value(r):
        answer = (r.string(), r.float64())
        r.tags()
        return answer

    def entry(r):
        entity, values = read_entity(r), r.array(value)
        r.tags()
        return sorted(entity, key=str), sorted(values)

    entries = r.array(entry)
    r.tags()
    r.done()
    return error, message, None if entries is None else sorted(entries, key=str)


@pytest.mark.parametrize("version", [0, 1])
def test_alter_then_describe(broker, version):
    user = f"user-v{version}"
    answers = alter(broker.bootstrap, [([(USER, user)], [("producer_byte_rate", 1000.0)]),
                                       ([(USER, user), (CLIENT_ID, None)],
                                        [("consumer_byte_rate", 2000.0)])], version)
    assert sorted(answers, key=str) == sorted([(0, None, [(USER, user)]),
                                               (0, None, [(CLIENT_ID, None), (USER, user)])],
                                              key=str)
    assert describe(broker.bootstrap, [(USER, EXACT, user)], version=version) == (0, "", [
        ([(CLIENT_ID, None), (USER, user)], [("consumer_byte_rate", 2000.0)]),
        ([(USER, user)], [("producer_byte_rate", 1000.0)])])
    assert describe(broker.bootstrap, [(USER, EXACT, user), (CLIENT_ID, DEFAULT, None)],
                    strict=True, version=version) == (0, "", [
        ([(CLIENT_ID, None), (USER, user)], [("consumer_byte_rate", 2000.0)])])
    assert describe(broker.bootstrap, [(USER, EXACT, "nobody")], version=version) == (0, "", [])


def test_refusals_carry_kafkas_codes_and_messages(broker):
    answers = alter(broker.bootstrap, [
        ([(USER, "u")], [("producer_byte_rate", 0.5)]),
        ([(IP, "10.0.0.1")], [("producer_byte_rate", 5.0)]),
        ([(USER, "")], [("producer_byte_rate", 5.0)]),
        ([(USER, "v")], [("request_percentage", -1.0)])])
    assert answers == [
        (42, "producer_byte_rate cannot be a fractional value.", [(USER, "u")]),
        (42, "Invalid configuration key producer_byte_rate", [(IP, "10.0.0.1")]),
        (42, "Empty user not supported", [(USER, "")]),
        (42, "Quota request_percentage must be greater than 0", [(USER, "v")])]
    # Nothing of a refused entity was kept.
    listed = describe(broker.bootstrap, [(USER, ANY, None)])[2]
    assert not [entity for entity, _ in listed if entity in ([(USER, "u")], [(USER, "v")])]
    assert describe(broker.bootstrap, [(USER, EXACT, None)]) == (
        42, "Request specified MATCH_TYPE_EXACT, but set match string to null.", None)
    assert describe(broker.bootstrap, [("group", EXACT, "g")]) == (
        35, "Unsupported entity type group", None)
    assert describe(broker.bootstrap, [(IP, ANY, None), (USER, ANY, None)]) == (
        42, "Invalid entity filter component combination. IP filter component should not be "
            "used with user or clientId filter component.", None)
    # validate_only checks and answers the same, and changes nothing.
    assert alter(broker.bootstrap, [([(IP, "10.1.1.1")], [("connection_creation_rate", 9.0)])],
                 validate_only=True) == [(0, None, [(IP, "10.1.1.1")])]
    assert describe(broker.bootstrap, [(IP, EXACT, "10.1.1.1")]) == (0, "", [])


def test_quotas_survive_a_sigkill():
    running = Broker()
    try:
        assert alter(running.bootstrap, [([(CLIENT_ID, "kept")],
                                          [("producer_byte_rate", 4096.0)])]) == [
            (0, None, [(CLIENT_ID, "kept")])]
        running.process.send_signal(signal.SIGKILL)
        running.process.wait(timeout=30)
        restarted = Broker(directory=running.directory, port=running.port)
        try:
            assert describe(restarted.bootstrap, [(CLIENT_ID, EXACT, "kept")]) == (0, "", [
                ([(CLIENT_ID, "kept")], [("producer_byte_rate", 4096.0)])])
        finally:
            restarted.stop()
    finally:
        if running.process.poll() is None:
            running.stop()


def create_topic(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(15)


def produce_v7(connection, topic, batch):
    """Produce v7, acks=1: (error code, throttle_time_ms)."""
    w = Writer(False)
    w.string(None).int16(1).int32(10000)
    w.array([topic], lambda w, name: (w.string(name), w.array(
        [0], lambda w, index: (w.int32(index), w.bytes_(batch)))))
    r = connection.call(0, 7, False, w)

    def partition(r):
        index, error = r.int32(), r.int16()
        r.int64(), r.int64(), r.int64()  # base offset, log append time, log start offset
        return error

    [[error]] = r.array(lambda r: (r.string(), r.array(partition))[1])
    throttle = r.int32()
    r.done()
    return error, throttle


def fetch_v4(connection, topic):
    """Fetch v4 of partition 0 from offset 0: (throttle_time_ms, record bytes per partition)."""
    w = Writer(False)
    w.int32(-1).int32(0).int32(1).int32(1 << 20).int8(0)
    w.array([topic], lambda w, name: (w.string(name), w.array(
        [0], lambda w, index: w.int32(index).int64(0).int32(1 << 20))))
    r = connection.call(1, 4, False, w)
    throttle = r.int32()

    def partition(r):
        r.int32(), r.int16(), r.int64(), r.int64()
        r.array(lambda r: (r.int64(), r.int64()))
        return len(r.bytes_() or b"")

    responses = r.array(lambda r: (r.string(), r.array(partition)))
    r.done()
    return throttle, responses


def test_producer_byte_rate_throttles_and_mutes_the_connection(broker):
    topic = "quota.produce"
    create_topic(broker.bootstrap, topic)
    # kafka_wire's client id is "compat"; its user, as every PLAINTEXT client's, ANONYMOUS.
    assert alter(broker.bootstrap, [([(CLIENT_ID, "compat")],
                                     [("producer_byte_rate", 1000.0)])]) == [
        (0, None, [(CLIENT_ID, "compat")])]
    connection = Connection(broker.bootstrap)
    try:
        # About 3.1 KB in a window measured as 1 s: 2.1 times over the bound, ~2.1 s of throttle.
        error, throttle = produce_v7(connection, topic, record_batch(-1, -1, -1, [b"x" * 3000]))
        assert error == 0 and 1500 <= throttle <= 3000, throttle
        started = time.monotonic()
        w = Writer(False)
        connection.call(18, 0, False, w)  # ApiVersions v0: read only after the throttle
        assert time.monotonic() - started >= throttle / 1000 - 0.25
    finally:
        connection.close()
    # Within the bound: no throttle.
    assert alter(broker.bootstrap, [([(CLIENT_ID, "compat")],
                                     [("producer_byte_rate", 1e9)])])[0][0] == 0
    connection = Connection(broker.bootstrap)
    try:
        assert produce_v7(connection, topic, record_batch(-1, -1, -1, [b"y" * 100])) == (0, 0)
    finally:
        connection.close()
    alter(broker.bootstrap, [([(CLIENT_ID, "compat")], [("producer_byte_rate", None)])])


def test_consumer_byte_rate_answers_an_over_quota_fetch_empty(broker):
    topic = "quota.fetch"
    create_topic(broker.bootstrap, topic)
    connection = Connection(broker.bootstrap)
    try:
        assert produce_v7(connection, topic, record_batch(-1, -1, -1, [b"z" * 3000])) == (0, 0)
        throttle, responses = fetch_v4(connection, topic)
        assert throttle == 0 and responses[0][1][0] > 3000
        assert alter(broker.bootstrap, [([(CLIENT_ID, "compat")],
                                         [("consumer_byte_rate", 500.0)])])[0][0] == 0
        # The first batch is read whole (KIP-74), ~3 KB against 500 B/s: taken back, answered
        # with nothing but the throttle time, ~5 s.
        throttle, responses = fetch_v4(connection, topic)
        assert throttle > 3000 and responses == [], (throttle, responses)
    finally:
        connection.close()
    alter(broker.bootstrap, [([(CLIENT_ID, "compat")], [("consumer_byte_rate", None)])])
