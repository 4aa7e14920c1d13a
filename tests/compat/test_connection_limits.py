"""max.connections.per.ip closes a host's connection over the limit at once; max.connections
(across all shards) leaves new connections unserved in the listen backlog until one closes. Both
can be changed while the broker runs (IncrementalAlterConfigs on a broker resource)."""
import socket
import time

from conftest import Broker
from kafka_wire import Connection, Writer
from test_admin_configs import APPEND, BROKER, DELETE, SET, incremental
from test_dynamic_broker_configs import describe_raw


def api_versions(connection):
    """ApiVersions v0 on `connection`; the error code."""
    reply = connection.call(18, 0, False, Writer(False))
    return reply.int16()


def closed_by_broker(connection, timeout=5.0):
    """True when the broker closes `connection` within `timeout` seconds."""
    connection.sock.settimeout(timeout)
    try:
        return connection.sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_connections_over_the_per_ip_limit_are_closed_at_once():
    running = Broker(["--set", "max.connections.per.ip=2"])
    try:
        first, second = Connection(running.bootstrap), Connection(running.bootstrap)
        assert api_versions(first) == 0 and api_versions(second) == 0
        third = Connection(running.bootstrap)
        assert closed_by_broker(third)
        third.close()
        second.close()
        # A slot frees once the broker has seen the close.
        deadline = time.monotonic() + 10
        while True:
            again = Connection(running.bootstrap)
            try:
                assert api_versions(again) == 0
                break
            except (ConnectionError, OSError):
                again.close()
                assert time.monotonic() < deadline, "no slot freed"
                time.sleep(0.1)
        again.close()
        first.close()
    finally:
        running.stop()


def check_third_waits(bootstrap, first, second):
    """With max.connections=2 and `first` and `second` open, a third connection is not served
    until one of them closes; then its request, already sent, is answered. All closed after."""
    third = Connection(bootstrap)
    third.sock.settimeout(1.0)
    try:
        api_versions(third)
        raise AssertionError("a third connection was served")
    except socket.timeout:
        pass
    first.close()
    third.sock.settimeout(10)
    assert int.from_bytes(third._read_exactly(4), "big") > 0
    third.close()
    second.close()


def test_connections_over_max_connections_wait_until_one_closes():
    running = Broker(["--set", "max.connections=2"])
    try:
        first, second = Connection(running.bootstrap), Connection(running.bootstrap)
        assert api_versions(first) == 0 and api_versions(second) == 0
        check_third_waits(running.bootstrap, first, second)
    finally:
        running.stop()


