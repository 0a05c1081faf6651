"""Exact dedupe: is this report one we have already decided?

A report seen again is either a *replay* (the same record at the same topic position, read
again after a crash: re-emit what was decided, change nothing) or a *duplicate* (a client
retry or a resend: a new record with the same event id or idempotency key).

Scope: a report is looked up on its *route* (keys.route_key: its subject, or without a
subject its triaged category and language), because that is the partition whose state it
reaches; looking on every route would cost one more trip through Kafka per report. An
exact resend is always on the same route (triage is deterministic for one rule set), so
it is always recognised. A resend whose content changed so that it lands on another
route is decided as a new report: the same event_id or idempotency_key with another
subject, with or without a subject, in another language, or (without a subject) triaged
into another category, for instance after a rule change. The backtest keeps this scope
too, so that it agrees with the pipeline on any number of partitions.
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
    """What was decided for a report; enough to re-emit its outcome or split it off a case.

    category/priority/team are what its outcome said (the case's, at the time); own_* are
    the report's own triage, stored only where it differs from the case's (records written
    before own_* existed fall back to the case's)."""

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
    own_category: Category | None = None
    own_priority: Priority | None = None
    own_team: str | None = None
    suspicious: bool = False  # new account or rejected history: did not back the case's priority

    @property
    def own_triage(self) -> tuple[Category, Priority, str]:
        return (
            self.own_category or self.category,
            self.own_priority or self.priority,
            self.own_team or self.team,
        )


def check(seen: SeenReport | None, source: Source | None, now: datetime, retention: timedelta) -> Verdict:
    if seen is None or now - seen.seen_at > retention:
        return Verdict.NEW
    if source is not None and seen.source == source:
        return Verdict.REPLAY
    return Verdict.DUPLICATE
