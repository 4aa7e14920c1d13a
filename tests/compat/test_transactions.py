"""Kafka transactions against a single-node broker that is its own transaction coordinator,
through confluent-kafka (librdkafka 2.0's transactional producer, read_committed consumers) and
kafkajs (kafkajs_transactions.js): commit and abort; an open transaction holding read_committed
consumers at the last stable offset; consume-transform-produce with the group's offsets committed
in the transaction; a producer fenced by a newer one with the same transactional.id; committed
and open transactions across a restart; DescribeTransactions and ListTransactions on the wire
(Debian's confluent-kafka 1.7 has no admin call for them), with the layouts of Kafka 3.7's JSON.

Kafka writes the markers after it answers EndTxn, so a reader right after commit_transaction()
may still see the old last stable offset: reads wait for the records they expect, then linger a
moment so an extra record would show."""
import json
import os
import time
from collections import namedtuple

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker, run, wait_until
from kafka_wire import Connection, Writer, call_once
from test_idempotent_wire import record_batch
from test_replica_admin import describe_producers

HERE = os.path.dirname(os.path.abspath(__file__))
BROKER_ARGS = ["--set", "group.initial.rebalance.delay.ms=0"]
TIMEOUT_S = 30
TRANSACTIONAL_ID_NOT_FOUND = 105
INVALID_TOPIC_EXCEPTION = 17
TOPIC_AUTHORIZATION_FAILED = 29
INVALID_TXN_STATE = 48
TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53
OPERATION_NOT_ATTEMPTED = 55
# librdkafka folds PRODUCER_FENCED and INVALID_PRODUCER_EPOCH into the fatal _FENCED; produce()
# raises _FATAL once a fatal error is set. Which one a fenced producer sees depends on timing.
FENCED_CODES = {KafkaError._FENCED, KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH,
                KafkaError._FATAL}

Transaction = namedtuple("Transaction", "error transactional_id state timeout_ms start_time_ms "
                                        "producer_id producer_epoch topics")
Listing = namedtuple("Listing", "error unknown_state_filters states")


def create(bootstrap, topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(15)


def transactional_producer(bootstrap, transactional_id, settings=None):
    """A producer past init_transactions() (FindCoordinator, then InitProducerId)."""
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": transactional_id,
                         "linger.ms": 5, **(settings or {})})
    producer.init_transactions(TIMEOUT_S)
    return producer


def produce(producer, topic, values, partitions=1):
    """Sends value i to partition i % partitions and waits until every one is delivered."""
    failures = []

    def delivered(error, message):
        if error is not None:
            failures.append(error)

    for i, value in enumerate(values):
        producer.produce(topic, value=value, partition=i % partitions, on_delivery=delivered)
    assert producer.flush(TIMEOUT_S) == 0
    assert failures == []


