from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.core.patterns.idle import IdleWatermark

T = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
LATE = timedelta(seconds=30)


def test_no_watermark_before_data() -> None:
    assert IdleWatermark(LATE).at(T) is None


def test_history_replayed_now_keeps_its_own_time_and_then_moves_with_the_clock() -> None:
    idle = IdleWatermark(LATE)
    yesterday = T - timedelta(days=1)
    idle.saw(yesterday, now=T)
    assert idle.at(T) == yesterday - LATE  # not "now": the replay judges its own hours
    assert idle.at(T + timedelta(minutes=5)) == yesterday + timedelta(minutes=5) - LATE


def test_older_data_does_not_move_it_back() -> None:
    idle = IdleWatermark(LATE)
    idle.saw(T, now=T)
    idle.saw(T - timedelta(hours=1), now=T + timedelta(seconds=10))
    assert idle.at(T + timedelta(seconds=10)) == T + timedelta(seconds=10) - LATE
