"""Detector state: survives a restart (whole or per key), stays bounded, handles lateness."""

from __future__ import annotations

import pytest

from streams.core.patterns.alert import AlertStatus, PatternKind
from streams.core.patterns.counter import PatternCounter
from streams.core.patterns.detector import PatternDetector
from streams.core.patterns.facets import Facet
from tests.unit.patterns.builders import TEAMS, at, burst, config, new_detector, obs, run, steady


def traffic() -> list:
    return (
        steady(0, 400, 1.0, platform="android", app_version="32.0.0", text_cluster="template")
        + burst(200, 30, 200)
        + burst(210, 20, 12, text_cluster="c-1")
        + burst(150, 60, 25, reporter_id="noisy")
    )


def split(observations: list, minute: float) -> tuple[list, list]:
    cut = at(minute)
    ordered = sorted(observations, key=lambda o: o.occurred_at)
    return [o for o in ordered if o.occurred_at < cut], [o for o in ordered if o.occurred_at >= cut]


def _signature(emitted: list) -> list:
    return [(e.alert.pattern_id, e.alert.status, e.alert.version, e.alert.count) for e in emitted]


def test_snapshot_restore_continues_exactly_where_it_stopped() -> None:
    cfg = config()
    first, second = split(traffic(), 215)  # mid-spike: patterns are open
    straight = run(first + second, cfg, until=420)

    detector = new_detector(cfg)
    before = run(first, cfg, detector)
    assert detector.open_patterns(), "the cut must fall while patterns are open"
    restored = PatternDetector.restore(detector.snapshot(), cfg, teams=TEAMS)
    after = run(second, cfg, restored, until=420)

    assert _signature(before + after) == _signature(straight)
    assert {a.alert.kind for a in straight} >= {
        PatternKind.SPIKE, PatternKind.NEAR_DUPLICATE_CLUSTER, PatternKind.ABUSIVE_REPORTER
    }


def test_changed_entries_rebuild_the_same_detector() -> None:
    cfg = config()
    first, second = split(traffic(), 215)
    straight = run(first + second, cfg, until=420)

    detector = new_detector(cfg, track_changes=True)
    table: dict[str, bytes] = {}
    counter = PatternCounter(cfg)
    for o in first:  # a table written after every apply, as an agent would
        counter.observe(o)
        detector.apply(counter.drain())
        for name, value in detector.changed_entries().items():
            if value is None:
                table.pop(name, None)
            else:
                table[name] = value
    rebuilt = PatternDetector.from_entries(table, cfg, teams=TEAMS)
    assert rebuilt.snapshot() == detector.snapshot()
    after = run(second, cfg, rebuilt, until=420)
    assert _signature(after) == _signature(straight)[-len(after) :]


def test_changed_entries_need_change_tracking() -> None:
    with pytest.raises(RuntimeError, match="track_changes=True"):
        new_detector(config()).changed_entries()


def test_changed_entries_only_carry_what_changed() -> None:
    cfg = config()
    detector = new_detector(cfg, track_changes=True)
    run(steady(0, 30, 0.25), cfg, detector)
    everything = detector.changed_entries()
    run([obs(31, region="DE")], cfg, detector)
    changed = detector.changed_entries()
    assert len(everything) > 200
    assert "category_region:product_issue\x1fDE" in changed
    assert len(changed) < 10


def test_idle_keys_are_forgotten_and_old_buckets_dropped() -> None:
    cfg = config()
    detector = new_detector(cfg)
    run(steady(0, 60, 1.0, text_cluster="t") + steady(0, 60, 1.0, region="FR"), cfg, detector)
    busy = detector.stats()
    assert busy["keys_reporter"] == 120 and busy["keys_category_region"] == 2
    # four days later only the keys that are still reporting remain
    run(steady(4 * 1440, 4 * 1440 + 120, 1.0), cfg, detector)
    later = detector.stats()
    assert later["keys_reporter"] == 120  # only the new reporters
    assert later["keys_category_region"] == 1
    assert later["keys_text_cluster"] == 0
    snapshot_size_busy = len(detector.snapshot())
    run(steady(8 * 1440, 8 * 1440 + 120, 1.0), cfg, detector)
    assert len(detector.snapshot()) <= snapshot_size_busy * 1.2  # bounded, not growing


def test_late_reports_count_and_too_late_ones_are_dropped() -> None:
    cfg = config()
    detector = new_detector(cfg)
    counter = PatternCounter(cfg)
    for o in steady(0, 200, 1.0):
        counter.observe(o)
        detector.apply(counter.drain())
    counter.observe(obs(195))  # within the spike window: counted, though its bucket was judged
    counter.observe(obs(0))  # older than every window: ignored
    detector.apply(counter.drain())
    stats = detector.stats()
    assert stats["late_reports"] == 1
    assert stats["dropped_reports"] == 1


def test_watermark_trails_the_latest_event_by_the_lateness() -> None:
    cfg = config()
    detector = new_detector(cfg)
    run(steady(0, 10, 1.0), cfg, detector)
    assert detector.watermark == at(9) - (at(cfg.lateness_s / 60) - at(0))
    assert detector.advance(at(5)) == []  # never backwards
    assert detector.watermark == at(9) - (at(cfg.lateness_s / 60) - at(0))


def test_a_quiet_stream_still_resolves_open_patterns_when_advanced() -> None:
    cfg = config()
    emitted = run(steady(0, 180, 1.0) + burst(170, 10, 90), cfg)
    assert any(e.alert.status is AlertStatus.OPENED for e in emitted)
    detector = new_detector(cfg)
    run(steady(0, 180, 1.0) + burst(170, 10, 90), cfg, detector)
    resolved = [a for a in detector.advance(at(240)) if a.status is AlertStatus.RESOLVED]
    assert {a.kind for a in resolved} == {PatternKind.SPIKE}
    assert not [p for p in detector.open_patterns() if p[0] is Facet.CATEGORY_REGION]


def test_memory_is_bounded_by_forgetting_the_least_recently_seen_keys() -> None:
    from dataclasses import replace

    cfg = replace(config(), max_keys_per_facet=50)
    counter, detector = PatternCounter(cfg), new_detector(cfg)
    for o in traffic():
        counter.observe(o)
        detector.apply(counter.drain())
    reporters = detector.stats()["keys_reporter"]
    assert 0 < reporters <= 50
