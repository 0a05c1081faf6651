"""Which cases need an SLA check next: a min-heap of (deadline, case id).

Entries are hints, not truth: a case whose deadline moved keeps its old entry until it
pops, and the engine's `check_sla` decides from the stored case. That keeps rescheduling
O(log n) without searching the heap.
"""

from __future__ import annotations

import heapq
from datetime import datetime


class SlaSchedule:
    def __init__(self) -> None:
        self._heap: list[tuple[datetime, str]] = []
        self._due: dict[str, datetime] = {}

    def set(self, case_id: str, due: datetime | None) -> None:
        if due is None:
            self._due.pop(case_id, None)
            return
        if self._due.get(case_id) == due:
            return
        self._due[case_id] = due
        heapq.heappush(self._heap, (due, case_id))

    def pop_due(self, now: datetime, limit: int = 10_000) -> list[str]:
        """Cases whose current deadline has passed, each once, earliest first."""
        due: list[str] = []
        while self._heap and self._heap[0][0] <= now and len(due) < limit:
            when, case_id = heapq.heappop(self._heap)
            if self._due.get(case_id) == when:
                del self._due[case_id]
                due.append(case_id)
        return due

    def upcoming(self, limit: int) -> list[tuple[str, datetime]]:
        """The nearest deadlines (for the console)."""
        return heapq.nsmallest(limit, ((c, d) for c, d in self._due.items()), key=lambda item: item[1])

    def clear(self) -> None:
        self._heap.clear()
        self._due.clear()

    def __len__(self) -> int:
        return len(self._due)
