"""Which reports decide a case's priority: credible ones raise it, suspicious ones never do,
and unmerging a report takes back what it claimed (split-off and parent alike)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import msgspec
import pytest

from streams.core.engine import CaseEngine
from streams.core.escalation import EscalationUpdate, Resolution, Trigger, UpdateAction
from streams.core.outcome import OutcomeKind
from streams.core.taxonomy import Category, Priority
from tests.unit.core.builders import at, decision, engine, feedback

_ids = itertools.count()
HARASSMENT, SELF_HARM, PRODUCT, FRAUD, VIOLENCE = (
    Category.HARASSMENT, Category.SELF_HARM, Category.PRODUCT_ISSUE, Category.SCAM_FRAUD, Category.VIOLENT_THREAT,
)


def _update(escalation_id: str, action: UpdateAction, when: float, **fields: Any) -> EscalationUpdate:
    return EscalationUpdate(f"upd-{next(_ids)}", escalation_id, action, "agent-7", at(when), **fields)


def _reject_twice(e: CaseEngine, user: str) -> None:
    """Two of the user's reports rejected (cases resolved as no violation), at -2 h."""
    for n in range(2):
        opened = e.handle_report(feedback(f"old{n}", user=user, subject=f"comment:c{n}", seconds=-7200), decision(), at(-7200))
        resolve = _update(opened.escalations[0].escalation_id, UpdateAction.RESOLVE, -7200, resolution=Resolution.NO_VIOLATION)
        e.handle_update(resolve, at(-7200))


@pytest.mark.parametrize(
    ("reporter", "raises"),
    [
        ({"age_days": 1}, False),  # a brand-new account
        ({"age_days": 6}, False),
        ({"rejected": True}, False),  # two of their reports were rejected
        ({"age_days": 7}, True),
        ({"age_days": None}, True),  # account age unknown: nothing suspicious about it
    ],
    ids=["new-account", "six-days-old", "rejected-history", "week-old", "age-unknown"],
)
def test_only_a_credible_report_raises_priority(reporter: dict[str, Any], raises: bool) -> None:
    e = engine()
    if reporter.get("rejected"):
        _reject_twice(e, "u-x")
    e.handle_report(feedback("e0"), decision(HARASSMENT, Priority.P2), at(0))

    claim = e.handle_report(
        feedback("x1", user="u-x", age_days=reporter.get("age_days", 400), seconds=10), decision(SELF_HARM, Priority.P0), at(10)
    )
    backed = e.handle_report(feedback("c1", seconds=20), decision(SELF_HARM, Priority.P0), at(20))

    assert claim.case is not None
    assert (claim.case.priority, [x.trigger for x in claim.escalations]) == (
        (Priority.P0, [Trigger.PRIORITY_RAISED]) if raises else (Priority.P2, [])
    )
    # A credible report of its own raises the case (if the claim did not already).
    assert [x.trigger for x in backed.escalations] == ([] if raises else [Trigger.PRIORITY_RAISED])
    assert backed.case is not None and (backed.case.priority, backed.case.team) == (Priority.P0, "wellbeing")


def test_a_brigade_that_opens_with_a_p0_claim_leaves_the_case_as_credible_reporters_see_it() -> None:
    e = engine()
    e.handle_report(feedback("e0"), decision(HARASSMENT, Priority.P2), at(0))
    brigade = [
        e.handle_report(feedback(f"n{i}", age_days=1, seconds=1 + i), decision(SELF_HARM, Priority.P0), at(1 + i))
        for i in range(6)
    ]

    published = [x for r in brigade for x in r.escalations]
    assert [(x.trigger, x.priority, x.coordinated) for x in published] == [(Trigger.COORDINATED, Priority.P2, True)]
    assert brigade[-1].case is not None and brigade[-1].case.priority is Priority.P2


# Reports in order: (event_id, category, priority, account age in days); each at i seconds.
R = tuple[str, Category, Priority, int]


