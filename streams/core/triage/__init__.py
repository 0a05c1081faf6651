"""Triage: category, priority, team and facts for every report.

`load_triage` builds the rules engine from versioned YAML (streams/rules/triage/*.yaml, or
`<rules_dir>/triage/` for a candidate set), the per-language lexicons in lexicons/, and the
committed offline classifier in model/. See engine.py for how a decision is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

from streams.core.report import FeedbackEvent
from streams.core.triage.decision import Decision, Facts

__all__ = ["Decision", "Facts", "Triager", "load_triage"]


class Triager(Protocol):
    version: str

    def decide(self, event: FeedbackEvent) -> Decision: ...

    def decide_many(self, events: Sequence[FeedbackEvent]) -> list[Decision]: ...


def load_triage(rules_dir: Path | None = None) -> Triager:
    from streams.core.triage.engine import build_triager

    return build_triager(rules_dir)
