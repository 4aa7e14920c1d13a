"""A full disk under a real broker: its data dir is a size-limited tmpfs this test mounts. Produce
is refused with KAFKA_STORAGE_ERROR once the file system is full, nothing acknowledged before is
lost, the broker keeps serving reads, appends succeed again once space is freed (no restart), and
after a restart the partition holds exactly the acknowledged records, in order.

Mounting needs root (as CI and the appliance run); without it the test skips and says why."""
import os
import shutil
import subprocess
import tempfile

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker
from test_idempotent_wire import Connection, record_batch
from test_produce_consume import consume_all

KAFKA_STORAGE_ERROR = 56
TOPIC = "disk.full"


@pytest.fixture
def small_file_system():
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount_point = tempfile.mkdtemp(prefix="laminar-tmpfs-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mount_point], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", mount_point], check=False)
        shutil.rmtree(mount_point, ignore_errors=True)


def fill(path, leave_bytes):
    """Writes a filler file taking all but `leave_bytes` of the file system's free space."""
    stats = os.statvfs(path)
    free = stats.f_bavail * stats.f_frsize
    block = b"f" * (1 << 20)
    remaining = max(0, free - leave_bytes)
    with open(os.path.join(path, "filler"), "wb") as out:
        while remaining > 0:
            chunk = block[:min(len(block), remaining)]
            out.write(chunk)
            remaining -= len(chunk)


def test_full_disk_refuses_produce_loses_nothing_and_recovers(small_file_system):
    data_dir = os.path.join(small_file_system, "data")
    args = ["--data-dir", data_dir]
    broker = Broker(args)
    try:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        admin.create_topics([NewTopic(TOPIC, 1, 1, config={"segment.bytes": str(4 << 20)})])[
            TOPIC].result(15)
        client = Connection(broker.bootstrap)
        acknowledged = []

        def produce(value):
            error, offset = client.produce(TOPIC, record_batch(-1, -1, -1, [value]))
            if error == 0:
                assert offset == len(acknowledged), "offsets must stay dense"
                acknowledged.append(value)
            return error

        assert produce(b"first") == 0  # opens the partition's log
        fill(small_file_system, 6 << 20)
        refused = None
        for i in range(10_000):
            error = produce(b"%06d" % i + b"v" * 20_000)
            if error != 0:
                refused = error
                break
        assert refused == KAFKA_STORAGE_ERROR, f"expected KAFKA_STORAGE_ERROR, got {refused}"
        assert len(acknowledged) > 10
        assert produce(b"still full" + b"v" * 20_000) == KAFKA_STORAGE_ERROR

        # Reads keep working while the disk is full.
        values = [m.value() for m in consume_all(broker, TOPIC, 0, len(acknowledged))]
        assert values == acknowledged

        os.unlink(os.path.join(small_file_system, "filler"))
        for i in range(20):
            assert produce(b"after %d" % i) == 0
        client.sock.close()
        values = [m.value() for m in consume_all(broker, TOPIC, 0, len(acknowledged))]
        assert values == acknowledged

        broker.stop(keep_data=True)
        broker = Broker(args, directory=broker.directory, port=broker.port)
        values = [m.value() for m in
                  consume_all(broker, TOPIC, 0, len(acknowledged) + 1, timeout=10)]
        assert values == acknowledged, "exactly the acknowledged records after a restart"
    finally:
        broker.stop()
