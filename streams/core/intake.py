"""Intake: every input record ends here in exactly one outcome.

A valid report is triaged and handed to the case engine; an invalid one, or one a later
stage fails on, becomes a dead letter with its original bytes. Nothing raises out of here:
a bad record must never stop the stream behind it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence

import msgspec

from streams.core.engine import CaseEngine, ReportResult
from streams.core.escalation import Escalation
from streams.core.outcome import DeadLetter, Outcome, OutcomeKind, Source, Stage
from streams.core.report import DeadLetterReason, FeedbackEvent, InvalidEvent
from streams.core.triage import Triager
from streams.core.triage.decision import Decision

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Processed:
    outcome: Outcome
    escalations: list[Escalation] = field(default_factory=list)
    dead_letter: DeadLetter | None = None
    event: FeedbackEvent | None = None
    decision: Decision | None = None
    result: ReportResult | None = None


class Intake:
    def __init__(self, triager: Triager, engine: CaseEngine) -> None:
        self.triager = triager
        self.engine = engine

    def decide(self, events: Sequence[FeedbackEvent]) -> list[Decision | Exception]:
        """Triage a batch at once (the classifier is faster per batch); a report that breaks
        triage gets its exception back instead of failing the batch."""
        try:
            return list(self.triager.decide_many(events))
        except Exception:
            return [self._decide_one(event) for event in events]

    def _decide_one(self, event: FeedbackEvent) -> Decision | Exception:
        try:
            return self.triager.decide(event)
        except Exception as exc:  # logged by fuse(), which knows where the record came from
            return exc

    def fuse(
        self, event: FeedbackEvent, decision: Decision | Exception, source: Source | None, payload: bytes, now: datetime
    ) -> Processed:
        if isinstance(decision, Exception):
            log.error("triage failed for event %s at %s", event.event_id, source, exc_info=decision,
                      extra=_where(event.event_id, source))
            return self.failed(Stage.TRIAGE, decision, event.event_id, payload, source, now)
        try:
            result = self.engine.handle_report(event, decision, now, source)
        except Exception as exc:
            log.exception("case fusion failed for event %s at %s", event.event_id, source, extra=_where(event.event_id, source))
            return self.failed(Stage.FUSE, exc, event.event_id, payload, source, now)
        return Processed(result.outcome, result.escalations, None, event, decision, result)

    def invalid(
        self, error: InvalidEvent, payload: bytes, source: Source | None, now: datetime, fallback_id: str, stage: Stage
    ) -> Processed:
        return _dead_letter(stage, error.reason, error.detail, salvage_event_id(payload) or fallback_id, payload, source, now)

    def failed(
        self, stage: Stage, exc: Exception, event_id: str, payload: bytes, source: Source | None, now: datetime
    ) -> Processed:
        detail = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        return _dead_letter(stage, DeadLetterReason.PROCESSING_ERROR, detail, event_id, payload, source, now)


def _dead_letter(
    stage: Stage,
    reason: DeadLetterReason,
    detail: str,
    event_id: str,
    payload: bytes,
    source: Source | None,
    now: datetime,
) -> Processed:
    letter = DeadLetter(stage, reason, detail, payload, now, source, event_id)
    outcome = Outcome(event_id, OutcomeKind.DEAD_LETTER, str(reason), now, source=source)
    return Processed(outcome, dead_letter=letter)


def salvage_event_id(payload: bytes) -> str | None:
    """The event_id of a broken JSON report, when one can be read, so its outcome is findable."""
    if not payload.startswith(b"{"):
        return None
    try:
        obj = msgspec.json.decode(payload)
    except msgspec.DecodeError:
        return None
    event_id = obj.get("event_id") if isinstance(obj, dict) else None
    return event_id if isinstance(event_id, str) and 0 < len(event_id) <= 256 else None


def _where(event_id: str | None, source: Source | None) -> dict[str, object]:
    """Log fields that locate a record (for JSON logs: join with the dead-letter topic)."""
    fields: dict[str, object] = {"event_id": event_id}
    if source is not None:
        fields.update(topic=source.topic, partition=source.partition, offset=source.offset)
    return fields
