"""Record keys: which records must land on the same partition, so one consumer sees them all."""

from __future__ import annotations

import msgspec

from streams.core.escalation import Escalation, EscalationUpdate
from streams.core.outcome import DeadLetter, Outcome
from streams.core.patterns.alert import PatternAlert
from streams.core.report import FeedbackEvent


def record_key(record: msgspec.Struct) -> bytes:
    """The Kafka key a producer should use for `record` (UTF-8)."""
    match record:
        case FeedbackEvent(subject=subject, reporter=reporter):
            # Reports about one subject meet in one partition, where they are fused into a case.
            return (subject.id if subject is not None else reporter.user_id).encode()
        case Escalation(escalation_id=key) | EscalationUpdate(escalation_id=key):
            return key.encode()
        case PatternAlert(pattern_id=key) | Outcome(event_id=key):
            return key.encode()
        case DeadLetter(event_id=str() as key):
            return key.encode()
        case DeadLetter(source=source) if source is not None:
            return f"{source.topic}:{source.partition}:{source.offset}".encode()
        case DeadLetter():
            return b""
    raise TypeError(f"no key rule for {type(record).__name__}")
