"""Totals of a key's buckets over an event-time window."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from streams.core.patterns import sketch
from streams.core.patterns.state import Bucket


@dataclass(slots=True)
class Totals:
    reports: int = 0
    reopened: int = 0
    coordinated: int = 0
    rejected: int = 0


def first_from(buckets: list[Bucket], since: int) -> int:
    """Index of the first bucket starting at or after `since` (buckets are sorted)."""
    return bisect_left(buckets, since, key=_start)


def in_window(buckets: list[Bucket], since: int, until: int) -> list[Bucket]:
    out = []
    for b in buckets[first_from(buckets, since) :]:
        if b.start >= until:
            break
        out.append(b)
    return out


def totals(buckets: list[Bucket], since: int, until: int) -> Totals:
    t = Totals()
    for b in in_window(buckets, since, until):
        t.reports += b.count
        t.reopened += b.reopened
        t.coordinated += b.coordinated
        t.rejected += b.rejected
    return t


def _start(bucket: Bucket) -> int:
    return bucket.start


def reporters(buckets: list[Bucket], k: int, coordinated: bool = False) -> list[int]:
    return sketch.merge(
        (b.coordinated_reporters if coordinated else b.reporters for b in buckets), k
    )


def samples(buckets: list[Bucket], limit: int) -> list[str]:
    out: list[str] = []
    for b in buckets:
        out.extend(b.samples[: limit - len(out)])
        if len(out) >= limit:
            break
    return out
