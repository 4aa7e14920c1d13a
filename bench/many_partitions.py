#!/usr/bin/python3
"""What an idle partition costs a broker: starts `laminar-broker --dev` on a fresh data dir,
creates one topic with N partitions, produces one 100-byte record to each (every partition's log
opens), then prints the broker's resident memory, open descriptors and disk use per partition,
the time to open them all, the time a clean stop takes, and, after a restart, the time to write
one more record to each (clean reopen: nothing scanned).

usage: bench/many_partitions.py [--partitions 10000] [--broker build/release/broker/laminar-broker]
                                [--set KEY=VALUE ...]

--set passes broker settings (e.g. --set laminar.log.open.max=1000 to measure the cap on open
logs: the figures then include closes and reopens). The load average is printed before and
after: the machine may be shared.

Disk: about 75 KiB per partition (a 64 KiB first reservation plus index and checkpoint files).
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def disk_bytes(path):
    total = 0
    for directory, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(directory, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


def start(broker, directory, port, settings=()):
    extra = [argument for setting in settings for argument in ("--set", setting)]
    process = subprocess.Popen([broker, "--dev", "--listen", f"127.0.0.1:{port}", *extra],
                               cwd=directory,
                               stdout=subprocess.PIPE, stderr=open(os.path.join(directory, "log"), "a"),
                               text=True)
    line = process.stdout.readline()
    if "listening" not in line:
        sys.exit(f"broker did not start: {line!r}")
    return process


def stop(process):
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=300)
    return time.monotonic() - began, code


def one_record_each(bootstrap, partitions, value):
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20,
                         "queue.buffering.max.messages": max(100000, partitions * 2),
                         "message.timeout.ms": 600000, "log_level": 3})
    errors = []
    began = time.monotonic()
    for partition in range(partitions):
        producer.produce("many", value, partition=partition,
                         on_delivery=lambda error, _: error and errors.append(error))
    producer.flush(600)
    return time.monotonic() - began, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, default=10000)
    parser.add_argument("--broker", default=os.path.join(ROOT, "build/release/broker/laminar-broker"))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a broker setting (repeatable)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    directory = tempfile.mkdtemp(prefix="laminar-many-")
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    try:
        process = start(args.broker, directory, port, args.set)
        idle_rss, idle_fds = rss_kib(process.pid), descriptors(process.pid)
        admin = AdminClient({"bootstrap.servers": bootstrap})
        began = time.monotonic()
        admin.create_topics([NewTopic("many", args.partitions, 1)])["many"].result(120)
        created = time.monotonic() - began
        opened, errors = one_record_each(bootstrap, args.partitions, b"v" * 100)
        rss, fds = rss_kib(process.pid), descriptors(process.pid)
        disk = disk_bytes(os.path.join(directory, "laminar-data"))
        stopped, code = stop(process)
        process = start(args.broker, directory, port, args.set)
        reopened, errors_after = one_record_each(bootstrap, args.partitions, b"w" * 100)
        stopped_again, code_again = stop(process)
        n = args.partitions
        load_after = os.getloadavg()
        print(f"broker                             {args.broker} {' '.join(args.set)}")
        print(f"load average before / after        {load_before[0]:.2f} / {load_after[0]:.2f}")
        print(f"partitions                         {n}")
        print(f"create topic                       {created:.1f} s")
        print(f"first record to each (opens)       {opened:.1f} s ({errors and len(errors) or 0} errors)")
        print(f"broker RSS idle -> all open        {idle_rss} KiB -> {rss} KiB: "
              f"{(rss - idle_rss) * 1024 / n:.0f} B per open partition")
        print(f"descriptors idle -> all open       {idle_fds} -> {fds}: {(fds - idle_fds) / n:.2f} per partition")
        print(f"disk                               {disk / 2**20:.0f} MiB: {disk / n / 1024:.1f} KiB per partition")
        print(f"clean stop                         {stopped:.1f} s (exit {code})")
        print(f"after restart, one more to each    {reopened:.1f} s ({errors_after and len(errors_after) or 0} errors)")
        print(f"clean stop                         {stopped_again:.1f} s (exit {code_again})")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
