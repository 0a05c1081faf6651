"""Observation: what the intake agent hands the pattern core for each accepted report."""

from __future__ import annotations

from datetime import datetime

import msgspec

from streams.core.cases import OpenReason
from streams.core.dedupe import Verdict
from streams.core.engine import ReportResult
from streams.core.escalation import Escalation, Trigger
from streams.core.report import FeedbackEvent
from streams.core.taxonomy import Category, Priority
from streams.core.triage.decision import Decision


class Observation(msgspec.Struct, frozen=True, omit_defaults=True):
    event_id: str
    occurred_at: datetime  # event time, timezone-aware UTC
    category: Category
    priority: Priority
    region: str
    language: str
    reporter_id: str
    platform: str | None = None  # None when the report came without app info
    app_version: str | None = None
    subject_key: str | None = None  # Subject.key, e.g. "video:123"
    text_cluster: str | None = None  # near-duplicate text cluster id from case fusion
    case_reopened: bool = False  # this report reopened a case that had been resolved
    coordinated: bool = False  # its case is flagged as a burst from new/rejected accounts
    reporter_rejected: bool = False  # the reporter has a history of rejected reports


class Reopening(msgspec.Struct, frozen=True):
    """A team reopened a resolved case about a subject (vigil reopen): it recurs as surely as
    when a new report reopens it."""

    subject_key: str
    category: Category
    at: datetime  # when the reopened case was published again


def reopening_of(escalation: Escalation) -> Reopening | None:
    """The reopening a team update caused, from the escalation it published, or None."""
    if escalation.trigger is not Trigger.REOPENED or escalation.subject is None:
        return None
    subject = escalation.subject
    return Reopening(f"{subject.type}:{subject.id}", escalation.category, escalation.published_at)


def observation_of(event: FeedbackEvent, decision: Decision, result: ReportResult) -> Observation | None:
    """What the pattern core learns from one report the case engine just counted in, or None
    for a report that was not new (a duplicate, a replay): it must not count twice."""
    case = result.case
    if case is None or result.verdict is not Verdict.NEW:
        return None
    return Observation(
        event_id=event.event_id,
        occurred_at=event.occurred_at,
        category=decision.category,
        priority=decision.priority,
        region=event.reporter.region,
        language=event.reporter.language,
        reporter_id=event.reporter.user_id,
        platform=event.app.platform if event.app else None,
        app_version=event.app.version if event.app else None,
        subject_key=event.subject.key if event.subject else None,
        # Reports without a subject are fused into a case only when their texts are near
        # duplicates: that case is the text cluster.
        text_cluster=case.case_id if case.subject is None and case.signature else None,
        case_reopened=result.outcome.reason == OpenReason.SUBJECT_REOPENED,
        coordinated=case.coordinated,
        reporter_rejected=result.reporter_rejected,
    )
