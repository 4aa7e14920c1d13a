"""max.connections.per.ip closes a host's connection over the limit at once; max.connections
(across all shards) leaves new connections unserved in the listen backlog until one closes."""
import socket
import time

from conftest import Broker
from kafka_wire import Connection, Writer


def api_versions(connection):
    """ApiVersions v0 on `connection`; the error code."""
    reply = connection.call(18, 0, False, Writer(False))
    return reply.int16()


def closed_by_broker(connection, timeout=5.0):
    connection.sock.settimeout(timeout)
    try:
        return connection.sock.recv(1) == b""
    except ConnectionResetError:
        return True


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


def test_connections_over_max_connections_wait_until_one_closes():
    running = Broker(["--set", "max.connections=2"])
    try:
        first, second = Connection(running.bootstrap), Connection(running.bootstrap)
        assert api_versions(first) == 0 and api_versions(second) == 0
        third = Connection(running.bootstrap)
        third.sock.settimeout(1.0)
        try:
            api_versions(third)
            raise AssertionError("a third connection was served")
        except socket.timeout:
            pass
        first.close()
        # Now accepted: the request already sent is answered.
        third.sock.settimeout(10)
        size = int.from_bytes(third._read_exactly(4), "big")
        assert size > 0
        third.close()
        second.close()
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
