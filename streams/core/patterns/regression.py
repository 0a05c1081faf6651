"""Release regression: a new app version whose share of one category is far above the
older versions' share on the same platform. A version stops being new once it carries
most of the platform's reports: then the older ones are too few to compare with, and its
own baseline (the spike rule) takes over.

Reports in the other categories stand in for adoption (no install counts reach Vigil): if a
new version gets 3x the product_issue reports per report of any other kind, it is the build.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from streams.core.patterns import baseline as bl
from streams.core.patterns import window
from streams.core.patterns.alert import PatternKind
from streams.core.patterns.config import RegressionConfig, SpikeConfig
from streams.core.patterns.finding import Finding
from streams.core.patterns.state import KeyState

# Pseudo-reports pulling the other versions' current-window share toward their long share.
_SHARE_PRIOR = 20.0


@dataclass(frozen=True, slots=True)
class PlatformView:
    """Every key of one platform: version -> category -> state."""

    version: str
    category: str
    versions: Mapping[str, Mapping[str, KeyState]]


def regression(
    view: PlatformView, end: int, cfg: RegressionConfig, spike_cfg: SpikeConfig, warm: bool
) -> Finding:
    since = end - cfg.window_s
    mine = view.versions.get(view.version, {})
    counts = {c: window.totals(s.buckets, since, end).reports for c, s in mine.items()}
    x = counts.get(view.category, 0)
    n = sum(counts.values())
    ref_cat, ref_all, now_cat, now_all, by_version = _reference(view, since, end, spike_cfg)
    if ref_all < cfg.min_reference or n == 0:
        return _quiet(x, cfg)
    a, b = ref_cat + 0.5, ref_all - ref_cat + 0.5
    share = a / (a + b)
    share_now = (now_cat + _SHARE_PRIOR * share) / (now_all + _SHARE_PRIOR)
    if share_now > share:  # older versions are rising too: not this build's doing
        a, b = now_cat + _SHARE_PRIOR * share, now_all - now_cat + _SHARE_PRIOR * (1 - share)
        share = share_now
    expected = (n - x) * share / (1 - share)
    ratio = x / expected if expected > 0 else float("inf")
    plausible = x >= cfg.min_count and ratio >= cfg.min_ratio
    score = bl.beta_binomial_score(x, n, a, b) if plausible or x > 0 and ratio >= 1.5 else 0.0
    opens = warm and plausible and score >= cfg.open_score
    return Finding(
        kind=PatternKind.RELEASE_REGRESSION,
        opens=opens,
        holds=score >= cfg.hold_score,
        window_s=cfg.window_s,
        count=x,
        expected=expected,
        score=score,
        reference=_label(by_version),
        facts={"version_reports": n, "reference_share": share},
    )


def _reference(
    view: PlatformView, since: int, end: int, spike_cfg: SpikeConfig
) -> tuple[float, float, int, int, dict[str, float]]:
    ref_cat = ref_all = 0.0
    now_cat = now_all = 0
    by_version: dict[str, float] = {}
    for version, categories in view.versions.items():
        if version == view.version:
            continue
        for category, state in categories.items():
            recent = _recent(state, end, spike_cfg)
            current = window.totals(state.buckets, since, end).reports
            by_version[version] = by_version.get(version, 0.0) + recent
            ref_all += recent
            now_all += current
            if category == view.category:
                ref_cat += recent
                now_cat += current
    return ref_cat, ref_all, now_cat, now_all, by_version


def version_share(
    versions: Mapping[str, Mapping[str, KeyState]], version: str, end: int, cfg: SpikeConfig
) -> float:
    """One version's share of its platform's recent reports."""
    per_version = {
        v: sum(_recent(s, end, cfg) for s in categories.values())
        for v, categories in versions.items()
    }
    total = sum(per_version.values())
    return per_version.get(version, 0.0) / total if total > 0 else 0.0


def _recent(state: KeyState, end: int, cfg: SpikeConfig) -> float:
    """A key's slowly decayed report count, including buckets not yet learned."""
    if state.baseline is None:
        return 0.0
    learned = bl.slow_total(state.baseline, end, cfg)
    pending = sum(b.count for b in state.buckets if state.baseline.at <= b.start < end)
    return learned + pending


def _label(by_version: dict[str, float]) -> str:
    """'32.3.x' when the bulk of the older reports share a release line, else the top version."""
    if not by_version:
        return "earlier versions"
    top = max(by_version, key=lambda v: by_version[v])
    line = top.rsplit(".", 1)[0]
    siblings = [v for v in by_version if v.rsplit(".", 1)[0] == line]
    return f"{line}.x" if len(siblings) > 1 and line != top else top


def _quiet(count: int, cfg: RegressionConfig) -> Finding:
    return Finding(PatternKind.RELEASE_REGRESSION, False, False, cfg.window_s, count, 0.0, 0.0)
