"""The scenario generator's traffic, and the detectors judged on small scenarios."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from streams.core.patterns.alert import AlertStatus, PatternKind
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


def _close_pairs(scenario: object) -> tuple[int, int]:
    """Reports of one category x region within 3 minutes of the previous one there:
    (about the same subject, about another subject)."""
    last: dict[tuple[str, str], object] = {}
    same = other = 0
    for o in sorted((a.observation for a in scenario.arrivals), key=lambda o: o.occurred_at):  # type: ignore[attr-defined]
        key = (o.category, o.region)
        prev = last.get(key)
        if prev is not None and o.occurred_at - prev.occurred_at <= timedelta(minutes=3):  # type: ignore[attr-defined]
            same, other = (same + 1, other) if o.subject_key == prev.subject_key else (same, other + 1)  # type: ignore[attr-defined]
        last[key] = o
    return same, other


def test_noise_bursts_are_about_one_subject_or_several() -> None:
    one = _close_pairs(generate(replace(SMALL, days=1, clump_same_subject=1.0)))
    several = _close_pairs(generate(replace(SMALL, days=1, clump_same_subject=0.0)))
    mixed = _close_pairs(generate(replace(SMALL, days=1)))
    assert one[0] > 300 and several[0] < 0.1 * one[0]
    assert several[1] > one[1] + 300  # the bursts' reports, beyond chance neighbours
    assert several[0] < mixed[0] < one[0] and one[1] < mixed[1] < several[1]


def test_recurring_subjects_reopen_their_case_again_and_again() -> None:
    scenario = generate(ScenarioConfig(days=3, seed=3, recurring=3, recurring_gap_h=(4.0, 10.0)))
    recurring = [i for i in scenario.injections if i.kind == "recurring_subject"]
    assert len(recurring) == 3
    for injection in recurring:
        reports = [a.observation for a in scenario.arrivals if a.observation.event_id in injection.event_ids]
        assert {o.subject_key for o in reports} == {injection.dimensions["subject"]}
        assert 3 <= sum(o.case_reopened for o in reports) == len(reports) - 1 <= 5
    results, _ = score(scenario, replay(scenario))
    assert results["recurring_subject"].recall == 1.0


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
    # nothing else is blamed on the release; chance spikes stay within the daily budget
    assert [e for e in unmatched if e.alert.kind is not PatternKind.SPIKE] == []
    assert len(unmatched) <= scenario.config.days
