"""The project's own labeled triage cases (tests/cases/triage/*.yaml): tune and holdout sets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from streams.core.report import FeedbackEvent, from_mapping
from streams.core.taxonomy import Category, Priority

CASES_DIR = Path(__file__).resolve().parents[3] / "tests" / "cases" / "triage"
_WHEN = datetime(2026, 11, 25, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LabeledCase:
    id: str
    lang: str
    event: FeedbackEvent
    category: Category
    priority: Priority
    note: str = ""


def to_event(raw: dict[str, Any], case_id: str) -> FeedbackEvent:
    mapping: dict[str, Any] = {
        "event_id": case_id,
        "occurred_at": _WHEN,
        "channel": raw.get("channel", "in_app_report"),
        "text": raw["text"],
        "reporter": {"user_id": "case-reporter", "region": "XX", "language": raw.get("lang", "en")},
    }
    if raw.get("reason_code"):
        mapping["reason_code"] = raw["reason_code"]
    if raw.get("subject"):
        mapping["subject"] = {"type": raw["subject"], "id": f"{case_id}-subject"}
    return from_mapping(mapping)


def load_cases(name: str, directory: Path = CASES_DIR) -> list[LabeledCase]:
    """Cases of one set, "tune" or "holdout" (the file <name>.yaml)."""
    path = directory / f"{name}.yaml"
    raw_cases = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    cases = []
    for i, raw in enumerate(raw_cases):
        case_id = str(raw.get("id") or f"{name}-{i + 1:03d}")
        try:
            cases.append(LabeledCase(case_id, raw.get("lang", "en"), to_event(raw, case_id),
                                     Category(raw["category"]), Priority(raw["priority"]), raw.get("note", "")))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path}: case {case_id}: {exc}") from None
    return cases
