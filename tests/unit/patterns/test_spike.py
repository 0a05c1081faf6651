"""Spikes: a key's incidents far above its learned baseline, in event time."""

from __future__ import annotations

import pytest

from streams.core.patterns.alert import AlertStatus, PatternKind
from streams.core.taxonomy import Category
from tests.unit.patterns.builders import at, burst, config, obs, run, steady

# Background: product_issue/US at one report a minute for 3 hours (warm-up is 1 hour).
BACKGROUND = dict(start=0, end=180, every=1.0)


def background() -> list:
    return steady(**BACKGROUND)


def spikes(emitted: list, **dims: str) -> list:
    return [
        e
        for e in emitted
        if e.alert.kind is PatternKind.SPIKE
        and all(e.alert.dimensions.get(k) == v for k, v in dims.items())
    ]


@pytest.mark.parametrize(
    ("name", "extra", "expect_spike"),
    [
        ("10x burst of distinct subjects", burst(150, 10, 90), True),
        ("1.5x wobble", burst(150, 10, 5), False),
        (
            "same burst about one subject (one incident)",
            burst(150, 10, 90, subject_key="video:viral"),
            False,
        ),
        ("burst from two reporters", [
            o for i, o in enumerate(burst(150, 10, 90))
            for o in [obs(150 + i / 9, reporter_id=f"r{i % 2}")]
        ], False),
        ("burst during warm-up", burst(30, 10, 90), False),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_spike_opens_only_on_many_independent_incidents(
    name: str, extra: list, expect_spike: bool
) -> None:
    emitted = run(background() + extra)
    opened = [e for e in spikes(emitted, region="US") if e.alert.status is AlertStatus.OPENED]
    assert bool(opened) is expect_spike, name


def test_quiet_key_alerts_on_a_small_burst_of_new_incidents() -> None:
    quiet = steady(0, 180, 30.0, category=Category.SCAM_FRAUD, region="BR", language="pt")
    extra = burst(150, 5, 8, category=Category.SCAM_FRAUD, region="BR", language="pt")
    emitted = run(background() + quiet + extra)
    opened = [e for e in spikes(emitted, region="BR") if e.alert.status is AlertStatus.OPENED]
    assert len(opened) == 1
    alert = opened[0].alert
    # one page for the region and the language the same reports came in
    assert alert.dimensions == {"category": "scam_fraud", "region": "BR", "language": "pt"}
    assert alert.count >= 5 and alert.baseline < 1.0
    # detected in event time within a few minutes of the burst's start
    assert opened[0].at - at(150) <= at(8) - at(0)


def test_alert_carries_evidence_and_a_sentence_with_the_numbers() -> None:
    emitted = run(background() + burst(150, 10, 90))
    alert = next(e.alert for e in spikes(emitted, region="US"))
    assert alert.status is AlertStatus.OPENED and alert.version == 1
    assert alert.window_end - alert.window_start == at(10) - at(0)
    assert alert.count > 30 and alert.distinct_reporters > 30
    assert alert.baseline == pytest.approx(10, rel=0.5)
    assert alert.score >= config().spike.open_score
    assert 0 < len(alert.sample_event_ids) <= 10
    assert f"rose to {alert.count}" in alert.summary and "region US" in alert.summary
    assert "reporter" not in alert.summary.replace("reporters", "")  # no reporter ids
    assert "product_issue_team" in alert.suggested_action


def test_ongoing_spike_opens_once_updates_sparingly_then_resolves() -> None:
    cfg = config()
    # 40 minutes at 10x, then back to the usual one a minute until minute 260
    traffic = steady(0, 260, 1.0) + burst(150, 40, 360)
    emitted = spikes(run(traffic, cfg, until=262), region="US")
    statuses = [e.alert.status for e in emitted]
    assert statuses[0] is AlertStatus.OPENED
    assert statuses.count(AlertStatus.OPENED) == 1
    assert statuses[-1] is AlertStatus.RESOLVED
    assert AlertStatus.UPDATED in statuses
    assert len({e.alert.pattern_id for e in emitted}) == 1
    assert [e.alert.version for e in emitted] == list(range(1, len(emitted) + 1))
    updates = [e for e in emitted if e.alert.status is AlertStatus.UPDATED]
    for earlier, later in zip(updates, updates[1:], strict=False):
        grew = later.alert.count >= cfg.lifecycle.material_factor * earlier.alert.count
        spaced = later.alert.window_end - earlier.alert.window_end >= at(10) - at(0)
        assert grew or spaced
    resolved = emitted[-1].alert
    assert resolved.window_end >= at(190)  # not before the burst was over
    assert resolved.summary.startswith("Back to normal")


def test_a_new_spike_after_resolution_gets_a_new_pattern_id() -> None:
    traffic = steady(0, 400, 1.0) + burst(150, 10, 90) + burst(330, 10, 90)
    opened = [
        e.alert
        for e in spikes(run(traffic), region="US")
        if e.alert.status is AlertStatus.OPENED
    ]
    assert len(opened) == 2
    assert opened[0].pattern_id != opened[1].pattern_id
