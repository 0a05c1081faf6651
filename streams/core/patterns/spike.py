"""Spike: a window of one key's reports far above that key's learned baseline.

Spikes are judged on incidents, not reports: reports about one subject count once, since
2-3 people reporting the same thing within minutes is ordinary and says nothing about a
rising category. Reports without a subject count one each. Nor can a few reporters make a
spike: the incident count is capped at the number of distinct reporters. Incidents about
different subjects come in bursts too, so the tail probability is burst-aware
(baseline.burst_score): a window's count is a sum of clusters of 1-3 incidents.
"""

from __future__ import annotations

from streams.core.patterns import baseline as bl
from streams.core.patterns import sketch, window
from streams.core.patterns.alert import PatternKind
from streams.core.patterns.config import SpikeConfig
from streams.core.patterns.finding import Finding
from streams.core.patterns.state import Bucket, KeyState


def learned(bucket: Bucket) -> int:
    """What a bucket teaches a baseline: its incidents where counted, else its reports."""
    return len(bucket.incidents) or bucket.count


def fold(
    state: KeyState, until: int, width: int, cfg: SpikeConfig, freeze: PatternKind = PatternKind.SPIKE
) -> None:
    """Teach the baseline every bucket that ended by `until` and is not yet learned.

    An open pattern of kind `freeze` stops learning (up to max_freeze_s) so it does not become
    the norm it is measured against; after that a lasting shift is learned and it resolves.
    """
    baseline = state.baseline
    if baseline is None or until <= baseline.at:
        return
    pattern = state.open.get(freeze)
    learn = pattern is None or until - pattern.start > cfg.max_freeze_s
    buckets = state.buckets
    for b in buckets[window.first_from(buckets, baseline.at) :]:
        if b.start + width > until:
            break
        bl.advance(baseline, b.start + width, cfg, learn)
        bl.add(baseline, learned(b), learn)
    bl.advance(baseline, until, cfg, learn)


def spike(state: KeyState, end: int, cfg: SpikeConfig, sketch_size: int, warm: bool) -> Finding:
    assert state.baseline is not None, "spike facets always carry a baseline"
    buckets = window.in_window(state.buckets, end - cfg.window_s, end)
    reports = sum(b.count for b in buckets)
    incidents = incident_count(buckets, sketch_size)
    expected = bl.expect(state.baseline, cfg.window_s, cfg)
    if incidents >= cfg.min_count:
        # a few people filing many reports is an abusive-reporter pattern, not a spike
        reporters = sketch.estimate(window.reporters(buckets, sketch_size), sketch_size)
        incidents = min(incidents, reporters)
    plausible = incidents >= cfg.min_count and incidents >= cfg.min_ratio * expected.mean
    # the tail is only worth its cost where it can open a spike or keep one open
    judged = plausible or PatternKind.SPIKE in state.open
    score = bl.burst_score(incidents, expected, cfg.cluster_sizes()) if judged and incidents > expected.mean else 0.0
    return Finding(
        kind=PatternKind.SPIKE,
        opens=warm and plausible and score >= cfg.open_score,
        holds=score >= cfg.hold_score,
        window_s=cfg.window_s,
        count=reports,
        expected=expected.mean,
        score=score,
        facts={"incidents": incidents},
    )


def incident_count(buckets: list[Bucket], k: int) -> int:
    if not buckets:
        return 0
    if len(buckets) == 1:
        return sketch.estimate(buckets[0].incidents, k) or buckets[0].count
    return sketch.estimate(sketch.merge((b.incidents for b in buckets), k), k)
