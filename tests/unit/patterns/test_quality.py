"""Issue 6's quality targets, pooled over several seeds of synthetic traffic: a 10x spike of
at least 30 reports is found within 10 minutes in >= 95 % of cases, and alerts that match no
injected pattern stay <= 1 per simulated day at 5,000 reports a day.

Small on purpose (a few simulated days); `python -m streams.core.patterns.quality` runs the
full measurement (see its docstring for the figures)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from streams.core.patterns.config import PatternConfig
from streams.core.patterns.quality import KindResult, TARGET_DELAY_S, opened, replay, score
from streams.core.patterns.scenarios import ScenarioConfig, generate

SEEDS = (21, 22, 23, 24, 25, 26)
DAYS = 2.0
SPIKES_PER_SEED = 15


@pytest.fixture(scope="module")
def pooled() -> tuple[KindResult, int, float]:
    """Spikes over all seeds, alerts opened that match no injection, days scored."""
    config = PatternConfig()
    spikes, false_alarms, days = KindResult(), 0, 0.0
    for seed in SEEDS:
        scenario = generate(ScenarioConfig(days=DAYS, seed=seed, spikes=SPIKES_PER_SEED))
        emitted = replay(scenario, config)
        results, unmatched = score(scenario, emitted)
        spikes.injected += results["spike"].injected
        spikes.detected += results["spike"].detected
        spikes.delays_s += results["spike"].delays_s
        after = scenario.config.start + timedelta(seconds=config.warmup_s)
        false_alarms += len(opened(unmatched, after))
        days += DAYS - config.warmup_s / 86_400
    return spikes, false_alarms, days


def test_spikes_are_found_within_10_minutes_in_95_percent_of_cases(pooled: tuple[KindResult, int, float]) -> None:
    spikes, _, _ = pooled
    assert spikes.injected == len(SEEDS) * SPIKES_PER_SEED
    assert spikes.within(TARGET_DELAY_S) >= 0.95, sorted(spikes.delays_s)


def test_at_most_one_false_alarm_per_day(pooled: tuple[KindResult, int, float]) -> None:
    _, false_alarms, days = pooled
    assert false_alarms / days <= 1.0
