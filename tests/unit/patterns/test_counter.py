"""PatternCounter and PatternDelta: pre-aggregation on the intake side and the wire format."""

from __future__ import annotations

import pytest

from streams.core.patterns import sketch
from streams.core.patterns.counter import PatternCounter
from streams.core.patterns.delta import (
    PatternDelta,
    decode_delta,
    decode_deltas,
    encode_delta,
    encode_deltas,
    merge_deltas,
)
from streams.core.patterns.facets import Facet
from tests.unit.patterns.builders import T0, at, config, obs


def drained(*observations: object) -> list[PatternDelta]:
    counter = PatternCounter(config())
    for o in observations:
        counter.observe(o)  # type: ignore[arg-type]
    return counter.drain()


@pytest.mark.parametrize(
    ("fields", "facets"),
    [
        ({}, {Facet.CATEGORY_REGION, Facet.CATEGORY_LANGUAGE, Facet.REPORTER, Facet.SUBJECT}),
        (
            {"platform": "ios", "app_version": "7.1", "text_cluster": "c1"},
            {Facet.CATEGORY_REGION, Facet.CATEGORY_LANGUAGE, Facet.REPORTER, Facet.SUBJECT,
             Facet.CATEGORY_PLATFORM_VERSION, Facet.TEXT_CLUSTER},
        ),
        ({"platform": "web", "app_version": None}, {Facet.CATEGORY_REGION, Facet.CATEGORY_LANGUAGE,
                                                   Facet.REPORTER, Facet.SUBJECT}),
        ({"subject_key": None}, {Facet.CATEGORY_REGION, Facet.CATEGORY_LANGUAGE, Facet.REPORTER}),
    ],
)
def test_each_report_counts_in_the_facets_it_has_dimensions_for(
    fields: dict, facets: set[Facet]
) -> None:
    assert {d.facet for d in drained(obs(3, **fields))} == facets


def test_deltas_aggregate_a_key_per_bucket_with_flags_and_distinct_reporters() -> None:
    reports = [
        obs(0.1, reporter_id="a", case_reopened=True),
        obs(0.2, reporter_id="a", coordinated=True),
        obs(0.3, reporter_id="b", reporter_rejected=True, coordinated=True),
        obs(0.4, reporter_id="c", subject_key="video:1"),
        obs(0.45, reporter_id="d", subject_key="video:1"),
        obs(1.5, reporter_id="e"),  # next 30-second bucket... and next minute
    ]
    by_bucket = sorted(
        (d for d in drained(*reports) if d.facet is Facet.CATEGORY_REGION), key=lambda d: d.bucket
    )
    first = by_bucket[0]
    assert first.key == ("product_issue", "US")
    assert first.bucket == int(T0.timestamp()) and first.width == 30
    assert (first.count, first.reopened, first.coordinated, first.rejected) == (5, 1, 2, 1)
    assert len(first.reporters) == 4 and len(first.coordinated_reporters) == 2
    assert len(first.incidents) == 4  # video:1 reported twice is one incident
    assert len(first.samples) == 3
    assert first.last_event_ms == int(at(0.45).timestamp() * 1000)
    assert by_bucket[-1].count == 1


def test_drain_empties_the_counter() -> None:
    counter = PatternCounter(config())
    counter.observe(obs(1))
    assert counter.pending == 1
    assert counter.drain()
    assert counter.pending == 0 and counter.drain() == []


def test_route_key_keeps_a_platforms_versions_together() -> None:
    deltas = drained(obs(1, platform="android", app_version="1.0"), obs(1, platform="android", app_version="2.0"))
    routes = {d.route_key for d in deltas if d.facet is Facet.CATEGORY_PLATFORM_VERSION}
    assert routes == {"category_platform_version:android"}
    region = next(d for d in deltas if d.facet is Facet.CATEGORY_REGION)
    assert region.route_key == "category_region:product_issue/US"


def test_deltas_round_trip_through_msgpack() -> None:
    deltas = drained(obs(1, platform="ios", app_version="7", text_cluster="c", coordinated=True))
    assert decode_deltas(encode_deltas(deltas)) == deltas
    assert all(decode_delta(encode_delta(d)) == d for d in deltas)


def test_merging_deltas_equals_counting_together() -> None:
    a, b = [obs(0.1, reporter_id="x"), obs(0.2, reporter_id="y")], [obs(0.3, reporter_id="x")]
    separately = merge_deltas(drained(*a) + drained(*b))
    together = drained(*a, *b)
    key = lambda d: (d.facet, d.key, d.bucket)  # noqa: E731
    for s, t in zip(sorted(separately, key=key), sorted(together, key=key), strict=True):
        assert (s.count, s.reporters, s.incidents, s.last_event_ms) == (
            t.count, t.reporters, t.incidents, t.last_event_ms
        )


@pytest.mark.parametrize("n", [1, 10, 31, 500, 5000])
def test_distinct_sketch_is_exact_below_k_and_close_above(n: int) -> None:
    k = 32
    s = sketch.smallest((sketch.stable_hash(f"user{i}") for i in range(n)), k)
    estimate = sketch.estimate(s, k)
    if n < k:
        assert estimate == n
    else:
        assert abs(estimate - n) <= 0.5 * n  # ~1/sqrt(k) relative error; 3 sigma


def test_sketch_merge_is_the_sketch_of_the_union() -> None:
    k = 16
    left = [sketch.stable_hash(f"a{i}") for i in range(100)]
    right = [sketch.stable_hash(f"b{i}") for i in range(100)]
    merged = sketch.merge((sketch.smallest(left, k), sketch.smallest(right, k)), k)
    assert merged == sketch.smallest(left + right, k)
