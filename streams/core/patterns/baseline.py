"""Per-key baselines: exponentially decayed report counts and exposure (a Gamma-Poisson rate).

Two horizons: a fast one that follows the daily cycle and a slow one (the daily mean) that
floors a quiet hour's baseline. The upper-tail probabilities that turn a count into a score
live here too.
"""

from __future__ import annotations

import math

import msgspec
import numpy as np
from scipy.special import betainc
from scipy.stats import betabinom

from streams.core.patterns.config import SpikeConfig

_LN2 = math.log(2)
MAX_SCORE = 300.0
_MAX_RECURSION = 2000  # counts above this are scored with the dispersion approximation
# Where a key has never had a report, its rate is taken to be at most one a week.
_PRIOR_RATE_PER_S = 1 / (7 * 86_400)


class Baseline(msgspec.Struct, array_like=True, gc=False):
    at: int  # epoch seconds: counts before this are folded in
    fast_sum: float = 0.0
    fast_exposure: float = 0.0  # decayed seconds of observation
    slow_sum: float = 0.0
    slow_exposure: float = 0.0


class Expectation(msgspec.Struct, frozen=True):
    """What a baseline predicts for a window: a negative binomial (shape, success prob)."""

    mean: float
    shape: float
    exposure: float
    window_s: int


def new_baseline(at: int, observed_for_s: int, cfg: SpikeConfig) -> Baseline:
    """A key first seen now has had zero reports for as long as the detector has watched."""
    return Baseline(
        at=at,
        fast_exposure=_exposure(observed_for_s, cfg.fast_half_life_s),
        slow_exposure=_exposure(observed_for_s, cfg.slow_half_life_s),
    )


def advance(baseline: Baseline, until: int, cfg: SpikeConfig, learn: bool = True) -> None:
    """Move the baseline to `until` with no reports in between; frozen ones only skip time."""
    elapsed = until - baseline.at
    if elapsed <= 0:
        return
    baseline.at = until
    if not learn:
        return
    fast = _decay(elapsed, cfg.fast_half_life_s)
    slow = _decay(elapsed, cfg.slow_half_life_s)
    baseline.fast_sum *= fast
    baseline.slow_sum *= slow
    baseline.fast_exposure = baseline.fast_exposure * fast + _exposure(elapsed, cfg.fast_half_life_s)
    baseline.slow_exposure = baseline.slow_exposure * slow + _exposure(elapsed, cfg.slow_half_life_s)


def add(baseline: Baseline, count: int, learn: bool = True) -> None:
    if learn:
        baseline.fast_sum += count
        baseline.slow_sum += count


def slow_total(baseline: Baseline, at: int, cfg: SpikeConfig) -> float:
    """The slow horizon's decayed report count as of `at` (for shares between keys)."""
    return baseline.slow_sum * _decay(max(0, at - baseline.at), cfg.slow_half_life_s)


def expect(baseline: Baseline, window_s: int, cfg: SpikeConfig) -> Expectation:
    slow_rate = baseline.slow_sum / baseline.slow_exposure if baseline.slow_exposure > 0 else 0.0
    prior_rate = max(slow_rate, _PRIOR_RATE_PER_S)
    exposure = baseline.fast_exposure + cfg.prior_count / prior_rate
    shape = baseline.fast_sum + cfg.prior_count
    floor = cfg.floor_fraction * slow_rate
    if shape / exposure < floor:
        shape = floor * exposure
    return Expectation(shape * window_s / exposure, shape, exposure, window_s)


def spike_score(count: int, expected: Expectation, dispersion: float) -> float:
    """-log10 P(window >= count) under the baseline, counts scaled down for clumping."""
    if count <= 0:
        return 0.0
    scaled = count / dispersion
    shape = expected.shape / dispersion
    tail = float(betainc(scaled, shape, expected.window_s / (expected.exposure + expected.window_s)))
    return _score(tail)


def burst_score(count: int, expected: Expectation, sizes: tuple[float, ...]) -> float:
    """-log10 P(window >= count) when incidents arrive in clusters of 1..len(sizes) with
    probabilities `sizes`: a compound negative binomial (Panjer's recursion). The number of
    clusters is the baseline's negative binomial, its mean shrunk by the mean cluster size."""
    if count <= 0:
        return 0.0
    mean_size = sum(k * p for k, p in enumerate(sizes, start=1))
    q = expected.window_s / (expected.exposure + expected.window_s)
    shape = expected.shape / mean_size
    first = (1 - q) ** shape
    if first <= 1e-250 or count > _MAX_RECURSION:  # a busy key: clusters barely matter
        return spike_score(count, expected, _dispersion(sizes, mean_size))
    b = (shape - 1) * q
    pmf = [first]
    for x in range(1, count):
        pmf.append(sum((q + b * k / x) * p * pmf[x - k] for k, p in enumerate(sizes[:x], start=1)))
    tail = 1.0 - math.fsum(pmf)
    if tail < 1e-9:  # the complement has lost its digits: sum the tail itself
        tail = _upper_sum(pmf, count, q, b, sizes)
    return _score(tail)


def _upper_sum(pmf: list[float], count: int, q: float, b: float, sizes: tuple[float, ...]) -> float:
    total = 0.0
    for x in range(count, count + _MAX_RECURSION):
        term = sum((q + b * k / x) * p * pmf[x - k] for k, p in enumerate(sizes, start=1) if k <= x)
        pmf.append(term)
        total += term
        if term < total * 1e-9:
            break
    return total


def _dispersion(sizes: tuple[float, ...], mean_size: float) -> float:
    return sum(k * k * p for k, p in enumerate(sizes, start=1)) / mean_size


def binomial_score(successes: int, trials: int, share: float) -> float:
    """-log10 P(X >= successes) for X ~ Binomial(trials, share)."""
    if successes <= 0 or trials <= 0:
        return 0.0
    return _score(float(betainc(successes, trials - successes + 1, share)))


def beta_binomial_score(successes: int, trials: int, a: float, b: float) -> float:
    """-log10 P(X >= successes) when the share itself is only known as Beta(a, b): a share
    estimated from few reference reports cannot make an ordinary count look extreme."""
    if successes <= 0 or trials <= 0:
        return 0.0
    # summed upward, not 1 - cdf: the complement loses every digit in the far tail (and
    # came out <= 0 there, scoring the maximum)
    tail = float(np.sum(betabinom.pmf(np.arange(successes, trials + 1), trials, a, b)))
    return _score(tail)


def _score(tail: float) -> float:
    return MAX_SCORE if tail <= 0 else min(MAX_SCORE, -math.log10(tail))


def _decay(elapsed: float, half_life_s: int) -> float:
    return math.exp(-elapsed * _LN2 / half_life_s)


def _exposure(elapsed: float, half_life_s: int) -> float:
    tau = half_life_s / _LN2
    return tau * (1 - math.exp(-elapsed / tau))
