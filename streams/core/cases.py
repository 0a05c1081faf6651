"""Cases: reports about one incident fused into one record a team can act on.

A report joins an open case about the same subject, or, when it has no subject, an open
case in the same category and language whose text is a near duplicate of it. Otherwise it
opens a case. A case remembers who reported it and through which channels, and notices when
a burst of its reports comes from brand-new accounts or from reporters whose earlier reports
were rejected (coordinated reporting).

Priority comes from evidence a team can trust: the case is as urgent as the most urgent
triage among its opening report and its credible reports (its *claims*). A suspicious
report (new account, rejected history) counts in the case but claims nothing, so it never
raises the priority, flagged burst or not; a credible report raises it with its own triage.
Claims are counted per (priority, category), so undoing a merge can lower the case again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import msgspec
import xxhash

from streams.core import neardup
from streams.core.escalation import Escalation, EscalationStatus, Resolution, SubjectRef
from streams.core.dedupe import SeenReport
from streams.core.outcome import OutcomeKind
from streams.core.report import FeedbackEvent
from streams.core.taxonomy import Category, Priority
from streams.core.triage.decision import Decision, Facts


@dataclass(frozen=True, slots=True)
class FusionConfig:
    near_duplicate_window: timedelta = timedelta(hours=24)
    near_duplicate_min_similarity: float = 0.6  # estimated Jaccard of word shingles
    sample_size: int = 10
    reporter_cap: int = 1000  # per-case reporter ids kept; counts stay exact up to here
    reason_cap: int = 20
    reporter_milestones: tuple[int, ...] = (10, 100, 1000)
    new_account_days: int = 7
    rejected_reports_suspicious: int = 2  # a reporter with this many rejected reports
    coordinated_min_reports: int = 5
    coordinated_window: timedelta = timedelta(hours=1)
    coordinated_share: float = 0.6


class MergeReason(StrEnum):
    SAME_SUBJECT = "same_subject"
    NEAR_DUPLICATE_TEXT = "near_duplicate_text"


class OpenReason(StrEnum):
    NEW_SUBJECT = "new_subject"
    SUBJECT_REOPENED = "subject_reopened"  # its previous case was resolved
    NEW_TEXT = "new_text"
    UNMERGED = "unmerged"


class LastReport(msgspec.Struct, array_like=True):
    event_id: str
    outcome: OutcomeKind
    reason: str


class Claim(msgspec.Struct, array_like=True):
    """What some of a case's trusted reports were triaged as, and how many said so."""

    priority: Priority
    category: Category
    team: str
    reports: int = 1


class Case(msgspec.Struct, omit_defaults=True):
    case_id: str
    route: str
    category: Category
    priority: Priority
    team: str
    status: EscalationStatus
    opened_at: datetime  # processing time the case was opened
    first_seen: datetime  # event time of its first report
    last_seen: datetime  # event time of its latest report
    report_count: int = 0
    # Who reported: packed 8-byte reporter hashes (see ReporterSet), up to the configured cap;
    # `repeaters` are those with more than one report here (needed to undo a merge).
    reporters: bytes = b""
    repeaters: bytes = b""
    distinct_reporters: int = 0
    credible_reporters: int = 0  # distinct reporters not flagged as suspicious
    suspicious_reports: int = 0
    suspicious_recent: list[datetime] = []
    coordinated: bool = False
    claims: list[Claim] = []  # empty in cases stored before claims were kept
    channels: list[str] = []
    sample_event_ids: list[str] = []
    reasons: list[str] = []
    labels: list[str] = []
    facts: Facts = Facts()
    subject: SubjectRef | None = None
    signature: bytes | None = None  # MinHash of the opening text (reports without a subject)
    language: str = ""
    excerpt: str = ""
    rules_version: str = ""
    reopened_from: int = 0  # how many cases on this subject were resolved before this one
    # Escalation state (one escalation per case; see policy.py)
    version: int = 0
    level: int = 0
    announced_milestone: int = 0
    ack_due: datetime | None = None
    resolve_due: datetime | None = None
    acked_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution: Resolution | None = None
    resolve_breached: bool = False
    # Crash safety (see engine.py): what was last published and which input caused it, the
    # last report counted in and what it was told, and the team updates already applied.
    last_escalation: Escalation | None = None
    last_cause: str = ""
    last_report: LastReport | None = None
    recent_updates: list[str] = []

    @property
    def is_open(self) -> bool:
        return self.status is not EscalationStatus.RESOLVED


