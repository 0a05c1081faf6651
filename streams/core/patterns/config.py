"""Tuning of the pattern core. Defaults are the ones measured by streams.core.patterns.quality."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from streams.core.patterns.facets import Facet


@dataclass(frozen=True, slots=True)
class SpikeConfig:
    """A window well above its key's learned baseline (negative-binomial upper tail)."""

    window_s: int = 600
    # two noise bursts of 2-3 in one quiet key make five incidents a few times a week
    min_count: int = 6  # incidents (distinct subjects) in the window
    min_ratio: float = 3.0  # incidents / expected
    # -log10 of the tail probability needed to open: ~300 keys x 144 windows a day are judged,
    # so 4.5 is about one chance alarm a day in theory; measured 0.4 (quality.py)
    open_score: float = 4.5
    hold_score: float = 2.0  # below this the spike is back to baseline
    # Noise comes in bursts: 2-3 reports within minutes in one category x region, often about
    # different subjects (one bad actor's posts, one local outage). The tail probability
    # counts a window's incidents as clusters of 1..burst_max, burst_share of them bursts:
    # two bursts of three make six incidents far more often than six independent reports do.
    burst_share: float = 0.12
    burst_max: int = 3
    dispersion: float = 1.2  # variance/mean of report counts (near-duplicate text clusters)
    fast_half_life_s: int = 7200  # follows the daily cycle (about 1.5 h behind)
    slow_half_life_s: int = 86_400  # the daily mean; floors a quiet hour's baseline
    floor_fraction: float = 0.25  # baseline >= this share of the daily mean rate
    prior_count: float = 0.5  # pseudo-reports that keep a new key's baseline above zero
    max_freeze_s: int = 7200  # an open spike stops baseline learning this long at most

    def cluster_sizes(self) -> tuple[float, ...]:
        """P(a cluster of noise holds 1, 2, ... burst_max incidents)."""
        bursts = range(2, self.burst_max + 1)
        return (1 - self.burst_share, *(self.burst_share / len(bursts) for _ in bursts))


@dataclass(frozen=True, slots=True)
class RegressionConfig:
    """A new app version whose share of one category is far above the older versions'."""

    window_s: int = 6 * 3600  # adoption ramps slowly: a long window gives the test power
    release_age_s: int = 14 * 86_400  # a version is new this long after first seen
    min_count: int = 10
    min_ratio: float = 2.5  # new version's category odds / older versions' odds
    open_score: float = 5.0  # beta-binomial tail; 7.0 only delayed regressions (quality.py)
    hold_score: float = 2.0
    min_reference: float = 50.0  # older versions' (decayed) reports needed to compare
    min_category_reference: float = 5.0  # ... of them in the judged category
    refresh_s: int = 300  # the platform's window totals are re-summed this often


@dataclass(frozen=True, slots=True)
class ThresholdConfig:
    """A count over a window, with enough distinct reporters (clusters, coordination), and
    (where the key has a learned baseline) min_ratio times what that baseline expects."""

    window_s: int
    min_count: int
    min_distinct_reporters: int
    min_ratio: float = 3.0


@dataclass(frozen=True, slots=True)
class AbusiveConfig:
    window_s: int = 86_400
    min_reports: int = 20  # per window, whatever peers do
    peer_multiple: float = 10.0  # and this many times the typical reporter's count
    min_rejected: int = 10  # or this many reports from a reporter with rejected history


@dataclass(frozen=True, slots=True)
class RecurringConfig:
    window_s: int = 7 * 86_400
    min_reopens: int = 3


@dataclass(frozen=True, slots=True)
class LifecycleConfig:
    update_interval_s: int = 600  # an ongoing pattern is re-announced at most this often
    material_factor: float = 2.0  # ... unless its count grew this much since the last one
    min_change: float = 0.1  # and not at all when the count moved less than this
    resolve_after_s: int = 600  # back to baseline this long before it resolves


def _default_buckets() -> dict[Facet, int]:
    return {
        # spike facets are judged every 30 s: detection delay is mostly waiting for a verdict
        Facet.CATEGORY_REGION: 30,
        Facet.CATEGORY_LANGUAGE: 30,
        Facet.CATEGORY_PLATFORM_VERSION: 30,
        Facet.TEXT_CLUSTER: 60,
        Facet.REPORTER: 600,
        Facet.SUBJECT: 3600,
    }


def _default_idle_ttl() -> dict[Facet, int]:
    return {
        Facet.CATEGORY_REGION: 3 * 86_400,
        Facet.CATEGORY_LANGUAGE: 3 * 86_400,
        Facet.CATEGORY_PLATFORM_VERSION: 3 * 86_400,
        Facet.TEXT_CLUSTER: 2 * 86_400,
        Facet.REPORTER: 86_400,
        Facet.SUBJECT: 7 * 86_400,
    }


@dataclass(frozen=True, slots=True)
class PatternConfig:
    lateness_s: int = 10  # a bucket is judged this long after its end; later reports still
    # count in later windows (and in every count-threshold pattern)
    warmup_s: int = 6 * 3600  # no spike/regression alerts until baselines have data
    sweep_interval_s: int = 3600
    sketch_size: int = 32
    samples_per_bucket: int = 3
    max_samples: int = 10
    bucket_s: Mapping[Facet, int] = field(default_factory=_default_buckets)
    idle_ttl_s: Mapping[Facet, int] = field(default_factory=_default_idle_ttl)
    # Memory bound: beyond this many keys in one facet, the least recently seen idle keys are
    # forgotten early (a burst of many distinct subjects or reporters in little event time).
    max_keys_per_facet: int = 50_000
    spike: SpikeConfig = SpikeConfig()
    regression: RegressionConfig = RegressionConfig()
    near_duplicate: ThresholdConfig = ThresholdConfig(3600, 10, 5)
    coordinated: ThresholdConfig = ThresholdConfig(3600, 8, 5)
    abusive: AbusiveConfig = AbusiveConfig()
    recurring: RecurringConfig = RecurringConfig()
    lifecycle: LifecycleConfig = LifecycleConfig()

    def __post_init__(self) -> None:
        longest = max(self.spike.window_s, self.near_duplicate.window_s)
        if self.warmup_s < 2 * longest:
            # a baseline learns only from data that has left its window: give it one window
            raise ValueError(
                f"warmup_s={self.warmup_s} is too short: make it at least {2 * longest} "
                "(twice the longest spike or near-duplicate window)"
            )

    def retention_s(self, facet: Facet) -> int:
        """How long a facet's buckets are kept: its longest window."""
        windows = {
            Facet.CATEGORY_REGION: max(self.spike.window_s, self.coordinated.window_s),
            Facet.CATEGORY_LANGUAGE: self.spike.window_s,
            Facet.CATEGORY_PLATFORM_VERSION: max(self.spike.window_s, self.regression.window_s),
            Facet.TEXT_CLUSTER: self.near_duplicate.window_s,
            Facet.REPORTER: self.abusive.window_s,
            Facet.SUBJECT: self.recurring.window_s,
        }
        return windows[facet]
