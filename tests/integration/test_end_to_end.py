"""One report end to end through a real broker and a real worker process."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from streams.core.outcome import OutcomeKind
from streams.core.taxonomy import Category, Priority
from tests.integration.harness import Worker, event, running_worker, settings_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    tmp = tmp_path_factory.mktemp("e2e")
    import uuid

    settings = settings_for(kafka_bootstrap, f"e2e-{uuid.uuid4().hex[:8]}", tmp)
    with running_worker(settings, tmp / "worker.log") as running:
        yield running


def test_a_child_safety_report_reaches_the_child_safety_team(worker: Worker) -> None:
    worker.produce([
        event(
            "e2e-1",
            "an adult keeps asking my 12 year old sister to send nude pictures and meet him alone",
            reason_code="child_safety",
            subject={"type": "account", "id": "acct-77"},
        )
    ])

    [outcome] = worker.collect("outcomes", until=1)
    escalations = worker.collect("escalations", until=1)

    assert outcome.event_id == "e2e-1"
    assert outcome.outcome is OutcomeKind.ESCALATED
    [escalation] = [e for e in escalations if e.case_id == outcome.case_id]
    assert escalation.team == "child_safety"
    assert escalation.category is Category.CHILD_SAFETY
    assert escalation.priority is Priority.P0
    assert escalation.escalation_id == outcome.escalation_id
    assert escalation.report_count == 1


def test_json_topic_reports_and_garbage_each_get_one_outcome(worker: Worker) -> None:
    worker.produce([event("e2e-json-1", "the app crashes when I open the camera", reason_code="bug")], as_json=True)
    worker.produce_raw(worker.topics.feedback_json, [b"\x00\x01 not an event"])
    worker.produce_raw(worker.topics.feedback, [b"\xc3\x01" + b"\x00" * 8 + b"unknown fingerprint"])

    outcomes = worker.collect("outcomes", until=4)  # the first test's outcome is there too

    kinds = {o.event_id: (o.outcome, o.reason) for o in outcomes}
    assert kinds["e2e-json-1"][0] is OutcomeKind.ESCALATED
    dead = [o for o in outcomes if o.outcome is OutcomeKind.DEAD_LETTER]
    assert sorted(o.reason for o in dead) == ["invalid_json", "unknown_schema"]
    letters = worker.collect("deadletter", until=2)
    assert {letter.payload for letter in letters} == {
        b"\x00\x01 not an event",
        b"\xc3\x01" + b"\x00" * 8 + b"unknown fingerprint",
    }
    assert all(letter.source is not None for letter in letters)
