"""History delivered in one batch (a backfill, a worker catching up) is judged like a live
stream: the warm-up counts from the first data and every bucket end is evaluated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.core.patterns import AlertStatus, Observation, PatternConfig, PatternCounter, PatternDetector, PatternKind
from streams.core.taxonomy import Category, Priority
from tests.unit.patterns.builders import TEAMS

START = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


def _report(i: int, at: datetime, version: str, subject: str) -> Observation:
    return Observation(
        event_id=f"e{i}", occurred_at=at, category=Category.PRODUCT_ISSUE, priority=Priority.P3, region="US",
        language="en", reporter_id=f"u{i}", platform="android", app_version=version, subject_key=subject,
    )


def _history() -> list[Observation]:
    """Eight quiet hours (a report every ten minutes), then 40 crash reports in five minutes."""
    quiet = [_report(i, START + timedelta(minutes=10 * i), "32.4.0", f"video:{i}") for i in range(48)]
    spike_start = START + timedelta(hours=8)
    spike = [_report(100 + i, spike_start + timedelta(seconds=7 * i), "32.4.0", f"crash:{i}") for i in range(40)]
    return quiet + spike


def _opened(alerts) -> set[tuple[PatternKind, tuple[tuple[str, str], ...]]]:  # type: ignore[no-untyped-def]
    return {(a.kind, tuple(sorted(a.dimensions.items()))) for a in alerts if a.status is AlertStatus.OPENED}


@pytest.mark.parametrize("batches", ["one", "per-second"])
def test_a_spike_in_a_backfill_is_found(batches: str) -> None:
    config = PatternConfig()
    counter, detector = PatternCounter(config), PatternDetector(config, teams=TEAMS)
    alerts = []
    last_second = None
    for observation in _history():
        second = int(observation.occurred_at.timestamp())
        if batches == "per-second" and last_second is not None and second != last_second:
            alerts += detector.apply(counter.drain())
        counter.observe(observation)
        last_second = second
    alerts += detector.apply(counter.drain())
    alerts += detector.advance(START + timedelta(hours=8, minutes=20))

    # one page, naming the version (the same reports spiked in region US and language en)
    pages = [dict(dims) for kind, dims in _opened(alerts) if kind is PatternKind.SPIKE]
    assert len(pages) == 1
    assert pages[0].items() >= {"category": "product_issue", "platform": "android", "app_version": "32.4.0"}.items()
