"""What a user sees when something they can fix is wrong: one line on stderr saying what and
what to do, exit code 2; with VIGIL_DEBUG=1 the traceback. Runs the real `vigil` command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


NOWHERE = f"127.0.0.1:{_free_port()}"  # nothing listens here
NO_REGISTRY = f"http://127.0.0.1:{_free_port()}"


def _vigil(args: list[str], env: dict[str, str], path: str | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIL_", "KAFKA_"))}
    if path is not None:
        clean["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args], env={**clean, **env}, capture_output=True, text=True, cwd=REPO,
        timeout=300,
    )


CASES = [
    ("confluent without a registry", ["topics"], {"VIGIL_WIRE_FORMAT": "confluent"},
     "vigil topics: error: invalid setting VIGIL_WIRE_FORMAT=confluent needs VIGIL_SCHEMA_REGISTRY_URL"),
    ("unknown wire format", ["tail", "outcomes"], {"VIGIL_WIRE_FORMAT": "xml"},
     "vigil tail: error: invalid setting VIGIL_WIRE_FORMAT='xml': Input should be 'single_object', 'confluent' or 'json'"),
    ("not a number", ["topics"], {"VIGIL_PARTITIONS": "many"},
     "vigil topics: error: invalid setting VIGIL_PARTITIONS='many': Input should be a valid integer"),
    ("kafka unreachable", ["topics"], {"VIGIL_BOOTSTRAP_SERVERS": NOWHERE},
     f"vigil topics: error: cannot reach Kafka at {NOWHERE}"),
    ("worker without a broker", ["worker"], {"VIGIL_BOOTSTRAP_SERVERS": NOWHERE},
     f"vigil worker: error: cannot reach Kafka at {NOWHERE}"),
    ("registry unreachable", ["tail", "outcomes"],
     {"VIGIL_WIRE_FORMAT": "confluent", "VIGIL_SCHEMA_REGISTRY_URL": NO_REGISTRY, "VIGIL_BOOTSTRAP_SERVERS": NOWHERE},
     f"vigil tail: error: schema registry {NO_REGISTRY} unreachable"),
    ("replay of a missing file", ["replay", "no/such/file.jsonl"], {"VIGIL_BOOTSTRAP_SERVERS": NOWHERE},
     "vigil replay: error: No such file or directory: no/such/file.jsonl"),
]


@pytest.mark.parametrize(("args", "env", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_user_error_is_one_line_saying_what_to_do(args: list[str], env: dict[str, str], expected: str) -> None:
    done = _vigil(args, env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(expected), done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_demo_says_which_command_failed_when_kafka_cannot_start(tmp_path: Path) -> None:
    # No java on PATH: kafka.sh explains that itself, and vigil adds one line naming the step.
    for tool in ("bash", "dirname"):
        (tmp_path / tool).symlink_to(next(Path(d) / tool for d in ("/usr/bin", "/bin") if (Path(d) / tool).exists()))
    done = _vigil(["demo", "--once"], {"VIGIL_BOOTSTRAP_SERVERS": NOWHERE}, path=str(tmp_path))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert "kafka: error: java not found" in done.stderr
    assert lines[-1].startswith("vigil demo: error: `bash ") and "kafka.sh start` failed with exit code 1" in lines[-1]
    assert "Traceback" not in done.stderr


def test_debug_shows_the_traceback() -> None:
    done = _vigil(["topics"], {"VIGIL_WIRE_FORMAT": "xml", "VIGIL_DEBUG": "1"})
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "ValidationError" in done.stderr
