"""The Go client sarama 1.22 (Debian's golang-github-shopify-sarama-dev) against the broker.

The Go program in sarama/ is built once per module, in GOPATH mode with Debian's sources and no
network; each scenario is one run of it, which exits non-zero with a message on the first answer
that differs from Kafka's. The produce/consume scenario runs at several of sarama's
Config.Version values: each picks other API versions (Metadata v1 or v5, CreateTopics v1 or v2,
zstd from 2.1). Below 0.11 sarama sends Produce v2, which Kafka 4.0 and Laminar refuse.
"""
import os
import shutil
import subprocess

import pytest

from conftest import BROKER, run

HERE = os.path.dirname(os.path.abspath(__file__))
# A consumer group is stable at once instead of after Kafka's default 3 s.
BROKER_ARGS = ["--set", "group.initial.rebalance.delay.ms=0"]
VERSIONS = ["0.11.0.0", "1.0.0", "1.1.0", "2.0.0", "2.1.0", "2.2.0"]


def go_cache():
    """Go's build cache beside the broker binary's build tree (kept between runs, so sarama is
    compiled once per build tree), else in the program's temporary directory."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(BROKER)))
    if os.path.isfile(os.path.join(build, "CMakeCache.txt")):
        return os.path.join(build, "go-cache")
    return None


@pytest.fixture(scope="module")
def sarama_program(tmp_path_factory):
    go = shutil.which("go")
    assert go, "go not found: scripts/setup-debian.sh installs golang-go"
    out = tmp_path_factory.mktemp("sarama")
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOPROXY="off",
               GOFLAGS="", CGO_ENABLED="1", GOCACHE=go_cache() or str(out / "go-cache"),
               # zstd's cgo wrapper calls a function libzstd deprecates: not ours to fix.
               CGO_CFLAGS="-O2 -g -Wno-deprecated-declarations")
    program = str(out / "sarama-compat")
    built = subprocess.run([go, "build", "-o", program, "."], cwd=os.path.join(HERE, "sarama"),
                           env=env, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    return program


def run_scenario(program, broker, scenario, version=None, timeout=120):
    # -v: sarama logs its connections on stderr, shown only when the scenario fails.
    command = [program, "-v"] + (["-version", version] if version else []) + [broker.bootstrap,
                                                                       scenario]
    result = run(command, timeout=timeout)
    assert result.returncode == 0, (f"{' '.join(command)} exited {result.returncode}\n"
                                    f"{result.stdout}\n{result.stderr}")
    assert result.stdout.rstrip().endswith("PASS"), result.stdout
    return result.stdout


def test_sarama_cluster_admin(sarama_program, broker):
    run_scenario(sarama_program, broker, "admin")


def test_sarama_cluster_admin_at_0_11(sarama_program, broker):
    # CreateTopics v1, DeleteTopics v1, Metadata v4 (the oldest versions sarama's admin sends).
    run_scenario(sarama_program, broker, "admin", "0.11.0.0")


@pytest.mark.parametrize("version", VERSIONS)
def test_sarama_produce_consume(sarama_program, broker, version):
    run_scenario(sarama_program, broker, "produce-consume", version)


def test_sarama_consumer_group(sarama_program, broker):
    run_scenario(sarama_program, broker, "group")


def test_sarama_before_0_11_is_refused(sarama_program, broker):
    output = run_scenario(sarama_program, broker, "old-version", "0.10.2.0")
    assert "refused" in output