def read(bootstrap, topic, isolation, count, partitions=1, linger_s=0.5):
    """{partition: [(offset, value)]}: the first `count` records a consumer with isolation.level
    `isolation` reads from offset 0, and any more it reads in the `linger_s` after them."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "txn-reader",
                         "isolation.level": isolation, "enable.auto.commit": False,
                         "fetch.wait.max.ms": 100})
    consumer.assign([TopicPartition(topic, partition, 0) for partition in range(partitions)])
    records = {partition: [] for partition in range(partitions)}

    def poll_until(deadline, enough):
        while time.monotonic() < deadline and not enough():
            for message in consumer.consume(num_messages=1000, timeout=0.1):
                assert message.error() is None, message.error()
                records[message.partition()].append((message.offset(), message.value().decode()))

    poll_until(time.monotonic() + TIMEOUT_S, lambda: sum(map(len, records.values())) >= count)
    poll_until(time.monotonic() + linger_s, lambda: False)
    consumer.close()
    return records


def describe_transactions(bootstrap, transactional_ids):
    """DescribeTransactions v0: a Transaction for each id, its topics and partitions sorted."""
    w = Writer(True)
    w.array(transactional_ids, lambda w, name: w.string(name))
    w.tags()
    r = call_once(bootstrap, 65, 0, True, w)
    r.int32()  # throttle time

    def topic(r):
        answer = (r.string(), sorted(r.array(lambda r: r.int32())))
        r.tags()
        return answer

    def transaction(r):
        error, transactional_id, state = r.int16(), r.string(), r.string()
        timeout_ms, start_time_ms = r.int32(), r.int64()
        producer_id, producer_epoch = r.int64(), r.int16()
        topics = sorted(r.array(topic))
        r.tags()
        return Transaction(error, transactional_id, state, timeout_ms, start_time_ms,
                           producer_id, producer_epoch, topics)

    transactions = r.array(transaction)
    r.tags()
    r.done()
    return transactions


def list_transactions(bootstrap, states=(), producer_ids=()):
    """ListTransactions v0; states are (transactional id, producer id, state)."""
    w = Writer(True)
    w.array(list(states), lambda w, state: w.string(state))
    w.array(list(producer_ids), lambda w, producer_id: w.int64(producer_id))
    w.tags()
    r = call_once(bootstrap, 66, 0, True, w)
    r.int32()  # throttle time
    error = r.int16()
    unknown_state_filters = r.array(lambda r: r.string())

    def state(r):
        answer = (r.string(), r.int64(), r.string())
        r.tags()
        return answer

    listed = r.array(state)
    r.tags()
    r.done()
    return Listing(error, unknown_state_filters, listed)


def settled_state(bootstrap, transactional_id, state):
    """The coordinator's Transaction for `transactional_id` once it is in `state`: waits, since
    markers are written after EndTxn is answered and a restarted coordinator loads its log."""
    seen = []

    def settled():
        [described] = describe_transactions(bootstrap, [transactional_id])
        seen.append(described)
        return described.error == 0 and described.state == state

    assert wait_until(settled, timeout=15), seen[-1:]
    return seen[-1]


def test_committed_transaction_is_read_in_order(broker):
    topic = "txn.commit"
    create(broker.bootstrap, topic, 2)
    producer = transactional_producer(broker.bootstrap, "txn-commit")
    producer.begin_transaction()
    produce(producer, topic, [f"v-{i}" for i in range(10)], partitions=2)
    producer.commit_transaction(TIMEOUT_S)
    # Five records a partition at offsets 0-4; the COMMIT marker takes offset 5.
    expected = {p: [(i // 2, f"v-{i}") for i in range(p, 10, 2)] for p in range(2)}
    assert read(broker.bootstrap, topic, "read_committed", 10, partitions=2) == expected


def test_aborted_transaction_is_hidden_from_read_committed_only(broker):
    topic = "txn.abort"
    create(broker.bootstrap, topic, 1)
    producer = transactional_producer(broker.bootstrap, "txn-abort")
    producer.begin_transaction()
    produce(producer, topic, [f"aborted-{i}" for i in range(5)])
    producer.abort_transaction(TIMEOUT_S)
    producer.begin_transaction()
    produce(producer, topic, [f"committed-{i}" for i in range(5)])
    producer.commit_transaction(TIMEOUT_S)
    # The ABORT marker is at offset 5, the COMMIT marker at 11; neither reaches the application.
    aborted = [(i, f"aborted-{i}") for i in range(5)]
    committed = [(6 + i, f"committed-{i}") for i in range(5)]
    assert read(broker.bootstrap, topic, "read_committed", 5) == {0: committed}
    assert read(broker.bootstrap, topic, "read_uncommitted", 10) == {0: aborted + committed}


def test_open_transaction_holds_read_committed_at_the_last_stable_offset(broker):
    topic = "txn.open"
    create(broker.bootstrap, topic, 1)
    producer = transactional_producer(broker.bootstrap, "txn-open")
    producer.begin_transaction()
    produce(producer, topic, [f"before-{i}" for i in range(3)])
    producer.commit_transaction(TIMEOUT_S)
    producer.begin_transaction()
    produce(producer, topic, [f"open-{i}" for i in range(4)])  # written, not committed
    before = [(i, f"before-{i}") for i in range(3)]  # COMMIT marker at 3
    opened = [(4 + i, f"open-{i}") for i in range(4)]
    assert read(broker.bootstrap, topic, "read_committed", 3, linger_s=3) == {0: before}
    assert read(broker.bootstrap, topic, "read_uncommitted", 7) == {0: before + opened}
    producer.commit_transaction(TIMEOUT_S)
    assert read(broker.bootstrap, topic, "read_committed", 7) == {0: before + opened}


def group_consumer(bootstrap, group, topic):
    """A read_committed member of `group` on `topic` whose offsets move only by transactions."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                         "enable.auto.commit": False, "auto.offset.reset": "earliest",
                         "isolation.level": "read_committed", "fetch.wait.max.ms": 100})
    consumer.subscribe([topic])
    return consumer


