"""A worker started with VIGIL_LOG_FORMAT=json writes one JSON object per log line, and an
error about a record carries the record's position as fields."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from streams.settings import LogFormat
from tests.integration.harness import running_worker, settings_for

pytestmark = pytest.mark.integration


def json_lines(log: Path) -> tuple[list[dict[str, Any]], list[str]]:
    records, other = [], []
    for line in log.read_text(errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            other.append(line)
    return records, other


def wait_for(log: Path, *texts: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(t in log.read_text(errors="replace") for t in texts):
        time.sleep(0.5)


def test_json_logs_with_record_position(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = settings_for(kafka_bootstrap, f"logs{uuid.uuid4().hex[:8]}", tmp_path, log_format=LogFormat.JSON)
    log = tmp_path / "worker.log"
    with running_worker(settings, log) as worker:
        worker.produce_raw(worker.topics.routed, [b"\xffnot a routed envelope"])
        worker.produce_raw(worker.topics.feedback_json, [b'{"event_id": "logs-bad-1"}', BAD_REPORT])
        wait_for(log, "unreadable routed record", "logs-bad-2")

    records, other = json_lines(log)
    assert len(records) >= 10
    assert other == [], f"{len(other)} log lines are not JSON, e.g. {other[:3]}"
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["logger"].startswith("streams.") for r in records)
    (error,) = [r for r in records if "unreadable routed record" in r["message"] and r["level"] == "ERROR"]
    assert (error["topic"], error["partition"], error["offset"]) == (worker.topics.routed, 0, 0)
    (letter,) = [r for r in records if "unreadable routed record" in r["message"] and r["level"] == "WARNING"]
    assert (letter["stage"], letter["reason"], letter["offset"]) == ("decode", "undecodable", 0)  # dead-lettered

    # A report that cannot be read: the line names it and where it is, to find its dead letter.
    (bad,) = [r for r in records if r.get("event_id") == "logs-bad-2"]
    assert bad["level"] in {"WARNING", "ERROR"} and "missing_field" in bad["message"]
    assert (bad["topic"], bad["partition"], bad["offset"]) == (worker.topics.feedback_json, 0, 1)
    assert (bad["stage"], bad["reason"]) == ("decode", "missing_field")


BAD_REPORT = b'{"event_id": "logs-bad-2", "channel": "in_app_report"}'
