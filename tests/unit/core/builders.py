"""Small builders for core tests: reports, decisions and an engine on in-memory state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from streams.core import report
from streams.core.engine import CaseEngine, EngineConfig
from streams.core.routing import load_routing
from streams.core.state import EngineState
from streams.core.taxonomy import Category, Priority
from streams.core.triage.decision import Decision

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
ROUTING = load_routing()


def at(seconds: float = 0, **delta: float) -> datetime:
    return T0 + timedelta(seconds=seconds, **delta)


def feedback(
    event_id: str,
    *,
    user: str | None = None,
    subject: str | None = "video:v1",
    text: str = "report text",
    seconds: float = 0,
    age_days: int | None = 400,
    language: str = "en",
    idempotency_key: str | None = None,
    channel: str = "in_app_report",
) -> report.FeedbackEvent:
    body: dict[str, Any] = {
        "event_id": event_id,
        "occurred_at": at(seconds).isoformat(),
        "channel": channel,
        "text": text,
        "reporter": {"user_id": user or f"u-{event_id}", "region": "US", "language": language},
    }
    if age_days is not None:
        body["reporter"]["account_age_days"] = age_days
    if subject:
        kind, _, sid = subject.partition(":")
        body["subject"] = {"type": kind, "id": sid}
    if idempotency_key:
        body["idempotency_key"] = idempotency_key
    return report.from_mapping(body)


def decision(category: Category = Category.HARASSMENT, priority: Priority = Priority.P2, *reasons: str) -> Decision:
    return Decision(category, priority, ROUTING.team_for(category), reasons=reasons or (f"rule:{category}",))


def engine(**config: Any) -> CaseEngine:
    return CaseEngine(EngineState.in_memory(), ROUTING, EngineConfig(**config))
