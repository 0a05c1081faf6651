"""One incident, one page: a spike seen through several facets opens one pattern."""

from __future__ import annotations

import pytest

from streams.core.patterns.alert import AlertStatus, PatternKind
from streams.core.patterns.counter import PatternCounter
from streams.core.taxonomy import Category
from tests.unit.patterns.builders import burst, config, new_detector, run, steady

ANDROID = dict(platform="android", app_version="32.0.0")
IOS = dict(platform="ios", app_version="32.0.0")


def background() -> list:
    """Three hours of product_issue in US/en and BR/pt from both platforms (warm-up is 2 h)."""
    out = []
    for where in (dict(region="US", language="en"), dict(region="BR", language="pt")):
        out += steady(0, 180, 2.0, **where, **ANDROID) + steady(1, 180, 2.0, **where, **IOS)
    return out


def spike_alerts(emitted: list) -> list:
    return [e.alert for e in emitted if e.alert.kind is PatternKind.SPIKE]


CASES = [
    # name, extra traffic, pages expected, dimensions the first page's pattern ends up with
    (
        "one crash burst seen by region, language and version",
        burst(150, 10, 60, region="US", language="en", **ANDROID),
        1,
        {"category": "product_issue", "region": "US", "language": "en", "platform": "android", "app_version": "32.0.0"},
    ),
    (
        "one burst spread over two platforms names neither",
        burst(150, 10, 40, region="US", language="en", **ANDROID) + burst(150.1, 10, 40, region="US", language="en", **IOS),
        1,
        {"category": "product_issue", "region": "US", "language": "en"},
    ),
    (
        "two regions at once are two incidents",
        burst(150, 10, 60, region="US", language="en", **ANDROID) + burst(150, 10, 60, region="BR", language="pt", **IOS),
        2,
        None,
    ),
]


@pytest.mark.parametrize(("name", "extra", "pages", "dims"), CASES, ids=[c[0] for c in CASES])
def test_facets_of_one_incident_page_once(name: str, extra: list, pages: int, dims: dict | None) -> None:
    alerts = spike_alerts(run(background() + extra))
    opened = [a for a in alerts if a.status is AlertStatus.OPENED]
    assert len(opened) == pages, [a.dimensions for a in opened]
    # every alert belongs to a paged pattern: the other facets never page on their own
    assert {a.pattern_id for a in alerts} == {a.pattern_id for a in opened}
    if dims is not None:
        latest = [a for a in alerts if a.pattern_id == opened[0].pattern_id and a.status is not AlertStatus.RESOLVED][-1]
        assert latest.dimensions == dims


def test_the_page_says_where_else_the_same_reports_spiked() -> None:
    alerts = spike_alerts(run(background() + burst(150, 10, 60, region="US", language="en", **ANDROID)))
    page = next(a for a in alerts if a.status is AlertStatus.OPENED)
    others = [a for a in alerts if a.pattern_id == page.pattern_id and a.status is not AlertStatus.RESOLVED]
    assert "the same reports also spiked" in others[-1].summary
    assert "Android 32.0.0" in others[-1].summary


def test_the_page_does_not_depend_on_how_counts_were_batched() -> None:
    traffic = sorted(background() + burst(150, 10, 60, region="US", language="en", **ANDROID), key=lambda o: o.occurred_at)
    per_second = spike_alerts(run(traffic))
    cfg = config()
    counter, detector = PatternCounter(cfg), new_detector(cfg)
    batched = []
    for start in range(0, len(traffic), 25):  # a worker catching up: 25 reports per batch
        for o in traffic[start : start + 25]:
            counter.observe(o)
        batched += detector.apply(counter.drain())
    batched = [a for a in batched if a.kind is PatternKind.SPIKE]
    page = lambda alerts: [(a.pattern_id, a.dimensions) for a in alerts if a.status is AlertStatus.OPENED]  # noqa: E731
    assert page(batched) == page(per_second) != []
    for alerts in (batched, per_second):  # each pattern's alerts are numbered versions of one page
        versions = [a.version for a in alerts if a.pattern_id == alerts[0].pattern_id]
        assert versions == list(range(1, len(versions) + 1))


def test_a_different_category_in_the_same_place_is_its_own_incident() -> None:
    extra = burst(150, 10, 60, region="US", language="en", **ANDROID)
    extra += burst(150, 10, 60, region="US", language="en", category=Category.SCAM_FRAUD, **ANDROID)
    extra += steady(0, 180, 10.0, region="US", language="en", category=Category.SCAM_FRAUD, **ANDROID)
    opened = [a for a in spike_alerts(run(background() + extra)) if a.status is AlertStatus.OPENED]
    assert sorted(a.dimensions["category"] for a in opened) == ["product_issue", "scam_fraud"]
