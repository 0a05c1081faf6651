"""The scenario generator's traffic, and the detectors judged on small scenarios."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from streams.core.patterns.alert import AlertStatus
from streams.core.patterns.config import PatternConfig
from streams.core.patterns.quality import opened, replay, score
from streams.core.patterns.scenarios import ScenarioConfig, generate, key_rate_per_s

SMALL = ScenarioConfig(days=2, seed=7)


@pytest.fixture(scope="module")
def quiet() -> object:
    return generate(SMALL)


def test_volume_and_daily_cycle(quiet) -> None:  # type: ignore[no-untyped-def]
    per_day = len(quiet.arrivals) / SMALL.days
    assert per_day == pytest.approx(SMALL.reports_per_day, rel=0.1)
    # Brazil (UTC-3) peaks in its evening and bottoms out early in the morning
    hours = Counter(
        a.observation.occurred_at.hour for a in quiet.arrivals if a.observation.region == "BR"
    )
    assert hours[0] > 2.5 * hours[12]  # 21:00 vs 09:00 local


def test_arrivals_are_in_arrival_order_and_some_are_late(quiet) -> None:  # type: ignore[no-untyped-def]
    times = [a.at for a in quiet.arrivals]
    assert times == sorted(times)
    late = [a for a in quiet.arrivals if a.at - a.observation.occurred_at > timedelta(minutes=1)]
    assert 0 < len(late) < 0.02 * len(quiet.arrivals)


def test_same_seed_same_traffic() -> None:
    a, b = generate(replace(SMALL, days=0.5)), generate(replace(SMALL, days=0.5))
    assert [x.observation for x in a.arrivals] == [x.observation for x in b.arrivals]


def test_injected_spikes_are_at_least_10x_and_30_reports() -> None:
    scenario = generate(replace(SMALL, spikes=5))
    spikes = [i for i in scenario.injections if i.kind == "spike"]
    assert len(spikes) == 5
    for s in spikes:
        assert s.reports >= 30 and len(s.event_ids) == s.reports
        minutes = (s.end - s.start).total_seconds() / 60
        assert 10 <= minutes <= 30
        start_s = (s.start - SMALL.start).total_seconds()
        base = key_rate_per_s(SMALL, s.dimensions["category"], s.dimensions["region"], start_s)
        assert s.reports / (minutes * 60) >= 9 * base  # on top of the baseline: >= 10x


def test_regressions_add_product_issue_reports_to_one_build() -> None:
    scenario = generate(ScenarioConfig(days=4, seed=3, regressions=1))
    (reg,) = scenario.injections
    extra = [a.observation for a in scenario.arrivals if a.observation.event_id in reg.event_ids]
    assert extra and all(
        (o.category, o.platform, o.app_version)
        == ("product_issue", reg.dimensions["platform"], reg.dimensions["app_version"])
        for o in extra
    )


def test_too_many_spikes_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match="lower --spikes"):
        generate(ScenarioConfig(days=1, spikes=100))


def test_spike_free_traffic_raises_no_alert(quiet) -> None:  # type: ignore[no-untyped-def]
    config = PatternConfig()
    after = SMALL.start + timedelta(seconds=config.warmup_s)
    assert [e.alert.summary for e in opened(replay(quiet, config), after)] == []


def test_injected_spikes_are_all_found_within_10_minutes() -> None:
    scenario = generate(replace(SMALL, spikes=8))
    results, unmatched = score(scenario, replay(scenario))
    spikes = results["spike"]
    assert spikes.recall == 1.0
    assert max(spikes.delays_s) <= 600
    assert [e for e in unmatched if e.alert.status is AlertStatus.OPENED] == []


def test_a_regressed_release_is_found_and_named() -> None:
    scenario = generate(ScenarioConfig(days=4, seed=3, regressions=1))
    results, unmatched = score(scenario, replay(scenario))
    assert results["release_regression"].recall == 1.0
    assert unmatched == []
