#!/usr/bin/env bash
# Installs every Debian 12 package Laminar needs to build, test and benchmark.
# Idempotent: skips apt entirely when everything is already installed.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  # core/ storage/ net/
  liburing-dev libisal-dev libhwloc-dev hwloc libjemalloc-dev
  libsnappy-dev liblz4-dev libzstd-dev zlib1g-dev
  # replication/ (RDMA through libfabric over rdma-core)
  libfabric-dev libibverbs-dev librdmacm-dev
  # config, logging, CLI, JSON
  libfmt-dev libcli11-dev nlohmann-json3-dev
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # Kafka clients for the CLI and compatibility tests
  librdkafka-dev kcat python3-confluent-kafka python3-pytest
  python3-kafka python3-snappy python3-lz4 python3-zstandard
  golang-go golang-github-shopify-sarama-dev
  # benchmark peers and helpers
  fio iperf3 redis-server lz4 libhiredis-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The JS test clients (kafkajs; @platformatic/kafka, which wants node >= 20.19) need node and
# npm; Debian's nodejs only where none is present.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  for p in nodejs npm; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-debian: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup-debian: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
