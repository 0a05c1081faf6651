"""What the ops console shows, kept in memory by the worker as records flow.

Ring buffers of the latest escalations, pattern alerts and dead letters (the latest version
of each), and per-second counts for rates. What a snapshot says about an escalation is an
allow-list (ESCALATION_FIELDS): no report text, no facts found in it (emails, phones,
handles, URLs, means), no subject id; the excerpt is only sent on an explicit request for
one escalation (content warning). Dead letters keep their reason, not their bytes.

Deadlines: the SLA schedule forgets a case once its resolution deadline is missed (nothing
is left to check), but for the people watching the queues that case is the most urgent one,
so the feed keeps open breached cases and lists them first, "overdue", until resolved.
"""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from datetime import datetime
from typing import Any, Callable, Generic, Iterator, TypeVar

import msgspec

from streams.core.cases import Case
from streams.core.clock import Clock
from streams.core.escalation import Escalation, EscalationStatus, Trigger
from streams.core.outcome import DeadLetter, Outcome
from streams.core.patterns.alert import PatternAlert
from streams.core.queues import OpenQueues
from streams.core.sla import SlaSchedule

T = TypeVar("T")

RATE_WINDOW_S = 60
# What the console may know about an escalation; anything else (facts, subject id, excerpt,
# fields added later) stays out until added here on purpose.
ESCALATION_FIELDS = (
    "escalation_id", "version", "case_id", "team", "category", "priority", "status", "trigger", "level",
    "report_count", "distinct_reporters", "first_seen", "last_seen", "ack_due", "resolve_due", "published_at",
    "channels", "sample_event_ids", "reasons", "labels", "coordinated", "rules_version",
)