def poll_values(consumer, count):
    """The next `count` values, one poll() each, so the position ends just past them."""
    values = []
    deadline = time.monotonic() + TIMEOUT_S
    while len(values) < count and time.monotonic() < deadline:
        message = consumer.poll(0.1)
        if message is None:
            continue
        assert message.error() is None, message.error()
        values.append(message.value().decode())
    assert len(values) == count, values
    return values


def committed_offsets(consumer):
    found = consumer.committed(consumer.assignment(), timeout=10)
    return sorted((tp.partition, tp.offset) for tp in found)


def transform_in_transaction(producer, consumer, values, target):
    """Begins a transaction with the upper-cased values sent to `target` and the consumer's
    positions sent as its group's offsets; leaves it open. Returns [(partition, position)]."""
    producer.begin_transaction()
    produce(producer, target, [value.upper() for value in values])
    positions = consumer.position(consumer.assignment())
    producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), TIMEOUT_S)
    return sorted((tp.partition, tp.offset) for tp in positions)


def test_consume_transform_produce_commits_the_group_offsets(broker):
    source, target = "txn.transform.in", "txn.transform.out"
    create(broker.bootstrap, source, 2)
    create(broker.bootstrap, target, 1)
    produce(Producer({"bootstrap.servers": broker.bootstrap}), source,
            [f"in-{i}" for i in range(10)], partitions=2)
    consumer = group_consumer(broker.bootstrap, "txn-transform", source)
    values = poll_values(consumer, 10)
    producer = transactional_producer(broker.bootstrap, "txn-transform")
    positions = transform_in_transaction(producer, consumer, values, target)
    assert positions == [(0, 5), (1, 5)]
    producer.commit_transaction(TIMEOUT_S)
    # The offsets become the group's when the COMMIT marker reaches __consumer_offsets.
    assert wait_until(lambda: committed_offsets(consumer) == positions, timeout=10), \
        committed_offsets(consumer)
    consumer.close()
    assert read(broker.bootstrap, target, "read_committed", 10) == {
        0: [(i, value.upper()) for i, value in enumerate(values)]}


def test_aborted_consume_transform_produce_leaves_the_group_offsets(broker):
    source, target = "txn.transform-abort.in", "txn.transform-abort.out"
    create(broker.bootstrap, source, 1)
    create(broker.bootstrap, target, 1)
    produce(Producer({"bootstrap.servers": broker.bootstrap}), source,
            [f"in-{i}" for i in range(10)])
    consumer = group_consumer(broker.bootstrap, "txn-transform-abort", source)
    producer = transactional_producer(broker.bootstrap, "txn-transform-abort")
    first = poll_values(consumer, 4)
    assert transform_in_transaction(producer, consumer, first, target) == [(0, 4)]
    producer.commit_transaction(TIMEOUT_S)
    assert wait_until(lambda: committed_offsets(consumer) == [(0, 4)], timeout=10), \
        committed_offsets(consumer)
    rest = poll_values(consumer, 6)
    assert transform_in_transaction(producer, consumer, rest, target) == [(0, 10)]
    producer.abort_transaction(TIMEOUT_S)
    # The ABORT marker drops the pending offsets. It is written after EndTxn is answered, so
    # the group's offset is watched for a while rather than read once.
    assert not wait_until(lambda: committed_offsets(consumer) != [(0, 4)], timeout=2), \
        committed_offsets(consumer)
    consumer.close()
    assert read(broker.bootstrap, target, "read_committed", 4) == {
        0: [(i, value.upper()) for i, value in enumerate(first)]}


def assert_fenced(raised):
    error = raised.value.args[0]
    assert error.fatal() or error.code() in FENCED_CODES, error