@pytest.mark.parametrize(
    ("reports", "unmerged", "parent", "parent_ack_due", "split"),
    [
        (
            [("e1", SELF_HARM, Priority.P0, 400), ("e2", PRODUCT, Priority.P3, 400)], "e2",
            (SELF_HARM, Priority.P0, "wellbeing"), at(0, minutes=15), (PRODUCT, Priority.P3, "product"),
        ),
        (
            [("e1", HARASSMENT, Priority.P2, 400), ("e2", SELF_HARM, Priority.P0, 400)], "e2",
            (HARASSMENT, Priority.P2, "hate_harassment"), at(0, days=1), (SELF_HARM, Priority.P0, "wellbeing"),
        ),
        (
            [("e1", HARASSMENT, Priority.P2, 400), ("e2", SELF_HARM, Priority.P0, 400), ("e3", SELF_HARM, Priority.P0, 400)], "e2",
            (SELF_HARM, Priority.P0, "wellbeing"), at(1, minutes=15), (SELF_HARM, Priority.P0, "wellbeing"),
        ),
        (
            [("e1", HARASSMENT, Priority.P2, 400), ("e2", SELF_HARM, Priority.P0, 400), ("e3", VIOLENCE, Priority.P0, 400)], "e2",
            (VIOLENCE, Priority.P0, "violence"), at(1, minutes=15), (SELF_HARM, Priority.P0, "wellbeing"),
        ),
        (
            [("e1", HARASSMENT, Priority.P2, 400), ("e2", FRAUD, Priority.P1, 400), ("e3", SELF_HARM, Priority.P0, 400)], "e3",
            (FRAUD, Priority.P1, "fraud"), at(0, hours=1), (SELF_HARM, Priority.P0, "wellbeing"),
        ),
        (
            [("e1", HARASSMENT, Priority.P2, 400), ("e2", FRAUD, Priority.P1, 400), ("e3", SELF_HARM, Priority.P0, 400)], "e2",
            (SELF_HARM, Priority.P0, "wellbeing"), at(2, minutes=15), (FRAUD, Priority.P1, "fraud"),
        ),
        (
            [("e1", HARASSMENT, Priority.P2, 400), ("e2", SELF_HARM, Priority.P0, 1)], "e2",  # a suspicious claim
            (HARASSMENT, Priority.P2, "hate_harassment"), at(0, days=1), (SELF_HARM, Priority.P0, "wellbeing"),
        ),
        (
            [("e1", HARASSMENT, Priority.P2, 400), ("e2", SELF_HARM, Priority.P0, 400), ("e3", SELF_HARM, Priority.P0, 1)], "e3",
            (SELF_HARM, Priority.P0, "wellbeing"), at(1, minutes=15), (SELF_HARM, Priority.P0, "wellbeing"),
        ),
    ],
    ids=["less-urgent-report", "the-raise", "one-of-two-raises", "raise-of-another-category", "the-top-of-two-raises",
         "a-raise-below-the-top", "a-suspicious-claim", "a-suspicious-echo-of-a-raise"],
)
def test_unmerge_takes_back_what_the_report_claimed(
    reports: list[R], unmerged: str, parent: tuple[Category, Priority, str], parent_ack_due: Any,
    split: tuple[Category, Priority, str],
) -> None:
    e = engine()
    results = [
        e.handle_report(feedback(eid, age_days=age, seconds=i), decision(category, priority), at(i))
        for i, (eid, category, priority, age) in enumerate(reports)
    ]
    escalation_id = results[0].escalations[0].escalation_id

    result = e.handle_update(_update(escalation_id, UpdateAction.UNMERGE, 100, event_id=unmerged), at(100))

    became = result.escalations[0]
    assert (became.escalation_id, became.trigger) == (escalation_id, Trigger.UNMERGED)
    assert (became.category, became.priority, became.team) == parent
    assert became.ack_due == parent_ack_due
    [opened] = [x for x in result.escalations if x.escalation_id != escalation_id]
    assert (opened.category, opened.priority, opened.team) == split
    assert opened.ack_due == at(100) + e.routing.sla[split[1]].ack
    [outcome] = result.outcomes
    assert (outcome.outcome, outcome.category, outcome.priority, outcome.team) == (OutcomeKind.ESCALATED, *split)
    assert [c.after for c in result.changes if c.case_id == became.case_id] == [(parent[2], parent[1])]


def test_unmerged_reports_leave_the_counts_as_if_never_merged() -> None:
    e = engine()
    opened = e.handle_report(feedback("e1"), decision(), at(0))
    e.handle_report(feedback("e2", seconds=1), decision(), at(1))
    e.handle_report(feedback("n1", age_days=1, seconds=2), decision(), at(2))
    before = e.state.cases.get(opened.outcome.case_id or "")

    e.handle_update(_update(opened.escalations[0].escalation_id, UpdateAction.UNMERGE, 100, event_id="n1"), at(100))
    e.handle_update(_update(opened.escalations[0].escalation_id, UpdateAction.UNMERGE, 100, event_id="e2"), at(100))

    after = e.state.cases.get(opened.outcome.case_id or "")
    assert before is not None and after is not None
    assert (before.report_count, before.distinct_reporters, before.credible_reporters, before.suspicious_reports) == (3, 3, 2, 1)
    assert (after.report_count, after.distinct_reporters, after.credible_reporters, after.suspicious_reports) == (1, 1, 1, 0)


def test_a_raise_after_an_unmerge_counts_from_the_remaining_reports() -> None:
    e = engine()
    opened = e.handle_report(feedback("e1"), decision(HARASSMENT, Priority.P2), at(0))
    e.handle_report(feedback("e2", seconds=1), decision(SELF_HARM, Priority.P0), at(1))
    e.handle_update(_update(opened.escalations[0].escalation_id, UpdateAction.UNMERGE, 100, event_id="e2"), at(100))

    again = e.handle_report(feedback("e3", seconds=200), decision(FRAUD, Priority.P1), at(200))

    [raised] = again.escalations
    assert (raised.trigger, raised.priority, raised.team) == (Trigger.PRIORITY_RAISED, Priority.P1, "fraud")
    assert raised.ack_due == at(200) + timedelta(hours=1)


@pytest.mark.parametrize("later_report", [False, True], ids=["untouched-since", "merged-into-since"])
def test_a_case_stored_before_claims_were_kept_is_not_lowered_by_an_unmerge(later_report: bool) -> None:
    e = engine()
    opened = e.handle_report(feedback("e1"), decision(HARASSMENT, Priority.P2), at(0))
    e.handle_report(feedback("e2", seconds=1), decision(SELF_HARM, Priority.P0), at(1))
    case_id = opened.outcome.case_id or ""
    stored = e.state.cases.get(case_id)
    assert stored is not None and len(stored.claims) == 2
    e.state.cases.put(case_id, msgspec.structs.replace(stored, claims=[]))  # as an older version wrote it
    if later_report:
        e.handle_report(feedback("e3", seconds=2), decision(FRAUD, Priority.P1), at(2))

    result = e.handle_update(_update(opened.escalations[0].escalation_id, UpdateAction.UNMERGE, 100, event_id="e2"), at(100))

    assert (result.escalations[0].priority, result.escalations[0].team) == (Priority.P0, "wellbeing")  # it stands
