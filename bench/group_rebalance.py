#!/usr/bin/python3
"""Consumer group rebalance time against a broker, with librdkafka consumers (confluent-kafka
under Debian's python3). Prints figures; never passes or fails.

  bench/group_rebalance.py -b 127.0.0.1:9092 [--members 100] [--partitions 1000] [--runs 3]

Each run: a fresh group; `members` consumers subscribe to a `partitions`-partition topic, and
the time is taken from the first subscribe until every member holds its share in one
generation (all partitions assigned, none twice). Then one member closes (LeaveGroup) and the
time until the survivors hold every partition again is taken. Members are polled by one thread
each. What is measured includes the clients' own timers (librdkafka's join and heartbeat
cadence) and the broker's group.initial.rebalance.delay.ms: start the broker with
`--set group.initial.rebalance.delay.ms=0` to see the coordinator rather than the delay.
"""
import argparse
import statistics
import threading
import time

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic


def ensure_topic(bootstrap, topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    existing = admin.list_topics(timeout=10).topics
    if topic not in existing:
        admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)


class Member:
    def __init__(self, bootstrap, group, topic, index):
        self.assigned = set()
        self.lock = threading.Lock()
        self.stop = False
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap, "group.id": group,
            "client.id": f"bench-{index}", "enable.auto.commit": False,
            "session.timeout.ms": 30000, "heartbeat.interval.ms": 1000,
            "max.poll.interval.ms": 300000, "log_level": 0})
        self.consumer.subscribe([topic], on_assign=self.on_assign, on_revoke=self.on_revoke)
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def on_assign(self, _, partitions):
        with self.lock:
            self.assigned = {p.partition for p in partitions}

    def on_revoke(self, _, partitions):
        with self.lock:
            self.assigned = set()

    def loop(self):
        while not self.stop:
            self.consumer.poll(0.05)

    def close(self):
        self.stop = True
        self.thread.join()
        self.consumer.close()

    def holding(self):
        with self.lock:
            return set(self.assigned)


def settled(members, partitions):
    """Every partition held by exactly one member and every member holding some."""
    seen = set()
    for member in members:
        held = member.holding()
        if not held or seen & held:
            return False
        seen |= held
    return len(seen) == partitions


def wait_settled(members, partitions, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if settled(members, partitions):
            return True
        time.sleep(0.01)
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-b", "--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--partitions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    topic = f"bench.rebalance.{args.partitions}"
    ensure_topic(args.bootstrap, topic, args.partitions)
    joins, leaves = [], []
    for run in range(args.runs):
        group = f"bench-rebalance-{int(time.time())}-{run}"
        start = time.monotonic()
        members = [Member(args.bootstrap, group, topic, i) for i in range(args.members)]
        if not wait_settled(members, args.partitions, args.timeout):
            print(f"run {run}: the group did not settle within {args.timeout} s")
            for member in members:
                member.close()
            continue
        joined = time.monotonic() - start
        leaving = members.pop()
        start = time.monotonic()
        leaving.close()
        left = None
        if wait_settled(members, args.partitions, args.timeout):
            left = time.monotonic() - start
        for member in members:
            member.close()
        joins.append(joined)
        if left is not None:
            leaves.append(left)
        print(f"run {run}: {args.members} members joined and settled in {joined:.2f} s; "
              f"after one left, settled again in "
              f"{'-' if left is None else f'{left:.2f} s'}", flush=True)
    if joins:
        print(f"median of {len(joins)} runs: join {statistics.median(joins):.2f} s"
              + (f", leave {statistics.median(leaves):.2f} s" if leaves else ""))


if __name__ == "__main__":
    main()