def test_newer_producer_fences_an_older_one(broker):
    topic, transactional_id = "txn.fence", "txn-fence"
    create(broker.bootstrap, topic, 1)
    older = transactional_producer(broker.bootstrap, transactional_id)
    older.begin_transaction()
    produce(older, topic, ["older-0"])
    older.commit_transaction(TIMEOUT_S)
    newer = transactional_producer(broker.bootstrap, transactional_id)  # bumps the epoch
    with pytest.raises(KafkaException) as raised:
        # begin_transaction() is local; AddPartitionsToTxn is where the old epoch is refused.
        older.begin_transaction()
        older.produce(topic, value="older-1", partition=0)
        older.commit_transaction(TIMEOUT_S)
    assert_fenced(raised)
    newer.begin_transaction()
    produce(newer, topic, ["newer-0"])
    newer.commit_transaction(TIMEOUT_S)
    assert read(broker.bootstrap, topic, "read_committed", 2) == {
        0: [(0, "older-0"), (2, "newer-0")]}


def test_newer_producer_aborts_the_open_transaction_of_the_one_it_fences(broker):
    topic, transactional_id = "txn.fence-open", "txn-fence-open"
    create(broker.bootstrap, topic, 1)
    older = transactional_producer(broker.bootstrap, transactional_id)
    older.begin_transaction()
    produce(older, topic, ["older-0"])
    older.commit_transaction(TIMEOUT_S)
    older.begin_transaction()
    produce(older, topic, ["older-open"])
    # Kafka aborts the open transaction (its ABORT marker at offset 3) before it gives the newer
    # producer an epoch; until then it answers CONCURRENT_TRANSACTIONS, which librdkafka retries.
    newer = transactional_producer(broker.bootstrap, transactional_id)
    with pytest.raises(KafkaException) as raised:
        older.commit_transaction(TIMEOUT_S)
    assert_fenced(raised)
    newer.begin_transaction()
    produce(newer, topic, ["newer-0"])
    newer.commit_transaction(TIMEOUT_S)
    assert read(broker.bootstrap, topic, "read_committed", 2) == {
        0: [(0, "older-0"), (4, "newer-0")]}
    assert read(broker.bootstrap, topic, "read_uncommitted", 3) == {
        0: [(0, "older-0"), (2, "older-open"), (4, "newer-0")]}


def test_committed_transaction_and_its_coordinator_state_survive_a_restart():
    topic, transactional_id = "txn.restart", "txn-restart"
    first = Broker(BROKER_ARGS)
    directory, port = first.directory, first.port
    try:
        create(first.bootstrap, topic, 1)
        producer = transactional_producer(first.bootstrap, transactional_id)
        producer.begin_transaction()
        produce(producer, topic, ["before-0", "before-1"])
        producer.commit_transaction(TIMEOUT_S)
        del producer
        before = settled_state(first.bootstrap, transactional_id, "CompleteCommit")
    finally:
        first.stop(keep_data=True)

    second = Broker(BROKER_ARGS, directory=directory, port=port)
    try:
        committed = [(0, "before-0"), (1, "before-1")]  # COMMIT marker at 2
        assert read(second.bootstrap, topic, "read_committed", 2) == {0: committed}
        assert settled_state(second.bootstrap, transactional_id, "CompleteCommit") == before
        producer = transactional_producer(second.bootstrap, transactional_id)
        producer.begin_transaction()
        produce(producer, topic, ["after-0"])
        producer.commit_transaction(TIMEOUT_S)
        del producer
        after = settled_state(second.bootstrap, transactional_id, "CompleteCommit")
        # InitProducerId on a finished transaction keeps the producer id and bumps the epoch.
        assert (after.producer_id, after.producer_epoch) == (
            before.producer_id, before.producer_epoch + 1)
        assert read(second.bootstrap, topic, "read_committed", 3) == {
            0: committed + [(3, "after-0")]}
    finally:
        second.stop()


def test_acknowledged_commit_survives_kill_9_and_its_markers_are_written_after():
    """EndTxn is answered once PrepareCommit is in __transaction_state; the markers come after.
    A broker killed right after the answer finishes the commit when it starts again: the
    coordinator's load resumes the markers, and read_committed readers see the transaction."""
    topic, transactional_id = "txn.kill", "txn-kill"
    first = Broker(BROKER_ARGS)
    directory, port = first.directory, first.port
    try:
        create(first.bootstrap, topic, 3)
        producer = transactional_producer(first.bootstrap, transactional_id)
        producer.begin_transaction()
        produce(producer, topic, [f"v-{i}" for i in range(6)], partitions=3)
        producer.commit_transaction(TIMEOUT_S)
    finally:
        first.process.kill()
        first.process.wait(timeout=30)
    del producer
    second = Broker(BROKER_ARGS, directory=directory, port=port)
    try:
        done = settled_state(second.bootstrap, transactional_id, "CompleteCommit")
        assert done.topics == []
        assert read(second.bootstrap, topic, "read_committed", 6, partitions=3) == {
            p: [(0, f"v-{p}"), (1, f"v-{p + 3}")] for p in range(3)}
    finally:
        second.stop()


