"""PatternAlert: a recurring issue, spike or regression, with evidence and a next step."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec


class PatternKind(StrEnum):
    SPIKE = "spike"
    RELEASE_REGRESSION = "release_regression"
    RECURRING_SUBJECT = "recurring_subject"
    NEAR_DUPLICATE_CLUSTER = "near_duplicate_cluster"
    COORDINATED_REPORTING = "coordinated_reporting"
    ABUSIVE_REPORTER = "abusive_reporter"


class AlertStatus(StrEnum):
    OPENED = "opened"  # first alert for this pattern
    UPDATED = "updated"  # the same pattern is still going; numbers refreshed
    RESOLVED = "resolved"  # back to baseline


class PatternAlert(msgspec.Struct, frozen=True, omit_defaults=True):
    pattern_id: str  # stable while the pattern lasts; updates reuse it
    kind: PatternKind
    status: AlertStatus
    version: int
    dimensions: dict[str, str]
    window_start: datetime
    window_end: datetime
    count: int
    distinct_reporters: int
    baseline: float
    score: float
    summary: str  # one human sentence with the numbers
    suggested_action: str
    sample_event_ids: tuple[str, ...] = ()
