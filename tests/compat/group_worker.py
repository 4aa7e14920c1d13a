"""One consumer-group member for test_groups.py, run as its own process.

Subscribes to a topic, processes records and commits synchronously (enable.auto.commit off):
every --commit-every records, when a poll comes back empty, and on every revoke. It appends to its output file, flushed after
every batch (so before every commit):
    <partition> <offset>                       a processed record
    A <unix time> <strategy> <p,p,...>          an assign callback (incremental for cooperative)
    R <unix time> <p,p,...>                     a revoke callback
    C <unix time> <error>                       a commit that failed
SIGTERM makes it commit and close() (a clean leave); SIGKILL is the unclean exit.
"""
import argparse
import signal
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bootstrap")
    parser.add_argument("topic")
    parser.add_argument("group")
    parser.add_argument("output")
    parser.add_argument("--commit-every", type=int, default=1000)
    parser.add_argument("--session-timeout", type=int, default=6000)
    parser.add_argument("--instance-id")
    parser.add_argument("--strategy", default="range,roundrobin")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds to sleep per batch")
    args = parser.parse_args()

    config = {"bootstrap.servers": args.bootstrap, "group.id": args.group,
              "enable.auto.commit": False, "auto.offset.reset": "earliest",
              "session.timeout.ms": args.session_timeout, "heartbeat.interval.ms": 1000,
              "partition.assignment.strategy": args.strategy, "fetch.wait.max.ms": 100}
    if args.instance_id:
        config["group.instance.id"] = args.instance_id
    consumer = Consumer(config)
    output = open(args.output, "a")
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    # Commits name explicit offsets: the next offset after the last record this process wrote,
    # for partitions it holds. (Committing librdkafka's stored offsets instead lost records here:
    # a revoke served inside consume() committed offsets of a batch that was then never returned.)
    positions = {}
    held = set()

    def commit(partitions=None):
        output.flush()
        chosen = sorted(held if partitions is None else partitions)
        offsets = [TopicPartition(args.topic, p, positions[p]) for p in chosen if p in positions]
        if not offsets:
            return
        try:
            consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as error:
            output.write(f"C {time.time()} {error.args[0]}\n")
            output.flush()

    def on_assign(_, partitions):
        held.update(p.partition for p in partitions)
        listed = ",".join(str(p.partition) for p in partitions)
        output.write(f"A {time.time()} {args.strategy} {listed}\n")
        output.flush()

    def on_revoke(_, partitions):
        revoked = {p.partition for p in partitions}
        commit(revoked)
        held.difference_update(revoked)
        for partition in revoked:
            positions.pop(partition, None)
        output.write(f"R {time.time()} {','.join(str(p) for p in sorted(revoked))}\n")
        output.flush()

    consumer.subscribe([args.topic], on_assign=on_assign, on_revoke=on_revoke)
    uncommitted = 0
    while not stopping:
        messages = consumer.consume(500, 0.2)
        for message in messages:
            if message.error():
                continue
            output.write(f"{message.partition()} {message.offset()}\n")
            if message.partition() in held:
                positions[message.partition()] = message.offset() + 1
            uncommitted += 1
        output.flush()  # processed, not yet committed: what a SIGKILL makes a successor redo
        if uncommitted >= args.commit_every or (uncommitted and not messages):
            commit()
            uncommitted = 0
        if args.pause:
            time.sleep(args.pause)
    commit()
    if not args.instance_id:
        # Leave first, then close: librdkafka 2.0 can hang in close() when a rebalance (another
        # member's leave) reaches it while it closes; it delivers that revoke to a consumer that
        # is tearing down and waits forever for the unassign (librdkafka issues #2615, #4527).
        # unsubscribe() revokes through the next polls, so the revoke runs here, as any other.
        # A static member does not leave: its close() must send no LeaveGroup.
        consumer.unsubscribe()
        deadline = time.time() + 10
        while held and time.time() < deadline:
            consumer.consume(500, 0.1)
    consumer.close()
    output.close()


if __name__ == "__main__":
    main()
