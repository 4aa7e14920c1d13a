"""WriteTxnMarkers (the request a transaction coordinator sends a partition leader) against a
single-node broker, as Kafka 3.7 answers it without an authorizer: COMMIT and ABORT control
batches take an offset each and are skipped by consumers (librdkafka, read_committed and
read_uncommitted); a marker of an older producer epoch is INVALID_PRODUCER_EPOCH, of an older
coordinator epoch TRANSACTION_COORDINATOR_FENCED; a marker with a newer epoch fences the
producer, whose next batch is refused; the producer state survives a restart (rebuilt from the
log, markers included). On the wire in v0 and v1 (flexible)."""
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker
from kafka_wire import Connection, Writer
from test_idempotent_wire import Connection as ProduceConnection
from test_idempotent_wire import record_batch
from test_replica_admin import describe_producers

UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_PRODUCER_EPOCH = 47
TRANSACTION_COORDINATOR_FENCED = 52


def write_markers(connection, version, markers):
    """markers: [(producer id, epoch, commit, coordinator epoch, [(topic, [partitions])])];
    returns [(producer id, [(topic, [(partition, error)])])]."""
    flexible = version >= 1

    def marker(w, m):
        producer_id, epoch, commit, coordinator_epoch, topics = m
        w.int64(producer_id).int16(epoch).boolean(commit)
        w.array(topics, lambda w, t: w.string(t[0]).array(t[1], lambda w, p: w.int32(p)).tags())
        w.int32(coordinator_epoch).tags()

    w = Writer(flexible)
    w.array(markers, marker)
    w.tags()
    r = connection.call(27, version, flexible, w)

    def partition(r):
        answer = (r.int32(), r.int16())
        r.tags()
        return answer

    def topic(r):
        answer = (r.string(), r.array(partition))
        r.tags()
        return answer

    def result(r):
        answer = (r.int64(), r.array(topic))
        r.tags()
        return answer

    results = r.array(result)
    r.tags()
    r.done()
    return results


def consume_all(bootstrap, topic, isolation):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"g-{isolation}",
                         "isolation.level": isolation, "enable.auto.commit": False,
                         "enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, 0, 0)])
    values = []
    while True:
        message = consumer.poll(10)
        assert message is not None, "no end of partition"
        if message.error():
            assert message.error().code() == -191, message.error()  # _PARTITION_EOF
            break
        values.append((message.offset(), message.value()))
    low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    consumer.close()
    return values, high


def test_markers_are_written_checked_skipped_and_survive_a_restart():
    broker = Broker()
    directory, port = broker.directory, broker.port
    topic = "markers.a"
    try:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(15)
        producing = ProduceConnection(broker.bootstrap)
        _, producer, epoch = producing.init_producer_id()
        assert producing.produce(topic, record_batch(producer, epoch, 0, [b"a", b"b"])) == (0, 0)
        connection = Connection(broker.bootstrap)
        # COMMIT at offset 2; unknown partitions and topics are named as such.
        assert write_markers(connection, 1, [
            (producer, epoch, True, 3, [(topic, [0, 9]), ("markers.none", [0])])]) == [
            (producer, [(topic, [(0, 0), (9, UNKNOWN_TOPIC_OR_PARTITION)]),
                        ("markers.none", [(0, UNKNOWN_TOPIC_OR_PARTITION)])])]
        assert producing.produce(topic, record_batch(producer, epoch, 2, [b"c"])) == (0, 3)
        # A newer epoch (a coordinator fencing the producer): ABORT at 4, the producer is fenced.
        assert write_markers(connection, 0, [(producer, epoch + 1, False, 3, [(topic, [0])])]) == [
            (producer, [(topic, [(0, 0)])])]
        assert producing.produce(topic, record_batch(producer, epoch, 3, [b"d"]))[0] == \
            INVALID_PRODUCER_EPOCH
        # Older epochs are refused, and a coordinator epoch below the last one seen.
        assert write_markers(connection, 1, [
            (producer, epoch, True, 3, [(topic, [0])]),
            (producer, epoch + 1, True, 2, [(topic, [0])])]) == [
            (producer, [(topic, [(0, INVALID_PRODUCER_EPOCH)])]),
            (producer, [(topic, [(0, TRANSACTION_COORDINATOR_FENCED)])])]
        # The markers take offsets 2 and 4; consumers skip them.
        for isolation in ("read_committed", "read_uncommitted"):
            values, high = consume_all(broker.bootstrap, topic, isolation)
            assert values == [(0, b"a"), (1, b"b"), (3, b"c")], isolation
            assert high == 5
        # Fenced: the producer's batches of the old epoch no longer count (no last sequence);
        # its last timestamp is the ABORT marker's, as Kafka's lastTimestamp.
        expected = describe_producers(connection, [(topic, [0])])
        [(_, [(_, error, _, [listed])])] = expected
        assert error == 0
        producer_id, listed_epoch, last_sequence, last_timestamp, coordinator, start = listed
        assert (producer_id, listed_epoch, last_sequence, coordinator, start) == \
            (producer, epoch + 1, -1, 3, -1)
        assert last_timestamp > 1_600_000_000_000
        connection.close()
        producing.sock.close()
    finally:
        broker.stop(keep_data=True)

    broker = Broker(directory=directory, port=port)
    try:
        # Rebuilt from the log: the fence (epoch, coordinator epoch) holds after the restart.
        connection = Connection(broker.bootstrap)
        assert describe_producers(connection, [(topic, [0])]) == expected
        assert write_markers(connection, 1, [(producer, epoch + 1, True, 2, [(topic, [0])])]) == [
            (producer, [(topic, [(0, TRANSACTION_COORDINATOR_FENCED)])])]
        connection.close()
    finally:
        broker.stop()
