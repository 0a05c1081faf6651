"""Reporters' rejected-report records: they mark a reporter as suspicious for the retention
period, then expire, and the sweep deletes them so the table stays bounded."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from streams.core.cases import reporter_hash
from streams.core.engine import CaseEngine
from streams.core.escalation import EscalationUpdate, Resolution, UpdateAction
from tests.unit.core.builders import at, decision, engine, feedback

DAY = 86_400.0
KEY = reporter_hash("u-bad").hex()
_n = itertools.count()


def _rejected(e: CaseEngine, when: float) -> None:
    """One of u-bad's reports rejected: its case resolved as no violation at `when`."""
    n = next(_n)
    opened = e.handle_report(feedback(f"r{n}", user="u-bad", subject=f"comment:c{n}", seconds=when), decision(), at(when))
    update = EscalationUpdate(f"upd-{n}", opened.escalations[0].escalation_id, UpdateAction.RESOLVE, "agent-7", at(when),
                              resolution=Resolution.NO_VIOLATION)
    e.handle_update(update, at(when))


def _suspicious(e: CaseEngine, when: float) -> bool:
    result = e.handle_report(feedback(f"probe{next(_n)}", user="u-bad", subject=f"video:probe{when}", seconds=when), decision(), at(when))
    assert result.case is not None
    return result.case.credible_reporters == 0


@pytest.mark.parametrize(
    ("rejected_at_days", "probe_day", "suspicious", "kept"),
    [
        ((0, 0), 1, True, True),
        ((0, 0), 90, True, True),  # on the edge of the 90-day retention
        ((0, 0), 91, False, False),  # both expired: no longer suspicious, record deleted
        ((0, 50), 91, False, True),  # one left: below the threshold of 2, but kept until it expires
        ((0, 50), 141, False, False),
        ((0,), 1, False, True),  # one rejection is not a record
    ],
    ids=["fresh", "edge", "expired", "one-left", "all-gone", "just-one"],
)
def test_rejections_count_for_the_retention_then_expire(
    rejected_at_days: tuple[int, ...], probe_day: int, suspicious: bool, kept: bool
) -> None:
    e = engine(rejection_retention=timedelta(days=90))
    for day in rejected_at_days:
        _rejected(e, day * DAY)

    assert _suspicious(e, probe_day * DAY) is suspicious  # whether or not a sweep ran since
    e.sweep(at(probe_day * DAY))
    assert (e.state.rejections.get(KEY) is not None) is kept


def test_the_sweep_forgets_rejections_past_retention() -> None:
    e = engine(rejection_retention=timedelta(days=90))
    _rejected(e, 0)
    _rejected(e, 10 * DAY)

    e.sweep(at(95 * DAY))
    assert e.state.rejections.get(KEY) == [at(10 * DAY)]
    e.sweep(at(101 * DAY))
    assert len(e.state.rejections) == 0


def test_a_count_written_before_times_were_kept_expires_from_the_first_sweep() -> None:
    e = engine(rejection_retention=timedelta(days=90))
    e.state.rejections.put(KEY, 3)  # the old record format: a bare count

    assert _suspicious(e, 0)
    e.sweep(at(10 * DAY))
    assert e.state.rejections.get(KEY) == [at(10 * DAY)] * 3
    assert _suspicious(e, 100 * DAY)
    e.sweep(at(101 * DAY))
    assert e.state.rejections.get(KEY) is None and not _suspicious(e, 101 * DAY)


def test_each_record_is_swept_by_the_worker_that_owns_its_reporter() -> None:
    e = engine(rejection_retention=timedelta(days=90))
    _rejected(e, 0)

    e.sweep(at(200 * DAY), owns=lambda route: route != KEY)
    assert e.state.rejections.get(KEY) is not None
    e.sweep(at(200 * DAY), owns=lambda route: route == KEY)
    assert e.state.rejections.get(KEY) is None
