"""Shared fixtures. Integration tests get a real Kafka broker from ops/kafka/kafka.sh.

The broker is reused when one already answers on KAFKA_PORT (default 9092), otherwise the
session starts it. When it cannot be reached: under CI=true the test fails (a skipped
integration test would hide a broken pipeline); elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
KAFKA_SH = REPO / "ops" / "kafka" / "kafka.sh"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def unavailable(service: str, why: str) -> None:
    """Fail under CI, skip elsewhere: a service an integration test needs is missing."""
    message = f"{service} unavailable: {why}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    port = int(os.environ.get("KAFKA_PORT", "9092"))
    if not _port_open(port):
        result = subprocess.run(
            ["bash", str(KAFKA_SH), "start"], capture_output=True, text=True, timeout=600
        )
        if result.returncode != 0:
            unavailable("Kafka", result.stderr.strip().splitlines()[-1] if result.stderr else "start failed")
    return f"127.0.0.1:{port}"


@pytest.fixture
def unique() -> str:
    """A short unique suffix for topic and consumer-group names of one test."""
    return uuid.uuid4().hex[:10]


def broker_log_tail(lines: int = 40) -> str:
    port = os.environ.get("KAFKA_PORT", "9092")
    run_dir = Path(os.environ.get("VIGIL_RUN_DIR") or REPO / ".run")  # where kafka.sh keeps it
    log = run_dir / f"kafka-{port}" / "logs" / "server.log"
    if not log.exists():
        return "(no broker log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[type-arg]
    outcome = yield
    report = outcome.get_result()
    if report.failed and "kafka_bootstrap" in getattr(item, "fixturenames", ()):
        report.sections.append(("broker log (tail)", broker_log_tail()))