def test_requests_wait_for_the_inflight_budget_and_all_complete():
    """laminar.connection.inflight.bytes.max: a shard holds at most this many request bytes; with
    a 256 KiB budget on one shard, six producers sending ~100 KiB records (requests above the
    budget pass one at a time) all complete, and every record reads back intact. A reservation
    not given back would stall the shard and fail this."""
    import threading
    from confluent_kafka import Consumer, Producer, TopicPartition
    running = Broker(["--shards", "1", "--set", "laminar.connection.inflight.bytes.max=262144"])
    try:
        topic = "budget"
        producers = 6
        per_producer = 40
        delivered = []
        errors = []

        def produce(index):
            producer = Producer({"bootstrap.servers": running.bootstrap, "acks": "all",
                                 "linger.ms": 2, "message.max.bytes": 4 << 20})

            def report(error, message):
                (errors if error else delivered).append(error or (message.partition(),
                                                                    message.offset()))
            for i in range(per_producer):
                value = bytes([index]) * 100_000 + b"%d-%d" % (index, i)
                producer.produce(topic, value=value, partition=0, on_delivery=report)
                producer.poll(0)
            assert producer.flush(60) == 0

        threads = [threading.Thread(target=produce, args=(i,)) for i in range(producers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        assert errors == []
        assert len(delivered) == producers * per_producer
        consumer = Consumer({"bootstrap.servers": running.bootstrap, "group.id": "budget",
                             "enable.auto.commit": False, "fetch.max.bytes": 8 << 20})
        consumer.assign([TopicPartition(topic, 0, 0)])
        seen = set()
        try:
            while len(seen) < producers * per_producer:
                message = consumer.poll(15)
                assert message is not None, f"only {len(seen)} read back"
                assert message.error() is None, message.error()
                value = message.value()
                index = value[0]
                assert value[:100_000] == bytes([index]) * 100_000
                seen.add(value[100_000:])
        finally:
            consumer.close()
        assert seen == {b"%d-%d" % (p, i) for p in range(producers) for i in range(per_producer)}
    finally:
        running.stop()


def retrying(action, seconds=10):
    """action(), again while the broker closes its connection: a connection just closed on this
    side may still hold its slot for a moment."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return action()
        except (ConnectionError, OSError):
            assert time.monotonic() < deadline, "no connection let in"
            time.sleep(0.1)


def served(bootstrap):
    """A connection the broker answers."""
    def open_one():
        connection = Connection(bootstrap)
        try:
            assert api_versions(connection) == 0
        except BaseException:
            connection.close()
            raise
        return connection
    return retrying(open_one)


def check_per_ip_limit(bootstrap, allowed):
    """`allowed` connections from this host are served and the next is closed at once, and
    still is a second later (once any slot a connection closed just before held is given back,
    so a limit one higher would show); all closed again after."""
    held = [served(bootstrap) for _ in range(allowed)]
    try:
        deadline = time.monotonic() + 1.0
        while True:
            extra = Connection(bootstrap)
            try:
                assert closed_by_broker(extra)
            finally:
                extra.close()
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        for connection in held:
            connection.close()


def test_a_dynamic_per_ip_limit_applies_at_once_and_survives_a_restart():
    running = Broker()

    def alter(name, operation, value):
        return retrying(lambda: incremental(running.bootstrap, [
            (BROKER, name, [("max.connections.per.ip", operation, value)])]))

    try:
        # The cluster-wide default (kafka-configs --entity-default), then this broker's own.
        assert alter("", SET, "2") == [(0, None, BROKER, "")]
        check_per_ip_limit(running.bootstrap, 2)
        assert alter("1", SET, "3") == [(0, None, BROKER, "1")]
        check_per_ip_limit(running.bootstrap, 3)
        described = retrying(lambda: describe_raw(running.bootstrap, BROKER, "1"))
        assert described["max.connections.per.ip"] == ("3", 2, False, [
            ("max.connections.per.ip", "3", 2), ("max.connections.per.ip", "2", 3),
            ("max.connections.per.ip", "2147483647", 5)])  # DYNAMIC_BROKER, _DEFAULT, DEFAULT
        running.stop(keep_data=True)

        running = Broker(directory=running.directory, port=running.port)
        check_per_ip_limit(running.bootstrap, 3)
        # Values the key cannot take (0: Kafka wants per-host overrides for it), and APPEND to
        # a number: INVALID_CONFIG, nothing changed.
        errors = retrying(lambda: incremental(running.bootstrap, [
            (BROKER, "1", [("max.connections.per.ip", SET, "-1")]),
            (BROKER, "", [("max.connections.per.ip", SET, "0")])]))
        errors += retrying(lambda: incremental(running.bootstrap, [
            (BROKER, "", [("max.connections", APPEND, "5")])]))
        assert [error[0] for error in errors] == [40, 40, 40]
        check_per_ip_limit(running.bootstrap, 3)
        cluster_wide = retrying(lambda: describe_raw(running.bootstrap, BROKER, ""))
        assert list(cluster_wide) == ["max.connections.per.ip"]
        assert cluster_wide["max.connections.per.ip"][0] == "2"
        # DELETE at both levels: no limit again.
        assert alter("1", DELETE, None) == [(0, None, BROKER, "1")]
        assert alter("", DELETE, None) == [(0, None, BROKER, "")]
        many = [served(running.bootstrap) for _ in range(6)]
        for connection in many:
            connection.close()
    finally:
        running.stop()


def test_a_dynamic_max_connections_holds_new_connections_back():
    running = Broker()
    try:
        assert retrying(lambda: incremental(running.bootstrap, [
            (BROKER, "", [("max.connections", SET, "2")])])) == [(0, None, BROKER, "")]
        check_third_waits(running.bootstrap, served(running.bootstrap), served(running.bootstrap))
    finally:
        running.stop()
