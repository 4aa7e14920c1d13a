"""laminar.log.open.max: a broker capped at 4 open logs (one shard) serves 12 partitions. Opening
one more closes the least recently used idle log cleanly (its clean-shutdown marker is on disk
while the broker runs) and reopens it on demand; the descriptors of the topic's segments stay
within the cap; every record produced (by an idempotent producer, whose sequences carry over the
reopens) reads back, before and after a restart. A fetch over every partition takes the broker
over the cap while it holds them; it is back under it shortly after."""
import os
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker

CAP = 4
PARTITIONS = 12
ROUNDS = 3
ARGS = ["--set", f"laminar.log.open.max={CAP}", "--set", "laminar.shards=1"]


def open_segments(broker, topic):
    """The topic's segment files the broker holds open."""
    held = []
    fd_dir = f"/proc/{broker.process.pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except FileNotFoundError:
            continue
        if f"/{topic}-" in target and target.endswith(".log"):
            held.append(target)
    return held


def within_cap_soon(broker, topic, seconds=5.0):
    deadline = time.monotonic() + seconds
    while len(open_segments(broker, topic)) > CAP:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def markers(broker, topic):
    data = os.path.join(broker.directory, "laminar-data")
    return [name for name in os.listdir(data) if name.startswith(f"{topic}-") and
            os.path.exists(os.path.join(data, name, "clean-shutdown"))]


def read_everything(broker, topic):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 100})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    values = {p: [] for p in range(PARTITIONS)}
    wanted = PARTITIONS * ROUNDS
    got = 0
    for _ in range(400):
        if got >= wanted:
            break
        message = consumer.poll(0.5)
        if message is None or message.error():
            continue
        values[message.partition()].append(message.value())
        got += 1
    consumer.close()
    return values


def test_logs_over_the_cap_close_cleanly_and_reopen_on_demand():
    broker = Broker(ARGS)
    try:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        admin.create_topics([NewTopic("capped", PARTITIONS, 1)])["capped"].result(15)
        producer = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True,
                             "linger.ms": 0})
        errors = []
        for round_index in range(ROUNDS):
            for partition in range(PARTITIONS):
                producer.produce("capped", f"r{round_index}-p{partition}".encode(),
                                 partition=partition,
                                 on_delivery=lambda error, _: error and errors.append(error))
                producer.flush(15)  # one at a time: every open comes after the last one
                assert len(open_segments(broker, "capped")) <= CAP
        assert errors == []
        closed = markers(broker, "capped")
        assert len(closed) >= PARTITIONS - CAP, closed
        expected = {p: [f"r{r}-p{p}".encode() for r in range(ROUNDS)] for p in range(PARTITIONS)}
        assert read_everything(broker, "capped") == expected
        # The consumer's fetches open every partition at once, over the cap while they hold
        # them; the maintenance tick (100 ms) closes the excess once they are idle.
        assert within_cap_soon(broker, "capped"), open_segments(broker, "capped")

        broker.stop(keep_data=True)
        broker = Broker(ARGS, directory=broker.directory, port=broker.port)
        assert read_everything(broker, "capped") == expected
        assert "ERROR" not in broker.log()
    finally:
        broker.stop()