def test_open_transaction_survives_a_restart_until_the_next_producer_aborts_it():
    topic, transactional_id = "txn.restart-open", "txn-restart-open"
    first = Broker(BROKER_ARGS)
    directory, port = first.directory, first.port
    try:
        create(first.bootstrap, topic, 1)
        # Kept alive across the restart, never committing: a client's teardown must not be what
        # ends the transaction.
        zombie = transactional_producer(first.bootstrap, transactional_id)
        zombie.begin_transaction()
        produce(zombie, topic, ["committed-0"])
        zombie.commit_transaction(TIMEOUT_S)
        zombie.begin_transaction()
        produce(zombie, topic, ["open-0", "open-1"])
        opened = settled_state(first.bootstrap, transactional_id, "Ongoing")
        assert opened.topics == [(topic, [0])]
    finally:
        first.stop(keep_data=True)

    second = Broker(BROKER_ARGS, directory=directory, port=port)
    try:
        # The coordinator (from __transaction_state) and the partition (from its log) both
        # recovered the open transaction: the last stable offset is still its first offset.
        assert settled_state(second.bootstrap, transactional_id, "Ongoing") == opened
        committed = [(0, "committed-0")]  # COMMIT marker at 1
        assert read(second.bootstrap, topic, "read_committed", 1, linger_s=1) == {0: committed}
        assert read(second.bootstrap, topic, "read_uncommitted", 3) == {
            0: committed + [(2, "open-0"), (3, "open-1")]}
        producer = transactional_producer(second.bootstrap, transactional_id)
        producer.begin_transaction()
        produce(producer, topic, ["after-0"])
        producer.commit_transaction(TIMEOUT_S)
        del producer, zombie
        # The new producer's InitProducerId aborted the open transaction (ABORT marker at 4).
        assert read(second.bootstrap, topic, "read_committed", 2) == {
            0: committed + [(5, "after-0")]}
        after = settled_state(second.bootstrap, transactional_id, "CompleteCommit")
        # Kafka bumps the epoch twice here: once to fence and abort, once for the new producer.
        assert after.producer_id == opened.producer_id
        assert after.producer_epoch > opened.producer_epoch
    finally:
        second.stop()


def test_transactions_rolled_past_survive_kill_9():
    """A partition remembers its aborted and open transactions across a kill -9 even when its
    segments rolled past them: the restart starts from a producer snapshot written at the roll
    (or replays every segment), not from the active segment alone."""
    topic = "txn.rolled"
    first = Broker(BROKER_ARGS)
    directory, port = first.directory, first.port
    filler = "x" * 900
    try:
        admin = AdminClient({"bootstrap.servers": first.bootstrap})
        admin.create_topics([NewTopic(topic, 1, 1, config={"segment.bytes": "4096"})])[
            topic].result(15)
        aborting = transactional_producer(first.bootstrap, "txn-rolled-abort")
        aborting.begin_transaction()
        produce(aborting, topic, [f"aborted-{i}" for i in range(3)])
        aborting.abort_transaction(TIMEOUT_S)
        committing = transactional_producer(first.bootstrap, "txn-rolled-commit")
        committing.begin_transaction()
        produce(committing, topic, [f"committed-{i}" for i in range(3)])
        committing.commit_transaction(TIMEOUT_S)
        plain = Producer({"bootstrap.servers": first.bootstrap, "linger.ms": 0})
        for i in range(12):  # one batch each (a batch must fit a segment): rolls several times
            produce(plain, topic, [f"plain-{i}-{filler}"])
        zombie = transactional_producer(first.bootstrap, "txn-rolled-open")
        zombie.begin_transaction()
        produce(zombie, topic, ["open-0"])
        for i in range(12):  # rolls past it
            produce(plain, topic, [f"late-{i}-{filler}"])
        files = os.listdir(os.path.join(directory, "laminar-data", f"{topic}-0"))
        assert len([name for name in files if name.endswith(".log")]) >= 3
        assert any(name.endswith(".snapshot") for name in files)  # written at a roll
    finally:
        first.process.kill()
        first.process.wait(timeout=30)
    del aborting, committing, plain

    second = Broker(BROKER_ARGS, directory=directory, port=port)
    try:
        # Aborted [0..2], ABORT at 3, committed [4..6], COMMIT at 7, plain [8..19], open at 20:
        # read_committed stops at the open transaction's first offset.
        committed = [(4 + i, f"committed-{i}") for i in range(3)]
        plain = [(8 + i, f"plain-{i}-{filler}") for i in range(12)]
        assert read(second.bootstrap, topic, "read_committed", 15, linger_s=1) == {
            0: committed + plain}
        everything = read(second.bootstrap, topic, "read_uncommitted", 31)[0]
        assert len(everything) == 31
        assert [value for _, value in everything[:3]] == [f"aborted-{i}" for i in range(3)]
        assert everything[18] == (20, "open-0")
        # The next producer with the open transaction's id aborts it: the reader moves on,
        # still without the aborted records of either transaction.
        successor = transactional_producer(second.bootstrap, "txn-rolled-open")
        del successor, zombie
        late = [(21 + i, f"late-{i}-{filler}") for i in range(12)]
        assert read(second.bootstrap, topic, "read_committed", 27, linger_s=1) == {
            0: committed + plain + late}
    finally:
        second.stop()


