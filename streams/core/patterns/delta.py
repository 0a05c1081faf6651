"""PatternDelta: counts of one dimension key in one event-time bucket, sent counter -> detector.

Small, msgpack-serializable and mergeable: the intake side drains its PatternCounter into
deltas and sends each one keyed by `route_key`; the pattern side merges them into buckets.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from streams.core.patterns import sketch
from streams.core.patterns.facets import Facet, route_key


class PatternDelta(msgspec.Struct, frozen=True, array_like=True, omit_defaults=True, gc=False):
    facet: Facet
    key: tuple[str, ...]
    bucket: int  # bucket start, epoch seconds
    width: int  # bucket length in seconds
    count: int
    last_event_ms: int  # latest occurred_at among the counted reports; drives the watermark
    reopened: int = 0
    coordinated: int = 0
    rejected: int = 0
    reporters: tuple[int, ...] = ()  # k-minimum-values sketch of hashed reporter ids
    coordinated_reporters: tuple[int, ...] = ()
    samples: tuple[str, ...] = ()  # a few event ids, as evidence
    category: str | None = None  # the last report's category (teams for subject/reporter keys)
    # sketch of hashed subject keys (event id when none): distinct incidents, spike facets only
    incidents: tuple[int, ...] = ()

    @property
    def route_key(self) -> str:
        return route_key(self.facet, self.key)


_encoder = msgspec.msgpack.Encoder()
_one = msgspec.msgpack.Decoder(PatternDelta)
_many = msgspec.msgpack.Decoder(list[PatternDelta])


def encode_delta(delta: PatternDelta) -> bytes:
    return _encoder.encode(delta)


def decode_delta(raw: bytes) -> PatternDelta:
    return _one.decode(raw)


def encode_deltas(deltas: list[PatternDelta]) -> bytes:
    return _encoder.encode(deltas)


def decode_deltas(raw: bytes) -> list[PatternDelta]:
    return _many.decode(raw)


def merge_deltas(
    deltas: Iterable[PatternDelta], sketch_size: int = 32, max_samples: int = 3
) -> list[PatternDelta]:
    """Combine deltas of the same key and bucket (e.g. before producing a batch)."""
    merged: dict[tuple[Facet, tuple[str, ...], int], PatternDelta] = {}
    for delta in deltas:
        slot = (delta.facet, delta.key, delta.bucket)
        seen = merged.get(slot)
        merged[slot] = delta if seen is None else _combine(seen, delta, sketch_size, max_samples)
    return list(merged.values())


def _combine(a: PatternDelta, b: PatternDelta, sketch_size: int, max_samples: int) -> PatternDelta:
    return PatternDelta(
        facet=a.facet,
        key=a.key,
        bucket=a.bucket,
        width=a.width,
        count=a.count + b.count,
        last_event_ms=max(a.last_event_ms, b.last_event_ms),
        reopened=a.reopened + b.reopened,
        coordinated=a.coordinated + b.coordinated,
        rejected=a.rejected + b.rejected,
        reporters=tuple(sketch.merge((a.reporters, b.reporters), sketch_size)),
        coordinated_reporters=tuple(
            sketch.merge((a.coordinated_reporters, b.coordinated_reporters), sketch_size)
        ),
        samples=(a.samples + b.samples)[:max_samples],
        category=b.category if b.last_event_ms >= a.last_event_ms else a.category,
        incidents=tuple(sketch.merge((a.incidents, b.incidents), sketch_size)),
    )