class SubjectHistory(msgspec.Struct, omit_defaults=True):
    """Per subject: its open case, and how often its cases were resolved (recurrence)."""

    open_case_id: str | None = None
    resolved_cases: int = 0
    last_resolved_at: datetime | None = None
    last_seen: datetime | None = None


class TextCandidate(msgspec.Struct, array_like=True):
    case_id: str
    signature: bytes
    last_seen: datetime


EXCERPT_CHARS = 280
BUCKET_CAP = 32


def open_case(
    case_id: str,
    route: str,
    event: FeedbackEvent,
    decision: Decision,
    now: datetime,
    signature: bytes | None,
    reopened_from: int,
    suspicious: bool,
    config: FusionConfig,
) -> Case:
    case = Case(
        case_id=case_id,
        route=route,
        category=decision.category,
        priority=decision.priority,
        team=decision.team,
        status=EscalationStatus.OPEN,
        opened_at=now,
        first_seen=event.occurred_at,
        last_seen=event.occurred_at,
        subject=SubjectRef(event.subject.type, event.subject.id) if event.subject else None,
        signature=signature,
        language=event.reporter.language,
        excerpt=event.text[:EXCERPT_CHARS],
        rules_version=decision.rules_version,
        reopened_from=reopened_from,
        labels=list(decision.labels),
        facts=decision.facts,
        claims=[Claim(decision.priority, decision.category, decision.team)],  # the opener's, trusted or not
    )
    add_report(case, event, decision, suspicious, config)
    return case


def add_report(case: Case, event: FeedbackEvent, decision: Decision, suspicious: bool, config: FusionConfig) -> None:
    """Count a report into the case. Its triage is claimed separately (see `back`)."""
    case.report_count += 1
    reporter = reporter_hash(event.reporter.user_id)
    if not _contains(case.reporters, reporter):
        case.distinct_reporters += 1
        if not suspicious:
            case.credible_reporters += 1
        if len(case.reporters) < config.reporter_cap * 8:
            case.reporters += reporter
    elif not _contains(case.repeaters, reporter) and len(case.repeaters) < config.reporter_cap * 8:
        case.repeaters += reporter
    if event.occurred_at < case.first_seen:
        case.first_seen = event.occurred_at
    if event.occurred_at > case.last_seen:
        case.last_seen = event.occurred_at
    if event.channel not in case.channels:
        case.channels.append(event.channel)
    if len(case.sample_event_ids) < config.sample_size:
        case.sample_event_ids.append(event.event_id)
    _extend_capped(case.reasons, decision.reasons, config.reason_cap)
    _extend_capped(case.labels, decision.labels, config.reason_cap)
    if suspicious:
        _note_suspicious(case, event.occurred_at, config)


def back(case: Case, decision: Decision) -> bool:
    """Claim a credible report's triage for the case; take it if more urgent. True if raised."""
    _claim(case, decision.priority, decision.category, decision.team, +1)
    if not decision.priority.outranks(case.priority):
        return False
    case.priority = decision.priority
    case.category = decision.category
    case.team = decision.team
    case.facts = decision.facts
    # The evidence for the new priority leads; earlier reasons follow.
    case.reasons = list(dict.fromkeys([*decision.reasons, *case.reasons]))
    return True


def withdraw(case: Case, seen: SeenReport) -> bool:
    """Take back what an unmerged report claimed. When no claim is left for the case's
    (priority, category), it takes its most urgent remaining claim. True if that changed it."""
    if seen.suspicious or not case.claims:  # it claimed nothing, or nothing is known (old case)
        return False
    category, priority, team = seen.own_triage
    _claim(case, priority, category, team, -1)
    if any(c.priority is case.priority and c.category is case.category for c in case.claims) or not case.claims:
        return False
    top = min(case.claims, key=lambda c: c.priority.rank)  # the earliest at the top priority
    case.priority, case.category, case.team = top.priority, top.category, top.team
    return True


def _claim(case: Case, priority: Priority, category: Category, team: str, reports: int) -> None:
    if not case.claims:  # a case stored before claims were kept: all its reports back what it is
        case.claims = [Claim(case.priority, case.category, case.team, max(1, case.report_count))]
    for claim in case.claims:
        if claim.priority is priority and claim.category is category:
            claim.reports += reports
            break
    else:
        if reports > 0:
            case.claims.append(Claim(priority, category, team, reports))
    case.claims = [c for c in case.claims if c.reports > 0]


