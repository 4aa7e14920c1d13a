"""The broker's log maintenance seen through confluent-kafka: retention.ms and retention.bytes
remove old segments (the earliest offset ListOffsets answers moves), a compacted topic is
cleaned to the latest record per key (plus what the active segment holds), a compacted
topic refuses records without a key (INVALID_RECORD), max.compaction.lag.ms cleans a log below
its dirty ratio, and batches given a delete horizon (KIP-534) are fetched as clients expect:
tombstones with their own timestamps."""
import glob
import os
import struct
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker, wait_until

BROKER_ARGS = ["--set", "log.retention.check.interval.ms=200",
               "--set", "log.cleaner.backoff.ms=100"]


def create(broker, topic, config):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1, config=config)])[topic].result(15)


def produce_one_batch_each(broker, topic, records, compression="none"):
    """Each record its own batch (so small segments roll often); returns delivery errors."""
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0,
                         "batch.num.messages": 1, "compression.type": compression})
    errors = []

    def report(error, _message):
        if error is not None:
            errors.append(error)

    for key, value in records:
        producer.produce(topic, key=key, value=value, on_delivery=report)
        producer.flush(10)
    return errors


def watermarks(broker, topic):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    finally:
        consumer.close()


def consume_from_beginning(broker, topic, end):
    # auto.offset.reset=earliest: librdkafka resets to the latest offset by default, and an
    # out-of-range answer to the first assignment may arrive after the second one.
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 100,
                         "auto.offset.reset": "earliest"})
    consumer.assign([TopicPartition(topic, 0, 0)])  # below the start: reset to earliest
    consumer.assign([TopicPartition(topic, 0, -2)])
    messages = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None or message.error():
            continue
        messages.append(message)
        if message.offset() >= end - 1:
            break
    consumer.close()
    return messages


def partition_path(broker, topic):
    return os.path.join(broker.directory, "laminar-data", f"{topic}-0")


def cleaner_offset(broker, topic):
    """The partition's cleaner-offset-checkpoint (0 before the first clean)."""
    try:
        with open(os.path.join(partition_path(broker, topic), "cleaner-offset-checkpoint")) as f:
            return int(f.read())
    except (FileNotFoundError, ValueError):
        return 0


def batch_attributes(broker, topic):
    """(base offset, attributes) of every batch on disk, read as Kafka lays segments out."""
    found = []
    for path in sorted(glob.glob(os.path.join(partition_path(broker, topic), "*.log"))):
        with open(path, "rb") as f:
            data = f.read()
        position = 0
        while position + 61 <= len(data):
            base, length = struct.unpack_from(">qi", data, position)
            if length <= 0:
                break  # the active segment's preallocated zeros
            attributes, = struct.unpack_from(">h", data, position + 21)
            found.append((base, attributes))
            position += 12 + length
    return found


def test_retention_ms_removes_old_segments_and_earliest_moves(broker):
    create(broker, "retention.time", {"retention.ms": "1000", "segment.bytes": "1024"})
    assert produce_one_batch_each(broker, "retention.time",
                                  [(b"k", b"x" * 200) for _ in range(40)]) == []
    # Segments may expire already while the last records go in (a second after the first):
    # only the end is certain here.
    assert watermarks(broker, "retention.time")[1] == 40
    assert wait_until(lambda: watermarks(broker, "retention.time")[0] > 30, timeout=15)
    low, high = watermarks(broker, "retention.time")
    assert high == 40
    messages = consume_from_beginning(broker, "retention.time", high)
    # The next retention pass may remove one more segment before the consumer starts.
    later_low, _ = watermarks(broker, "retention.time")
    assert messages and low <= messages[0].offset() <= later_low


def test_retention_bytes_keeps_the_partition_near_its_bound(broker):
    create(broker, "retention.size", {"retention.bytes": "3000", "segment.bytes": "1024"})
    assert produce_one_batch_each(broker, "retention.size",
                                  [(b"k", b"y" * 200) for _ in range(60)]) == []
    # About 270 bytes a batch: 3000 bytes plus the active segment hold under 20 of them.
    def bounded():
        low, high = watermarks(broker, "retention.size")
        return high == 60 and 0 < low and high - low < 20

    assert wait_until(bounded, timeout=15)


