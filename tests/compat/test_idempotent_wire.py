"""The sequence rules of idempotent producers on the wire, with hand-made requests (InitProducerId
v1, Produce v3 carrying batches with producer ids), so every answer is seen: duplicates,
gaps, fenced epochs, the state rebuilt after a restart, and a transactional id with no
coordinator yet."""
import os
import resource
import socket
import struct
import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from conftest import Broker


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def varint(value):
    value = (value << 1) ^ (value >> 63)  # zigzag
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def record_batch(producer_id, epoch, sequence, values, attributes=0):
    records = b""
    for delta, value in enumerate(values):
        body = (b"\x00" + varint(0) + varint(delta) + varint(-1) + varint(len(value)) + value +
                varint(0))
        records += varint(len(body)) + body
    after_crc = struct.pack(">hiqqqhii", attributes, len(values) - 1, 1000, 1000, producer_id,
                            epoch, sequence, len(values)) + records
    header = struct.pack(">iBI", -1, 2, crc32c(after_crc))
    return struct.pack(">qi", 0, len(header) + len(after_crc)) + header + after_crc


def string(text):
    if text is None:
        return struct.pack(">h", -1)
    return struct.pack(">h", len(text)) + text.encode()


class Connection:
    def __init__(self, bootstrap):
        host, port = bootstrap.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.correlation = 0

    def request(self, key, version, body):
        self.correlation += 1
        payload = struct.pack(">hhi", key, version, self.correlation) + string("wire") + body
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)
        size = struct.unpack(">i", self.recv(4))[0]
        response = self.recv(size)
        assert struct.unpack(">i", response[:4])[0] == self.correlation
        return response[4:]

    def recv(self, size):
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            assert chunk, "connection closed"
            data += chunk
        return data

    def init_producer_id(self, transactional_id=None):
        body = self.request(22, 1, string(transactional_id) + struct.pack(">i", 60000))
        _, error, producer_id, epoch = struct.unpack(">ihqh", body)
        return error, producer_id, epoch

    def init_producer_id_v3(self, producer_id, epoch):
        """v3 (flexible: request header v2, compact strings, tagged fields)."""
        self.correlation += 1
        payload = (struct.pack(">hhi", 22, 3, self.correlation) + string("wire") + b"\x00" +
                   b"\x00" + struct.pack(">iqh", 60000, producer_id, epoch) + b"\x00")
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)
        size = struct.unpack(">i", self.recv(4))[0]
        response = self.recv(size)
        assert struct.unpack(">i", response[:4])[0] == self.correlation
        _, error, new_id, new_epoch = struct.unpack(">ihqh", response[5:5 + 16])
        return error, new_id, new_epoch

    def produce(self, topic, batch):
        body = (string(None) + struct.pack(">hii", -1, 10000, 1) + string(topic) +
                struct.pack(">iii", 1, 0, len(batch)) + batch)
        answer = self.request(0, 3, body)
        name_length = struct.unpack(">h", answer[4:6])[0]
        rest = answer[6 + name_length + 4:]
        _, error, base_offset, _ = struct.unpack(">ihqq", rest[:22])
        return error, base_offset


