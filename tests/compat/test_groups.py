"""Consumer groups through confluent-kafka (librdkafka): members are separate processes
(group_worker.py) that get SIGKILLed, join, leave, restart with a static instance id, and rebalance
cooperatively; committed offsets are checked against the log end offsets, and survive a broker
restart. Offset metadata and leader epoch (which this old binding cannot carry) go over the wire
by hand."""
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "group_worker.py")
FAST = ["--set", "group.initial.rebalance.delay.ms=0"]
BROKER_ARGS = FAST + os.environ.get("LAMINAR_GROUP_BROKER_ARGS", "").split()
RECORDS = int(os.environ.get("LAMINAR_GROUP_RECORDS", "1000000"))


def wait_until(predicate, timeout):
    """Polls every half second: the predicates here read big files or ask the broker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def create(broker, topic, partitions):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(15)


RUNNING = []


@pytest.fixture(autouse=True)
def no_stray_workers():
    """Kills the workers a failed test left running."""
    yield
    while RUNNING:
        process = RUNNING.pop()
        if process.poll() is None:
            process.kill()
            process.wait()


class Worker:
    def __init__(self, broker, topic, group, directory, name, *options):
        self.path = os.path.join(directory, f"{name}.out")
        self.args = [sys.executable, WORKER, broker.bootstrap, topic, group, self.path, *options]
        self.process = subprocess.Popen(self.args)
        RUNNING.append(self.process)

    def restart(self, broker):
        self.args[2] = broker.bootstrap
        self.process = subprocess.Popen(self.args)
        RUNNING.append(self.process)

    def kill(self):
        self.process.kill()
        self.process.wait(10)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"{self.path}: close() did not return in 30 s")
        assert code == 0

    def lines(self):
        if not os.path.exists(self.path):
            return []
        with open(self.path) as text:
            return text.read().splitlines()

    def records(self):
        return [tuple(map(int, line.split())) for line in self.lines() if line[0].isdigit()]

    def events(self):
        """[(kind, time, [partitions])] for the assign/revoke lines."""
        found = []
        for line in self.lines():
            if line[0] in "AR":
                fields = line.split()
                listed = fields[-1] if len(fields) > (3 if line[0] == "A" else 2) else ""
                found.append((line[0], float(fields[1]),
                              [int(p) for p in listed.split(",") if p]))
        return found

    def failed_commits(self):
        return [line for line in self.lines() if line.startswith("C ")]

    def held(self):
        """The partitions held after the last callback (eager: the last assign, else empty)."""
        held = set()
        for kind, _, partitions in self.events():
            if kind == "A":
                held |= set(partitions)
            else:
                held -= set(partitions)
        return held


def produce(broker, topic, count, partitions, on_progress=None):
    """Produces `count` records with acks=all; returns the acknowledged (partition, offset)s."""
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 5,
                         "queue.buffering.max.messages": 200000})
    acknowledged = []
    failed = []

    def report(error, message):
        if error is None:
            acknowledged.append((message.partition(), message.offset()))
        else:
            failed.append(error)

    for i in range(count):
        while True:
            try:
                producer.produce(topic, value=b"v%d" % i, partition=i % partitions,
                                 on_delivery=report)
                break
            except BufferError:
                producer.poll(0.05)
        if on_progress and i % 1000 == 0:
            producer.poll(0)
            on_progress(i)
    assert producer.flush(60) == 0
    assert not failed, failed[:5]
    return acknowledged


def committed(broker, group, topic, partitions):
    reader = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group})
    found = reader.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
    reader.close()
    return [tp.offset for tp in found]


def end_offsets(broker, topic, partitions):
    reader = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "watermarks"})
    ends = [reader.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in range(partitions)]
    reader.close()
    return ends


def test_members_killed_joining_and_leaving_lose_nothing(broker, tmp_path):
    topic, group, partitions = "groups.churn", "churn", 12
    create(broker, topic, partitions)
    workers = [Worker(broker, topic, group, tmp_path, f"w{i}") for i in range(4)]
    assert wait_until(lambda: sum(len(w.held()) for w in workers) == partitions, 30)
    killed = workers[0]
    results = {}
    started = time.monotonic()

    def producing():
        results["acknowledged"] = produce(broker, topic, RECORDS, partitions)
        results["produced_at"] = time.monotonic()

    producer = threading.Thread(target=producing)
    producer.start()
    # The churn follows consumption progress (records the members flushed before committing).
    progress = lambda: sum(len(w.records()) for w in workers)  # noqa: E731
    assert wait_until(lambda: progress() >= RECORDS // 4, 120)
    killed.kill()
    assert wait_until(lambda: progress() >= RECORDS // 2, 120)
    workers.append(Worker(broker, topic, group, tmp_path, "w4"))
    assert wait_until(lambda: progress() >= 3 * RECORDS // 4, 120)
    workers[1].stop()
    producer.join()
    acknowledged, produced_at = results["acknowledged"], results["produced_at"]
    assert len(acknowledged) == RECORDS
    ends = end_offsets(broker, topic, partitions)
    assert ends == [RECORDS // partitions + (p < RECORDS % partitions) for p in range(partitions)]
    assert wait_until(lambda: committed(broker, group, topic, partitions) == ends, 120), (
        committed(broker, group, topic, partitions), ends)
    print(f"\n{RECORDS} records: produced in {produced_at - started:.1f}s, all consumed and "
          f"committed {time.monotonic() - started:.1f}s after the start")
    for worker in workers[2:]:
        worker.stop()

    processed = {}
    for index, worker in enumerate(workers):
        for record in worker.records():
            processed.setdefault(record, []).append(index)
    missing = set(acknowledged) - set(processed)
    assert not missing, sorted(missing)[:10]
    # Revokes commit synchronously and a clean leave commits, so a record is processed twice only
    # when the SIGKILLed member (index 0) processed it without committing.
    duplicated = {record: owners for record, owners in processed.items() if len(owners) > 1}
    assert all(owners.count(0) == 1 and len(owners) == 2 for owners in duplicated.values()), (
        list(duplicated.items())[:10])
    print(f"duplicates (all after the SIGKILL): {len(duplicated)}")
    for worker in workers:
        assert not worker.failed_commits(), worker.failed_commits()[:5]


def test_committed_offsets_survive_a_broker_restart(tmp_path):
    topic, group, partitions, count = "groups.restart", "restart", 6, 30000
    broker = Broker(FAST)
    try:
        create(broker, topic, partitions)
        acknowledged = produce(broker, topic, count, partitions)
        workers = [Worker(broker, topic, group, tmp_path, f"w{i}", "--pause", "0.2",
                          "--commit-every", "500") for i in range(2)]
        assert wait_until(lambda: sum(len(w.records()) for w in workers) > count // 3, 60)
        before = committed(broker, group, topic, partitions)
        assert 0 < sum(before) < count, before  # the restart comes mid-consumption
        broker.stop(keep_data=True)
        broker = Broker(FAST, directory=broker.directory, port=broker.port)
        after = committed(broker, group, topic, partitions)
        assert all(a >= b for a, b in zip(after, before)), (before, after)
        ends = end_offsets(broker, topic, partitions)
        assert wait_until(lambda: committed(broker, group, topic, partitions) == ends, 90), (
            committed(broker, group, topic, partitions), ends)
        for worker in workers:
            worker.stop()
        processed = {}
        for worker in workers:
            for record in worker.records():
                processed[record] = processed.get(record, 0) + 1
        assert not set(acknowledged) - set(processed)
        # Re-reads after the restart start at the committed offsets: at most one commit window
        # (500 records) per partition and member is processed again.
        by_partition = {}
        for (partition, _), times in processed.items():
            by_partition[partition] = by_partition.get(partition, 0) + times - 1
        assert all(extra <= 2 * 500 for extra in by_partition.values()), by_partition
        print(f"\nre-processed after the restart, per partition: {by_partition}")
    finally:
        broker.stop()


def test_static_member_restart_keeps_assignment_and_generation(broker, tmp_path):
    topic, group, partitions = "groups.static", "static", 6
    create(broker, topic, partitions)
    first = Worker(broker, topic, group, tmp_path, "first", "--instance-id", "first",
                   "--session-timeout", "10000")
    assert wait_until(lambda: len(first.held()) == partitions, 30)
    second = Worker(broker, topic, group, tmp_path, "second", "--instance-id", "second",
                    "--session-timeout", "10000")
    assert wait_until(lambda: len(first.held()) + len(second.held()) == partitions
                      and second.held(), 30)
    time.sleep(3)
    first_events, assignment = first.events(), second.held()
    # The restart is within session.timeout.ms: a static member's close() sends no LeaveGroup, and
    # its rejoin with the same group.instance.id must be answered with its old assignment without
    # a rebalance. A rebalance (a new generation) would call first's revoke and assign callbacks
    # (eager protocol), which is what fails this test.
    second.stop()
    restarted_at = time.time()
    second.restart(broker)
    assert wait_until(lambda: [e for e in second.events() if e[0] == "A" and e[1] > restarted_at],
                      20)
    time.sleep(4)
    assigned = [e for e in second.events() if e[0] == "A" and e[1] > restarted_at]
    assert len(assigned) == 1 and set(assigned[0][2]) == assignment, assigned
    assert first.events() == first_events, first.events()[len(first_events):]
    first.stop()
    second.stop()


def test_sigkilled_member_partitions_move_within_the_session_timeout(broker, tmp_path):
    topic, group, partitions = "groups.failover", "failover", 6
    create(broker, topic, partitions)
    workers = [Worker(broker, topic, group, tmp_path, f"w{i}", "--session-timeout", "6000")
               for i in range(3)]
    assert wait_until(lambda: all(len(w.held()) == 2 for w in workers), 40)
    time.sleep(2)
    victim, survivors = workers[0], workers[1:]
    orphaned = victim.held()
    killed_at = time.time()
    victim.kill()

    def taken_over():
        held = set().union(*(w.held() for w in survivors))
        return held == set(range(partitions))

    assert wait_until(taken_over, 20)
    moved_at = min(e[1] for w in survivors for e in w.events()
                   if e[0] == "A" and e[1] > killed_at and set(e[2]) & orphaned)
    print(f"\nSIGKILL to the survivors' next assignment: {moved_at - killed_at:.2f}s "
          f"(session.timeout.ms 6000)")
    # The session timeout, not the broken connection, moved them (slack for a slow machine).
    assert 4.0 <= moved_at - killed_at <= 12.0
    for worker in survivors:
        worker.stop()


def test_cooperative_sticky_joins_are_incremental(broker, tmp_path):
    topic, group, partitions = "groups.cooperative", "cooperative", 6
    create(broker, topic, partitions)
    workers = []
    for count in (1, 2, 3):
        workers.append(Worker(broker, topic, group, tmp_path, f"w{count}",
                              "--strategy", "cooperative-sticky"))
        assert wait_until(lambda: sorted(len(w.held()) for w in workers)
                          == sorted(partitions // count + (i < partitions % count)
                                    for i in range(count)), 40), [w.events() for w in workers]
        time.sleep(2)
    for worker in workers:
        held = set()
        for kind, _, listed in worker.events():
            if kind == "A":
                assert not held & set(listed), ("assigned again", listed, held)
                held |= set(listed)
            else:
                assert set(listed) <= held, ("revoked what it did not hold", listed, held)
                held -= set(listed)
    # Incremental: the first member went 6 -> 3 -> 2 by revoking only what moved (4 partitions);
    # an eager rebalance would have revoked all it held at each join (6 + 3).
    revoked = [p for kind, _, listed in workers[0].events() if kind == "R" for p in listed]
    assert len(revoked) == 4, workers[0].events()
    assert all(e[0] == "A" for e in workers[2].events()), workers[2].events()
    for worker in workers:
        worker.stop()


def kafka_request(connection, api_key, version, body, correlation=1):
    header = struct.pack(">hhih", api_key, version, correlation, 6) + b"pytest"
    payload = header + body
    connection.sendall(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", receive(connection, 4))[0]
    response = receive(connection, size)
    assert struct.unpack(">i", response[:4])[0] == correlation
    return response[4:]


def receive(connection, size):
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        assert chunk, "connection closed"
        data += chunk
    return data


def string(text):
    if text is None:
        return struct.pack(">h", -1)
    raw = text.encode()
    return struct.pack(">h", len(raw)) + raw


class Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, fmt):
        values = struct.unpack_from(">" + fmt, self.data, self.at)
        self.at += struct.calcsize(">" + fmt)
        return values[0] if len(values) == 1 else values

    def string(self):
        size = self.take("h")
        if size < 0:
            return None
        text = self.data[self.at:self.at + size].decode()
        self.at += size
        return text


def test_offset_metadata_and_leader_epoch_round_trip(broker):
    """confluent-kafka 1.7 has no TopicPartition metadata or leader epoch, so OffsetCommit v7 and
    OffsetFetch v5 (the last non-flexible versions carrying both) are spoken directly."""
    topic, group = "groups.metadata", "metadata"
    create(broker, topic, 3)
    host, port = broker.bootstrap.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        # FindCoordinator v1 (key, key_type) makes the broker create __consumer_offsets.
        kafka_request(connection, 10, 1, string(group) + struct.pack(">b", 0))
        commits = [(0, 42, 7, "first-meta"), (1, 1000, -1, ""), (2, 5, 3, None)]
        body = string(group) + struct.pack(">i", -1) + string("") + string(None)
        body += struct.pack(">i", 1) + string(topic) + struct.pack(">i", len(commits))
        for partition, offset, epoch, metadata in commits:
            body += struct.pack(">iqi", partition, offset, epoch) + string(metadata)

        def commit():
            response = Reader(kafka_request(connection, 8, 7, body, 2))
            response.take("i")  # throttle
            assert response.take("i") == 1 and response.string() == topic
            return [response.take("ih") for _ in range(response.take("i"))]

        assert wait_until(lambda: all(code == 0 for _, code in commit()), 15), commit()
        fetch = string(group) + struct.pack(">i", 1) + string(topic) + struct.pack(">iiii", 3,
                                                                                 0, 1, 2)
        response = Reader(kafka_request(connection, 9, 5, fetch, 3))
        response.take("i")
        assert response.take("i") == 1 and response.string() == topic
        fetched = []
        for _ in range(response.take("i")):
            partition, offset, epoch = response.take("iqi")
            metadata = response.string()
            fetched.append((partition, offset, epoch, metadata, response.take("h")))
        assert response.take("h") == 0
    # A null metadata is stored as the empty string, as Kafka does.
    assert sorted(fetched) == [(0, 42, 7, "first-meta", 0), (1, 1000, -1, "", 0),
                               (2, 5, 3, "", 0)]
    assert committed(broker, group, topic, 3) == [42, 1000, 5]
