"""Release regression: a new app version whose share of one category is far above the
older versions' share on the same platform.

Reports in the other categories stand in for adoption (no install counts reach Vigil): if
a new version gets 3x the product_issue reports per report of other kinds, it is the build.
The comparison is robust to other anomalies: the control categories whose ratio new/old is
the most extreme either way are left out, and versions that opened a regression themselves
are not a reference. A version stops being new once it carries most of its platform's
reports: then the older ones are too few to compare with and its own baseline (the spike
rule) takes over. A version that regressed in a category is no reference when that category
is judged, but stays one for the others: excluding it whole left only a long-gone version,
half forgotten, to compare with.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from streams.core.patterns import baseline as bl
from streams.core.patterns import window
from streams.core.patterns.alert import PatternKind
from streams.core.patterns.config import RegressionConfig, SpikeConfig
from streams.core.patterns.facets import state_key
from streams.core.patterns.finding import Finding
from streams.core.patterns.state import KeyState

# Pseudo-reports pulling the other versions' current-window share toward their long share.
_SHARE_PRIOR = 20.0
# Control categories dropped from each end of the ratio ranking (when enough remain).
_TRIM = 2


@dataclass(frozen=True, slots=True)
class KeyTotals:
    current: int  # reports in the regression window
    recent: float  # slowly decayed report count (the reference weight)


# version -> category -> totals, for one platform at one window end
PlatformTotals = Mapping[str, Mapping[str, KeyTotals]]


@dataclass(frozen=True, slots=True)
class PlatformView:
    version: str
    category: str
    totals: PlatformTotals
    excluded: Collection[str] = ()  # state_key((version, category)) of regressions opened


def platform_totals(
    versions: Mapping[str, Mapping[str, KeyState]], end: int, cfg: RegressionConfig, spike_cfg: SpikeConfig
) -> dict[str, dict[str, KeyTotals]]:
    """Every key of one platform summed once per window end (shared by all its judgements)."""
    since = end - cfg.window_s
    return {
        version: {
            category: KeyTotals(
                window.totals(state.buckets, since, end).reports, recent(state, end, spike_cfg)
            )
            for category, state in categories.items()
        }
        for version, categories in versions.items()
    }


@dataclass(slots=True)
class _Counts:
    mine: float = 0.0  # the new version, this window
    reference: float = 0.0  # older versions, slowly decayed
    now: float = 0.0  # older versions, this window


def regression(view: PlatformView, cfg: RegressionConfig, warm: bool) -> Finding:
    counts = _by_category(view)
    target = counts.pop(view.category, _Counts())
    controls = _trimmed(counts)
    rest = _Counts(
        sum(c.mine for c in controls),
        sum(c.reference for c in controls),
        sum(c.now for c in controls),
    )
    x = int(target.mine)
    if target.reference + rest.reference < cfg.min_reference or x + rest.mine == 0:
        return _quiet(x, cfg)
    if target.reference < cfg.min_category_reference:  # the older versions' share is unknown
        return _quiet(x, cfg)
    a, b = target.reference + 0.5, rest.reference + 0.5
    share = a / (a + b)
    share_now = (target.now + _SHARE_PRIOR * share) / (target.now + rest.now + _SHARE_PRIOR)
    if share_now > share:  # older versions are rising too: not this build's doing
        a = target.now + _SHARE_PRIOR * share
        b = rest.now + _SHARE_PRIOR * (1 - share)
        share = share_now
    expected = rest.mine * share / (1 - share)
    ratio = x / expected if expected > 0 else float("inf")
    plausible = x >= cfg.min_count and ratio >= cfg.min_ratio
    n = x + int(rest.mine)
    score = bl.beta_binomial_score(x, n, a, b) if x > 0 and ratio >= 1.5 else 0.0
    return Finding(
        kind=PatternKind.RELEASE_REGRESSION,
        opens=warm and plausible and score >= cfg.open_score,
        holds=score >= cfg.hold_score,
        window_s=cfg.window_s,
        count=x,
        expected=expected,
        score=score,
        reference=_label(view),
        facts={"version_reports": n, "reference_share": share},
    )


def _by_category(view: PlatformView) -> dict[str, _Counts]:
    out: dict[str, _Counts] = {}
    for version, categories in view.totals.items():
        if version != view.version and state_key((version, view.category)) in view.excluded:
            continue
        for category, t in categories.items():
            c = out.setdefault(category, _Counts())
            if version == view.version:
                c.mine += t.current
            else:
                c.reference += t.recent
                c.now += t.current
    return out


def _trimmed(counts: dict[str, _Counts]) -> list[_Counts]:
    """Controls without the categories whose new/old ratio is most extreme either way:
    another category's regression (or a regressed reference) must not skew the baseline."""
    ranked = sorted(
        (c for c in counts.values() if c.reference > 0),
        key=lambda c: (c.mine + 0.5) / (c.reference + 0.5),
    )
    if len(ranked) > 2 * _TRIM + 2:
        ranked = ranked[_TRIM:-_TRIM]
    return ranked


def version_share(totals: PlatformTotals, version: str) -> float:
    """One version's share of its platform's recent reports."""
    per_version = {v: sum(t.recent for t in c.values()) for v, c in totals.items()}
    total = sum(per_version.values())
    return per_version.get(version, 0.0) / total if total > 0 else 0.0


def recent(state: KeyState, end: int, cfg: SpikeConfig) -> float:
    """A key's slowly decayed report count, including buckets not yet learned."""
    if state.baseline is None:
        return 0.0
    learned = bl.slow_total(state.baseline, end, cfg)
    pending = sum(b.count for b in state.buckets if state.baseline.at <= b.start < end)
    return learned + pending


def _label(view: PlatformView) -> str:
    """'32.3.x' when the bulk of the older reports share a release line, else the top version."""
    by_version = {
        v: sum(t.recent for t in categories.values())
        for v, categories in view.totals.items()
        if v != view.version and state_key((v, view.category)) not in view.excluded
    }
    if not by_version:
        return "earlier versions"
    top = max(by_version, key=lambda v: by_version[v])
    line = top.rsplit(".", 1)[0]
    siblings = [v for v in by_version if v.rsplit(".", 1)[0] == line]
    return f"{line}.x" if len(siblings) > 1 and line != top else top


def _quiet(count: int, cfg: RegressionConfig) -> Finding:
    return Finding(PatternKind.RELEASE_REGRESSION, False, False, cfg.window_s, count, 0.0, 0.0)
