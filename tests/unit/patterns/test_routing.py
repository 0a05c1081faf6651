"""Suggested actions name the teams of the routing in force, not the shipped one's."""

from __future__ import annotations

import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import yaml

from streams.backtest import Backtest
from streams.core.patterns import PatternKind
from streams.core.routing import DEFAULT_RULES_DIR
from streams.sample import Shape, generate

START = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def crash_spike(at: datetime, n: int = 40) -> list[bytes]:
    rng = random.Random(3)
    texts = ["the app crashes every time I open the camera", "camera crash again, app closes immediately"]
    return [
        msgspec.json.encode({
            "event_id": f"crash-{i}", "occurred_at": (at + timedelta(seconds=7 * i)).isoformat(),
            "channel": "in_app_report", "text": rng.choice(texts), "reason_code": "bug",
            "reporter": {"user_id": f"crash-reporter-{i}", "region": "US", "language": "en"},
            "subject": {"type": "other", "id": f"crash-{i}"}, "app": {"platform": "android", "version": "32.4.0"},
        })  # fmt: skip
        for i in range(n)
    ]


def test_backtest_with_other_rules_names_their_team(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    routing = yaml.safe_load((rules / "routing.yaml").read_text())
    assert routing["teams"]["product_issue"] != "crash-squad"
    routing["teams"]["product_issue"] = "crash-squad"
    (rules / "routing.yaml").write_text(yaml.safe_dump(routing))

    hours = 7
    lines = list(generate(hours * 3600 * 5000 // 86_400, seed=5, start=START, shape=Shape(invalid_share=0)))
    lines += crash_spike(START + timedelta(hours=hours))
    alerts = [p.pattern for p in Backtest.build(rules).run(lines) if p.pattern is not None]

    spikes = [a for a in alerts if a.kind is PatternKind.SPIKE and a.dimensions["category"] == "product_issue"]
    assert spikes, [a.summary for a in alerts]
    assert all("crash-squad" in a.suggested_action for a in spikes)
