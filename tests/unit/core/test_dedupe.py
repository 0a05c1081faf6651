from __future__ import annotations

from datetime import timedelta

import pytest

from streams.core.dedupe import SeenReport, Verdict, check
from streams.core.outcome import OutcomeKind, Source
from streams.core.taxonomy import Category, Priority
from tests.unit.core.builders import at, decision, engine, feedback

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


# Dedupe looks on the report's route only (see streams/core/dedupe.py): a resend whose content
# moved it to another route is a new report. These rows pin that documented scope.
BUG = "the app crashes every time I open the camera on my android phone"


@pytest.mark.parametrize(
    ("first", "again", "outcome"),
    [
        ((feedback("e1", idempotency_key="k1"), Category.HARASSMENT), (feedback("e2", idempotency_key="k1", seconds=5), Category.HARASSMENT), OutcomeKind.DUPLICATE),
        ((feedback("e1"), Category.HARASSMENT), (feedback("e1", seconds=5), Category.CHILD_SAFETY), OutcomeKind.DUPLICATE),  # a subject routes by subject only
        ((feedback("e1", subject=None, text=BUG), Category.PRODUCT_ISSUE), (feedback("e1", subject=None, text=BUG, seconds=5), Category.PRODUCT_ISSUE), OutcomeKind.DUPLICATE),
        ((feedback("e1", idempotency_key="k1"), Category.HARASSMENT), (feedback("e2", idempotency_key="k1", subject="video:v2", seconds=5), Category.HARASSMENT), OutcomeKind.ESCALATED),
        ((feedback("e1"), Category.HARASSMENT), (feedback("e1", subject=None, seconds=5), Category.HARASSMENT), OutcomeKind.ESCALATED),
        ((feedback("e1", subject=None, text=BUG), Category.PRODUCT_ISSUE), (feedback("e1", subject=None, text=BUG, seconds=5), Category.OTHER), OutcomeKind.ESCALATED),
        ((feedback("e1", subject=None, text=BUG), Category.PRODUCT_ISSUE), (feedback("e1", subject=None, text=BUG, language="es", seconds=5), Category.PRODUCT_ISSUE), OutcomeKind.ESCALATED),
    ],
    ids=["same-route-key", "same-subject-other-category", "same-text-route", "key-with-other-subject",
         "subject-dropped", "triaged-into-another-category", "other-language"],
)
def test_dedupe_is_scoped_to_the_route(first, again, outcome: OutcomeKind) -> None:  # type: ignore[no-untyped-def]
    e = engine()
    e.handle_report(first[0], decision(first[1], Priority.P3), at(0), Source("t", 0, 1))

    result = e.handle_report(again[0], decision(again[1], Priority.P3), at(5), Source("t", 0, 2))

    assert result.outcome.outcome is outcome
