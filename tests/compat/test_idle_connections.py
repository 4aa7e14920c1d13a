"""connections.max.idle.ms: a connection that waits for its next request and receives nothing for
that long is closed, as Kafka's idle expiry closes it. One that keeps sending requests, one whose
request arrives a byte at a time, and one whose fetch is parked in a long poll longer than the
limit stay open. librdkafka clients reconnect transparently and lose nothing."""
import socket
import struct
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from conftest import Broker
from kafka_wire import Connection, Writer
from test_admin_configs import BROKER
from test_connection_limits import api_versions, closed_by_broker
from test_dynamic_broker_configs import describe_raw
from test_fetch_sessions import create, fetch

IDLE_MS = 1000
ARGS = ["--set", f"connections.max.idle.ms={IDLE_MS}"]


def open_after(connection, seconds):
    """True when the broker has neither closed `connection` nor sent anything on it within
    `seconds`."""
    connection.sock.settimeout(seconds)
    try:
        connection.sock.recv(1)
        return False
    except socket.timeout:
        return True
    except ConnectionResetError:
        return False


@pytest.fixture
def broker():
    running = Broker(ARGS)
    yield running
    running.stop()


def api_versions_frame(correlation):
    body = Writer(False).int16(18).int16(0).int32(correlation).string("compat").out
    return struct.pack(">i", len(body)) + bytes(body)


def test_an_idle_connection_is_closed_and_a_talking_one_is_not(broker):
    idle, talking = Connection(broker.bootstrap), Connection(broker.bootstrap)
    assert api_versions(idle) == 0 and api_versions(talking) == 0
    opened = time.monotonic()
    # Not before the limit (the check runs every quarter of it).
    assert open_after(idle, IDLE_MS / 1000 * 0.6)
    started = time.monotonic()
    while time.monotonic() - started < 3 * IDLE_MS / 1000:
        assert api_versions(talking) == 0
        time.sleep(IDLE_MS / 1000 * 0.3)
    assert closed_by_broker(idle), "the idle connection is still open"
    assert time.monotonic() - opened >= IDLE_MS / 1000
    assert api_versions(talking) == 0
    talking.close()
    value, _, read_only, _ = describe_raw(broker.bootstrap, BROKER, "1")[
        "connections.max.idle.ms"]
    assert (value, read_only) == (str(IDLE_MS), True)  # not dynamic, as in Kafka


def test_a_request_arriving_slowly_is_served_and_a_stalled_one_is_closed(broker):
    slow = Connection(broker.bootstrap)
    frame = api_versions_frame(1)
    started = time.monotonic()
    for byte in frame:  # over three limits in all, never one without a byte
        slow.sock.sendall(bytes([byte]))
        time.sleep(3 * IDLE_MS / 1000 / len(frame))
    assert time.monotonic() - started > 2 * IDLE_MS / 1000
    slow.sock.settimeout(5)
    size = struct.unpack(">i", slow._read_exactly(4))[0]
    assert struct.unpack(">i", slow._read_exactly(size)[:4])[0] == 1
    slow.close()

    stalled = Connection(broker.bootstrap)
    stalled.sock.sendall(frame[:7])  # half a request, then nothing
    assert closed_by_broker(stalled), "a connection stalled mid-request is still open"


def test_a_fetch_parked_longer_than_the_limit_keeps_its_connection(broker):
    create(broker.bootstrap, "idle.longpoll", 1)
    waiting = Connection(broker.bootstrap)
    started = time.monotonic()
    error, _, partitions = fetch(waiting, 0, -1, [("idle.longpoll", [(0, 0)])],
                                 max_wait_ms=3 * IDLE_MS)
    waited = time.monotonic() - started
    assert error == 0 and partitions[("idle.longpoll", 0)][0] == 0
    assert waited >= 3 * IDLE_MS / 1000 * 0.9, waited  # the full wait: nothing to wake it
    assert api_versions(waiting) == 0  # still open
    waiting.close()


def test_librdkafka_clients_reconnect_after_an_idle_close(broker):
    create(broker.bootstrap, "idle.clients", 1)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0,
                         "acks": "all"})
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition("idle.clients", 0, 0)])
    sent = []
    for round_index in range(3):
        value = f"after {round_index} idle periods".encode()
        producer.produce("idle.clients", value, partition=0)
        assert producer.flush(15) == 0
        sent.append(value)
        time.sleep(2.5 * IDLE_MS / 1000)  # the producer's connection is closed meanwhile
    got = []
    deadline = time.monotonic() + 20
    while len(got) < len(sent) and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is not None and not message.error():
            got.append(message.value())
    consumer.close()
    assert got == sent
    broker.stop(keep_data=True)
    closed = sum(int(line.split(" closed idle")[0].rsplit(", ", 1)[1])
                 for line in broker.log().splitlines() if " closed idle" in line)
    assert closed >= 2, broker.log()  # their connections were closed meanwhile
