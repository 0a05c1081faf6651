"""ops/kafka/kafka.sh never signals a process that is not its own broker, and `start` says
plainly when a port is in the way or a broker already answers. Runs the real script on
ports other than the shared broker's, with its own run directory."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO / "ops" / "kafka" / "kafka.sh"


def _free_pair() -> int:
    """A port whose successor (the controller port) is free too."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with socket.socket() as other:
            if other.connect_ex(("127.0.0.1", port + 1)) != 0 and port < 65535:
                return port
    raise RuntimeError("no free pair of ports")


def _kafka_sh(command: str, port: int, run_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KAFKA_PORT": str(port), "VIGIL_RUN_DIR": str(run_dir)}
    return subprocess.run(["bash", str(KAFKA_SH), command], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """An unrelated process, as a stale pid file may name after the broker died."""
    process = subprocess.Popen(["sleep", "300"])
    yield process
    process.kill()
    process.wait()


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A port held by something that is not Kafka."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock
    sock.close()


def _stale_pidfile(run_dir: Path, port: int, pid: int) -> Path:
    pidfile = run_dir / f"kafka-{port}" / "kafka.pid"
    pidfile.parent.mkdir(parents=True)
    pidfile.write_text(f"{pid}\n")
    return pidfile


@pytest.mark.parametrize("command", ["stop", "reset", "status"])
def test_a_stale_pid_file_never_gets_another_process_signalled(
    tmp_path: Path, bystander: subprocess.Popen[bytes], command: str
) -> None:
    port = _free_pair()
    pidfile = _stale_pidfile(tmp_path, port, bystander.pid)

    done = _kafka_sh(command, port, tmp_path)

    assert bystander.poll() is None, f"kafka.sh {command} killed an unrelated process"
    if command == "status":
        assert done.returncode == 3 and "stale pid file" in done.stderr
    else:
        assert done.returncode == 0, done.stderr
        assert "not running" in done.stderr and not pidfile.exists()


def test_start_refuses_a_taken_controller_port(tmp_path: Path) -> None:
    port = _free_pair()
    with socket.socket() as controller:  # something else holds this instance's controller port
        controller.bind(("127.0.0.1", port + 1))
        controller.listen()
        done = _kafka_sh("start", port, tmp_path)
    assert done.returncode == 1
    assert f"controller port {port + 1} (KAFKA_PORT+1) is taken" in done.stderr


@pytest.mark.integration
def test_start_refuses_a_port_held_by_something_else(tmp_path: Path, listener: socket.socket, kafka_bootstrap: str) -> None:
    port = listener.getsockname()[1]  # kafka_bootstrap: the jars are there to ask the port
    done = _kafka_sh("start", port, tmp_path)
    assert done.returncode == 1
    assert f"port {port} is taken by a process that is not a Kafka broker" in done.stderr


@pytest.mark.integration
def test_start_uses_a_broker_that_already_answers(tmp_path: Path, kafka_bootstrap: str) -> None:
    port = int(kafka_bootstrap.rpartition(":")[2])
    done = _kafka_sh("start", port, tmp_path)  # another run directory: not a broker this one started
    assert done.returncode == 0, done.stderr
    assert f"a Kafka broker already answers on 127.0.0.1:{port}" in done.stderr
    assert not (tmp_path / f"kafka-{port}" / "kafka.pid").exists()
