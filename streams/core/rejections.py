"""Reporters' records of rejected reports (cases a team resolved as no violation).

A reporter with enough recent rejections is suspicious (cases.is_suspicious). A record is
the times of the reporter's latest rejections, keyed by reporter hash; times older than
the retention no longer count and a record with none left is deleted by the sweep, so the
table holds only reporters rejected within the retention.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# A bare count is a record written before times were kept: it counts as it is until the
# next sweep starts its retention from then.
Record = int | list[datetime]

KEPT = 8  # times kept per reporter: more than any suspicion threshold needs


def recent(record: Record | None, now: datetime, retention: timedelta) -> int:
    """How many of the reporter's rejections are within the retention at `now`."""
    return len(_times(record, now, retention))


def noted(record: Record | None, at: datetime, retention: timedelta) -> list[datetime]:
    """The record with one more rejection at `at`."""
    return [*_times(record, at, retention), at][-KEPT:]


def swept(record: Record, now: datetime, retention: timedelta) -> list[datetime] | None:
    """The record as of `now`: without expired times, or None when nothing is left."""
    return _times(record, now, retention) or None


def _times(record: Record | None, now: datetime, retention: timedelta) -> list[datetime]:
    if record is None:
        return []
    if isinstance(record, int):
        return [now] * min(record, KEPT)
    return [when for when in record if now - when <= retention]
