"""Distinct counts (reporters, incidents): a k-minimum-values sketch of hashed ids.

Exact below k ids, an estimate with about 1/sqrt(k) relative error above; bounded (k ints)
and mergeable (union, keep the k smallest), so deltas and windows combine without ids.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence

import xxhash

HASH_SPACE = 1 << 64


def stable_hash(value: str) -> int:
    # Stable across processes (unlike hash()), so sketches from different workers merge.
    return xxhash.xxh3_64_intdigest(value.encode())


def smallest(hashes: Iterable[int], k: int) -> list[int]:
    return heapq.nsmallest(k, set(hashes))


def merge(sketches: Iterable[Iterable[int]], k: int) -> list[int]:
    union: set[int] = set()
    for sketch in sketches:
        union.update(sketch)
    return heapq.nsmallest(k, union)


def estimate(sketch: Sequence[int], k: int) -> int:
    if len(sketch) < k:
        return len(sketch)
    return round((k - 1) * HASH_SPACE / (sketch[k - 1] + 1))
