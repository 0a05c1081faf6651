"""One report end to end through a real broker and a real worker process."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

import subprocess
import sys

from streams.core.escalation import Trigger
from streams.core.outcome import OutcomeKind
from streams.core.taxonomy import Category, Priority
from tests.integration.harness import REPO, Worker, env_for, event, running_worker, settings_for

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


def _vigil(worker: Worker, *args: str) -> None:
    env = {**env_for(worker.settings)}
    subprocess.run([sys.executable, "-m", "streams.cli", *args], env=env, check=True, capture_output=True, cwd=REPO)


def test_teams_follow_an_escalation_from_the_command_line(worker: Worker) -> None:
    reports = [
        event(f"cli-{i}", "someone logged into my account from another country and changed my email",
              reason_code="account_security", subject={"type": "account", "id": "acct-cli"})
        for i in range(3)
    ]
    worker.produce(reports)
    outcomes = [o for o in worker.collect("outcomes", until=7) if o.event_id.startswith("cli-")]
    escalation_id = outcomes[0].escalation_id
    assert escalation_id and len(outcomes) == 3

    _vigil(worker, "ack", escalation_id, "--actor", "agent-9")
    _vigil(worker, "unmerge", escalation_id, "--event-id", "cli-2")
    _vigil(worker, "resolve", escalation_id, "--resolution", "actioned")
    _vigil(worker, "reassign", escalation_id, "--team", "privacy")  # too late: resolved

    published = worker.drain("escalations")
    mine = [e for e in published if e.escalation_id == escalation_id]
    assert [(e.trigger, e.report_count) for e in mine[-3:]] == [
        (Trigger.ACKNOWLEDGED, 3), (Trigger.UNMERGED, 2), (Trigger.RESOLVED, 2)
    ]
    [split] = [e for e in published if e.trigger is Trigger.UNMERGED and e.escalation_id != escalation_id]
    assert split.sample_event_ids == ("cli-2",)
    [rejected] = [d for d in worker.drain("deadletter") if d.stage == "update"]
    assert rejected.reason == "update_rejected" and "already_resolved" in rejected.error
