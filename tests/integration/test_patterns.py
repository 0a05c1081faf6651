"""A spike on one platform version, through real Kafka: the pattern alert names it."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from streams.core.patterns import AlertStatus, PatternKind
from streams.sample import Shape, generate
from tests.integration.harness import running_worker, settings_for

pytestmark = pytest.mark.integration

CRASHES = ["the app crashes every time I open the camera", "app keeps crashing when I open camera after update",
           "camera crash again, app closes immediately"]


def baseline_then_spike(end: datetime, hours: float = 8, spike: int = 60) -> list[bytes]:
    """Ordinary traffic (5,000 reports a day) for `hours`, then `spike` crash reports from
    Android 32.4.0 in the last five minutes: distinct subjects and reporters."""
    start = end - timedelta(hours=hours)
    lines = list(generate(int(hours * 3600 * 5000 / 86400), seed=9, start=start, shape=Shape(invalid_share=0)))
    rng = random.Random(1)
    for i in range(spike):
        lines.append(msgspec.json.encode({
            "event_id": f"spike-{i}", "occurred_at": (end - timedelta(minutes=5) + timedelta(seconds=5 * i)).isoformat(),
            "channel": "in_app_report", "text": rng.choice(CRASHES), "reason_code": "bug",
            "reporter": {"user_id": f"crash-reporter-{i}", "region": "US", "language": "en"},
            "subject": {"type": "other", "id": f"crash-{i}"}, "app": {"platform": "android", "version": "32.4.0"},
        }))
    return lines


def test_a_spike_on_one_app_version_raises_an_alert_with_its_dimensions(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = settings_for(kafka_bootstrap, f"patterns-{uuid.uuid4().hex[:8]}", tmp_path)
    lines = baseline_then_spike(datetime.now(UTC).replace(microsecond=0))
    with running_worker(settings, tmp_path / "worker.log") as worker:
        worker.produce(lines)
        alerts = worker.collect("patterns", until=1, timeout=120)
        alerts += worker.drain("patterns", quiet=5)

    on_version = [a for a in alerts if a.dimensions.get("app_version") == "32.4.0"]
    assert on_version, f"no alert names Android 32.4.0: {[a.dimensions for a in alerts]}"
    # one incident, one page: the region, language and version facets share one pattern
    (pattern_id,) = {a.pattern_id for a in on_version}
    incident = [a for a in alerts if a.pattern_id == pattern_id]
    pages = {(a.version, a.window_end) for a in incident if a.status is AlertStatus.OPENED}
    assert len(pages) == 1, [(a.status, a.version, a.window_end, a.dimensions) for a in incident]
    assert all(a.kind is PatternKind.SPIKE for a in incident)
    opened_elsewhere = [a for a in alerts if a.status is AlertStatus.OPENED and a.pattern_id != pattern_id
                        and a.dimensions.get("category") == "product_issue"]
    assert opened_elsewhere == [], [a.summary for a in opened_elsewhere]
    alert = on_version[-1]
    assert alert.dimensions.items() >= {"category": "product_issue", "platform": "android", "app_version": "32.4.0"}.items()
    assert alert.count >= 10 and set(alert.sample_event_ids) & {f"spike-{i}" for i in range(60)}
    assert "32.4.0" in alert.summary
