"""What the ops console shows, kept in memory by the worker as records flow.

Ring buffers of the latest escalations, pattern alerts and dead letters, and per-second
counts for rates. Nothing here holds report text: escalations keep their excerpt out of the
feed unless the console explicitly asks for it (content warning), and dead letters keep
their reason, not their bytes.
"""

from __future__ import annotations

from collections import Counter, deque
from datetime import datetime
from typing import Any

import msgspec

from streams.core.cases import Case
from streams.core.clock import Clock
from streams.core.escalation import Escalation
from streams.core.outcome import DeadLetter, Outcome
from streams.core.patterns.alert import PatternAlert
from streams.core.queues import OpenQueues
from streams.core.sla import SlaSchedule

RATE_WINDOW_S = 60


class ConsoleFeed:
    def __init__(self, clock: Clock, queues: OpenQueues, schedule: SlaSchedule, size: int = 50) -> None:
        self.clock = clock
        self.queues = queues
        self.schedule = schedule
        self.escalations: deque[Escalation] = deque(maxlen=size)
        self.patterns: deque[PatternAlert] = deque(maxlen=size)
        self.dead_letters: deque[DeadLetter] = deque(maxlen=size)
        self.outcomes: Counter[str] = Counter()
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
        self.escalations.appendleft(escalation)
        self.version += 1

    def pattern(self, alert: PatternAlert) -> None:
        self.patterns.appendleft(alert)
        self.version += 1

    def dead_letter(self, letter: DeadLetter) -> None:
        self.dead_letters.appendleft(letter)
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
            "events_per_second": round(self.events_per_second(now), 2),
            "outcomes": dict(self.outcomes),
            "open_cases": [
                {"team": team, "priority": str(priority), "count": count}
                for (team, priority), count in sorted(self.queues.counts.items())
                if count > 0
            ],
            "deadlines": [_deadline(case_id, due, now, cases) for case_id, due in self.schedule.upcoming(upcoming)],
            "escalations": [_escalation(e, show_text) for e in self.escalations],
            "patterns": [msgspec.to_builtins(p) for p in self.patterns],
            "dead_letters": [
                {"at": d.at.isoformat(), "stage": d.stage, "reason": d.reason, "error": d.error, "event_id": d.event_id}
                for d in self.dead_letters
            ],
        }


def _escalation(escalation: Escalation, show_text: bool) -> dict[str, Any]:
    view = msgspec.to_builtins(escalation)
    if not show_text:
        view.pop("excerpt", None)
        view["content_warning"] = bool(escalation.excerpt)
    return view


def _deadline(case_id: str, due: datetime, now: datetime, cases: Any) -> dict[str, Any]:
    case: Case | None = cases.get(case_id) if cases is not None else None
    view: dict[str, Any] = {"case_id": case_id, "due": due.isoformat(), "seconds_left": round((due - now).total_seconds())}
    if case is not None:
        view.update(team=case.team, priority=str(case.priority), category=str(case.category),
                    status=str(case.status), level=case.level)
    return view
