"""docs/metrics.md documents every metric the worker exports, and no label can carry an id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter

from tests.unit.metric_names import Family, families

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "metrics.md").read_text()
ROW = re.compile(r"^\| `(?P<name>vigil_\w+)` \| (?P<type>\w+) \|(?P<labels>[^|]*)\|(?P<meaning>[^|]+)\|", re.M)

# Closed sets only: enum values, team names, topic names, partition numbers, HTTP status codes.
ALLOWED_LABELS = {
    "input", "outcome", "reason", "stage", "team", "priority", "trigger", "clock", "kind",
    "action", "result", "status", "output", "topic", "partition", "timer",
    "stream", "table", "operation", "metric", "status_code",  # Faust's sensor
}
PERSONAL_OR_ID = re.compile(r"id$|_id|user|reporter|subject|email|ip|text|excerpt|name|actor|region|language", re.I)

EXPORTED = families()
DOCUMENTED = {m["name"]: m for m in ROW.finditer(DOC)}


def test_the_doc_table_is_parsed() -> None:
    assert len(DOCUMENTED) >= 15


@pytest.mark.parametrize("name", sorted(EXPORTED))
def test_every_exported_metric_is_documented(name: str) -> None:
    family = EXPORTED[name]
    assert name in DOCUMENTED, f"{name} is exported but missing from docs/metrics.md"
    row = DOCUMENTED[name]
    assert row["type"] == family.type
    assert re.findall(r"`(\w+)`", row["labels"]) == list(family.labels), f"{name}: labels in docs differ from code"
    assert len(row["meaning"].strip()) > 10


def test_no_documented_metric_is_stale() -> None:
    assert set(DOCUMENTED) - set(EXPORTED) == set()


@pytest.mark.parametrize("family", EXPORTED.values(), ids=lambda f: f.name)
def test_labels_are_closed_sets(family: Family) -> None:
    for label in family.labels:
        assert label in ALLOWED_LABELS, f"{family.name}: label {label!r} is not a known closed set"
        assert not PERSONAL_OR_ID.search(label), f"{family.name}: label {label!r} looks like an id or personal data"


@pytest.mark.parametrize("label", ["event_id", "user_id", "reporter", "text", "subject", "case_id", "region"])
def test_the_label_guard_catches_ids_and_personal_data(label: str) -> None:
    registry = CollectorRegistry()
    Counter("vigil_bad_total", "a metric labelled by something personal", [label], registry=registry)
    (family,) = families(registry).values()
    assert family.labels[0] not in ALLOWED_LABELS or PERSONAL_OR_ID.search(family.labels[0])
