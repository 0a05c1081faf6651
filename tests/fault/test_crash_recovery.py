"""kill -9 in the middle of a stream: every record still ends in one outcome, and what the
restarted worker re-publishes repeats what was said (same ids, same versions, same content)."""

from __future__ import annotations

import signal
import time
import uuid
from collections import defaultdict
from pathlib import Path

import msgspec
import pytest

from streams.sample import generate
from tests.integration.harness import settings_for, start_worker

pytestmark = pytest.mark.integration

EVENTS = 3000


def _position(outcome) -> tuple[str, int, int] | str:  # type: ignore[no-untyped-def]
    source = outcome.source
    return (source.topic, source.partition, source.offset) if source else outcome.event_id


def test_a_killed_worker_resumes_without_losing_or_changing_anything(kafka_bootstrap: str, tmp_path: Path) -> None:
    # Offsets are committed rarely, so the kill lands after work whose input was not committed:
    # the restarted worker must meet that work again and recognise it.
    settings = settings_for(
        kafka_bootstrap, f"crash-{uuid.uuid4().hex[:8]}", tmp_path, batch_size=50, commit_interval_s=60.0,
        session_timeout_s=8.0,
    )
    first = start_worker(settings, tmp_path / "worker-1.log")
    lines = list(generate(EVENTS, seed=11))
    first.produce(lines)
    first.collect("outcomes", until=EVENTS // 4, timeout=120)
    first.stop(signal.SIGKILL)

    second = start_worker(settings, tmp_path / "worker-2.log")
    try:
        started = time.monotonic()
        # Until every input position has an outcome: counting records would count the replays too.
        outcomes = second.collect("outcomes", until=EVENTS, timeout=180, key=_position)
        print(f"recovered in {time.monotonic() - started:.1f}s; {len(outcomes)} outcome records")
        escalations = second.drain("escalations")
    finally:
        second.stop()

    said = defaultdict(set)
    for o in outcomes:
        said[_position(o)].add(msgspec.json.encode(o))  # every field, decided_at included
    assert len(said) == EVENTS
    assert len(outcomes) > EVENTS  # the kill did force work to be done again
    assert [p for p, versions in said.items() if len(versions) > 1] == []

    published = defaultdict(set)
    for e in escalations:
        published[(e.escalation_id, e.version)].add(msgspec.json.encode(e))
    assert [k for k, contents in published.items() if len(contents) > 1] == []
    assert "last stop was not clean" in (tmp_path / "worker-2.log").read_text()


def test_a_cleanly_stopped_worker_restarts_without_a_wipe_and_still_knows_its_reports(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = settings_for(kafka_bootstrap, f"restart-{uuid.uuid4().hex[:8]}", tmp_path)
    first = start_worker(settings, tmp_path / "worker-1.log")
    lines = [line for line in generate(20, seed=5) if b'"event_id": "bad' not in line and line.startswith(b"{")][:5]
    first.produce(lines)
    before = first.collect("outcomes", until=len(lines))
    first.stop()  # SIGTERM: commits, flushes, marks the stop clean

    second = start_worker(settings, tmp_path / "worker-2.log")
    try:
        second.produce(lines[:1])
        after = second.collect("outcomes", until=len(before) + 1)
    finally:
        second.stop()

    assert "last stop was not clean" not in (tmp_path / "worker-2.log").read_text()
    assert after[-1].outcome == "duplicate" and after[-1].case_id == before[0].case_id
