from __future__ import annotations

from datetime import timedelta

import pytest

from streams.core.dedupe import SeenReport, Verdict, check
from streams.core.outcome import OutcomeKind, Source
from streams.core.taxonomy import Category, Priority
from tests.unit.core.builders import at

SEEN = SeenReport(
    event_id="e1", outcome=OutcomeKind.ESCALATED, reason="new_subject", case_id="case-x", seen_at=at(0),
    occurred_at=at(0), category=Category.OTHER, priority=Priority.P3, team="support", reporter_id="u1",
    channel="email", source=Source("t", 0, 5),
)
WEEK = timedelta(days=7)


@pytest.mark.parametrize(
    ("seen", "source", "now", "verdict"),
    [
        (None, Source("t", 0, 5), at(0), Verdict.NEW),
        (SEEN, Source("t", 0, 5), at(60), Verdict.REPLAY),  # same record read again
        (SEEN, Source("t", 0, 9), at(60), Verdict.DUPLICATE),  # a retry: new record, same id
        (SEEN, None, at(60), Verdict.DUPLICATE),  # no position known (backtest of a copy)
        (SEEN, Source("t", 1, 5), at(60), Verdict.DUPLICATE),  # same offset, other partition
        (SEEN, Source("t", 0, 9), at(0, days=7), Verdict.DUPLICATE),  # on the edge of retention
        (SEEN, Source("t", 0, 9), at(1, days=7), Verdict.NEW),  # past retention: a new report
    ],
    ids=["unseen", "replay", "retry", "no-source", "other-partition", "edge", "expired"],
)
def test_verdicts(seen: SeenReport | None, source: Source | None, now, verdict: Verdict) -> None:  # type: ignore[no-untyped-def]
    assert check(seen, source, now, WEEK) is verdict
