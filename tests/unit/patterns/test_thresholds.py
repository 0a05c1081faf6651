"""Near-duplicate clusters, coordinated reporting, abusive reporters, recurring subjects."""

from __future__ import annotations

import pytest

from streams.core.patterns.alert import AlertStatus, PatternKind
from streams.core.taxonomy import Category
from tests.unit.patterns.builders import burst, obs, reopened_by_team, run, steady


def opened(emitted: list, kind: PatternKind) -> list:
    return [
        e.alert for e in emitted if e.alert.kind is kind and e.alert.status is AlertStatus.OPENED
    ]


def background() -> list:
    return steady(0, 180, 2.0)


def _from_reporters(observations: list, reporters: int, **fields: object) -> list:
    return [
        obs((o.occurred_at - observations[0].occurred_at).total_seconds() / 60 + 120,
            reporter_id=f"r{i % reporters}", **fields)
        for i, o in enumerate(observations)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "extra", "expect"),
    [
        ("12 reporters, one text", burst(120, 30, 12, text_cluster="c-9"), True),
        ("9 reports, one text", burst(120, 30, 9, text_cluster="c-9"), False),
        ("12 reports from 2 reporters", _from_reporters(burst(0, 30, 12), 2, text_cluster="c-9"), False),
        ("12 reports spread over 3 hours", burst(0, 180, 12, text_cluster="c-9"), False),
    ],
)
def test_near_duplicate_cluster(name: str, extra: list, expect: bool) -> None:
    found = opened(run(background() + extra), PatternKind.NEAR_DUPLICATE_CLUSTER)
    assert bool(found) is expect, name
    if expect:
        assert found[0].dimensions == {"text_cluster": "c-9"}
        assert "text cluster c-9" in found[0].summary


def test_template_text_with_a_steady_volume_is_not_a_cluster_alert() -> None:
    template = steady(0, 600, 5.0, text_cluster="template-1")  # 12 an hour, every hour
    assert opened(run(background() + template), PatternKind.NEAR_DUPLICATE_CLUSTER) == []


HATE_BR = dict(category=Category.HATE_SPEECH, region="BR", language="pt")


@pytest.mark.parametrize(
    ("name", "extra", "expect"),
    [
        ("10 coordinated reports from 10 accounts", burst(120, 40, 10, coordinated=True, **HATE_BR), True),
        ("7 coordinated reports", burst(120, 40, 7, coordinated=True, **HATE_BR), False),
        ("10 uncoordinated reports", burst(120, 40, 10, **HATE_BR), False),
        ("10 coordinated from 2 accounts", _from_reporters(burst(0, 40, 10), 2, coordinated=True, **HATE_BR), False),
    ],
)
def test_coordinated_reporting(name: str, extra: list, expect: bool) -> None:
    found = opened(run(background() + extra), PatternKind.COORDINATED_REPORTING)
    assert bool(found) is expect, name
    if expect:
        assert found[0].dimensions == {"category": "hate_speech", "region": "BR"}
        assert found[0].count >= 8 and found[0].distinct_reporters == found[0].count
        assert "hate_speech_team" in found[0].suggested_action


@pytest.mark.parametrize(
    ("name", "extra", "expect"),
    [
        ("25 reports in a day", burst(10, 600, 25, reporter_id="noisy"), True),
        ("12 reports in a day", burst(10, 600, 12, reporter_id="noisy"), False),
        ("10 with a rejected history", burst(10, 600, 10, reporter_id="noisy", reporter_rejected=True), True),
        ("6 with a rejected history", burst(10, 600, 6, reporter_id="noisy", reporter_rejected=True), False),
    ],
)
def test_abusive_reporter(name: str, extra: list, expect: bool) -> None:
    found = opened(run(background() + extra, until=620), PatternKind.ABUSIVE_REPORTER)
    assert bool(found) is expect, name
    if expect:
        assert found[0].dimensions == {"reporter": "noisy"}
        assert "reporter noisy" in found[0].summary  # the one kind allowed to name a reporter


@pytest.mark.parametrize(
    ("name", "reopens", "days_apart", "expect"),
    [
        ("3 reopenings in 3 days", 3, 1.0, True),
        ("2 reopenings", 2, 1.0, False),
        ("3 reopenings over 3 weeks", 3, 9.0, False),
    ],
)
def test_recurring_subject(name: str, reopens: int, days_apart: float, expect: bool) -> None:
    reports = [
        obs(i * days_apart * 1440 + 5, subject_key="account:42", case_reopened=True)
        for i in range(reopens)
    ]
    reports += [obs(i * 1440 + 1, subject_key="account:42") for i in range(4)]
    found = opened(run(reports), PatternKind.RECURRING_SUBJECT)
    assert bool(found) is expect, name
    if expect:
        assert found[0].dimensions == {"subject": "account:42"}
        assert found[0].count == reopens
        assert "account:42" in found[0].summary
        assert "reporter" not in found[0].summary.replace("reporters", "")


@pytest.mark.parametrize(
    ("name", "by_team", "expect"),
    [
        ("1 reopening by a report and 2 by the team", 2, True),
        ("1 reopening by a report and 1 by the team", 1, False),
    ],
)
def test_team_reopenings_make_a_subject_recurring(name: str, by_team: int, expect: bool) -> None:
    reports = [obs(1, subject_key="account:42"), obs(1445, subject_key="account:42", case_reopened=True)]
    reopenings = [reopened_by_team(2 * 1440 + 600 * i, "account:42") for i in range(by_team)]
    found = opened(run(reports + reopenings, until=3 * 1440), PatternKind.RECURRING_SUBJECT)
    assert bool(found) is expect, name
    if expect:
        assert found[0].count == 1 + by_team
        assert "by new reports or their team" in found[0].summary


def test_a_team_reopen_update_is_a_reopening_of_its_subject() -> None:
    from streams.core.escalation import EscalationUpdate, Resolution, UpdateAction
    from streams.core.patterns.observation import reopening_of
    from tests.unit.core.builders import at, decision, engine, feedback

    e = engine()
    escalation_id = e.handle_report(feedback("e1", subject="account:42"), decision(), at(0)).escalations[0].escalation_id

    def update(action: UpdateAction, n: int, **fields: object) -> list:
        u = EscalationUpdate(update_id=f"u{n}", escalation_id=escalation_id, action=action, actor="agent-7", at=at(n), **fields)
        return e.handle_update(u, at(n)).escalations

    resolved = update(UpdateAction.RESOLVE, 100, resolution=Resolution.ACTIONED)
    reopened = update(UpdateAction.REOPEN, 200)

    assert [reopening_of(x) for x in resolved] == [None]
    (reopening,) = [reopening_of(x) for x in reopened]
    assert reopening is not None
    assert (reopening.subject_key, reopening.category, reopening.at) == ("account:42", "harassment", at(200))
