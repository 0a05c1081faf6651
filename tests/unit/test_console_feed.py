"""The console feed: what the ops page is given, and what it is not (report text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from streams.core.cases import Case
from streams.core.clock import ManualClock
from streams.core.engine import CaseChange
from streams.core.escalation import Escalation, EscalationStatus, SubjectRef, Trigger
from streams.core.outcome import Outcome, OutcomeKind
from streams.core.patterns.alert import AlertStatus, PatternAlert, PatternKind
from streams.core.queues import OpenQueues
from streams.core.sla import SlaSchedule
from streams.core.taxonomy import Category, Priority, SubjectType
from streams.core.triage.decision import Facts
from streams.web.feed import ESCALATION_FIELDS, ConsoleFeed

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def escalation(
    escalation_id: str,
    excerpt: str,
    version: int = 1,
    trigger: Trigger = Trigger.OPENED,
    status: EscalationStatus = EscalationStatus.OPEN,
    **fields: object,
) -> Escalation:
    return Escalation(
        escalation_id=escalation_id, version=version, case_id=f"case-{escalation_id}", team="wellbeing",
        category=Category.SELF_HARM, priority=Priority.P0, status=status, trigger=trigger,
        level=0, report_count=1, distinct_reporters=1, first_seen=T0, last_seen=T0,
        ack_due=T0 + timedelta(minutes=15), resolve_due=T0 + timedelta(hours=4), published_at=T0, excerpt=excerpt,
        **fields,  # type: ignore[arg-type]
    )


PERSONAL = Facts(
    urls=("https://example.org/u/jane",), handles=("@jane_doe",), emails=("jane@example.org",),
    phones=("+1 555 0100",), means=("pills",), weapons=("knife",),
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


def test_an_escalation_view_is_the_allow_list_only() -> None:
    feed = ConsoleFeed(ManualClock(T0), OpenQueues(), SlaSchedule())
    feed.escalation(escalation("esc-1", "text", facts=PERSONAL, subject=SubjectRef(SubjectType.ACCOUNT, "acct-jane-42"),
                               labels=("doxxing",), reasons=("rule:threat",)))
    sent = msgspec.json.encode(feed.snapshot()).decode()  # what /api/console and the stream send
    (view,) = msgspec.json.decode(sent)["escalations"]
    assert set(view) == set(ESCALATION_FIELDS) | {"subject_type", "content_warning"}
    assert (view["subject_type"], view["labels"], view["reasons"]) == ("account", ["doxxing"], ["rule:threat"])
    for secret in ("acct-jane-42", "jane@example.org", "@jane_doe", "example.org/u/jane", "555 0100", "pills", "knife"):
        assert secret not in sent


@pytest.mark.parametrize("field", ["facts", "subject", "excerpt"])
def test_fields_outside_the_allow_list_never_reach_the_console(field: str) -> None:
    assert field not in ESCALATION_FIELDS


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


def test_one_row_per_escalation_and_pattern_the_latest_version_on_top(feed: ConsoleFeed) -> None:
    feed.escalation(escalation("esc-1", "", version=1))
    feed.escalation(escalation("esc-2", "", version=1))
    feed.escalation(escalation("esc-1", "", version=2))
    assert [(e["escalation_id"], e["version"]) for e in feed.snapshot()["escalations"]] == [("esc-1", 2), ("esc-2", 1)]
    for version in (1, 2, 3):
        feed.pattern(pattern("pat-1", version))
    assert [(p["pattern_id"], p["version"]) for p in feed.snapshot()["patterns"]] == [("pat-1", 3)]


def pattern(pattern_id: str, version: int) -> PatternAlert:
    return PatternAlert(
        pattern_id=pattern_id, kind=PatternKind.SPIKE, status=AlertStatus.OPENED, version=version,
        dimensions={"category": "product_issue"}, window_start=T0, window_end=T0 + timedelta(minutes=5), count=40,
        distinct_reporters=40, baseline=2.0, score=9.0, summary="40 crash reports", suggested_action="check the release",
    )


class Cases(dict):  # type: ignore[type-arg]
    """The case table as the console reads it: case id -> Case."""


def breached(case_id: str, resolved: bool = False) -> Case:
    return Case(
        case_id=case_id, route="r", category=Category.SELF_HARM, priority=Priority.P0, team="wellbeing",
        status=EscalationStatus.RESOLVED if resolved else EscalationStatus.ACKNOWLEDGED,
        opened_at=T0, first_seen=T0, last_seen=T0, resolve_due=T0 + timedelta(hours=4), resolve_breached=True,
    )


@pytest.mark.parametrize(
    ("events", "listed"),
    [
        ([Trigger.SLA_RESOLVE_MISSED], True),  # the schedule forgot it: the console must not
        ([Trigger.SLA_RESOLVE_MISSED, Trigger.ACKNOWLEDGED], True),  # still not resolved
        ([Trigger.SLA_RESOLVE_MISSED, Trigger.RESOLVED], False),
        ([Trigger.SLA_RESOLVE_MISSED, Trigger.REOPENED], False),  # a reopened case has new deadlines
        ([Trigger.OPENED], False),
    ],
)
def test_a_breached_open_case_stays_listed_as_overdue(clock: ManualClock, events: list[Trigger], listed: bool) -> None:
    feed = ConsoleFeed(clock, OpenQueues(), SlaSchedule())
    for version, trigger in enumerate(events, start=1):
        status = EscalationStatus.RESOLVED if trigger is Trigger.RESOLVED else EscalationStatus.OPEN
        feed.escalation(escalation("esc-1", "", version=version, trigger=trigger, status=status))
    clock.advance(5 * 3600)
    deadlines = feed.snapshot()["deadlines"]
    if listed:
        assert [(d["case_id"], d["seconds_left"], d["missed"]) for d in deadlines] == [("case-esc-1", -3600, "resolve")]
    else:
        assert deadlines == []


def test_overdue_cases_come_first_then_the_next_deadlines(clock: ManualClock) -> None:
    schedule = SlaSchedule()
    feed = ConsoleFeed(clock, OpenQueues(), schedule)
    schedule.set("case-next", T0 + timedelta(hours=6))
    feed.escalation(escalation("esc-1", "", trigger=Trigger.SLA_RESOLVE_MISSED))
    clock.advance(5 * 3600)
    assert [(d["case_id"], d["seconds_left"]) for d in feed.snapshot()["deadlines"]] == [
        ("case-esc-1", -3600), ("case-next", 3600)]


def test_the_case_table_decides_whether_a_case_is_still_overdue(clock: ManualClock) -> None:
    feed = ConsoleFeed(clock, OpenQueues(), SlaSchedule())
    feed.rebuild_overdue([breached("case-open"), breached("case-closed", resolved=True)])
    feed.escalation(escalation("esc-x", "", trigger=Trigger.SLA_RESOLVE_MISSED))  # case-esc-x: not in the table
    cases = Cases({"case-open": breached("case-open"), "case-closed": breached("case-closed", resolved=True)})
    assert [d["case_id"] for d in feed.snapshot(cases=cases)["deadlines"]] == ["case-open"]
