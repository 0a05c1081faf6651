"""The case engine: dedupe -> case fusion -> escalation policy, over injected state and time.

The Faust worker and `vigil backtest` drive the same engine; only what feeds it differs.
Each call is a function of (state, input, now) whose result says what to publish. The
engine never publishes or reads the clock itself.

Crash safety. The worker restores state from a changelog that may end anywhere, and re-reads
inputs from the last committed offset. Three rules make that safe:
- A report's writes go in one order: text index / subject, then the case, then the `seen`
  record. A restore that has `seen` has the rest; one that has the case but not `seen` is
  recognised by `case.last_report` and finished without counting the report twice.
- Every publication remembers its cause (report, update, timer), so a replay of that cause
  re-sends the very same record; team updates are applied once per update_id.
- `now` is the input record's timestamp (see the intake agent), so re-doing lost work
  decides and stamps exactly as the first time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

import msgspec

from streams.core import cases, dedupe, keys, neardup, policy, rejections
from streams.core.cases import Case, FusionConfig, LastReport, MergeReason, OpenReason, SubjectHistory, TextCandidate
from streams.core.dedupe import SeenReport, Verdict
from streams.core.escalation import (
    Escalation,
    EscalationStatus,
    EscalationUpdate,
    Resolution,
    Trigger,
    UpdateAction,
)
from streams.core.outcome import Outcome, OutcomeKind, Source
from streams.core.report import FeedbackEvent
from streams.core.routing import Routing
from streams.core.state import EngineState, Store, T
from streams.core.taxonomy import Priority
from streams.core.triage.decision import Decision


RECENT_UPDATES = 32  # update ids remembered per case, to apply each update once


@dataclass(frozen=True, slots=True)
class EngineConfig:
    fusion: FusionConfig = FusionConfig()
    dedupe_retention: timedelta = timedelta(days=7)
    resolved_case_retention: timedelta = timedelta(days=30)
    idle_case_expiry: timedelta = timedelta(days=30)
    subject_retention: timedelta = timedelta(days=90)
    rejection_retention: timedelta = timedelta(days=90)  # how long a rejected report marks its reporter


# Which (team, priority) queue a case sits in while open; None when it is closed or absent.
Queue = tuple[str, Priority] | None


def queue_of(case: Case | None) -> Queue:
    return (case.team, case.priority) if case is not None and case.is_open else None


@dataclass(frozen=True, slots=True)
class CaseChange:
    """A case moved between open-case queues (for gauges and the console)."""

    case_id: str
    before: Queue
    after: Queue


@dataclass(slots=True)
class ReportResult:
    outcome: Outcome
    verdict: Verdict
    escalations: list[Escalation] = field(default_factory=list)
    case: Case | None = None  # the case after this report (None for duplicates)
    opened: bool = False
    changes: list[CaseChange] = field(default_factory=list)
    reporter_rejected: bool = False  # the reporter has a record of rejected reports
    deadline: datetime | None = None  # the case's next SLA check


@dataclass(slots=True)
class UpdateResult:
    escalations: list[Escalation] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)  # reports re-decided (unmerge)
    rejection: policy.Rejection | None = None
    deadlines: dict[str, datetime | None] = field(default_factory=dict)
    changes: list[CaseChange] = field(default_factory=list)


class CaseEngine:
    def __init__(self, state: EngineState, routing: Routing, config: EngineConfig = EngineConfig()) -> None:
        self.state = state
        self.routing = routing
        self.config = config

    # --- reports ---------------------------------------------------------------------------

    def handle_report(
        self, event: FeedbackEvent, decision: Decision, now: datetime, source: Source | None = None
    ) -> ReportResult:
        route = keys.route_id(keys.route_key(event, decision.category))
        seen = self._seen(route, event)
        verdict = dedupe.check(seen, source, now, self.config.dedupe_retention)
        if seen is not None and verdict is Verdict.REPLAY:
            return self._replay(seen, source)
        if seen is not None and verdict is Verdict.DUPLICATE:
            return self._duplicate(event, seen, now, source)

        record = self.state.rejections.get(cases.reporter_hash(event.reporter.user_id).hex())
        rejected = rejections.recent(record, now, self.config.rejection_retention)
        suspicious = cases.is_suspicious(event, rejected, self.config.fusion)
        if event.subject is not None:
            result = self._fuse_by_subject(route, event, decision, now, suspicious)
        else:
            result = self._fuse_by_text(route, event, decision, now, suspicious)
        case = result.case
        assert case is not None
        result.outcome = msgspec.structs.replace(result.outcome, source=source)
        result.reporter_rejected = rejected >= self.config.fusion.rejected_reports_suspicious
        result.deadline = policy.next_deadline(case, self.routing)
        if result.verdict is Verdict.NEW:
            case.last_report = LastReport(event.event_id, result.outcome.outcome, result.outcome.reason)
            self.state.cases.put(case.case_id, case)
        self._remember(route, event, decision, suspicious, result.outcome, now, source)
        return result

    def _seen(self, route: str, event: FeedbackEvent) -> SeenReport | None:
        seen = self.state.seen.get(keys.seen_key(route, event.event_id))
        if seen is None and event.idempotency_key:
            seen = self.state.seen.get(keys.seen_key(route, "idem:" + event.idempotency_key))
        return seen

    def _remember(
        self,
        route: str,
        event: FeedbackEvent,
        decision: Decision,
        suspicious: bool,
        outcome: Outcome,
        now: datetime,
        source: Source | None,
    ) -> None:
        assert outcome.case_id and outcome.category and outcome.priority and outcome.team
        # The report's own triage, where it differs from its case's (to split it off as it was).
        own = (decision.category, decision.priority, decision.team) != (outcome.category, outcome.priority, outcome.team)
        record = SeenReport(
            event_id=event.event_id,
            outcome=outcome.outcome,
            reason=outcome.reason,
            case_id=outcome.case_id,
            seen_at=now,
            occurred_at=event.occurred_at,
            category=outcome.category,
            priority=outcome.priority,
            team=outcome.team,
            reporter_id=event.reporter.user_id,
            channel=event.channel,
            escalation_id=outcome.escalation_id,
            source=source,
            own_category=decision.category if own else None,
            own_priority=decision.priority if own else None,
            own_team=decision.team if own else None,
            suspicious=suspicious,
        )
        self.state.seen.put(keys.seen_key(route, event.event_id), record)
        if event.idempotency_key:
            self.state.seen.put(keys.seen_key(route, "idem:" + event.idempotency_key), record)

    def _replay(self, seen: SeenReport, source: Source | None) -> ReportResult:
        """The same record read again after a crash: say exactly what was said before."""
        outcome = Outcome(
            event_id=seen.event_id,
            outcome=seen.outcome,
            reason=seen.reason,
            decided_at=seen.seen_at,
            case_id=seen.case_id,
            escalation_id=seen.escalation_id,
            category=seen.category,
            priority=seen.priority,
            team=seen.team,
            occurred_at=seen.occurred_at,
            source=source,
        )
        case = self.state.cases.get(seen.case_id)
        return ReportResult(outcome, Verdict.REPLAY, _caused_by(case, seen.event_id), case)

    def _finish(self, case: Case, event: FeedbackEvent, now: datetime) -> ReportResult:
        """The case already counts this report (a restore kept the case but lost `seen`):
        tell the report what it was told, without counting it again."""
        assert case.last_report is not None
        last = case.last_report
        outcome = self._outcome(event, case, last.outcome, last.reason, now)
        return ReportResult(outcome, Verdict.RESUMED, _caused_by(case, event.event_id), case)

    def _duplicate(self, event: FeedbackEvent, seen: SeenReport, now: datetime, source: Source | None) -> ReportResult:
        by_key = event.idempotency_key and event.event_id != seen.event_id
        outcome = Outcome(
            event_id=event.event_id,
            outcome=OutcomeKind.DUPLICATE,
            reason="same_idempotency_key" if by_key else "same_event_id",
            decided_at=now,
            case_id=seen.case_id,
            escalation_id=seen.escalation_id,
            category=seen.category,
            priority=seen.priority,
            team=seen.team,
            occurred_at=event.occurred_at,
            source=source,
        )
        return ReportResult(outcome, Verdict.DUPLICATE)

    def _fuse_by_subject(
        self, route: str, event: FeedbackEvent, decision: Decision, now: datetime, suspicious: bool
    ) -> ReportResult:
        history = self.state.subjects.get(route) or SubjectHistory()
        case = self.state.cases.get(history.open_case_id) if history.open_case_id else None
        if case is not None and case.is_open:
            return self._merge(case, MergeReason.SAME_SUBJECT, event, decision, now, suspicious)
        if (resumed := self._opened_by(route, event, now)) is not None:
            return resumed
        reason = OpenReason.SUBJECT_REOPENED if history.resolved_cases else OpenReason.NEW_SUBJECT
        result = self._open(route, event, decision, now, suspicious, None, reason, history.resolved_cases)
        assert result.case is not None
        history.open_case_id = result.case.case_id
        history.last_seen = event.occurred_at
        self.state.subjects.put(route, history)
        return result

    def _fuse_by_text(
        self, route: str, event: FeedbackEvent, decision: Decision, now: datetime, suspicious: bool
    ) -> ReportResult:
        if (resumed := self._opened_by(route, event, now)) is not None:
            return resumed
        signature = neardup.signature(event.text)
        if signature is None:
            return self._open(route, event, decision, now, suspicious, None, OpenReason.NEW_TEXT, 0)
        bucket_keys = [f"{route}/{band}" for band in neardup.bands(signature)]
        buckets = [self.state.text_index.get(key) or [] for key in bucket_keys]
        candidates = {c.case_id: c for bucket in buckets for c in bucket}
        match = cases.best_text_match(list(candidates.values()), signature, event.occurred_at, self.config.fusion)
        if match is not None:
            case = self.state.cases.get(match[0].case_id)
            if case is not None and case.is_open:
                return self._merge(case, MergeReason.NEAR_DUPLICATE_TEXT, event, decision, now, suspicious)
        result = self._open(route, event, decision, now, suspicious, signature, OpenReason.NEW_TEXT, 0)
        assert result.case is not None
        entry = TextCandidate(result.case.case_id, signature, event.occurred_at)
        horizon = event.occurred_at - self.config.fusion.near_duplicate_window
        for key, bucket in zip(bucket_keys, buckets):
            fresh = [c for c in bucket if c.last_seen >= horizon]
            self.state.text_index.put(key, cases.remember_candidate(fresh, entry))
        return result

    def _opened_by(self, route: str, event: FeedbackEvent, now: datetime) -> ReportResult | None:
        case = self.state.cases.get(keys.case_id(route, event.event_id))
        if case is not None and case.last_report and case.last_report.event_id == event.event_id:
            return self._finish(case, event, now)
        return None

    def _open(
        self,
        route: str,
        event: FeedbackEvent,
        decision: Decision,
        now: datetime,
        suspicious: bool,
        signature: bytes | None,
        reason: OpenReason,
        reopened_from: int,
    ) -> ReportResult:
        case_id = keys.case_id(route, event.event_id)
        case = cases.open_case(
            case_id, route, event, decision, now, signature, reopened_from, suspicious, self.config.fusion
        )
        policy.set_deadlines(case, now, self.routing)
        policy.milestone_crossed(case, self.config.fusion.reporter_milestones)
        escalation = policy.publish(case, Trigger.OPENED, now, event.event_id)
        outcome = self._outcome(event, case, OutcomeKind.ESCALATED, reason, now)
        change = CaseChange(case_id, None, queue_of(case))
        return ReportResult(outcome, Verdict.NEW, [escalation], case, True, [change])

    def _merge(
        self,
        case: Case,
        reason: MergeReason,
        event: FeedbackEvent,
        decision: Decision,
        now: datetime,
        suspicious: bool,
    ) -> ReportResult:
        if case.last_report and case.last_report.event_id == event.event_id:
            return self._finish(case, event, now)
        before = queue_of(case)
        was_coordinated = case.coordinated
        cases.add_report(case, event, decision, suspicious, self.config.fusion)
        trigger: Trigger | None = None
        # A suspicious report counts, but claims nothing: a burst of them, flagged or not yet,
        # must not page anyone harder than the credible reporters' evidence does.
        if not suspicious and cases.back(case, decision):
            policy.tighten_deadlines(case, now, self.routing)
            trigger = Trigger.PRIORITY_RAISED
        if policy.milestone_crossed(case, self.config.fusion.reporter_milestones):
            trigger = trigger or Trigger.REPORTERS_THRESHOLD
        if case.coordinated and not was_coordinated:  # teams must know to weigh its reports
            trigger = trigger or Trigger.COORDINATED
        escalations = [policy.publish(case, trigger, now, event.event_id)] if trigger else []
        outcome = self._outcome(event, case, OutcomeKind.MERGED, reason, now)
        changes = [CaseChange(case.case_id, before, queue_of(case))] if trigger else []
        return ReportResult(outcome, Verdict.NEW, escalations, case, False, changes)

    @staticmethod
    def _outcome(event: FeedbackEvent, case: Case, kind: OutcomeKind, reason: str, now: datetime) -> Outcome:
        return Outcome(
            event_id=event.event_id,
            outcome=kind,
            reason=str(reason),
            decided_at=now,
            case_id=case.case_id,
            escalation_id=keys.escalation_id(case.case_id),
            category=case.category,
            priority=case.priority,
            team=case.team,
            occurred_at=event.occurred_at,
        )

    # --- updates from teams ----------------------------------------------------------------

    def handle_update(self, update: EscalationUpdate, now: datetime) -> UpdateResult:
        try:
            case_key = "case-" + update.escalation_id.removeprefix("esc-")
            keys.route_of(case_key)
        except ValueError:
            return UpdateResult(rejection=policy.Rejection.UNKNOWN_ESCALATION)
        case = self.state.cases.get(case_key)
        if case is None:
            return UpdateResult(rejection=policy.Rejection.UNKNOWN_ESCALATION)
        if update.update_id in case.recent_updates:  # applied before: a resend or a replay
            return UpdateResult(_caused_by(case, update.update_id))
        if update.action is UpdateAction.UNMERGE:
            return self._unmerge(case, update, now)
        if update.action is UpdateAction.REOPEN and (clash := self._open_case_on_subject(case)):
            return UpdateResult(rejection=clash)
        before = queue_of(case)
        applied = policy.apply_update(case, update, now, self.routing)
        if isinstance(applied, policy.Rejection):
            return UpdateResult(rejection=applied)
        self._follow_subject(case, now)
        for reporter in applied.rejected_reporters:
            record = self.state.rejections.get(reporter)
            self.state.rejections.put(reporter, rejections.noted(record, now, self.config.rejection_retention))
        escalations = [policy.publish(case, applied.trigger, now, update.update_id)] if applied.trigger else []
        _note_update(case, update.update_id)
        self.state.cases.put(case.case_id, case)
        return UpdateResult(
            escalations,
            deadlines={case.case_id: policy.next_deadline(case, self.routing)},
            changes=[CaseChange(case.case_id, before, queue_of(case))],
        )

    def _open_case_on_subject(self, case: Case) -> policy.Rejection | None:
        if case.subject is None:
            return None
        history = self.state.subjects.get(case.route)
        if history and history.open_case_id not in (None, case.case_id):
            other = self.state.cases.get(history.open_case_id)
            if other is not None and other.is_open:
                return policy.Rejection.SUBJECT_HAS_OPEN_CASE
        return None

    def _follow_subject(self, case: Case, now: datetime) -> None:
        """Keep the subject's pointer to its open case in step with the case's status."""
        if case.subject is None:
            return
        history = self.state.subjects.get(case.route) or SubjectHistory()
        if case.is_open:
            history.open_case_id = case.case_id
        elif history.open_case_id == case.case_id:
            history.open_case_id = None
            history.resolved_cases += 1
            history.last_resolved_at = now
        self.state.subjects.put(case.route, history)

    def _unmerge(self, case: Case, update: EscalationUpdate, now: datetime) -> UpdateResult:
        if not update.event_id:
            return UpdateResult(rejection=policy.Rejection.MISSING_FIELD)
        seen_key = keys.seen_key(case.route, update.event_id)
        seen = self.state.seen.get(seen_key)
        if seen is None or seen.case_id != case.case_id or seen.outcome is not OutcomeKind.MERGED:
            return UpdateResult(rejection=policy.Rejection.NOT_IN_CASE)
        before = queue_of(case)
        cases.remove_report(case, seen)
        if cases.withdraw(case, seen):  # it was the evidence for the case's priority
            policy.relax_deadlines(case, self.routing)
        split = cases.split_off(keys.case_id(case.route, "unmerge:" + seen.event_id), case, seen, now)
        policy.set_deadlines(split, now, self.routing)
        escalations = [
            policy.publish(case, Trigger.UNMERGED, now, update.update_id),
            policy.publish(split, Trigger.UNMERGED, now, update.update_id),
        ]
        _note_update(case, update.update_id)
        # The split case first: a restore that has the parent's change also has the split.
        self.state.cases.put(split.case_id, split)
        self.state.cases.put(case.case_id, case)
        outcome = Outcome(
            event_id=seen.event_id,
            outcome=OutcomeKind.ESCALATED,
            reason=OpenReason.UNMERGED,
            decided_at=now,
            case_id=split.case_id,
            escalation_id=keys.escalation_id(split.case_id),
            category=split.category,
            priority=split.priority,
            team=split.team,
            occurred_at=seen.occurred_at,
        )
        self.state.seen.put(
            seen_key,
            msgspec.structs.replace(
                seen,
                outcome=outcome.outcome,
                reason=outcome.reason,
                case_id=split.case_id,
                escalation_id=outcome.escalation_id,
                category=split.category,
                priority=split.priority,
                team=split.team,
                own_category=None,
                own_priority=None,
                own_team=None,
            ),
        )
        return UpdateResult(
            escalations,
            [outcome],
            deadlines={c.case_id: policy.next_deadline(c, self.routing) for c in (case, split)},
            changes=[CaseChange(case.case_id, before, queue_of(case)), CaseChange(split.case_id, None, queue_of(split))],
        )

    def _expire_case(self, case: Case, now: datetime) -> Escalation:
        """Nobody reported or touched it for the idle period: close it and say so."""
        case.status = EscalationStatus.RESOLVED
        case.resolved_at = now
        case.resolution = Resolution.EXPIRED
        escalation = policy.publish(case, Trigger.EXPIRED, now, "sweep")
        self.state.cases.put(case.case_id, case)
        self._follow_subject(case, now)
        return escalation

    @staticmethod
    def _expire(store: Store[T], expired: Callable[[str, T], bool], owns: Callable[[str], bool]) -> None:
        doomed = [key for key, value in store.items() if owns(keys.route_of_key(key)) and expired(key, value)]
        for key in doomed:
            store.delete(key)

    # --- timers ----------------------------------------------------------------------------

    def check_sla(self, case_id: str, now: datetime) -> UpdateResult:
        case = self.state.cases.get(case_id)
        if case is None:
            return UpdateResult()
        trigger = policy.check_sla(case, now, self.routing)
        if trigger is None:
            return UpdateResult(deadlines={case_id: policy.next_deadline(case, self.routing)})
        escalation = policy.publish(case, trigger, now, f"sla:{trigger}")
        self.state.cases.put(case_id, case)
        return UpdateResult([escalation], deadlines={case_id: policy.next_deadline(case, self.routing)})

    def sweep(self, now: datetime, owns: Callable[[str], bool] = lambda route: True) -> UpdateResult:
        """Expire old state on the routes this worker owns; close cases idle too long.
        Rejection records are shared by all workers: each sweeps those whose reporter hash
        `owns` accepts as a route, so each record has one sweeper."""
        result = UpdateResult()
        cfg = self.config
        self._expire(self.state.seen, lambda key, seen: now - seen.seen_at > cfg.dedupe_retention, owns)
        for key, case in self.state.cases.items():
            published = case.last_escalation.published_at if case.last_escalation else case.opened_at
            idle_since = max(case.last_seen, published)
            if owns(case.route) and case.is_open and now - idle_since > cfg.idle_case_expiry:
                before = queue_of(case)
                result.escalations.append(self._expire_case(case, now))
                result.changes.append(CaseChange(case.case_id, before, None))
        self._expire(
            self.state.cases,
            lambda key, case: not case.is_open and now - (case.resolved_at or now) > cfg.resolved_case_retention,
            owns,
        )
        self._expire(
            self.state.subjects,
            lambda key, history: history.open_case_id is None
            and now - (history.last_resolved_at or history.last_seen or now) > cfg.subject_retention,
            owns,
        )
        horizon = now - cfg.fusion.near_duplicate_window
        self._expire(self.state.text_index, lambda key, bucket: all(c.last_seen < horizon for c in bucket), owns)
        self._expire_rejections(now, owns)
        return result

    def _expire_rejections(self, now: datetime, owns: Callable[[str], bool]) -> None:
        retention = self.config.rejection_retention
        changed = [
            (reporter, kept)
            for reporter, record in self.state.rejections.items()
            if owns(reporter) and (kept := rejections.swept(record, now, retention)) != record
        ]
        for reporter, kept in changed:
            if kept is None:
                self.state.rejections.delete(reporter)
            else:
                self.state.rejections.put(reporter, kept)


def _caused_by(case: Case | None, cause: str) -> list[Escalation]:
    """The case's latest publication if `cause` made it (what a replay of `cause` re-sends)."""
    if case is not None and case.last_escalation is not None and case.last_cause == cause:
        return [case.last_escalation]
    return []


def _note_update(case: Case, update_id: str) -> None:
    case.recent_updates = [*case.recent_updates, update_id][-RECENT_UPDATES:]
