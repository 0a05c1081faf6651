"""Linking facets: one spike seen through several facets is one incident, paged once.

A burst of crash reports from Android 32.4.0 users in the US lifts product_issue in region
US, in language en and on android 32.4.0 at once. Each facet judges its own key, but the
evidence is the same reports: when a spike opens on a key while another key of the same
category has an open spike whose window holds mostly the same incidents, the new one joins
that incident (its dimensions are added to the page) instead of paging again.
"""

from __future__ import annotations

from collections.abc import Sequence

from streams.core.patterns import sketch, window
from streams.core.patterns.state import KeyState

MIN_SHARED = 2  # incidents both windows hold
MIN_CONTAINED = 0.5  # share of the smaller window's incidents found in the other


def incidents(state: KeyState, since: int, until: int, k: int) -> list[int]:
    """The window's incident sketch: the k smallest subject hashes, ascending."""
    return sketch.merge((b.incidents for b in window.in_window(state.buckets, since, until)), k)


def shared(a: Sequence[int], b: Sequence[int], k: int) -> int:
    """Incidents two windows have in common, or 0 when that is too few of the smaller one's.
    Bottom-k sketches are compared below the lower of their k-th hashes, where both are
    complete."""
    if not a or not b:
        return 0
    limit = min(a[-1] if len(a) >= k else sketch.HASH_SPACE, b[-1] if len(b) >= k else sketch.HASH_SPACE)
    mine = {h for h in a if h <= limit}
    theirs = {h for h in b if h <= limit}
    common = len(mine & theirs)
    enough = common >= MIN_SHARED and common >= MIN_CONTAINED * min(len(mine), len(theirs))
    return common if enough else 0