def test_describe_and_list_transactions(broker):
    topic, transactional_id = "txn.admin", "txn-admin"
    create(broker.bootstrap, topic, 2)
    producer = transactional_producer(broker.bootstrap, transactional_id,
                                      {"transaction.timeout.ms": 45000})
    began_ms = time.time() * 1000
    producer.begin_transaction()
    produce(producer, topic, ["a-0", "a-1"], partitions=2)
    ongoing = settled_state(broker.bootstrap, transactional_id, "Ongoing")
    assert ongoing.timeout_ms == 45000
    assert began_ms - 5000 <= ongoing.start_time_ms <= time.time() * 1000 + 5000
    assert ongoing.topics == [(topic, [0, 1])]
    assert ongoing.producer_id >= 0 and ongoing.producer_epoch >= 0
    # The partitions name the same producer, with its transaction open from offset 0.
    connection = Connection(broker.bootstrap)
    [(_, partitions)] = describe_producers(connection, [(topic, [0, 1])])
    connection.close()
    for _, error, _, producers in partitions:
        assert error == 0
        assert [(p[0], p[1], p[5]) for p in producers] == [
            (ongoing.producer_id, ongoing.producer_epoch, 0)]
    listed = list_transactions(broker.bootstrap)
    assert (transactional_id, ongoing.producer_id, "Ongoing") in listed.states

    producer.commit_transaction(TIMEOUT_S)
    done = settled_state(broker.bootstrap, transactional_id, "CompleteCommit")
    # Kafka keeps the start time and drops the partitions once their markers are written.
    assert (done.producer_id, done.producer_epoch, done.timeout_ms, done.start_time_ms,
            done.topics) == (ongoing.producer_id, ongoing.producer_epoch, 45000,
                             ongoing.start_time_ms, [])
    entry = (transactional_id, done.producer_id, "CompleteCommit")
    listed = list_transactions(broker.bootstrap)
    assert (listed.error, listed.unknown_state_filters) == (0, [])
    assert entry in listed.states
    assert list_transactions(broker.bootstrap, producer_ids=[done.producer_id]).states == [entry]
    assert list_transactions(broker.bootstrap, states=["CompleteCommit"],
                             producer_ids=[done.producer_id]).states == [entry]
    filtered = list_transactions(broker.bootstrap, states=["Ongoing", "NoSuchState"])
    assert (filtered.error, filtered.unknown_state_filters) == (0, ["NoSuchState"])
    assert all(state == "Ongoing" for _, _, state in filtered.states), filtered
    [unknown] = describe_transactions(broker.bootstrap, ["txn-admin-unknown"])
    assert (unknown.error, unknown.transactional_id) == (
        TRANSACTIONAL_ID_NOT_FOUND, "txn-admin-unknown")