def test_sequence_rules_on_the_wire():
    broker = Broker()
    directory, port = broker.directory, broker.port
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic("wire.idempotent", 1, 1)])["wire.idempotent"].result(15)
    try:
        client = Connection(broker.bootstrap)
        error, producer, epoch = client.init_producer_id()
        assert (error, epoch) == (0, 0) and producer >= 0
        assert client.init_producer_id()[1] != producer  # every call a new id
        # A transactional id before any FindCoordinator created __transaction_state: this
        # broker is not its coordinator yet (NOT_COORDINATOR), as Kafka answers.
        assert client.init_producer_id("txn")[0] == 16
        # v3 naming the current id and epoch: a fresh id, epoch 0 (Kafka, null transactional
        # id); only one of the two given is INVALID_REQUEST.
        error, renewed, renewed_epoch = client.init_producer_id_v3(producer, 0)
        assert (error, renewed_epoch) == (0, 0) and renewed not in (producer, -1)
        assert client.init_producer_id_v3(producer, -1)[0] == 42

        topic = "wire.idempotent"
        assert client.produce(topic, record_batch(producer, 0, 0, [b"a", b"b"])) == (0, 0)
        # A retry of the same batch: the original offset, nothing appended.
        assert client.produce(topic, record_batch(producer, 0, 0, [b"a", b"b"])) == (0, 0)
        assert client.produce(topic, record_batch(producer, 0, 5, [b"x"]))[0] == 45  # a gap
        assert client.produce(topic, record_batch(producer, 0, 2, [b"c"])) == (0, 2)
        # The client bumps its epoch: sequence 0 again; the old epoch is fenced.
        assert client.produce(topic, record_batch(producer, 1, 1, [b"x"]))[0] == 45
        assert client.produce(topic, record_batch(producer, 1, 0, [b"d"])) == (0, 3)
        assert client.produce(topic, record_batch(producer, 0, 3, [b"x"]))[0] == 47
        # Another producer, unknown to the partition, at any sequence.
        other = client.init_producer_id()[1]
        assert client.produce(topic, record_batch(other, 0, 17, [b"e"])) == (0, 4)
        # Plain batches (no producer id) are not checked.
        assert client.produce(topic, record_batch(-1, -1, -1, [b"f"])) == (0, 5)
        client.sock.close()
    finally:
        broker.stop(keep_data=True)

    broker = Broker(directory=directory, port=port)
    try:
        client = Connection(broker.bootstrap)
        # Rebuilt from the log at open: the retry is still a duplicate, a gap still a gap.
        assert client.produce(topic, record_batch(producer, 1, 0, [b"d"])) == (0, 3)
        assert client.produce(topic, record_batch(producer, 1, 2, [b"x"]))[0] == 45
        assert client.produce(topic, record_batch(producer, 0, 3, [b"x"]))[0] == 47
        assert client.produce(topic, record_batch(other, 0, 18, [b"g"])) == (0, 6)
        assert client.init_producer_id()[1] not in (producer, other)
        client.sock.close()
    finally:
        broker.stop()


def lowest_free_descriptor(pid):
    used = {int(name) for name in os.listdir(f"/proc/{pid}/fd")}
    free = 0
    while free in used:
        free += 1
    return free


def test_a_batch_written_but_not_durable_is_answered_once_durable_and_kept_once():
    """flush.messages=1 and a new log: its batches are durable only once the names of its files
    are. With the broker out of descriptors (its RLIMIT_NOFILE lowered to its lowest free one),
    the directory sync cannot open the directory: the batch is in the log but the produce gets an
    error after the broker's retries. The producer's retry of the same batch, once descriptors are
    back, is the same batch (its offset, answered once durable), never a second copy."""
    broker = Broker(["--set", "laminar.log.recovery.checkpoint.interval.ms=3600000"])
    pid = broker.process.pid
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        topic = "wire.undurable"
        admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(15)
        client = Connection(broker.bootstrap)
        producer = client.init_producer_id()[1]
        # A plain batch opens the log (its files, not yet durable: no flush policy, no
        # checkpoint for an hour), then flush.messages=1 reaches the open log.
        assert client.produce(topic, record_batch(-1, -1, -1, [b"first"])) == (0, 0)
        config = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"flush.messages": "1"})
        admin.alter_configs([config])[config].result(15)
        limit = lowest_free_descriptor(pid)
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (limit, hard))
        try:
            started = time.monotonic()
            error, _ = client.produce(topic, record_batch(producer, 0, 0, [b"once"]))
            waited = time.monotonic() - started
        finally:
            resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
        # KAFKA_STORAGE_ERROR: retriable, so the producer sends the same batch again.
        assert error == 56, f"error {error}: acknowledged although its directories are not durable"
        assert waited >= 0.5, f"answered after {waited:.2f} s, before the broker's retries"
        assert client.produce(topic, record_batch(producer, 0, 0, [b"once"])) == (0, 1)
        assert client.produce(topic, record_batch(producer, 0, 1, [b"next"])) == (0, 2)
        client.sock.close()
        consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "undurable",
                             "enable.auto.commit": False})
        consumer.assign([TopicPartition(topic, 0, 0)])
        values = []
        deadline = time.monotonic() + 15
        while len(values) < 3 and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                values.append((message.offset(), message.value()))
        assert consumer.poll(1.0) is None
        consumer.close()
        assert values == [(0, b"first"), (1, b"once"), (2, b"next")]
    finally:
        broker.stop()
