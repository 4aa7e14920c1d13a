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
