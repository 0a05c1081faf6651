"""Shared helpers for triage unit tests: one engine per session, events from short specs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Callable

import pytest

from streams.core.report import FeedbackEvent, from_mapping
from streams.core.triage import load_triage
from streams.core.triage.engine import RuleTriager


def make_event(text: str, **fields: Any) -> FeedbackEvent:
    mapping: dict[str, Any] = {
        "event_id": fields.pop("event_id", "e-1"),
        "occurred_at": datetime(2026, 11, 25, tzinfo=UTC),
        "channel": fields.pop("channel", "in_app_report"),
        "text": text,
        "reporter": {"user_id": "u-1", "region": "US", "language": fields.pop("language", "en")},
    }
    if "subject" in fields:
        mapping["subject"] = {"type": fields.pop("subject"), "id": "s-1"}
    mapping.update(fields)
    return from_mapping(mapping)


@pytest.fixture(name="make_event")
def make_event_fixture() -> Callable[..., FeedbackEvent]:
    return make_event


@pytest.fixture(scope="session")
def triager() -> RuleTriager:
    engine = load_triage()
    assert isinstance(engine, RuleTriager)
    return engine
