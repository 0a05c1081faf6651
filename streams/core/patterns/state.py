"""Detector state: buckets, baselines and open patterns per key. All msgpack-serializable."""

from __future__ import annotations

import msgspec

from streams.core.patterns.alert import PatternKind
from streams.core.patterns.baseline import Baseline


# gc=False: buckets hold no cycles, and untracked they keep the collector from walking
# the whole detector state on every collection (it slowed the intake's hot path 3x).
class Bucket(msgspec.Struct, array_like=True, gc=False):
    start: int  # epoch seconds
    count: int = 0
    reopened: int = 0
    coordinated: int = 0
    rejected: int = 0
    # tuples, not lists: tuples of ints and strings drop out of the collector's sight
    reporters: tuple[int, ...] = ()
    coordinated_reporters: tuple[int, ...] = ()
    samples: tuple[str, ...] = ()
    incidents: tuple[int, ...] = ()  # sketch of distinct subjects (spike facets)


class OpenPattern(msgspec.Struct, gc=False):
    pattern_id: str
    kind: PatternKind
    start: int  # window start of the window that opened it
    counted_through: int  # end of the last window folded into the totals
    version: int = 1
    total: int = 0  # the kind's measure (reports, reopens, coordinated reports)
    incidents: int = 0  # distinct subjects among them, per bucket (spikes)
    expected: float = 0.0
    score: float = 0.0
    reporters: tuple[int, ...] = ()
    samples: tuple[str, ...] = ()
    reference: str = ""  # what it was compared with, e.g. "32.3.x"
    last_emitted_at: int = 0
    last_emitted_total: int = 0
    quiet_since: int | None = None  # first evaluation back at baseline
    # Facet linking (spikes): a key whose spike joined another key's incident pages nothing
    # itself and names that incident here; the incident's own pattern lists its linked keys.
    linked_to: str = ""  # pattern_id of the incident this one joined
    linked: dict[str, str] = {}  # facet -> state key of a joined key ("" when several)


class KeyState(msgspec.Struct, gc=False):
    buckets: list[Bucket] = []  # ascending by start
    baseline: Baseline | None = None
    open: dict[str, OpenPattern] = {}  # by PatternKind value
    last_seen: int = 0  # latest bucket with data
    category: str = ""  # the last report's category (team lookup for subject/reporter keys)


class DetectorMeta(msgspec.Struct):
    started_at: int | None = None  # start of the first data; baselines are warm after the warmup
    first_bucket: int | None = None  # earliest bucket any delta carried
    watermark: int = 0
    max_event_ms: int = 0
    closed: dict[str, int] = {}  # facet -> end of the last evaluated bucket
    versions: dict[str, dict[str, int]] = {}  # platform -> app_version -> first seen
    # platform -> "<version>\x1f<category>" of each regression opened (no reference for it)
    regressed: dict[str, list[str]] = {}
    peer_mean: float = 0.0  # typical reports per active reporter over the abusive window
    last_sweep: int = 0
    # counted on the category_region facet (one delta per report, one-minute buckets):
    late_reports: int = 0  # arrived after their minute was evaluated; still counted later
    dropped_reports: int = 0  # older than the spike windows: not counted there


class DetectorSnapshot(msgspec.Struct):
    meta: DetectorMeta
    keys: dict[str, dict[str, KeyState]]  # facet -> state key -> state
