"""Escalation policy: when a case is (re)published, its deadlines, and what teams can do to it.

One escalation per case, id derived from the case id. Every publication carries the same
escalation_id and the next version, so a consumer that keeps the highest version per id
always sees the current state, and a replay (same id, same version) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from streams.core import keys
from streams.core.cases import Case, reporter_hashes
from streams.core.escalation import (
    Escalation,
    EscalationStatus,
    EscalationUpdate,
    Resolution,
    Trigger,
    UpdateAction,
)
from streams.core.routing import Routing


def set_deadlines(case: Case, now: datetime, routing: Routing) -> None:
    sla = routing.sla[case.priority]
    case.ack_due = now + sla.ack
    case.resolve_due = now + sla.resolve


def tighten_deadlines(case: Case, now: datetime, routing: Routing) -> None:
    """After a priority raise: the more urgent SLA applies from now, if it is sooner."""
    sla = routing.sla[case.priority]
    if case.acked_at is None and case.ack_due is not None:
        case.ack_due = min(case.ack_due, now + sla.ack)
    if case.resolve_due is not None:
        case.resolve_due = min(case.resolve_due, now + sla.resolve)


def relax_deadlines(case: Case, routing: Routing) -> None:
    """After a priority drop (unmerge): the deadlines the case would have had at its
    priority since it opened, where they are later than the current ones."""
    sla = routing.sla[case.priority]
    if case.acked_at is None and case.ack_due is not None:
        case.ack_due = max(case.ack_due, case.opened_at + sla.ack)
    if case.resolve_due is not None:
        case.resolve_due = max(case.resolve_due, case.opened_at + sla.resolve)


def milestone_crossed(case: Case, milestones: tuple[int, ...]) -> int | None:
    """The highest reporter milestone newly reached by credible reporters, if any."""
    reached = [m for m in milestones if case.credible_reporters >= m > case.announced_milestone]
    if not reached:
        return None
    case.announced_milestone = max(reached)
    return case.announced_milestone


def publish(case: Case, trigger: Trigger, now: datetime, cause: str) -> Escalation:
    """Bump the case's escalation version and render the record teams receive. `cause` names
    the input (report, update, timer) so a replay of that input can re-send exactly this."""
    case.version += 1
    case.last_escalation = _render(case, trigger, now)
    case.last_cause = cause
    return case.last_escalation


def _render(case: Case, trigger: Trigger, now: datetime) -> Escalation:
    assert case.ack_due and case.resolve_due
    return Escalation(
        escalation_id=keys.escalation_id(case.case_id),
        version=case.version,
        case_id=case.case_id,
        team=case.team,
        category=case.category,
        priority=case.priority,
        status=case.status,
        trigger=trigger,
        level=case.level,
        report_count=case.report_count,
        distinct_reporters=case.distinct_reporters,
        first_seen=case.first_seen,
        last_seen=case.last_seen,
        ack_due=case.ack_due,
        resolve_due=case.resolve_due,
        published_at=now,
        channels=tuple(case.channels),
        sample_event_ids=tuple(case.sample_event_ids),
        reasons=tuple(case.reasons),
        labels=tuple(case.labels),
        facts=case.facts,
        subject=case.subject,
        coordinated=case.coordinated,
        excerpt=case.excerpt,
        rules_version=case.rules_version,
    )


# --- SLA ---------------------------------------------------------------------------------


def next_deadline(case: Case, routing: Routing) -> datetime | None:
    """When the case next needs checking, or None when nothing is pending."""
    if not case.is_open:
        return None
    ack = case.ack_due if _ack_pending(case, routing) else None
    resolve = None if case.resolve_breached else case.resolve_due
    pending = [d for d in (ack, resolve) if d is not None]
    return min(pending) if pending else None


def _ack_pending(case: Case, routing: Routing) -> bool:
    """Unacknowledged and not yet at the top level: the top of the chain is paged once."""
    return case.acked_at is None and case.level < len(routing.escalation_levels) - 1


def check_sla(case: Case, now: datetime, routing: Routing) -> Trigger | None:
    """Re-escalate a missed acknowledgement one level up; flag a missed resolution once."""
    if not case.is_open:
        return None
    if _ack_pending(case, routing) and case.ack_due is not None and now >= case.ack_due:
        case.level += 1
        case.ack_due = now + routing.sla[case.priority].ack
        return Trigger.SLA_ACK_MISSED
    if not case.resolve_breached and case.resolve_due is not None and now >= case.resolve_due:
        case.resolve_breached = True
        return Trigger.SLA_RESOLVE_MISSED
    return None


# --- Updates from teams ------------------------------------------------------------------


class Rejection(StrEnum):
    """Why an update could not be applied."""

    UNKNOWN_ESCALATION = "unknown_escalation"
    ALREADY_RESOLVED = "already_resolved"
    NOT_RESOLVED = "not_resolved"
    UNKNOWN_TEAM = "unknown_team"
    MISSING_FIELD = "missing_field"
    SUBJECT_HAS_OPEN_CASE = "subject_has_open_case"
    NOT_IN_CASE = "not_in_case"


@dataclass(frozen=True, slots=True)
class Applied:
    trigger: Trigger | None  # None: recorded, nothing to publish (a comment)
    rejected_reporters: tuple[str, ...] = ()  # keys (hex hashes) of reporters whose reports were rejected


def apply_update(case: Case, update: EscalationUpdate, now: datetime, routing: Routing) -> Applied | Rejection:
    """Apply ack / resolve / reassign / comment / reopen. (Unmerge is the engine's: it needs state.)"""
    match update.action:
        case UpdateAction.ACK:
            if not case.is_open:
                return Rejection.ALREADY_RESOLVED
            if case.acked_at is None:
                case.acked_at = update.at
            case.status = EscalationStatus.ACKNOWLEDGED
            return Applied(Trigger.ACKNOWLEDGED)
        case UpdateAction.RESOLVE:
            if not case.is_open:
                return Rejection.ALREADY_RESOLVED
            case.status = EscalationStatus.RESOLVED
            case.resolved_at = update.at
            case.resolution = update.resolution or Resolution.OTHER
            rejected = (
                tuple(h.hex() for h in reporter_hashes(case.reporters))
                if case.resolution is Resolution.NO_VIOLATION
                else ()
            )
            return Applied(Trigger.RESOLVED, rejected)
        case UpdateAction.REASSIGN:
            if not case.is_open:
                return Rejection.ALREADY_RESOLVED
            if not update.team:
                return Rejection.MISSING_FIELD
            if update.team not in routing.all_teams:
                return Rejection.UNKNOWN_TEAM
            case.team = update.team
            case.level = 0
            case.status = EscalationStatus.OPEN
            case.acked_at = None
            case.ack_due = now + routing.sla[case.priority].ack
            return Applied(Trigger.REASSIGNED)
        case UpdateAction.REOPEN:
            if case.is_open:
                return Rejection.NOT_RESOLVED
            case.status = EscalationStatus.OPEN
            case.resolved_at = None
            case.resolution = None
            case.acked_at = None
            case.resolve_breached = False
            set_deadlines(case, now, routing)
            return Applied(Trigger.REOPENED)
        case UpdateAction.COMMENT:
            return Applied(None)
    return Rejection.MISSING_FIELD
