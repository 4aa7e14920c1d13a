"""Long-polling fetches woken by appends, over every pairing of a connection's shard and a
partition's shard: many connections (spread over the shards by SO_REUSEPORT) each park a Fetch
v12 on partitions of a 4-partition topic (one partition each, whose fetch waits on the
partition's owner, and all four, which waits on the connection's shard), then one produce per
partition must answer every one of them with its records long before the max wait."""
import threading
import time

from test_fetch_sessions import create, fetch, produce
from kafka_wire import Connection

PARTITIONS = 4
MAX_WAIT_MS = 20000


def test_parked_fetches_on_every_shard_are_woken_by_appends(broker):
    create(broker.bootstrap, "wakeups", PARTITIONS)
    # Fetch at offset 0 of an empty log: the end, so each fetch parks.
    wanted = [[i % PARTITIONS] for i in range(12)] + [list(range(PARTITIONS))] * 4
    connections = [Connection(broker.bootstrap) for _ in wanted]
    answers = [None] * len(wanted)

    def wait(index):
        topics = [("wakeups", [(partition, 0) for partition in wanted[index]])]
        answers[index] = fetch(connections[index], 0, -1, topics, max_wait_ms=MAX_WAIT_MS)

    threads = [threading.Thread(target=wait, args=(i,)) for i in range(len(wanted))]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # every fetch has found nothing and parked
    assert all(answer is None for answer in answers)
    sent_at = time.monotonic()
    for partition in range(PARTITIONS):
        produce(broker.bootstrap, "wakeups", partition, [b"wake %d" % partition])
    for thread in threads:
        thread.join(MAX_WAIT_MS / 1000 + 10)
    waited = time.monotonic() - sent_at
    for connection in connections:
        connection.close()
    # Woken by the appends, not by the max wait.
    assert waited < MAX_WAIT_MS / 1000 / 2, waited
    for index, answer in enumerate(answers):
        assert answer is not None, index
        error, _, partitions = answer
        assert error == 0
        found = [p for (_, p), (code, high, _, records) in partitions.items() if records]
        for (_, partition), (code, high, _, records) in partitions.items():
            assert code == 0
            if records:
                assert high == 1 and b"wake %d" % partition in records
        assert found, (index, partitions)
        if len(wanted[index]) == 1:
            assert found == wanted[index]
