"""Exact dedupe: is this report one we have already decided?

A report seen again is either a *replay* (the same record at the same topic position, read
again after a crash: re-emit what was decided, change nothing) or a *duplicate* (a client
retry or a resend: a new record with the same event id or idempotency key).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import msgspec

from streams.core.outcome import OutcomeKind, Source
from streams.core.taxonomy import Category, Priority


class Verdict(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    REPLAY = "replay"
    RESUMED = "resumed"  # the case counted it but its `seen` record was lost in a crash


class SeenReport(msgspec.Struct, omit_defaults=True):
    """What was decided for a report; enough to re-emit its outcome or split it off a case."""

    event_id: str
    outcome: OutcomeKind
    reason: str
    case_id: str
    seen_at: datetime
    occurred_at: datetime
    category: Category
    priority: Priority
    team: str
    reporter_id: str
    channel: str
    escalation_id: str | None = None
    source: Source | None = None


def check(seen: SeenReport | None, source: Source | None, now: datetime, retention: timedelta) -> Verdict:
    if seen is None or now - seen.seen_at > retention:
        return Verdict.NEW
    if source is not None and seen.source == source:
        return Verdict.REPLAY
    return Verdict.DUPLICATE
