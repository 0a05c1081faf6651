"""Open cases per (team, priority) queue, kept in step with case changes."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from streams.core.cases import Case
from streams.core.engine import CaseChange, queue_of
from streams.core.taxonomy import Priority


class OpenQueues:
    def __init__(self) -> None:
        self.counts: Counter[tuple[str, Priority]] = Counter()

    def apply(self, changes: Iterable[CaseChange]) -> None:
        for change in changes:
            if change.before == change.after:
                continue
            if change.before is not None:
                self.counts[change.before] -= 1
            if change.after is not None:
                self.counts[change.after] += 1

    def rebuild(self, cases: Iterable[Case]) -> None:
        self.counts = Counter(q for q in map(queue_of, cases) if q is not None)
