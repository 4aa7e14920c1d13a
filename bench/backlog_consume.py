#!/usr/bin/python3
"""bench/backlog_consume.py: consume throughput of a backlog (issue 4's "consume throughput of a
5 GiB backlog; MB/s and broker CPU seconds per GB").

Starts laminar-broker --dev on a free loopback port with its data under --dir, fills one topic
with --gib GiB of 1 KiB records (laminar-bench, librdkafka, --rate max, no consumers), then reads
the whole backlog from the beginning with a librdkafka consumer (kcat -C -e, output discarded;
with --consumers N, N kcat processes at once, each reading one partition at a time) --runs
times, printing for each run MB/s, records/s and the broker's CPU seconds per GB read
(utime+stime from /proc/PID/stat before and after), and the median. The page cache is not
dropped: a catch-up read of recent data, as a consumer restarting after a pause does.

Usage: bench/backlog_consume.py [--gib 5] [--partitions 12] [--runs 3] [--consumers 1]
                                [--dir /work/backlog]
                                [--build build/release]
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from procutil import cpu_seconds, free_port, wait_port  # noqa: E402


def log_bytes(data_dir, topic):
    """Bytes of record batches on disk for the topic (segment files up to their write heads
    are what a consumer reads; preallocated tails are zeros past the last batch)."""
    total = 0
    for name in os.listdir(data_dir):
        if name.startswith(topic + "-"):
            for f in os.listdir(os.path.join(data_dir, name)):
                if f.endswith(".log"):
                    total += os.stat(os.path.join(data_dir, name, f)).st_blocks * 512
    return total


def kcat_count(address, topic, partition=None):
    """Records kcat reads from the beginning to the end of the topic (or of one partition)."""
    command = ["kcat", "-C", "-b", address, "-t", topic, "-o", "beginning", "-e", "-q",
               "-f", "%o\\n", "-X", "fetch.max.bytes=52428800",
               "-X", "max.partition.fetch.bytes=10485760",
               "-X", "queued.max.messages.kbytes=1048576"]
    if partition is not None:
        command += ["-p", str(partition)]
    out = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=1800)
    return out.stdout.count(b"\n")


def read_backlog(address, topic, partitions, consumers):
    """Reads the whole topic once. One consumer reads every partition in one kcat; with more,
    each of `consumers` threads runs one kcat per partition in turn over its share (partitions
    i, i + consumers, ...), so that many connections fetch at once."""
    if consumers <= 1:
        return kcat_count(address, topic)
    counts = [0] * consumers

    def work(i):
        for partition in range(i, partitions, consumers):
            counts[i] += kcat_count(address, topic, partition)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(consumers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gib", type=float, default=5.0)
    parser.add_argument("--partitions", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--consumers", type=int, default=1,
                        help="kcat processes reading at once (more than 1: one per partition in turn)")
    parser.add_argument("--dir", default="/work/backlog-bench")
    parser.add_argument("--build", default=os.path.join(ROOT, "build/release"))
    args = parser.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    os.makedirs(args.dir)
    port = free_port()
    address = f"127.0.0.1:{port}"
    broker = subprocess.Popen(
        [os.path.join(args.build, "broker/laminar-broker"), "--dev", "--listen", address,
         "--data-dir", os.path.join(args.dir, "data")],
        stdout=open(os.path.join(args.dir, "broker.log"), "w"), stderr=subprocess.STDOUT)
    try:
        if not wait_port(port):
            sys.exit("backlog_consume: the broker did not start")
        topic = "backlog"
        records = int(args.gib * (1 << 30) / 1024)
        # Fill: laminar-bench at max rate in timed chunks (it has no record-count option), each
        # chunk sized from the rate the previous one reached, so the fill stops within about a
        # second's worth of records of the size asked for. The first chunk is short to learn it.
        bench = os.path.join(args.build, "bench/laminar_bench/laminar-bench")
        produced = 0
        fill_started = time.time()
        records_per_second = None
        while produced < records:
            left = records - produced
            if records_per_second is None:
                seconds = 2
            else:
                seconds = max(1, min(30, round(left / records_per_second)))
            out = subprocess.run(
                [bench, "-b", address, "--topic", topic, "--target", "kafka", "--rate", "max",
                 "--duration", str(seconds), "--warmup", "0", "--record-size", "1024",
                 "--partitions", str(args.partitions), "--consumers", "0", "--acks", "1",
                 "--linger-ms", "5", "--format", "json"],
                capture_output=True, text=True, timeout=seconds + 120)
            if out.returncode not in (0, 4):
                sys.exit("backlog_consume: laminar-bench failed: " + out.stderr[-2000:])
            acked = int(json.loads(out.stdout)["acked"])
            produced += acked
            records_per_second = max(1.0, acked / seconds)
        print(f"filled {produced:,} records of 1 KiB over {args.partitions} partitions in "
              f"{time.time() - fill_started:.1f} s; {log_bytes(os.path.join(args.dir, 'data'), topic) / 2**30:.2f} GiB allocated on disk")
        results = []
        for run in range(args.runs):
            before = cpu_seconds(broker.pid)
            started = time.time()
            count = read_backlog(address, topic, args.partitions, args.consumers)
            elapsed = time.time() - started
            cpu = cpu_seconds(broker.pid) - before
            megabytes = count * 1024 / 1e6
            results.append((megabytes / elapsed, count / elapsed, cpu / (megabytes / 1000)))
            print(f"run {run + 1}: {count:,} records in {elapsed:.2f} s: "
                  f"{megabytes / elapsed:,.0f} MB/s, {count / elapsed:,.0f} records/s, "
                  f"broker {cpu:.2f} CPU s = {cpu / (megabytes / 1000):.2f} CPU s per GB")
            if count < produced:
                print(f"  only {count:,} of {produced:,} records read")
        print("median: {:,.0f} MB/s, {:,.0f} records/s, {:.2f} broker CPU s per GB".format(
            statistics.median(r[0] for r in results), statistics.median(r[1] for r in results),
            statistics.median(r[2] for r in results)))
    finally:
        broker.send_signal(signal.SIGTERM)
        try:
            broker.wait(60)
        except subprocess.TimeoutExpired:
            broker.kill()
        shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
