#!/usr/bin/env bash
# The partition log against the machine's own limits, in one run, on one file system (issue 3's
# storage benchmarks): fio buffered sequential write (1 KiB, 64 KiB), fio 4 KiB writes with
# fdatasync=1 (latency percentiles of the fdatasync), iperf3 single-stream loopback, and
# storage_bench's append / durable / recovery / sendfile modes. Each repetition runs all of them
# in turn (so a change in the machine's load touches all alike); the table shows medians over the
# repetitions, the ratios to fio / iperf3 and the issue's targets, and the load average.
# Installs nothing: fio and iperf3 come from scripts/setup-debian.sh.
#
#   bench/storage_compare.sh [--dir=PATH] [--bench=build/release/bench/storage_bench]
#       [--repeat=3] [--append-mib=512] [--recovery-mib=2048] [--partitions=100]
#       [--sendfile-mib=1024] [--durable-appends=1000]
#
# The defaults keep a run to about 4-5 minutes on the shared VM; the issue's recovery size is
# --recovery-mib=10240 (recovery scans every byte past the recovery point: time grows with it).
# --dir: a directory on the file system to measure (default: a new directory under /work; not
# /tmp, which may be a small tmpfs). Everything written there is deleted at the end.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
dir="" bench="$here/build/release/bench/storage_bench" repeat=3
append_mib=512 recovery_mib=2048 partitions=100 sendfile_mib=1024 durable_appends=1000
for argument in "$@"; do
  case "$argument" in
    --dir=*) dir=${argument#*=} ;;
    --bench=*) bench=${argument#*=} ;;
    --repeat=*) repeat=${argument#*=} ;;
    --append-mib=*) append_mib=${argument#*=} ;;
    --recovery-mib=*) recovery_mib=${argument#*=} ;;
    --partitions=*) partitions=${argument#*=} ;;
    --sendfile-mib=*) sendfile_mib=${argument#*=} ;;
    --durable-appends=*) durable_appends=${argument#*=} ;;
    *) echo "unknown argument: $argument" >&2; exit 2 ;;
  esac
done
for tool in fio iperf3 python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/setup-debian.sh" >&2; exit 1; }
done
[ -x "$bench" ] || { echo "$bench is missing: cmake --build --preset release --target storage_bench" >&2; exit 1; }

if [ -z "$dir" ]; then
  work=$(mktemp -d /work/storage-compare-XXXXXX)
else
  work=$(mktemp -d "$dir/storage-compare-XXXXXX")