def init_on_the_wire(connection, transactional_id):
    """FindCoordinator (key type 1) and InitProducerId v1 for `transactional_id`: (producer id,
    epoch)."""
    r = connection.call(10, 1, False, Writer(False).string(transactional_id).int8(1))
    r.int32()
    assert r.int16() == 0
    r = connection.call(22, 1, False, Writer(False).string(transactional_id).int32(60000))
    r.int32()
    assert r.int16() == 0
    return r.int64(), r.int16()


def produce_on_the_wire(connection, transactional_id, topic, batch):
    """Produce v3 of one batch to partition 0: (error code, base offset)."""
    w = Writer(False).string(transactional_id).int16(-1).int32(10000)
    w.array([topic], lambda w, t: w.string(t).array([0], lambda w, p: w.int32(p).bytes_(batch)))
    r = connection.call(0, 3, False, w)

    def partition(r):
        _, error, base_offset, _ = r.int32(), r.int16(), r.int64(), r.int64()
        return error, base_offset

    [(_, [answer])] = r.array(lambda r: (r.string(), r.array(partition)))
    r.int32()
    r.done()
    return answer


def test_transactional_produce_is_verified_with_the_coordinator(broker):
    """Kafka 3.6+'s transaction.partition.verification.enable: a transactional batch that would
    open a transaction on a partition the producer's transaction does not hold is refused with
    INVALID_TXN_STATE, also after the transaction ended (a zombie's late batch); records that are
    transactional without a transactional id are TRANSACTIONAL_ID_AUTHORIZATION_FAILED."""
    topic, transactional_id = "txn.verify", "txn-verify"
    create(broker.bootstrap, topic, 1)
    connection = Connection(broker.bootstrap)
    try:
        producer_id, epoch = init_on_the_wire(connection, transactional_id)
        transactional = 0x10
        first = record_batch(producer_id, epoch, 0, [b"v-0"], attributes=transactional)
        assert produce_on_the_wire(connection, transactional_id, topic, first) == (
            INVALID_TXN_STATE, -1)
        assert produce_on_the_wire(connection, None, topic, first) == (
            TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1)
        add = Writer(False).string(transactional_id).int64(producer_id).int16(epoch)
        add.array([topic], lambda w, t: w.string(t).array([0], lambda w, p: w.int32(p)))
        r = connection.call(24, 1, False, add)
        r.int32()
        assert r.array(lambda r: (r.string(), r.array(lambda r: (r.int32(), r.int16())))) == [
            (topic, [(0, 0)])]
        assert produce_on_the_wire(connection, transactional_id, topic, first) == (0, 0)
        second = record_batch(producer_id, epoch, 1, [b"v-1"], attributes=transactional)
        assert produce_on_the_wire(connection, transactional_id, topic, second) == (0, 1)
        end = Writer(False).string(transactional_id).int64(producer_id).int16(epoch).boolean(True)
        r = connection.call(26, 1, False, end)
        r.int32()
        assert r.int16() == 0
        settled_state(broker.bootstrap, transactional_id, "CompleteCommit")
        late = record_batch(producer_id, epoch, 2, [b"v-2"], attributes=transactional)
        assert produce_on_the_wire(connection, transactional_id, topic, late) == (
            INVALID_TXN_STATE, -1)
    finally:
        connection.close()
    assert read(broker.bootstrap, topic, "read_committed", 2) == {0: [(0, "v-0"), (1, "v-1")]}


def test_kafkajs_transactions_commit_abort_and_send_offsets(broker):
    result = run(["node", os.path.join(HERE, "kafkajs_transactions.js"), broker.bootstrap],
                 cwd=HERE, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    for name in ("committed", "aborted", "withOffsets"):
        # One result a partition.
        assert [sent["errorCode"] for sent in report[name]] == [0, 0], report
    committed = {p: [f"committed-{i}" for i in range(p, 6, 2)] for p in range(2)}
    aborted = {p: [f"aborted-{i}" for i in range(p, 4, 2)] for p in range(2)}

    def values(isolation, count):
        records = read(broker.bootstrap, "kafkajs.txn", isolation, count, partitions=2)
        return {partition: [value for _, value in found] for partition, found in records.items()}

    assert values("read_committed", 8) == {
        p: committed[p] + [f"offsets-{p}"] for p in range(2)}
    assert values("read_uncommitted", 12) == {
        p: committed[p] + aborted[p] + [f"offsets-{p}"] for p in range(2)}
    reader = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "kafkajs-txn-group",
                       "isolation.level": "read_committed"})

    def committed_offset():
        return reader.committed([TopicPartition("kafkajs.txn.input", 0)], timeout=10)[0].offset

    # The offset becomes the group's when the COMMIT marker reaches __consumer_offsets.
    assert wait_until(lambda: committed_offset() == 5, timeout=10), committed_offset()
    reader.close()