class ConsoleFeed:
    def __init__(self, clock: Clock, queues: OpenQueues, schedule: SlaSchedule, size: int = 50) -> None:
        self.clock = clock
        self.queues = queues
        self.schedule = schedule
        self.escalations: Latest[Escalation] = Latest(size, lambda e: e.escalation_id)
        self.patterns: Latest[PatternAlert] = Latest(size, lambda p: p.pattern_id)
        self.dead_letters: deque[DeadLetter] = deque(maxlen=size)
        self.outcomes: Counter[str] = Counter()
        self.overdue: dict[str, datetime] = {}  # open case -> the resolution deadline it missed
        self.ready = False  # queues and deadlines rebuilt from the stored cases since start-up
        self._per_second: deque[tuple[int, int]] = deque(maxlen=RATE_WINDOW_S + 1)
        self.version = 0  # bumps on every change; the SSE stream sends when it moves

    def outcome(self, outcome: Outcome) -> None:
        self.outcomes[outcome.outcome] += 1
        second = int(self.clock.now().timestamp())
        if self._per_second and self._per_second[-1][0] == second:
            self._per_second[-1] = (second, self._per_second[-1][1] + 1)
        else:
            self._per_second.append((second, 1))
        self.version += 1

    def escalation(self, escalation: Escalation) -> None:
        self.escalations.put(escalation)
        if escalation.status is EscalationStatus.RESOLVED or escalation.trigger is Trigger.REOPENED:
            self.overdue.pop(escalation.case_id, None)
        elif escalation.trigger is Trigger.SLA_RESOLVE_MISSED:
            self.overdue[escalation.case_id] = escalation.resolve_due
        self.version += 1

    def pattern(self, alert: PatternAlert) -> None:
        self.patterns.put(alert)
        self.version += 1

    def rebuild_overdue(self, open_cases: Any) -> None:
        """After start-up or a rebalance: the breached open cases of this worker's partitions.
        From the first rebuild on, the queues and deadlines shown are the stored ones."""
        self.overdue = {c.case_id: c.resolve_due for c in open_cases if c.resolve_breached and c.resolve_due}
        self.ready = True
        self.version += 1

    def dead_letter(self, letter: DeadLetter) -> None:
        self.dead_letters.appendleft(msgspec.structs.replace(letter, payload=b""))  # up to 256 KiB each
        self.version += 1

    def excerpt(self, escalation_id: str) -> str | None:
        """The report text of a recent escalation, for a console user who asked to see it."""
        for escalation in self.escalations:
            if escalation.escalation_id == escalation_id:
                return escalation.excerpt
        return None

    def events_per_second(self, now: datetime, seconds: int = 10) -> float:
        horizon = int(now.timestamp()) - seconds
        return sum(n for second, n in self._per_second if second > horizon) / seconds

    def snapshot(self, cases: Any = None, show_text: bool = False, upcoming: int = 20) -> dict[str, Any]:
        """A JSON-ready view. `cases` looks up a case by id (for SLA time left)."""
        now = self.clock.now()
        return {
            "now": now.isoformat(),
            "version": self.version,
            "ready": self.ready,
            "events_per_second": round(self.events_per_second(now), 2),
            "outcomes": dict(self.outcomes),
            "open_cases": [
                {"team": team, "priority": str(priority), "count": count}
                for (team, priority), count in sorted(self.queues.counts.items())
                if count > 0
            ],
            "deadlines": self._deadlines(now, cases, upcoming),
            "escalations": [_escalation(e, show_text) for e in self.escalations],
            "patterns": [msgspec.to_builtins(p) for p in self.patterns],
            "dead_letters": [
                {"at": d.at.isoformat(), "stage": d.stage, "reason": d.reason, "error": d.error, "event_id": d.event_id}
                for d in self.dead_letters
            ],
        }


    def _deadlines(self, now: datetime, cases: Any, limit: int) -> list[dict[str, Any]]:
        """Overdue open cases first (most overdue on top), then the next deadlines."""
        overdue = sorted(self._still_overdue(cases).items(), key=lambda item: item[1])[:limit]
        views = [_deadline(case_id, due, now, cases, overdue=True) for case_id, due in overdue]
        listed = {case_id for case_id, _ in overdue}
        return views + [
            _deadline(case_id, due, now, cases) for case_id, due in self.schedule.upcoming(limit) if case_id not in listed
        ]

    def _still_overdue(self, cases: Any) -> dict[str, datetime]:
        if cases is None:
            return self.overdue
        still = {}
        for case_id, due in self.overdue.items():
            case: Case | None = cases.get(case_id)
            if case is not None and case.is_open and case.resolve_breached and case.resolve_due is not None:
                still[case_id] = case.resolve_due
        return still


class Latest(Generic[T]):
    """The `size` most recently updated things, newest first, one per id: a new version of
    an escalation replaces its row and moves it to the top (O(1): it runs per escalation)."""

    def __init__(self, size: int, key: Callable[[T], str]) -> None:
        self._size = size
        self._key = key
        self._items: OrderedDict[str, T] = OrderedDict()

    def put(self, item: T) -> None:
        key = self._key(item)
        self._items.pop(key, None)
        self._items[key] = item
        if len(self._items) > self._size:
            self._items.popitem(last=False)

    def __iter__(self) -> Iterator[T]:
        return reversed(self._items.values())

    def __len__(self) -> int:
        return len(self._items)


def _escalation(escalation: Escalation, show_text: bool) -> dict[str, Any]:
    view = {name: msgspec.to_builtins(getattr(escalation, name)) for name in ESCALATION_FIELDS}
    if escalation.subject is not None:
        view["subject_type"] = str(escalation.subject.type)  # the kind of thing, never its id
    view["content_warning"] = bool(escalation.excerpt)
    if show_text:
        view["excerpt"] = escalation.excerpt
    return view


def _deadline(case_id: str, due: datetime, now: datetime, cases: Any, overdue: bool = False) -> dict[str, Any]:
    case: Case | None = cases.get(case_id) if cases is not None else None
    view: dict[str, Any] = {
        "case_id": case_id, "due": due.isoformat(), "seconds_left": round((due - now).total_seconds()),
        "missed": "resolve" if overdue else None,
    }
    if case is not None:
        view.update(team=case.team, priority=str(case.priority), category=str(case.category),
                    status=str(case.status), level=case.level)
    return view
