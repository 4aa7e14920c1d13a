"""Fixtures for the compatibility tests: a real laminar-broker process per test module.

The broker binary comes from $LAMINAR_BROKER (CTest sets it to the build's binary), else the
release build. Each broker gets its own free port and data directory, and must stop cleanly
(exit 0) on SIGTERM when the module is done.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BROKER = os.environ.get("LAMINAR_BROKER",
                        os.path.join(ROOT, "build", "release", "broker", "laminar-broker"))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    def __init__(self, extra_args=(), directory=None, port=None, dev_listen=True):
        """A new broker; with `directory` (and `port`), a restart on an existing data dir.
        dev_listen=False: no --dev --listen, the arguments (a config file) give the listener."""
        self.directory = directory or tempfile.mkdtemp(prefix="laminar-compat-")
        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.stderr = open(os.path.join(self.directory, "stderr.log"), "a+")
        self.process = subprocess.Popen(
            [BROKER, *(["--dev", "--listen", self.bootstrap] if dev_listen else []), *extra_args],
            cwd=self.directory, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.process.stdout.readline()
        if "listening" not in line:
            raise RuntimeError(f"broker did not start: {line!r} {self.log()}")

    def log(self):
        self.stderr.flush()
        with open(self.stderr.name) as text:
            return text.read()

    def stop(self, keep_data=False):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        log = self.log()
        if not keep_data:
            shutil.rmtree(self.directory, ignore_errors=True)
        assert code == 0, f"broker exited {code}: {log}"


@pytest.fixture(scope="module")
def broker(request):
    """The module's broker; a module may set BROKER_ARGS (a list) for extra broker arguments,
    e.g. ["--set", "group.initial.rebalance.delay.ms=0"]."""
    running = Broker(getattr(request.module, "BROKER_ARGS", ()))
    yield running
    running.stop()


def run(command, timeout=60, **kwargs):
    """Runs a client command; returns CompletedProcess (text)."""
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)


def node_version():
    """(major, minor) of the node on PATH."""
    result = run(["node", "--version"])
    return tuple(int(part) for part in result.stdout.strip().lstrip("v").split(".")[:2])


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
