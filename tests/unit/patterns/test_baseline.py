"""Baselines: decayed rates that learn, forget and predict; tail scores that order surprise."""

from __future__ import annotations

import pytest

from streams.core.patterns import baseline as bl
from streams.core.patterns.config import SpikeConfig

CFG = SpikeConfig()
HOUR = 3600


def learned(rate_per_min: float, hours: float) -> bl.Baseline:
    total = 0.0
    b = bl.new_baseline(0, 0, CFG)
    for minute in range(int(hours * 60)):
        bl.advance(b, (minute + 1) * 60, CFG)
        total += rate_per_min
        whole = int(total)
        bl.add(b, whole)
        total -= whole
    return b


@pytest.mark.parametrize("rate", [0.2, 1.0, 5.0])
def test_expectation_converges_to_the_learned_rate(rate: float) -> None:
    b = learned(rate, hours=24)
    assert bl.expect(b, 600, CFG).mean == pytest.approx(rate * 10, rel=0.15)


def test_frozen_baseline_does_not_learn() -> None:
    b = learned(1.0, hours=12)
    before = bl.expect(b, 600, CFG).mean
    bl.advance(b, b.at + HOUR, CFG, learn=False)
    bl.add(b, 1000, learn=False)
    assert bl.expect(b, 600, CFG).mean == before


def test_a_quiet_hour_is_floored_by_the_daily_mean() -> None:
    b = learned(1.0, hours=24)
    bl.advance(b, b.at + 6 * HOUR, CFG)  # six silent hours
    fast_only = (b.fast_sum + CFG.prior_count) / b.fast_exposure * 600
    floor = CFG.floor_fraction * b.slow_sum / b.slow_exposure * 600
    assert floor > fast_only
    assert bl.expect(b, 600, CFG).mean == pytest.approx(floor)


@pytest.mark.parametrize(
    ("low", "high"), [(5, 10), (10, 30), (30, 90)]
)
def test_spike_score_grows_with_the_count(low: int, high: int) -> None:
    e = bl.expect(learned(1.0, hours=24), 600, CFG)
    assert bl.spike_score(high, e, CFG.dispersion) > bl.spike_score(low, e, CFG.dispersion)


def test_spike_score_of_a_usual_window_is_small_and_of_10x_is_large() -> None:
    e = bl.expect(learned(1.0, hours=24), 600, CFG)
    assert bl.spike_score(10, e, CFG.dispersion) < 1
    assert bl.spike_score(100, e, CFG.dispersion) > CFG.open_score


def test_uncertain_reference_share_is_less_surprising() -> None:
    certain = bl.beta_binomial_score(30, 100, 1000, 9000)  # share 0.1 from 10,000 reports
    uncertain = bl.beta_binomial_score(30, 100, 1, 9)  # share 0.1 from 10 reports
    assert certain > 5 > uncertain
