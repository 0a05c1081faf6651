"""Count-threshold patterns: near-duplicate clusters, coordinated reporting, abusive
reporters and recurring subjects. Their normal level is near zero, so they need no learned
baseline, except text clusters: template texts ("app keeps crashing") form lasting clusters
whose usual volume is learned like a spike key's."""

from __future__ import annotations

from streams.core.patterns import baseline as bl
from streams.core.patterns import window
from streams.core.patterns.alert import PatternKind
from streams.core.patterns.config import (
    AbusiveConfig,
    RecurringConfig,
    SpikeConfig,
    ThresholdConfig,
)
from streams.core.patterns.finding import Finding
from streams.core.patterns.state import KeyState


def near_duplicate(
    state: KeyState,
    end: int,
    cfg: ThresholdConfig,
    spike_cfg: SpikeConfig,
    sketch_size: int,
    warm: bool,
) -> Finding:
    count = window.totals(state.buckets, end - cfg.window_s, end).reports
    expected, surprise = 0.0, bl.MAX_SCORE
    if state.baseline is not None:
        expectation = bl.expect(state.baseline, cfg.window_s, spike_cfg)
        expected = expectation.mean
        surprise = bl.spike_score(count, expectation, spike_cfg.dispersion)
    opens = False
    plausible = count >= cfg.min_count and count >= cfg.min_ratio * expected
    if warm and plausible and surprise >= spike_cfg.open_score:
        buckets = window.in_window(state.buckets, end - cfg.window_s, end)
        opens = len(window.reporters(buckets, sketch_size)) >= cfg.min_distinct_reporters
    return Finding(
        kind=PatternKind.NEAR_DUPLICATE_CLUSTER,
        opens=opens,
        holds=count * 2 >= cfg.min_count and count >= 1.5 * expected,
        window_s=cfg.window_s,
        count=count,
        expected=expected,
        score=count / max(expected, cfg.min_count / cfg.min_ratio),
    )


def coordinated(state: KeyState, end: int, cfg: ThresholdConfig, sketch_size: int) -> Finding:
    count = window.totals(state.buckets, end - cfg.window_s, end).coordinated
    opens = False
    if count >= cfg.min_count:
        buckets = window.in_window(state.buckets, end - cfg.window_s, end)
        accounts = window.reporters(buckets, sketch_size, coordinated=True)
        opens = len(accounts) >= cfg.min_distinct_reporters
    return Finding(
        kind=PatternKind.COORDINATED_REPORTING,
        opens=opens,
        holds=count * 2 >= cfg.min_count,
        window_s=cfg.window_s,
        count=count,
        expected=0.0,
        score=count / cfg.min_count,
    )


def abusive(state: KeyState, end: int, cfg: AbusiveConfig, peer_mean: float) -> Finding:
    t = window.totals(state.buckets, end - cfg.window_s, end)
    threshold = max(cfg.min_reports, cfg.peer_multiple * peer_mean)
    prolific = t.reports >= threshold
    rejected = t.rejected >= cfg.min_rejected
    typical = max(peer_mean, 1.0)
    return Finding(
        kind=PatternKind.ABUSIVE_REPORTER,
        opens=prolific or rejected,
        holds=t.reports * 2 >= threshold or t.rejected * 2 >= cfg.min_rejected,
        window_s=cfg.window_s,
        count=t.reports,
        expected=typical,
        score=t.reports / typical,
        facts={"rejected": t.rejected, "peer_mean": peer_mean},
    )


def recurring(state: KeyState, end: int, cfg: RecurringConfig) -> Finding:
    t = window.totals(state.buckets, end - cfg.window_s, end)
    return Finding(
        kind=PatternKind.RECURRING_SUBJECT,
        opens=t.reopened >= cfg.min_reopens,
        holds=t.reopened >= max(1, cfg.min_reopens - 1),
        window_s=cfg.window_s,
        count=t.reopened,
        expected=0.0,
        score=t.reopened / cfg.min_reopens,
        facts={"reports": t.reports},
    )
