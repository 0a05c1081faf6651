"""Builders for pattern tests: observations at chosen event times and a counter -> detector run."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from streams.core.patterns.alert import PatternAlert
from streams.core.patterns.config import PatternConfig
from streams.core.patterns.counter import PatternCounter
from streams.core.patterns.detector import PatternDetector
from streams.core.patterns.observation import Observation, Reopening
from streams.core.taxonomy import Category, Priority

T0 = datetime(2026, 3, 2, tzinfo=UTC)
TEAMS = {c.value: f"{c.value}_team" for c in Category}
_ids = itertools.count()


def config(**overrides: Any) -> PatternConfig:
    """Short warm-up so tests need little history."""
    return replace(PatternConfig(warmup_s=7200), **overrides)


def new_detector(cfg: PatternConfig | None = None, track_changes: bool = False) -> PatternDetector:
    """A detector naming the test teams (no routing file) in its suggested actions."""
    return PatternDetector(cfg or config(), teams=TEAMS, track_changes=track_changes)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def obs(minute: float, **fields: Any) -> Observation:
    n = next(_ids)
    values: dict[str, Any] = {
        "event_id": f"ev{n}",
        "occurred_at": at(minute),
        "category": Category.PRODUCT_ISSUE,
        "priority": Priority.P2,
        "region": "US",
        "language": "en",
        "reporter_id": f"reporter{n}",
        "subject_key": f"video:{n}",
    }
    values.update(fields)
    return Observation(**values)


def steady(start: float, end: float, every: float, **fields: Any) -> list[Observation]:
    """One report every `every` minutes in [start, end), each about its own subject."""
    count = int((end - start) / every)
    return [obs(start + i * every, **fields) for i in range(count)]


def burst(start: float, minutes: float, count: int, **fields: Any) -> list[Observation]:
    return [obs(start + minutes * i / count, **fields) for i in range(count)]


@dataclass(frozen=True)
class Emitted:
    at: datetime  # latest event time seen when the alert came out
    alert: PatternAlert


def reopened_by_team(minute: float, subject_key: str, category: Category = Category.PRODUCT_ISSUE) -> Reopening:
    return Reopening(subject_key, category, at(minute))


def run(
    observations: Iterable[Observation | Reopening],
    cfg: PatternConfig | None = None,
    detector: PatternDetector | None = None,
    until: float | None = None,
) -> list[Emitted]:
    """Feed observations in event-time order, draining the counter at every new second."""
    cfg = cfg or config()
    counter = PatternCounter(cfg)
    detector = detector or PatternDetector(cfg, teams=TEAMS)
    out: list[Emitted] = []
    second = None
    latest = T0
    for o in sorted(observations, key=_when):
        now = int(_when(o).timestamp())
        if second is not None and now != second:
            out += [Emitted(latest, a) for a in detector.apply(counter.drain())]
        second = now
        latest = _when(o)
        if isinstance(o, Reopening):
            counter.observe_reopening(o)
        else:
            counter.observe(o)
    out += [Emitted(latest, a) for a in detector.apply(counter.drain())]
    if until is not None:
        out += [Emitted(at(until), a) for a in detector.advance(at(until))]
    return out


def _when(o: Observation | Reopening) -> datetime:
    return o.at if isinstance(o, Reopening) else o.occurred_at