def produce_partitions_on_the_wire(connection, transactional_id, topic, batches):
    """Produce v3 of batches[p] to partition p of `topic`: [(partition, error code)]."""
    w = Writer(False).string(transactional_id).int16(-1).int32(10000)
    w.array([topic], lambda w, t: w.string(t).array(
        list(enumerate(batches)), lambda w, pb: w.int32(pb[0]).bytes_(pb[1])))
    r = connection.call(0, 3, False, w)

    def partition(r):
        index, error, _, _ = r.int32(), r.int16(), r.int64(), r.int64()
        return index, error

    [(_, answers)] = r.array(lambda r: (r.string(), r.array(partition)))
    return sorted(answers)


def test_internal_topics_and_transactional_records_are_refused_as_kafka_refuses_them(broker):
    """Clients may not append to __consumer_offsets (INVALID_TOPIC_EXCEPTION, as Kafka's
    ReplicaManager), delete its records (the same), delete it (TOPIC_AUTHORIZATION_FAILED; Kafka
    allows it, Redpanda does not), or add it to a transaction
    (TOPIC_AUTHORIZATION_FAILED, the other partitions OPERATION_NOT_ATTEMPTED); a Produce with
    transactional records but no transactional id is refused whole."""
    topic, transactional_id = "txn.refused", "txn-refused"
    create(broker.bootstrap, topic, 2)
    connection = Connection(broker.bootstrap)
    try:
        r = connection.call(10, 1, False, Writer(False).string("refused-group").int8(0))
        r.int32()
        assert r.int16() == 0  # __consumer_offsets exists from here on
        plain = record_batch(-1, -1, -1, [b"forged"])
        assert produce_partitions_on_the_wire(connection, None, "__consumer_offsets", [plain]) == [
            (0, INVALID_TOPIC_EXCEPTION)]
        w = Writer(False)
        w.array(["__consumer_offsets"],
                lambda w, t: w.string(t).array([0], lambda w, p: w.int32(p).int64(-1)))
        r = connection.call(21, 1, False, w.int32(10000))
        r.int32()
        assert r.array(lambda r: (r.string(), r.array(
            lambda r: (r.int32(), r.int64(), r.int16())))) == [
            ("__consumer_offsets", [(0, -1, INVALID_TOPIC_EXCEPTION)])]

        # Kafka would delete it; we refuse, as Redpanda protects it (the coordinators' state).
        r = connection.call(20, 1, False, Writer(False).array(
            ["__consumer_offsets"], lambda w, t: w.string(t)).int32(10000))
        r.int32()
        assert r.array(lambda r: (r.string(), r.int16())) == [
            ("__consumer_offsets", TOPIC_AUTHORIZATION_FAILED)]

        transactional = record_batch(7, 0, 0, [b"t"], attributes=0x10)
        assert produce_partitions_on_the_wire(connection, None, topic, [transactional, plain]) == [
            (0, TRANSACTIONAL_ID_AUTHORIZATION_FAILED), (1, TRANSACTIONAL_ID_AUTHORIZATION_FAILED)]

        producer_id, epoch = init_on_the_wire(connection, transactional_id)
        add = Writer(False).string(transactional_id).int64(producer_id).int16(epoch)
        add.array([topic, "__consumer_offsets"],
                  lambda w, t: w.string(t).array([0], lambda w, p: w.int32(p)))
        r = connection.call(24, 1, False, add)
        r.int32()
        answers = r.array(lambda r: (r.string(), r.array(lambda r: (r.int32(), r.int16()))))
        assert dict(answers) == {topic: [(0, OPERATION_NOT_ATTEMPTED)],
                                 "__consumer_offsets": [(0, TOPIC_AUTHORIZATION_FAILED)]}
    finally:
        connection.close()
    # Nothing was added: the topic's partitions hold no record.
    assert read(broker.bootstrap, topic, "read_uncommitted", 0, partitions=2) == {0: [], 1: []}