def is_suspicious(event: FeedbackEvent, rejected_reports: int, config: FusionConfig) -> bool:
    """A report whose reporter is brand new or has a record of rejected reports."""
    age = event.reporter.account_age_days
    new_account = age is not None and age < config.new_account_days
    return new_account or rejected_reports >= config.rejected_reports_suspicious


def _note_suspicious(case: Case, when: datetime, config: FusionConfig) -> None:
    case.suspicious_reports += 1
    horizon = when - config.coordinated_window
    recent = [t for t in case.suspicious_recent if t >= horizon]
    recent.append(when)
    case.suspicious_recent = recent[-config.coordinated_min_reports * 4 :]
    burst = len(recent) >= config.coordinated_min_reports
    share = case.suspicious_reports / case.report_count >= config.coordinated_share
    if burst and share:
        case.coordinated = True


def remove_report(case: Case, seen: SeenReport) -> None:
    """Undo one report's counts (unmerge); its claim is `withdraw`n. Evidence lists keep history."""
    case.report_count = max(0, case.report_count - 1)
    if seen.suspicious:
        case.suspicious_reports = max(0, case.suspicious_reports - 1)
    if seen.event_id in case.sample_event_ids:
        case.sample_event_ids.remove(seen.event_id)
    reporter = reporter_hash(seen.reporter_id)
    if _contains(case.repeaters, reporter):
        return  # they reported here more than once: still a reporter (a second split-off is rare)
    if _contains(case.reporters, reporter):
        case.reporters = _without(case.reporters, reporter)
        case.distinct_reporters = max(0, case.distinct_reporters - 1)
        if not seen.suspicious:
            case.credible_reporters = max(0, case.credible_reporters - 1)
        case.credible_reporters = min(case.credible_reporters, case.distinct_reporters)


def split_off(new_case_id: str, parent: Case, seen: SeenReport, now: datetime) -> Case:
    """A case for one report taken out of `parent` (unmerge), as its own triage decided it."""
    category, priority, team = seen.own_triage
    return Case(
        case_id=new_case_id,
        route=parent.route,
        category=category,
        priority=priority,
        team=team,
        status=EscalationStatus.OPEN,
        opened_at=now,
        first_seen=seen.occurred_at,
        last_seen=seen.occurred_at,
        report_count=1,
        reporters=reporter_hash(seen.reporter_id),
        distinct_reporters=1,
        credible_reporters=0 if seen.suspicious else 1,
        suspicious_reports=1 if seen.suspicious else 0,
        claims=[Claim(priority, category, team)],
        channels=[seen.channel],
        sample_event_ids=[seen.event_id],
        reasons=[f"unmerged_from:{parent.case_id}"],
        subject=parent.subject,
        language=parent.language,
        rules_version=parent.rules_version,
    )


def best_text_match(
    candidates: list[TextCandidate],
    signature: bytes,
    occurred_at: datetime,
    config: FusionConfig,
) -> tuple[TextCandidate, float] | None:
    """The most similar recent candidate above the threshold, with its similarity."""
    best: tuple[TextCandidate, float] | None = None
    for candidate in candidates:
        if abs(occurred_at - candidate.last_seen) > config.near_duplicate_window:
            continue
        score = neardup.similarity(candidate.signature, signature)
        if score >= config.near_duplicate_min_similarity and (best is None or score > best[1]):
            best = (candidate, score)
    return best


def remember_candidate(bucket: list[TextCandidate], candidate: TextCandidate) -> list[TextCandidate]:
    kept = [c for c in bucket if c.case_id != candidate.case_id]
    kept.append(candidate)
    return kept[-BUCKET_CAP:]


def reporter_hash(user_id: str) -> bytes:
    """8 bytes that stand for a reporter inside a case: compact, cheap to decode and compare."""
    return xxhash.xxh3_64_digest(user_id.encode())


def reporter_hashes(packed: bytes) -> list[bytes]:
    return [packed[i : i + 8] for i in range(0, len(packed), 8)]


def _contains(packed: bytes, item: bytes) -> bool:
    at = packed.find(item)
    while at != -1 and at % 8:  # a match straddling two entries is not one
        at = packed.find(item, at + 1)
    return at != -1


def _without(packed: bytes, item: bytes) -> bytes:
    return b"".join(h for h in reporter_hashes(packed) if h != item)


def _extend_capped(target: list[str], items: tuple[str, ...] | list[str], cap: int) -> None:
    for item in items:
        if len(target) >= cap:
            return
        if item not in target:
            target.append(item)
