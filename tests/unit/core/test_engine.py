"""The case engine: dedupe, fusion, re-publication and team updates, with an injected clock."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from streams.core import keys
from streams.core.cases import reporter_hash
from streams.core.dedupe import Verdict
from streams.core.escalation import EscalationStatus, EscalationUpdate, Resolution, Trigger, UpdateAction
from streams.core.outcome import OutcomeKind, Source
from streams.core.policy import Rejection
from streams.core.taxonomy import Category, Priority
from tests.unit.core.builders import at, decision, engine, feedback

BUG = "the app crashes every time I open the camera on my android phone"


def test_first_report_opens_a_case_and_publishes_version_1() -> None:
    e = engine()
    result = e.handle_report(feedback("e1"), decision(), at(0), Source("t", 0, 1))

    assert result.outcome.outcome is OutcomeKind.ESCALATED
    assert result.outcome.reason == "new_subject"
    [escalation] = result.escalations
    assert (escalation.version, escalation.trigger, escalation.report_count) == (1, Trigger.OPENED, 1)
    assert escalation.escalation_id == keys.escalation_id(result.outcome.case_id or "")
    assert escalation.ack_due == at(0) + timedelta(days=1)  # P2 acknowledgement SLA


def test_a_hundred_reporters_on_one_subject_make_one_case() -> None:
    e = engine()
    results = [e.handle_report(feedback(f"e{i}", seconds=i), decision(), at(i)) for i in range(100)]

    case_ids = {r.outcome.case_id for r in results}
    escalations = [x for r in results for x in r.escalations]
    assert len(case_ids) == 1
    assert [r.outcome.outcome for r in results].count(OutcomeKind.MERGED) == 99
    assert {x.escalation_id for x in escalations} == {results[0].escalations[0].escalation_id}
    assert [(x.version, x.trigger, x.distinct_reporters) for x in escalations] == [
        (1, Trigger.OPENED, 1),
        (2, Trigger.REPORTERS_THRESHOLD, 10),
        (3, Trigger.REPORTERS_THRESHOLD, 100),
    ]
    assert results[-1].case is not None and results[-1].case.report_count == 100


@pytest.mark.parametrize(
    ("second", "outcome", "reason"),
    [
        (feedback("e1", seconds=5), OutcomeKind.DUPLICATE, "same_event_id"),
        (feedback("e2", idempotency_key="k1", seconds=5), OutcomeKind.DUPLICATE, "same_idempotency_key"),
        (feedback("e3", user="u-e1", seconds=5), OutcomeKind.MERGED, "same_subject"),  # same reporter again
        (feedback("e4", subject="video:v2", seconds=5), OutcomeKind.ESCALATED, "new_subject"),
    ],
    ids=["retry", "idempotency-key", "same-reporter-again", "other-subject"],
)
def test_a_second_report(second, outcome: OutcomeKind, reason: str) -> None:  # type: ignore[no-untyped-def]
    e = engine()
    e.handle_report(feedback("e1", idempotency_key="k1"), decision(), at(0), Source("t", 0, 1))

    result = e.handle_report(second, decision(), at(5), Source("t", 0, 2))

    assert (result.outcome.outcome, result.outcome.reason) == (outcome, reason)
    if outcome is OutcomeKind.DUPLICATE:
        assert result.escalations == [] and result.case is None


def test_a_duplicate_changes_nothing() -> None:
    e = engine()
    first = e.handle_report(feedback("e1"), decision(), at(0), Source("t", 0, 1))
    before = e.state.cases.get(first.outcome.case_id or "")

    e.handle_report(feedback("e1"), decision(Category.CHILD_SAFETY, Priority.P0), at(9), Source("t", 0, 2))

    assert e.state.cases.get(first.outcome.case_id or "") == before


def test_a_replay_re_emits_exactly_what_was_published() -> None:
    e = engine()
    for i in range(9):
        e.handle_report(feedback(f"e{i}", seconds=i), decision(), at(i), Source("t", 0, i))
    tenth = e.handle_report(feedback("e9", seconds=9), decision(), at(9), Source("t", 0, 9))
    later = e.handle_report(feedback("e10", seconds=10), decision(), at(10), Source("t", 0, 10))

    replay_of_tenth = e.handle_report(feedback("e9", seconds=9), decision(), at(99), Source("t", 0, 9))
    replay_of_later = e.handle_report(feedback("e10", seconds=10), decision(), at(99), Source("t", 0, 10))

    assert replay_of_tenth.verdict is Verdict.REPLAY
    assert replay_of_tenth.outcome == tenth.outcome
    assert replay_of_tenth.escalations == tenth.escalations  # version 2, the milestone it published
    assert replay_of_later.outcome == later.outcome and replay_of_later.escalations == []


@pytest.mark.parametrize("event_id", ["e0", "e9"], ids=["opened-the-case", "merged-and-published"])
def test_a_report_whose_seen_record_was_lost_is_finished_not_counted_twice(event_id: str) -> None:
    e = engine()
    results = {f"e{i}": e.handle_report(feedback(f"e{i}", seconds=i), decision(), at(i), Source("t", 0, i)) for i in range(10)}
    route = keys.route_id("subject:video:v1")
    e.state.seen.delete(keys.seen_key(route, event_id))  # a restore that kept the case, not `seen`
    if event_id == "e0":  # for the opener, also roll the case back to just after it
        e.state.cases.put(results["e0"].outcome.case_id or "", results["e0"].case)  # type: ignore[arg-type]
    before = e.state.cases.get(results[event_id].outcome.case_id or "")

    again = e.handle_report(feedback(event_id, seconds=int(event_id[1:])), decision(), at(int(event_id[1:])), Source("t", 0, int(event_id[1:])))

    assert again.verdict is Verdict.RESUMED
    assert again.outcome == results[event_id].outcome
    assert again.escalations == results[event_id].escalations
    assert e.state.cases.get(results[event_id].outcome.case_id or "") == before
    assert e.state.seen.get(keys.seen_key(route, event_id)) is not None


def test_a_more_urgent_report_raises_the_case_and_moves_it_to_its_team() -> None:
    e = engine()
    e.handle_report(feedback("e1"), decision(Category.SCAM_FRAUD, Priority.P2), at(0))

    result = e.handle_report(
        feedback("e2", seconds=60), decision(Category.SELF_HARM, Priority.P0, "rule:self_harm.imminent"), at(60)
    )

    [escalation] = result.escalations
    assert (escalation.version, escalation.trigger) == (2, Trigger.PRIORITY_RAISED)
    assert (escalation.category, escalation.priority, escalation.team) == (Category.SELF_HARM, Priority.P0, "wellbeing")
    assert escalation.reasons[0] == "rule:self_harm.imminent"
    assert escalation.ack_due == at(60) + timedelta(minutes=15)
    assert [(c.before, c.after) for c in result.changes] == [(("fraud", Priority.P2), ("wellbeing", Priority.P0))]


def test_a_less_urgent_report_only_merges() -> None:
    e = engine()
    e.handle_report(feedback("e1"), decision(Category.SELF_HARM, Priority.P1), at(0))

    result = e.handle_report(feedback("e2", seconds=5), decision(Category.OTHER, Priority.P3), at(5))

    assert result.escalations == []
    assert result.case is not None and result.case.priority is Priority.P1


def test_a_burst_from_new_accounts_is_flagged_once_and_cannot_raise_priority() -> None:
    e = engine()
    opened = e.handle_report(feedback("e0", age_days=900), decision(Category.HARASSMENT, Priority.P2), at(0))
    burst = [
        e.handle_report(feedback(f"n{i}", age_days=1, seconds=10 + i), decision(), at(10 + i)) for i in range(12)
    ]
    brigade = e.handle_report(feedback("n99", age_days=1, seconds=30), decision(Category.CHILD_SAFETY, Priority.P0), at(30))
    credible = e.handle_report(feedback("c1", age_days=900, seconds=40), decision(Category.CHILD_SAFETY, Priority.P0), at(40))

    assert burst[3].case is not None and not burst[3].case.coordinated
    assert burst[-1].case is not None and burst[-1].case.coordinated
    # 13 reporters but 1 credible: no milestone; the flag itself is a change teams must see.
    assert [i for i, r in enumerate(burst) if r.escalations] == [4]
    [flagged] = burst[4].escalations
    assert (flagged.escalation_id, flagged.version, flagged.trigger) == (opened.escalations[0].escalation_id, 2, Trigger.COORDINATED)
    assert (flagged.coordinated, flagged.priority) == (True, Priority.P2)
    assert brigade.escalations == [] and brigade.case is not None and brigade.case.priority is Priority.P2
    [raised] = credible.escalations
    assert (raised.trigger, raised.priority, raised.coordinated) == (Trigger.PRIORITY_RAISED, Priority.P0, True)


def test_reports_from_previously_rejected_reporters_count_as_suspicious() -> None:
    e = engine()
    e.state.rejections.put(reporter_hash("u-bad").hex(), [at(-60), at(-30)])
    e.handle_report(feedback("e0", user="u-bad"), decision(), at(0))

    case = e.state.cases.get(keys.case_id(keys.route_id("subject:video:v1"), "e0"))
    assert case is not None and (case.distinct_reporters, case.credible_reporters) == (1, 0)


@pytest.mark.parametrize(
    ("second", "merged"),
    [
        (feedback("t2", subject=None, text=BUG + "!!", seconds=60), True),
        (feedback("t2", subject=None, text=BUG.replace("android", "samsung"), seconds=60), True),
        (feedback("t2", subject=None, text=BUG, language="es", seconds=60), False),  # other language route
        (feedback("t2", subject=None, text=BUG, seconds=60 + 25 * 3600), False),  # outside the window
        (feedback("t2", subject=None, text="payments fail at checkout with error 500 every single time", seconds=60), False),
        (feedback("t2", subject=None, text="help me", seconds=60), False),  # too short to compare
    ],
    ids=["punctuation", "one-word", "other-language", "too-late", "different-text", "too-short"],
)
def test_reports_without_a_subject_merge_on_near_duplicate_text(second, merged: bool) -> None:  # type: ignore[no-untyped-def]
    e = engine()
    first = e.handle_report(feedback("t1", subject=None, text=BUG), decision(Category.PRODUCT_ISSUE, Priority.P3), at(0))

    result = e.handle_report(second, decision(Category.PRODUCT_ISSUE, Priority.P3), at(60))

    assert (result.outcome.case_id == first.outcome.case_id) is merged
    assert result.outcome.reason == ("near_duplicate_text" if merged else "new_text")


def test_same_text_in_another_category_is_another_case() -> None:
    e = engine()
    first = e.handle_report(feedback("t1", subject=None, text=BUG), decision(Category.PRODUCT_ISSUE, Priority.P3), at(0))
    second = e.handle_report(feedback("t2", subject=None, text=BUG), decision(Category.OTHER, Priority.P3), at(1))
    assert first.outcome.case_id != second.outcome.case_id


# --- updates from teams ----------------------------------------------------------------------


_update_ids = itertools.count()


def _update(escalation_id: str, action: UpdateAction, update_id: str | None = None, **fields) -> EscalationUpdate:  # type: ignore[no-untyped-def]
    update_id = update_id or f"upd-{next(_update_ids)}"
    return EscalationUpdate(update_id=update_id, escalation_id=escalation_id, action=action, actor="agent-7", at=at(100), **fields)


def _opened(e, *event_ids: str) -> str:  # type: ignore[no-untyped-def]
    results = [e.handle_report(feedback(eid, seconds=i), decision(), at(i)) for i, eid in enumerate(event_ids or ("e1",))]
    return results[0].escalations[0].escalation_id


@pytest.mark.parametrize(
    ("action", "fields", "status", "trigger"),
    [
        (UpdateAction.ACK, {}, EscalationStatus.ACKNOWLEDGED, Trigger.ACKNOWLEDGED),
        (UpdateAction.RESOLVE, {"resolution": Resolution.ACTIONED}, EscalationStatus.RESOLVED, Trigger.RESOLVED),
        (UpdateAction.REASSIGN, {"team": "privacy"}, EscalationStatus.OPEN, Trigger.REASSIGNED),
    ],
)
def test_team_updates_republish_the_escalation(action, fields, status, trigger) -> None:  # type: ignore[no-untyped-def]
    e = engine()
    escalation_id = _opened(e)

    result = e.handle_update(_update(escalation_id, action, **fields), at(100))

    [escalation] = result.escalations
    assert (escalation.escalation_id, escalation.version, escalation.status, escalation.trigger) == (escalation_id, 2, status, trigger)


def test_an_update_sent_twice_is_applied_once_and_answered_the_same() -> None:
    e = engine()
    escalation_id = _opened(e)
    ack = _update(escalation_id, UpdateAction.ACK, update_id="same")

    first = e.handle_update(ack, at(100))
    again = e.handle_update(ack, at(200))

    assert again.rejection is None and again.escalations == first.escalations
    assert e.state.cases.get("case-" + escalation_id.removeprefix("esc-")).version == 2  # type: ignore[union-attr]


def test_a_comment_is_recorded_without_publishing() -> None:
    e = engine()
    result = e.handle_update(_update(_opened(e), UpdateAction.COMMENT, comment="looking"), at(100))
    assert result.rejection is None and result.escalations == []


@pytest.mark.parametrize(
    ("prepare", "update", "rejection"),
    [
        ([], (UpdateAction.ACK, {}), Rejection.UNKNOWN_ESCALATION),
        ([(UpdateAction.RESOLVE, {})], (UpdateAction.RESOLVE, {}), Rejection.ALREADY_RESOLVED),
        ([(UpdateAction.RESOLVE, {})], (UpdateAction.ACK, {}), Rejection.ALREADY_RESOLVED),
        ([], (UpdateAction.REOPEN, {}), Rejection.NOT_RESOLVED),
        ([], (UpdateAction.REASSIGN, {"team": "nobody"}), Rejection.UNKNOWN_TEAM),
        ([], (UpdateAction.REASSIGN, {}), Rejection.MISSING_FIELD),
        ([], (UpdateAction.UNMERGE, {"event_id": "e1"}), Rejection.NOT_IN_CASE),  # it opened the case
        ([], (UpdateAction.UNMERGE, {"event_id": "zz"}), Rejection.NOT_IN_CASE),
    ],
    ids=["unknown", "resolve-twice", "ack-resolved", "reopen-open", "unknown-team", "no-team", "unmerge-opener", "unmerge-stranger"],
)
def test_updates_that_cannot_apply_are_rejected_with_a_reason(prepare, update, rejection) -> None:  # type: ignore[no-untyped-def]
    e = engine()
    escalation_id = _opened(e, "e1", "e2") if rejection is not Rejection.UNKNOWN_ESCALATION else "esc-0123456789abcdef-00000000"
    for action, fields in prepare:
        e.handle_update(_update(escalation_id, action, **fields), at(100))

    action, fields = update
    result = e.handle_update(_update(escalation_id, action, **fields), at(100))

    assert result.rejection is rejection and result.escalations == []


def test_resolving_a_subject_case_lets_the_next_report_open_a_new_one() -> None:
    e = engine()
    escalation_id = _opened(e)
    e.handle_update(_update(escalation_id, UpdateAction.RESOLVE, resolution=Resolution.ACTIONED), at(100))

    result = e.handle_report(feedback("e9", seconds=200), decision(), at(200))

    assert result.outcome.reason == "subject_reopened"
    assert result.outcome.escalation_id != escalation_id
    assert result.case is not None and result.case.reopened_from == 1


def test_reopening_is_refused_while_the_subject_has_a_newer_open_case() -> None:
    e = engine()
    escalation_id = _opened(e)
    e.handle_update(_update(escalation_id, UpdateAction.RESOLVE), at(100))
    e.handle_report(feedback("e9", seconds=200), decision(), at(200))

    result = e.handle_update(_update(escalation_id, UpdateAction.REOPEN), at(300))

    assert result.rejection is Rejection.SUBJECT_HAS_OPEN_CASE


def test_rejecting_reports_marks_their_reporters() -> None:
    e = engine()
    escalation_id = _opened(e, "e1", "e2")

    e.handle_update(_update(escalation_id, UpdateAction.RESOLVE, resolution=Resolution.NO_VIOLATION), at(100))

    marks = [e.state.rejections.get(reporter_hash(user).hex()) for user in ("u-e1", "u-e2", "u-e3")]
    assert marks == [[at(100)], [at(100)], None]


def test_unmerge_splits_a_report_into_its_own_case() -> None:
    e = engine()
    escalation_id = _opened(e, "e1", "e2", "e3")

    result = e.handle_update(_update(escalation_id, UpdateAction.UNMERGE, event_id="e2"), at(100))

    parent, split = result.escalations
    assert (parent.escalation_id, parent.report_count, parent.trigger) == (escalation_id, 2, Trigger.UNMERGED)
    assert split.escalation_id != escalation_id and split.report_count == 1 and split.version == 1
    [outcome] = result.outcomes
    assert (outcome.event_id, outcome.outcome, outcome.case_id) == ("e2", OutcomeKind.ESCALATED, split.case_id)
    again = e.handle_update(_update(escalation_id, UpdateAction.UNMERGE, event_id="e2"), at(101))
    assert again.rejection is Rejection.NOT_IN_CASE


# --- SLA and expiry ----------------------------------------------------------------------------


def test_a_missed_acknowledgement_re_escalates_one_level_up() -> None:
    e = engine()
    opened = e.handle_report(feedback("e1"), decision(Category.SELF_HARM, Priority.P0), at(0))
    case_id = opened.outcome.case_id or ""

    early = e.check_sla(case_id, at(14 * 60))
    missed = e.check_sla(case_id, at(15 * 60))
    again = e.check_sla(case_id, at(30 * 60))

    assert early.escalations == []
    assert [(x.trigger, x.level, x.version) for x in missed.escalations] == [(Trigger.SLA_ACK_MISSED, 1, 2)]
    assert missed.deadlines[case_id] == at(30 * 60)
    assert [(x.trigger, x.level) for x in again.escalations] == [(Trigger.SLA_ACK_MISSED, 2)]


def test_re_escalation_stops_at_the_top_of_the_chain() -> None:
    e = engine()
    opened = e.handle_report(feedback("e1"), decision(Category.SELF_HARM, Priority.P0), at(0))
    case_id = opened.outcome.case_id or ""

    levels = [x.level for minute in range(15, 150, 15) for x in e.check_sla(case_id, at(minute * 60)).escalations]

    assert levels == [1, 2, 3]  # team_queue -> team_oncall -> safety_lead -> head of T&S, once each
    assert e.check_sla(case_id, at(3 * 3600)).deadlines[case_id] == at(4 * 3600)  # only the resolve SLA left


def test_an_acknowledged_case_is_only_held_to_its_resolution_deadline() -> None:
    e = engine()
    opened = e.handle_report(feedback("e1"), decision(Category.SELF_HARM, Priority.P0), at(0))
    e.handle_update(_update(opened.escalations[0].escalation_id, UpdateAction.ACK), at(60))
    case_id = opened.outcome.case_id or ""

    assert e.check_sla(case_id, at(3600)).escalations == []
    [late] = e.check_sla(case_id, at(4 * 3600)).escalations
    assert late.trigger is Trigger.SLA_RESOLVE_MISSED
    assert e.check_sla(case_id, at(5 * 3600)).escalations == []  # said once


def test_sweep_expires_old_state_and_closes_idle_cases() -> None:
    days = timedelta(days=1)
    e = engine(idle_case_expiry=30 * days, dedupe_retention=7 * days, resolved_case_retention=60 * days)
    idle = e.handle_report(feedback("e1"), decision(), at(0))
    resolved = e.handle_report(feedback("e2", subject="video:v2"), decision(), at(0))
    e.handle_update(_update(resolved.escalations[0].escalation_id, UpdateAction.RESOLVE), at(100))

    early = e.sweep(at(0, days=6))
    assert early.escalations == [] and len(e.state.seen) == 2  # inside the 7-day dedupe window
    month = e.sweep(at(0, days=31))
    assert len(e.state.seen) == 0
    later = e.sweep(at(0, days=95))

    [closed] = month.escalations
    assert (closed.escalation_id, closed.trigger, closed.status) == (
        idle.escalations[0].escalation_id, Trigger.EXPIRED, EscalationStatus.RESOLVED
    )
    assert later.escalations == [] and len(e.state.cases) == 0
    # v2 was resolved 95 days ago (past the 90-day subject retention); v1 only 64 days ago.
    assert [key for key, _ in e.state.subjects.items()] == [keys.route_id("subject:video:v1")]


def test_sweep_keeps_state_inside_its_retention() -> None:
    e = engine(dedupe_retention=timedelta(days=7))
    e.handle_report(feedback("e1"), decision(), at(0))
    e.sweep(at(0, days=6))
    assert len(e.state.seen) == 1 and len(e.state.cases) == 1
    e.sweep(at(1, days=7))
    assert len(e.state.seen) == 0 and len(e.state.cases) == 1


def test_sweep_leaves_routes_this_worker_does_not_own() -> None:
    e = engine()
    e.handle_report(feedback("e1"), decision(), at(0))
    e.sweep(at(0, days=90), owns=lambda route: False)
    assert len(e.state.seen) == 1 and len(e.state.cases) == 1
