"""Intake: every record ends in exactly one outcome; nothing raises out of it."""

from __future__ import annotations

import logging
from typing import Sequence

import pytest

from streams.core.intake import Intake, salvage_event_id
from streams.core.outcome import OutcomeKind, Source, Stage
from streams.core.report import DeadLetterReason, FeedbackEvent, InvalidEvent, parse_json
from streams.core.triage.decision import Decision
from tests.unit.core.builders import at, decision, engine, feedback


class Triager:
    version = "test"

    def __init__(self, broken: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.broken = broken

    def decide(self, event: FeedbackEvent) -> Decision:
        if event.event_id in self.broken:
            raise RuntimeError(f"cannot triage {event.event_id}")
        return decision()

    def decide_many(self, events: Sequence[FeedbackEvent]) -> list[Decision]:
        return [self.decide(e) for e in events]


def test_a_report_that_breaks_triage_is_dead_lettered_and_its_batch_goes_on() -> None:
    intake = Intake(Triager(broken={"e2"}), engine())
    events = [feedback(f"e{i}", subject=f"video:v{i}") for i in range(3)]

    decided = intake.decide(events)
    processed = [intake.fuse(e, d, Source("t", 0, i), b"{}", at(i)) for i, (e, d) in enumerate(zip(events, decided))]

    assert [p.outcome.outcome for p in processed] == [OutcomeKind.ESCALATED, OutcomeKind.ESCALATED, OutcomeKind.DEAD_LETTER]
    letter = processed[2].dead_letter
    assert letter is not None and (letter.stage, letter.reason) == (Stage.TRIAGE, DeadLetterReason.PROCESSING_ERROR)
    assert letter.error == "RuntimeError: cannot triage e2" and letter.payload == b"{}"


def test_a_triage_failure_is_logged_with_where_the_report_is(caplog: pytest.LogCaptureFixture) -> None:
    intake = Intake(Triager(broken={"e2"}), engine())
    event = feedback("e2")
    with caplog.at_level(logging.ERROR, logger="streams.core.intake"):
        (decided,) = intake.decide([event])
        intake.fuse(event, decided, Source("vigil.feedback.v1", 4, 1234), b"{}", at(0))
    (line,) = caplog.records
    assert (line.event_id, line.topic, line.partition, line.offset) == ("e2", "vigil.feedback.v1", 4, 1234)  # type: ignore[attr-defined]
    assert line.exc_info is not None and "cannot triage e2" in str(line.exc_info[1])


def test_a_report_that_breaks_the_engine_is_dead_lettered() -> None:
    broken = engine()
    broken.state.cases.get = None  # type: ignore[method-assign, assignment]  # a bug in a later stage
    processed = Intake(Triager(), broken).fuse(feedback("e1"), decision(), Source("t", 0, 7), b"raw", at(0))
    assert processed.outcome.outcome is OutcomeKind.DEAD_LETTER
    assert processed.dead_letter is not None and processed.dead_letter.stage is Stage.FUSE


@pytest.mark.parametrize(
    ("payload", "event_id"),
    [
        (b'{"event_id": "abc", "channel": "fax"}', "abc"),  # invalid, but its id is readable
        (b'{"event_id": 12}', None),
        (b'{"event_id": "abc"', None),  # truncated
        (b"\xc3\x01avro", None),
        (b"[1, 2]", None),
    ],
)
def test_dead_letters_keep_the_event_id_when_it_can_be_read(payload: bytes, event_id: str | None) -> None:
    assert salvage_event_id(payload) == event_id
    error = _invalid(payload)
    processed = Intake(Triager(), engine()).invalid(error, payload, Source("t", 0, 9), at(0), "t:0:9", Stage.DECODE)
    assert processed.outcome.event_id == (event_id or "t:0:9")
    assert processed.dead_letter is not None and processed.dead_letter.payload == payload


def _invalid(payload: bytes) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as caught:
        parse_json(payload)
    return caught.value
