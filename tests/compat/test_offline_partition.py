"""A partition whose files cannot be read: after a restart one partition's segment file is
unreadable (replaced by a directory). That partition answers KAFKA_STORAGE_ERROR with a clear log
line naming it, while the other partitions and topics keep serving; its data is not touched, and
once the file is back the partition serves again (the open is retried)."""
import os

from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker
from test_idempotent_wire import Connection, record_batch
from test_produce_consume import consume_all

KAFKA_STORAGE_ERROR = 56


def test_unreadable_partition_goes_offline_and_the_rest_serve():
    broker = Broker()
    try:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        for topic in admin.create_topics([NewTopic("healthy", 2, 1),
                                          NewTopic("damaged", 1, 1)]).values():
            topic.result(15)
        client = Connection(broker.bootstrap)
        for topic in ("healthy", "damaged"):
            for value in (b"one", b"two"):
                error, _ = client.produce(topic, record_batch(-1, -1, -1, [value]))
                assert error == 0
        client.sock.close()
        broker.stop(keep_data=True)

        segment = os.path.join(broker.directory, "laminar-data", "damaged-0",
                               "00000000000000000000.log")
        os.rename(segment, segment + ".aside")
        os.mkdir(segment)

        broker = Broker(directory=broker.directory, port=broker.port)
        client = Connection(broker.bootstrap)
        assert client.produce("damaged", record_batch(-1, -1, -1, [b"three"]))[0] == \
            KAFKA_STORAGE_ERROR
        error, offset = client.produce("healthy", record_batch(-1, -1, -1, [b"three"]))
        assert (error, offset) == (0, 2)
        assert [m.value() for m in consume_all(broker, "healthy", 0, 3)] == [b"one", b"two",
                                                                            b"three"]
        assert "damaged-0" in broker.log() and "ERROR" in broker.log()

        os.rmdir(segment)
        os.rename(segment + ".aside", segment)
        error, offset = client.produce("damaged", record_batch(-1, -1, -1, [b"three"]))
        assert (error, offset) == (0, 2)
        assert [m.value() for m in consume_all(broker, "damaged", 0, 3)] == [b"one", b"two",
                                                                            b"three"]
        client.sock.close()
    finally:
        broker.stop()
