"""Consumer groups through kafkajs (kafkajs_groups.js: two eachMessage consumers, admin group
APIs, seek) and kcat's balanced consumer (-G)."""
import json
import os

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import run

HERE = os.path.dirname(os.path.abspath(__file__))
BROKER_ARGS = ["--set", "group.initial.rebalance.delay.ms=0"]


def test_kafkajs_group_consumes_exactly_once_and_admin_group_apis(broker):
    result = run(["node", os.path.join(HERE, "kafkajs_groups.js"), broker.bootstrap], cwd=HERE,
                 timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["consumed"] == 20000 and report["duplicates"] == 0, report
    assert all(count > 0 for count in report["byConsumer"]), report  # both members consumed
    assert report["describe"] == {"state": "Stable", "protocolType": "consumer",
                                  "protocol": "RoundRobinAssigner", "members": 2,
                                  "errorCode": 0}
    assert report["listed"] == [{"groupId": "kafkajs-group", "protocolType": "consumer"}]
    # 20,000 records round-robin over 6 partitions: 3334 in partitions 0 and 1, 3333 elsewhere.
    assert report["committed"] == [[p, "3334" if p < 2 else "3333"] for p in range(6)]
    assert report["emptyState"] == "Empty"
    # kafkajs's resetOffsets(earliest) commits the sentinel -2 (EARLIEST) as the offset, and
    # fetchOffsets returns it unresolved.
    assert report["afterReset"] == [[p, "-2"] for p in range(6)]
    assert report["afterSeek"] == "100"
    assert report["deleted"] == [{"groupId": "kafkajs-group", "errorCode": 0}]
    assert report["listedAfterDelete"] == []


def test_kcat_balanced_consumer_reads_a_topic(broker):
    topic, partitions = "kcat.grouped", 4
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(15)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
    for i in range(400):
        producer.produce(topic, value=f"kcat-{i}", partition=i % partitions)
    assert producer.flush(30) == 0
    consumed = run(["kcat", "-b", broker.bootstrap, "-G", "kcat-group", "-X",
                    "auto.offset.reset=earliest", "-c", "400", "-f", "%p %o %s\\n", topic],
                   timeout=60)
    assert consumed.returncode == 0, consumed.stderr
    records = sorted(tuple(line.split()) for line in consumed.stdout.splitlines() if line)
    assert records == sorted((str(i % partitions), str(i // partitions), f"kcat-{i}")
                             for i in range(400))
    # kcat commits as it goes (auto commit) and on exit: the group's offsets are the ends.
    reader = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "kcat-group"})
    found = reader.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
    reader.close()
    assert [tp.offset for tp in found] == [100] * partitions
