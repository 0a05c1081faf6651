"""Reports end to end through a real broker and a real worker process.

Tests share a worker but never each other's records: each waits for the records of its own
event ids (or its own input positions), so any one of them can run alone (`-k`).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from typing import Any, Callable, Iterator

import pytest

from streams.codecs import WireFormat
from streams.core.escalation import Trigger
from streams.core.outcome import OutcomeKind
from streams.core.report import MAX_TEXT_BYTES
from streams.core.taxonomy import Category, Priority
from tests.integration.harness import REPO, Worker, env_for, event, running_worker, settings_for

pytestmark = pytest.mark.integration


def _worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory, name: str, **overrides: Any) -> Iterator[Worker]:
    tmp = tmp_path_factory.mktemp(name)
    settings = settings_for(kafka_bootstrap, f"{name}-{uuid.uuid4().hex[:8]}", tmp, **overrides)
    with running_worker(settings, tmp / "worker.log") as running:
        yield running


@pytest.fixture(scope="module")
def worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    yield from _worker(kafka_bootstrap, tmp_path_factory, "e2e")


@pytest.fixture(scope="module")
def json_worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """Writes its outputs as JSON: bytes become base64, a third larger than in Avro."""
    yield from _worker(kafka_bootstrap, tmp_path_factory, "e2e-json", wire_format=WireFormat.JSON)


def wait_for(worker: Worker, output: str, mine: Callable[[Any], bool], count: int, timeout: float = 60.0) -> list[Any]:
    """This test's records of an output ('outcomes', ...), once `count` of them have arrived."""
    return worker.collect(output, until=count, timeout=timeout, where=mine)


def test_a_child_safety_report_reaches_the_child_safety_team(worker: Worker) -> None:
    worker.produce([
        event(
            "e2e-1",
            "an adult keeps asking my 12 year old sister to send nude pictures and meet him alone",
            reason_code="child_safety",
            subject={"type": "account", "id": "acct-77"},
        )
    ])

    [outcome] = wait_for(worker, "outcomes", lambda o: o.event_id == "e2e-1", 1)
    [escalation] = wait_for(worker, "escalations", lambda e: e.case_id == outcome.case_id, 1)

    assert outcome.outcome is OutcomeKind.ESCALATED
    assert escalation.team == "child_safety"
    assert escalation.category is Category.CHILD_SAFETY
    assert escalation.priority is Priority.P0
    assert escalation.escalation_id == outcome.escalation_id
    assert escalation.report_count == 1


def test_json_topic_reports_and_garbage_each_get_one_outcome(worker: Worker) -> None:
    garbage = {
        worker.topics.feedback_json: b"\x00\x01 not an event",
        worker.topics.feedback: b"\xc3\x01" + b"\x00" * 8 + b"unknown fingerprint",
    }
    worker.produce([event("e2e-json-1", "the app crashes when I open the camera", reason_code="bug")], as_json=True)
    for topic, value in garbage.items():
        worker.produce_raw(topic, [value])

    letters = wait_for(worker, "deadletter", lambda d: d.payload in garbage.values(), 2)
    positions = {_position(d) for d in letters} - {None}
    outcomes = wait_for(
        worker, "outcomes", lambda o: o.event_id == "e2e-json-1" or _position(o) in positions, 3
    )

    kinds = {o.event_id: (o.outcome, o.reason) for o in outcomes}
    assert kinds["e2e-json-1"][0] is OutcomeKind.ESCALATED
    dead = [o for o in outcomes if o.outcome is OutcomeKind.DEAD_LETTER]
    assert sorted(o.reason for o in dead) == ["invalid_json", "unknown_schema"]
    assert {(d.source.topic, d.payload) for d in letters if d.source is not None} == set(garbage.items())


def test_an_oversize_report_is_dead_lettered_and_the_worker_goes_on(json_worker: Worker) -> None:
    # 800 KB of text: its dead letter, base64 in JSON, would be over Kafka's 1 MiB limit were
    # the payload carried whole; the worker would stop and meet the same record at every restart.
    big = event("big-1", "spam " * 160_000, reason_code="spam")
    assert len(big) > 800_000
    json_worker.produce([big], as_json=True)
    json_worker.produce([event("after-big-1", "the app crashes when I upload a video", reason_code="bug")], as_json=True)

    outcomes = wait_for(json_worker, "outcomes", lambda o: o.event_id in ("big-1", "after-big-1"), 2)
    [letter] = wait_for(json_worker, "deadletter", lambda d: d.event_id == "big-1", 1)

    kinds = {o.event_id: o.outcome for o in outcomes}
    assert kinds == {"big-1": OutcomeKind.DEAD_LETTER, "after-big-1": OutcomeKind.ESCALATED}
    assert [o.reason for o in outcomes if o.event_id == "big-1"] == ["oversize"]
    assert f"the limit is {MAX_TEXT_BYTES}" in letter.error
    assert big.startswith(letter.payload) and len(letter.payload) < len(big)
    assert (letter.original_size, letter.original_sha256) == (len(big), hashlib.sha256(big).hexdigest())
    assert json_worker.process.poll() is None, json_worker.log_tail()
    assert "could not deliver" not in json_worker.log.read_text(errors="replace")


def _position(record: Any) -> tuple[str, int, int] | None:
    source = record.source
    return None if source is None else (source.topic, source.partition, source.offset)


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
    outcomes = wait_for(worker, "outcomes", lambda o: o.event_id.startswith("cli-"), 3)
    escalation_id = outcomes[0].escalation_id
    assert escalation_id and len(outcomes) == 3

    _vigil(worker, "ack", escalation_id, "--actor", "agent-9")
    _vigil(worker, "unmerge", escalation_id, "--event-id", "cli-2")
    _vigil(worker, "resolve", escalation_id, "--resolution", "actioned")
    _vigil(worker, "reassign", escalation_id, "--team", "privacy")  # too late: resolved

    [rejected] = wait_for(worker, "deadletter", lambda d: d.stage == "update" and escalation_id in d.error, 1)
    published = worker.drain("escalations")
    mine = [e for e in published if e.escalation_id == escalation_id]
    assert [(e.trigger, e.report_count) for e in mine[-3:]] == [
        (Trigger.ACKNOWLEDGED, 3), (Trigger.UNMERGED, 2), (Trigger.RESOLVED, 2)
    ]
    [split] = [e for e in published if e.trigger is Trigger.UNMERGED and e.escalation_id != escalation_id]
    assert split.sample_event_ids == ("cli-2",)
    assert rejected.reason == "update_rejected" and "already_resolved" in rejected.error
