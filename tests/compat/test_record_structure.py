"""Records inside a produced batch, checked as Kafka's LogValidator checks them: an uncompressed
batch whose CRC holds but whose records do not parse is refused with INVALID_RECORD and nothing is
written, and a batch's max timestamp is its records' (Kafka rewrites it), which ListOffsets by
time then finds. Hand-made Produce v3 requests, so the client cannot tidy the bytes first."""
import gzip as gzip_module
import struct
import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from test_idempotent_wire import Connection, crc32c, varint


def batch(timestamp_deltas, base_ms, max_ms, gzip=False):
    """A batch (no producer id) of one record per delta, value b"v<index>", uncompressed or
    gzip, with the header's max timestamp set to `max_ms` whatever the records hold."""
    records = b""
    for index, delta in enumerate(timestamp_deltas):
        value = b"v%d" % index
        body = (b"\x00" + varint(delta) + varint(index) + varint(-1) + varint(len(value)) +
                value + varint(0))
        records += varint(len(body)) + body
    count = len(timestamp_deltas)
    if gzip:
        records = gzip_module.compress(records)
    after_crc = struct.pack(">hiqqqhii", 1 if gzip else 0, count - 1, base_ms, max_ms, -1, -1,
                            -1, count) + records
    return reseal(struct.pack(">qiiBI", 0, 0, -1, 2, 0) + after_crc)


def reseal(data):
    """The batch with its length field and CRC made to match its bytes."""
    data = bytearray(data)
    struct.pack_into(">i", data, 8, len(data) - 12)
    struct.pack_into(">I", data, 17, crc32c(bytes(data[21:])))
    return bytes(data)


def test_records_that_do_not_parse_are_refused_and_nothing_is_written(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic("structure", 1, 1)])["structure"].result(15)
    now = int(time.time() * 1000)
    good = batch([0, 1, 2], now, now + 2)
    trailing = reseal(good + b"\x00")
    truncated = reseal(good[:-4])
    too_short = bytearray(good)
    too_short[61] = 0x02  # the first record's length: 1 byte, less than its fields
    too_short = reseal(too_short)
    client = Connection(broker.bootstrap)
    for name, bad in (("trailing", trailing), ("truncated", truncated),
                      ("too short", too_short)):
        assert client.produce("structure", bad) == (87, -1), name  # INVALID_RECORD
    # A gzip batch whose stream is garbage: its CRC holds, its records cannot be read.
    garbage = bytearray(batch([0, 1, 2], now, now + 2, gzip=True))
    garbage[61:77] = b"\x11" * 16
    assert client.produce("structure", reseal(garbage)) == (2, -1)  # CORRUPT_MESSAGE
    assert client.produce("structure", good) == (0, 0)  # nothing before it was written
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "structure",
                         "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition("structure", 0, 0)])
        values = []
        deadline = time.time() + 15
        while len(values) < 3 and time.time() < deadline:
            message = consumer.poll(1)
            if message is not None and message.error() is None:
                values.append(message.value())
        assert values == [b"v0", b"v1", b"v2"]
    finally:
        consumer.close()


def test_a_batch_gets_its_records_max_timestamp(broker):
    """A header max timestamp below the records' would hide them from a search by time."""
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic("stamped", 1, 1)])["stamped"].result(15)
    now = int(time.time() * 1000)
    client = Connection(broker.bootstrap)
    assert client.produce("stamped", batch([0, 500, 100], now, now)) == (0, 0)
    assert client.produce("stamped", batch([0, 1500, 100], now, now + 1, gzip=True)) == (0, 3)
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "stamped"})
    try:
        found = consumer.offsets_for_times([TopicPartition("stamped", 0, now + 300)], timeout=15)
        assert found[0].offset == 1  # the first record at or after now + 300
        found = consumer.offsets_for_times([TopicPartition("stamped", 0, now + 501)], timeout=15)
        assert found[0].offset == 4  # in the gzip batch, whose header said now + 1
        found = consumer.offsets_for_times([TopicPartition("stamped", 0, now + 1501)],
                                           timeout=15)
        assert found[0].offset == -1  # none that late
    finally:
        consumer.close()