fi
results="$work/results"   # "<repetition> <name> <value>" lines
iperf_pid=""
cleanup() {
  if [ -n "$iperf_pid" ]; then kill "$iperf_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/data"
: > "$results"

echo "storage_compare: $(df -h --output=source,fstype,size,avail "$work" | tail -1 | tr -s ' ') ($work)"
echo "kernel $(uname -r), $(nproc) CPUs, started $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"

record() { echo "$1 $2 $3" >> "$results"; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

fio_common=(--directory="$work/data" --ioengine=psync --rw=write --numjobs=1 --unlink=1
            --output-format=json)

for rep in $(seq 1 "$repeat"); do
  record "$rep" load_before "$(cut -d' ' -f1 /proc/loadavg)"
  # fio buffered sequential write, the same amount storage_bench appends.
  for bs in 1k 64k; do
    fio --name="write$bs" --bs="$bs" --size="${append_mib}m" "${fio_common[@]}" > "$work/fio.json"
    record "$rep" "fio_write_${bs}_mb_per_s" "$(json "$work/fio.json" "d['jobs'][0]['write']['bw_bytes']/1e6")"
  done
  # fio 4 KiB writes, each followed by an fdatasync: the fdatasync's latency percentiles.
  fio --name=sync4k --bs=4k --size=$((durable_appends * 4))k --fdatasync=1 "${fio_common[@]}" > "$work/fio.json"
  for p in 50 99 99.9; do
    key=$(printf '%.6f' "$p")
    record "$rep" "fio_fdatasync_p${p/./}_us" "$(json "$work/fio.json" "d['jobs'][0]['sync']['lat_ns']['percentile']['$key']/1e3")"
    record "$rep" "fio_write_clat_p${p/./}_us" "$(json "$work/fio.json" "d['jobs'][0]['write']['clat_ns']['percentile']['$key']/1e3")"
  done
  record "$rep" fio_sync4k_iops "$(json "$work/fio.json" "d['jobs'][0]['write']['iops']")"
  # fio buffered sequential read of a file dropped from the page cache (invalidate=1, fio's
  # default): what the disk gives a cold read.
  fio --name=read1m --rw=read --bs=1m --size="${sendfile_mib}m" --directory="$work/data" \
      --ioengine=psync --unlink=1 --output-format=json > "$work/fio.json"
  record "$rep" fio_read_gbit_per_s "$(json "$work/fio.json" "d['jobs'][0]['read']['bw_bytes']*8/1e9")"
  # iperf3, one stream over loopback for 5 s.
  port=$((20000 + RANDOM % 20000))
  iperf3 -s -1 -p "$port" > /dev/null 2>&1 &
  iperf_pid=$!
  sleep 0.5
  iperf3 -c 127.0.0.1 -p "$port" -t 5 -J > "$work/iperf.json"
  wait "$iperf_pid" 2>/dev/null || true
  iperf_pid=""
  record "$rep" iperf3_gbit_per_s "$(json "$work/iperf.json" "d['end']['sum_received']['bits_per_second']/1e9")"
  # storage_bench, one run of each mode, in a session of its own: fio's jobs each start one, and
  # with sched_autogroup a session is a scheduler group, so under load a storage_bench left in the
  # caller's session (which may be niced: nice 19 here) gets a fraction of fio's CPU share.
  setsid -w "$bench" --dir="$work/data" --runs=1 --append-mib="$append_mib" --recovery-mib="$recovery_mib" \
      --partitions="$partitions" --sendfile-mib="$sendfile_mib" --durable-appends="$durable_appends" \
      > "$work/bench.txt"
  grep '^figure ' "$work/bench.txt" | while read -r _ name value; do record "$rep" "$name" "$value"; done
  record "$rep" load_after "$(cut -d' ' -f1 /proc/loadavg)"
  echo "repetition $rep done at $(date -u +%H:%M:%S), load average $(cut -d' ' -f1-3 /proc/loadavg)"
done

python3 - "$results" "$repeat" <<'EOF'
import statistics, sys
values = {}
for line in open(sys.argv[1]):
    rep, name, value = line.split()
    values.setdefault(name, []).append(float(value))
def m(name):
    return statistics.median(values[name]) if name in values else float('nan')
def runs(name):
    return ' / '.join(f'{v:.4g}' for v in values.get(name, []))

print(f"\nmedians of {sys.argv[2]} repetitions; load average (1 min) before each: {runs('load_before')}, after: {runs('load_after')}")
rows = []
def row(what, ours, ours_name, theirs, theirs_name, target, ok):
    ratio = ours / theirs if theirs else float('nan')
    rows.append((what, f"{ours:.4g}", runs(ours_name), f"{theirs:.4g}" if theirs == theirs else "-",
                 runs(theirs_name) if theirs_name else "", f"{ratio:.2f}" if theirs == theirs else "-",
                 target, "" if ok is None else "met" if ok(ours, ratio) else "MISSED"))
for bs in ("1k", "64k"):
    row(f"append {bs}iB flush none, MB/s", m(f"append_{bs}_mb_per_s"), f"append_{bs}_mb_per_s",
        m(f"fio_write_{bs}_mb_per_s"), f"fio_write_{bs}_mb_per_s", ">= 0.90x fio", lambda o, r: r >= 0.9)
row("durable p99, 1 appender, us", m("durable_1_p99_us"), "durable_1_p99_us",
    m("fio_fdatasync_p99_us"), "fio_fdatasync_p99_us", "<= 1.2x fio", lambda o, r: r <= 1.2)
row("recovery, s", m("recovery_s"), "recovery_s", float('nan'), "", "< 1 s", lambda o, r: o < 1)
row("cold reads to socket, Gbit/s", m("sendfile_cold_gbit_per_s"), "sendfile_cold_gbit_per_s",
    m("iperf3_gbit_per_s"), "iperf3_gbit_per_s", ">= 0.80x iperf3", lambda o, r: r >= 0.8)
row("  same, against fio cold read", m("sendfile_cold_gbit_per_s"), "sendfile_cold_gbit_per_s",
    m("fio_read_gbit_per_s"), "fio_read_gbit_per_s", "(the disk)", None)
row("warm reads to socket, Gbit/s", m("sendfile_warm_gbit_per_s"), "sendfile_warm_gbit_per_s",
    m("iperf3_gbit_per_s"), "iperf3_gbit_per_s", "(the splice path)", None)
header = ("figure", "laminar", "laminar runs", "baseline", "baseline runs", "ratio", "target", "")
widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
for r in [header] + rows:
    print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))

print("\ndurable appends (flush.messages=1, 4 KiB), medians; fio 4 KiB write+fdatasync for reference:")
print(f"  fio fdatasync p50/p99/p99.9 us: {m('fio_fdatasync_p50_us'):.0f} / {m('fio_fdatasync_p99_us'):.0f} / {m('fio_fdatasync_p999_us'):.0f};"
      f" write clat p50/p99: {m('fio_write_clat_p50_us'):.1f} / {m('fio_write_clat_p99_us'):.1f}; writes+syncs/s {m('fio_sync4k_iops'):.0f}")
print(f"  {'appenders':>9} {'p50 us':>9} {'p99 us':>9} {'p99.9 us':>9} {'max us':>9} {'appends/s':>10} {'syncs/append':>12} {'p99 x fio':>9}")
for a in (1, 4, 16, 64):
    p = f"durable_{a}_"
    print(f"  {a:>9} {m(p+'p50_us'):>9.0f} {m(p+'p99_us'):>9.0f} {m(p+'p999_us'):>9.0f} {m(p+'max_us'):>9.0f}"
          f" {m(p+'appends_per_s'):>10.0f} {m(p+'syncs_per_append'):>12.3f} {m(p+'p99_us')/m('fio_fdatasync_p99_us'):>9.2f}")
print(f"\ncold reads: share of the segment pages in the page cache before sending (mincore, should be ~0): {runs('sendfile_cold_resident_share')}")
EOF
