"""Two intake workers in one consumer group: each one's console shows every pattern alert,
including those published before it started."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streams.core.patterns import AlertStatus, PatternAlert, PatternKind
from streams.settings import Role
from tests.integration.harness import Worker, free_port, running_worker, settings_for

pytestmark = pytest.mark.integration


def alert(pattern_id: str) -> PatternAlert:
    end = datetime.now(UTC).replace(microsecond=0)
    return PatternAlert(
        pattern_id=pattern_id, kind=PatternKind.SPIKE, status=AlertStatus.OPENED, version=1,
        dimensions={"category": "product_issue"}, window_start=end - timedelta(minutes=5), window_end=end, count=30,
        distinct_reporters=30, baseline=2.0, score=8.0, summary="product_issue reports rose to 30 in 5 min",
        suggested_action="ask product to check the latest release",
    )


def publish(worker: Worker, pattern_id: str) -> None:
    worker.produce_raw(worker.topics.patterns, [worker.codec.encode(alert(pattern_id))], key=pattern_id.encode())


def shown(worker: Worker) -> set[str]:
    return {p["pattern_id"] for p in json.loads(worker.get("/api/console"))["patterns"]}


def wait_until_shown(workers: list[Worker], expected: set[str], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not all(expected <= shown(w) for w in workers):
        time.sleep(0.5)
    for worker in workers:
        assert expected <= shown(worker), f"console on port {worker.settings.web_port} shows {shown(worker)}"


def test_every_intake_workers_console_shows_every_pattern_alert(kafka_bootstrap: str, tmp_path: Path) -> None:
    name = f"alerts{uuid.uuid4().hex[:8]}"
    first = settings_for(kafka_bootstrap, name, tmp_path / "a", partitions=2, role=Role.INTAKE)
    # Same app id, topics and consumer group; its own port and state.
    second = first.model_copy(update={"web_port": free_port(), "data_dir": tmp_path / "b" / "worker"})
    tag = uuid.uuid4().hex[:6]
    with running_worker(first, tmp_path / "a.log") as a:
        publish(a, f"pat-{tag}-early")
        wait_until_shown([a], {f"pat-{tag}-early"})
        with running_worker(second, tmp_path / "b.log") as b:
            for n in range(3):
                publish(a, f"pat-{tag}-{n}")
            wait_until_shown([a, b], {f"pat-{tag}-early"} | {f"pat-{tag}-{n}" for n in range(3)})