def test_a_compacted_topic_keeps_the_latest_record_per_key(broker):
    create(broker, "compacted", {"cleanup.policy": "compact", "segment.bytes": "1024",
                                 "min.cleanable.dirty.ratio": "0.1"})
    records = [(f"key{i % 5}".encode(), f"value{i}".encode()) for i in range(300)]
    assert produce_one_batch_each(broker, "compacted", records, compression="lz4") == []
    latest = {key: value for key, value in records}

    def cleaned():
        messages = consume_from_beginning(broker, "compacted", 300)
        # What the active segment holds (a 1 KiB segment: under 20 batches) stays as is.
        return len(messages) <= len(latest) + 20

    assert wait_until(cleaned, timeout=30)
    messages = consume_from_beginning(broker, "compacted", 300)
    seen = {}
    offsets = []
    for message in messages:
        seen[message.key()] = message.value()
        offsets.append(message.offset())
    assert seen == latest
    assert offsets == sorted(offsets) and offsets[-1] == 299
    # Before the tail, each key appears once: only its latest record was kept.
    head = [m.key() for m in messages[:-20]]
    assert len(head) == len(set(head))


def test_max_compaction_lag_cleans_a_log_below_its_dirty_ratio(broker):
    """A ratio of 1.0 is reached only before the first clean; later dirty segments are cleaned
    because max.compaction.lag.ms (1 s) is past, and the active segment rolls at that age."""
    create(broker, "lagging", {"cleanup.policy": "compact", "segment.bytes": "1024",
                               "min.cleanable.dirty.ratio": "1.0",
                               "max.compaction.lag.ms": "1000"})
    first = [(f"key{i}".encode(), b"v" * 100) for i in range(20)]  # all kept: a clean part
    assert produce_one_batch_each(broker, "lagging", first) == []
    assert wait_until(lambda: cleaner_offset(broker, "lagging") > 0, timeout=20)
    cleaned = cleaner_offset(broker, "lagging")
    again = [(b"key0", f"again{i}".encode()) for i in range(3)]
    assert produce_one_batch_each(broker, "lagging", again) == []
    time.sleep(1.5)
    # Rolls the active segment (its first record is past the lag) and makes it cleanable.
    assert produce_one_batch_each(broker, "lagging", [(b"key1", b"late")]) == []
    assert wait_until(lambda: cleaner_offset(broker, "lagging") >= 23, timeout=20), \
        (cleaned, cleaner_offset(broker, "lagging"))
    messages = consume_from_beginning(broker, "lagging", 24)
    values = {m.key(): m.value() for m in messages}
    assert values[b"key0"] == b"again2" and values[b"key1"] == b"late"
    assert [m.value() for m in messages].count(b"again0") == 0  # shadowed, cleaned away


def test_tombstones_get_a_delete_horizon_and_consumers_still_read_them(broker):
    create(broker, "horizon", {"cleanup.policy": "compact", "segment.bytes": "1024",
                               "min.cleanable.dirty.ratio": "0.01"})
    base = int(time.time() * 1000) - 60_000
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0})
    for i in range(30):
        value = None if i == 5 else b"x" * 100
        producer.produce("horizon", key=f"key{i}".encode(), value=value, timestamp=base + i)
        producer.flush(10)
    assert wait_until(lambda: cleaner_offset(broker, "horizon") > 5, timeout=20)
    flagged = [base_offset for base_offset, attributes in batch_attributes(broker, "horizon")
               if attributes & 0x40]
    assert flagged == [5]  # only the tombstone's batch got the delete horizon flag
    messages = consume_from_beginning(broker, "horizon", 30)
    assert [m.offset() for m in messages] == list(range(30))  # distinct keys: all kept
    tombstone = messages[5]
    assert tombstone.key() == b"key5" and tombstone.value() is None
    assert tombstone.timestamp()[1] == base + 5  # base timestamp moved, the record's did not
    assert all(m.timestamp()[1] == base + m.offset() for m in messages)


def test_a_compacted_topic_refuses_records_without_a_key(broker):
    create(broker, "compacted.keys", {"cleanup.policy": "compact"})
    errors = produce_one_batch_each(broker, "compacted.keys", [(None, b"no key")])
    assert [error.code() for error in errors] == [KafkaError.INVALID_RECORD]
    assert produce_one_batch_each(broker, "compacted.keys", [(b"k", b"keyed")]) == []


