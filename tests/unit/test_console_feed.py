"""The console feed: what the ops page is given, and what it is not (report text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from streams.core.clock import ManualClock
from streams.core.engine import CaseChange
from streams.core.escalation import Escalation, EscalationStatus, Trigger
from streams.core.outcome import Outcome, OutcomeKind
from streams.core.queues import OpenQueues
from streams.core.sla import SlaSchedule
from streams.core.taxonomy import Category, Priority
from streams.web.feed import ConsoleFeed

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def escalation(escalation_id: str, excerpt: str, version: int = 1) -> Escalation:
    return Escalation(
        escalation_id=escalation_id, version=version, case_id=f"case-{escalation_id}", team="wellbeing",
        category=Category.SELF_HARM, priority=Priority.P0, status=EscalationStatus.OPEN, trigger=Trigger.OPENED,
        level=0, report_count=1, distinct_reporters=1, first_seen=T0, last_seen=T0,
        ack_due=T0 + timedelta(minutes=15), resolve_due=T0 + timedelta(hours=4), published_at=T0, excerpt=excerpt,
    )


def outcome(kind: OutcomeKind) -> Outcome:
    return Outcome(event_id="e", outcome=kind, reason="new_subject", decided_at=T0)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def feed(clock: ManualClock) -> ConsoleFeed:
    return ConsoleFeed(clock, OpenQueues(), SlaSchedule(), size=3)


@pytest.mark.parametrize(("excerpt", "warning"), [("I want to end it tonight", True), ("", False)])
def test_snapshot_withholds_report_text(feed: ConsoleFeed, excerpt: str, warning: bool) -> None:
    feed.escalation(escalation("esc-1", excerpt))
    snapshot = feed.snapshot()
    (view,) = snapshot["escalations"]
    assert "excerpt" not in view and view["content_warning"] is warning
    assert excerpt == "" or excerpt not in msgspec.json.encode(snapshot).decode()


def test_show_text_snapshot_includes_the_excerpt(feed: ConsoleFeed) -> None:
    feed.escalation(escalation("esc-1", "I want to end it tonight"))
    assert feed.snapshot(show_text=True)["escalations"][0]["excerpt"] == "I want to end it tonight"


def test_excerpt_of_the_latest_version_and_none_when_unknown_or_evicted(feed: ConsoleFeed) -> None:
    feed.escalation(escalation("esc-1", "first words"))
    feed.escalation(escalation("esc-1", "first words, republished", version=2))
    assert feed.excerpt("esc-1") == "first words, republished"
    assert feed.excerpt("esc-unknown") is None
    for n in range(3):
        feed.escalation(escalation(f"esc-new-{n}", "other"))
    assert feed.excerpt("esc-1") is None  # out of the ring buffer: the console cannot reveal it


def test_events_per_second_over_the_last_ten_seconds(feed: ConsoleFeed, clock: ManualClock) -> None:
    for _ in range(30):
        feed.outcome(outcome(OutcomeKind.ESCALATED))
    clock.advance(5)
    for _ in range(20):
        feed.outcome(outcome(OutcomeKind.DUPLICATE))
    assert feed.snapshot()["events_per_second"] == 5.0
    assert feed.snapshot()["outcomes"] == {"escalated": 30, "duplicate": 20}
    clock.advance(6)  # the first 30 leave the window
    assert feed.snapshot()["events_per_second"] == 2.0


def test_version_moves_on_every_change(feed: ConsoleFeed) -> None:
    before = feed.version
    feed.outcome(outcome(OutcomeKind.MERGED))
    feed.escalation(escalation("esc-1", ""))
    assert feed.version == before + 2


def test_deadlines_show_time_left_and_the_case(clock: ManualClock) -> None:
    queues, schedule = OpenQueues(), SlaSchedule()
    feed = ConsoleFeed(clock, queues, schedule)
    queues.apply([CaseChange("case-a", None, ("wellbeing", Priority.P0))])
    schedule.set("case-a", T0 + timedelta(minutes=15))
    schedule.set("case-b", T0 - timedelta(seconds=30))
    clock.advance(60)
    snapshot = feed.snapshot(cases={})
    assert [(d["case_id"], d["seconds_left"]) for d in snapshot["deadlines"]] == [("case-b", -90), ("case-a", 840)]
    assert snapshot["open_cases"] == [{"team": "wellbeing", "priority": "P0", "count": 1}]
