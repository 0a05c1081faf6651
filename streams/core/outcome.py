"""Outcomes: the one audit record every input event ends in, and dead letters."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from streams.core.report import DeadLetterReason
from streams.core.taxonomy import Category, Priority


class OutcomeKind(StrEnum):
    ESCALATED = "escalated"  # opened a case and published its escalation
    MERGED = "merged"  # joined an open case (the case may have been re-published)
    DUPLICATE = "duplicate"  # the same report seen again; changed nothing
    DEAD_LETTER = "dead_letter"  # could not be processed; see the dead-letter record


class Source(msgspec.Struct, frozen=True):
    """Where a record was read from; a replay of the same position is not a new report."""

    topic: str
    partition: int
    offset: int


class Outcome(msgspec.Struct, frozen=True, omit_defaults=True):
    event_id: str
    outcome: OutcomeKind
    reason: str
    decided_at: datetime
    case_id: str | None = None
    escalation_id: str | None = None
    category: Category | None = None
    priority: Priority | None = None
    team: str | None = None
    occurred_at: datetime | None = None
    source: Source | None = None


class Stage(StrEnum):
    DECODE = "decode"
    VALIDATE = "validate"
    TRIAGE = "triage"
    FUSE = "fuse"
    UPDATE = "update"
    PUBLISH = "publish"  # an output too large for Kafka


class DeadLetter(msgspec.Struct, frozen=True, omit_defaults=True):
    stage: Stage
    reason: DeadLetterReason
    error: str  # one line, says what to fix
    payload: bytes  # the original record value, untouched; only its first bytes if original_size is set
    at: datetime
    source: Source | None = None
    event_id: str | None = None
    original_size: int | None = None  # set when payload was cut: the whole value's size
    original_sha256: str | None = None  # ... and its SHA-256 (hex)
