"""Case fusion through real Kafka: one subject, many reporters; replays; backtest agreement."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Iterator

import msgspec
import pytest

from streams.core.outcome import OutcomeKind
from tests.integration.harness import REPO, Worker, env_for, event, running_worker, settings_for

pytestmark = pytest.mark.integration
SAMPLE = REPO / "data" / "sample" / "feedback.jsonl"


@pytest.fixture
def worker(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Worker]:
    settings = settings_for(kafka_bootstrap, f"cases-{uuid.uuid4().hex[:8]}", tmp_path)
    with running_worker(settings, tmp_path / "worker.log") as running:
        yield running


def test_a_hundred_reporters_on_one_subject_make_one_case_and_replays_are_duplicates(worker: Worker) -> None:
    reports = [
        event(
            f"vid-{i:03d}",
            "this video shows a man threatening to shoot people at the mall",
            reason_code="violence",
            subject={"type": "video", "id": "v-shared"},
            reporter={"user_id": f"user-{i}", "region": "US", "language": "en", "account_age_days": 500},
            occurred_at=f"2026-11-25T08:{i // 60:02d}:{i % 60:02d}Z",
        )
        for i in range(100)
    ]
    worker.produce(reports)
    first = worker.collect("outcomes", until=100)

    worker.produce(reports)  # the client sends everything again
    outcomes = worker.collect("outcomes", until=200)
    escalations = worker.drain("escalations")

    replayed = outcomes[100:]
    assert Counter(o.outcome for o in first) == {OutcomeKind.ESCALATED: 1, OutcomeKind.MERGED: 99}
    assert {o.case_id for o in first} == {first[0].case_id}
    assert Counter(o.outcome for o in replayed) == {OutcomeKind.DUPLICATE: 100}
    assert {o.case_id for o in replayed} == {first[0].case_id}
    assert {e.escalation_id for e in escalations} == {first[0].escalation_id}
    latest = max(escalations, key=lambda e: e.version)
    assert (latest.report_count, latest.distinct_reporters) == (100, 100)
    assert [e.version for e in escalations] == sorted({e.version for e in escalations})  # no republication


def test_backtest_and_the_pipeline_agree_on_the_demo_sample(worker: Worker) -> None:
    lines = [line for line in SAMPLE.read_bytes().splitlines() if line.strip()]
    worker.produce(lines)
    streamed = worker.collect("outcomes", until=len(lines))

    backtest = subprocess.run(  # with the worker's settings, as an operator would run it
        [sys.executable, "-m", "streams.cli", "backtest", str(SAMPLE)],
        capture_output=True, check=True, cwd=REPO, env=env_for(worker.settings),
    )
    replayed = [msgspec.json.decode(line) for line in backtest.stdout.splitlines()]
    offline = [r for r in replayed if r["kind"] == "outcome"]

    def by_event(rows: list[tuple[str, str, str | None]]) -> Counter[tuple[str, str, str | None]]:
        # Dead letters without a readable event_id are named by position (file line vs. offset).
        return Counter(r for r in rows if not r[0].startswith(("line:", worker.topics.feedback_json)))

    assert len(offline) == len(streamed) == len(lines)
    assert by_event([(o.event_id, str(o.outcome), o.case_id) for o in streamed]) == by_event(
        [(o["event_id"], o["outcome"], o["case_id"]) for o in offline]
    )
    assert Counter(str(o.outcome) for o in streamed) == Counter(o["outcome"] for o in offline)
