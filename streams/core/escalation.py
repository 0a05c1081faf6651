"""Escalations published to team topics, and the updates teams send back."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from streams.core.taxonomy import Category, Priority, SubjectType
from streams.core.triage.decision import Facts


class EscalationStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Trigger(StrEnum):
    """Why this version of an escalation was published."""

    OPENED = "opened"
    PRIORITY_RAISED = "priority_raised"
    REPORTERS_THRESHOLD = "reporters_threshold"
    SLA_ACK_MISSED = "sla_ack_missed"
    SLA_RESOLVE_MISSED = "sla_resolve_missed"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    REASSIGNED = "reassigned"
    REOPENED = "reopened"
    UNMERGED = "unmerged"
    EXPIRED = "expired"  # no report and no update for the idle period; closed by Vigil
    COORDINATED = "coordinated"  # flagged: a burst of its reports came from new or rejected reporters


class SubjectRef(msgspec.Struct, frozen=True):
    type: SubjectType
    id: str


class Escalation(msgspec.Struct, frozen=True, omit_defaults=True):
    escalation_id: str  # stable for the life of a case; consumers dedupe on (id, version)
    version: int  # 1 on open; +1 on every re-publish
    case_id: str
    team: str
    category: Category
    priority: Priority
    status: EscalationStatus
    trigger: Trigger
    level: int  # 0 = team queue; +1 each time an acknowledgement deadline is missed
    report_count: int
    distinct_reporters: int
    first_seen: datetime
    last_seen: datetime
    ack_due: datetime
    resolve_due: datetime
    published_at: datetime
    channels: tuple[str, ...] = ()
    sample_event_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    facts: Facts = Facts()
    subject: SubjectRef | None = None
    coordinated: bool = False  # burst from new or previously-rejected reporters
    excerpt: str = ""  # start of the first report; raw user text, show behind a warning
    rules_version: str = ""


class UpdateAction(StrEnum):
    ACK = "ack"
    RESOLVE = "resolve"
    REASSIGN = "reassign"
    COMMENT = "comment"
    REOPEN = "reopen"
    UNMERGE = "unmerge"


class Resolution(StrEnum):
    ACTIONED = "actioned"  # violation confirmed and acted on
    NO_VIOLATION = "no_violation"  # reviewed; the reports were rejected
    DUPLICATE = "duplicate"
    EXPIRED = "expired"  # closed by Vigil after the idle period
    OTHER = "other"


class EscalationUpdate(msgspec.Struct, frozen=True, omit_defaults=True):
    update_id: str  # unique per update; a resent update is applied once
    escalation_id: str
    action: UpdateAction
    actor: str
    at: datetime
    resolution: Resolution | None = None  # resolve
    team: str | None = None  # reassign: the new team
    event_id: str | None = None  # unmerge: the report to split off into its own case
    comment: str | None = None