def test_consumer_offsets_is_compacted_and_replays_the_latest_commit():
    """Many commits of one group roll __consumer_offsets segments (1 MiB, the smallest); the
    cleaner shrinks the partition, and after a restart the group replays the last commit."""
    args = BROKER_ARGS + ["--set", "offsets.topic.segment.bytes=1048576"]
    running = Broker(args)
    try:
        create(running, "offsets.source", {})
        consumer = Consumer({"bootstrap.servers": running.bootstrap, "group.id": "compacting",
                             "enable.auto.commit": False})
        for offset in range(1, 9001):
            consumer.commit(offsets=[TopicPartition("offsets.source", 0, offset)],
                            asynchronous=False)
        consumer.close()
        data = os.path.join(running.directory, "laminar-data")

        def partition_dir():
            for name in os.listdir(data):
                path = os.path.join(data, name)
                if name.startswith("__consumer_offsets-") and \
                        os.path.exists(os.path.join(path, "cleaner-offset-checkpoint")):
                    return path
            return None

        def first_segment_bytes(path):
            return os.path.getsize(os.path.join(path, "00000000000000000000.log"))

        assert wait_until(lambda: partition_dir() is not None, timeout=30)
        # 9000 commits wrote over 1 MiB: the first (rolled) segment held about 8000 of them,
        # all superseded by the later commits of the active segment (preallocated: not
        # measured). Cleaned, it keeps one (the latest commit below the active segment).
        assert first_segment_bytes(partition_dir()) < 1024
    finally:
        running.stop(keep_data=True)
    restarted = Broker(args, directory=running.directory, port=running.port)
    try:
        consumer = Consumer({"bootstrap.servers": restarted.bootstrap, "group.id": "compacting",
                             "enable.auto.commit": False})
        committed = consumer.committed([TopicPartition("offsets.source", 0)], timeout=30)
        consumer.close()
        assert committed[0].offset == 9000
    finally:
        restarted.stop()


def read_all(broker, topic, isolation):
    """[(offset, key, value)] a consumer with isolation.level `isolation` reads from the start,
    until nothing more comes for a second."""
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 100,
                         "isolation.level": isolation, "auto.offset.reset": "earliest"})
    consumer.assign([TopicPartition(topic, 0, -2)])
    records = []
    quiet_since = time.monotonic()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and time.monotonic() - quiet_since < 1.0:
        for message in consumer.consume(num_messages=1000, timeout=0.1):
            assert message.error() is None, message.error()
            value = None if message.value() is None else message.value().decode()
            records.append((message.offset(), message.key().decode(), value))
            quiet_since = time.monotonic()
    consumer.close()
    return records


def test_transactions_on_a_compacted_topic_keep_the_committed_values(broker):
    """As Kafka's cleaner (Kafka Streams' exactly-once changelogs rely on it): an aborted
    transaction's records are removed and never replace the committed value of their key, and
    nothing at or above the last stable offset is cleaned, so a value in an open transaction
    does not remove the committed one before it until it commits."""
    topic = "compacted.txn"
    create(broker, topic, {"cleanup.policy": "compact", "segment.bytes": "1024",
                           "min.cleanable.dirty.ratio": "0.01"})
    producer = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "cleaned",
                         "linger.ms": 5})
    producer.init_transactions(15)

    def in_transaction(records, then):
        producer.begin_transaction()
        for key, value in records:
            producer.produce(topic, key=key.encode(), value=value.encode())
        assert producer.flush(15) == 0
        then(15)

    def filler(prefix):
        records = [(f"{prefix}{i}".encode(), b"f" * 200) for i in range(20)]
        assert produce_one_batch_each(broker, topic, records) == []

    keys = [f"key{i}" for i in range(5)]
    in_transaction([(key, f"committed-{key}") for key in keys], producer.commit_transaction)
    in_transaction([(key, f"aborted-{key}") for key in keys], producer.abort_transaction)
    filler("f")
    # An open transaction, then enough plain records after it to roll segments past it.
    producer.begin_transaction()
    delivered = []
    producer.produce(topic, key=b"key0", value=b"open",
                     on_delivery=lambda error, message: delivered.append(message.offset()))
    assert producer.flush(15) == 0
    [open_offset] = delivered
    filler("g")
    assert watermarks(broker, topic)[1] == open_offset  # read_committed: the LSO

    assert wait_until(lambda: cleaner_offset(broker, topic) > 12, timeout=30)
    time.sleep(1)  # more passes: none may pass the open transaction
    assert cleaner_offset(broker, topic) <= open_offset
    committed = read_all(broker, topic, "read_committed")
    latest = {key: value for _, key, value in committed}
    assert {key: latest.get(key) for key in keys} == {key: f"committed-{key}" for key in keys}
    assert all(offset < open_offset for offset, _, _ in committed)
    uncommitted = read_all(broker, topic, "read_uncommitted")
    assert not [value for _, _, value in uncommitted if value.startswith("aborted")]
    assert (open_offset, "key0", "open") in uncommitted
    assert sum(1 for _, key, _ in uncommitted if key.startswith("f")) == 20

    producer.commit_transaction(15)
    filler("h")
    assert wait_until(lambda: cleaner_offset(broker, topic) > open_offset + 1, timeout=30)
    committed = read_all(broker, topic, "read_committed")
    latest = {key: value for _, key, value in committed}
    assert latest["key0"] == "open"
    assert {key: latest[key] for key in keys[1:]} == {key: f"committed-{key}" for key in keys[1:]}
    assert "committed-key0" not in [value for _, _, value in committed]
