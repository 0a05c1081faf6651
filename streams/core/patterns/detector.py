"""PatternDetector: merges PatternDeltas into per-key windows and baselines and, as the
event-time watermark passes each bucket end, runs the rules and the pattern lifecycle.

Event time is the reports' occurred_at. The watermark is the latest event time seen minus
the configured lateness (or whatever `advance` is given, if later); a bucket is evaluated
once the watermark passes its end. Reports that arrive later still count in later windows.
Bucket ends are judged in event-time order across facets; a spike that opens on one facet
while another facet's open spike holds the same reports joins it (linking.py): one page.
State is bounded: buckets older than a facet's longest window are dropped and keys idle for
their facet's idle_ttl are forgotten. It serializes whole (`snapshot`) or per key
(`changed_entries`) for a changelogged table.
"""

from __future__ import annotations

import itertools

from collections.abc import Iterable, Mapping
from datetime import datetime

import msgspec

from streams.core.clock import from_millis
from streams.core.patterns import baseline as bl
from streams.core.patterns import linking, regression, sketch, spike, thresholds, window
from streams.core.patterns.alert import AlertStatus, PatternAlert, PatternKind
from streams.core.patterns.config import PatternConfig
from streams.core.patterns.delta import PatternDelta
from streams.core.patterns.facets import Facet, dimensions, key_values, state_key
from streams.core.patterns.finding import Finding
from streams.core.patterns.lifecycle import Lifecycle
from streams.core.patterns.narrative import Narrator
from streams.core.patterns.state import Bucket, DetectorMeta, DetectorSnapshot, KeyState, OpenPattern

META_ENTRY = "meta"
_MAX_STEPS = 1440
_FACETS = tuple(Facet)  # iterating the enum itself is slow on the hot path
_BASELINE_FACETS = frozenset(
    {
        Facet.CATEGORY_REGION,
        Facet.CATEGORY_LANGUAGE,
        Facet.CATEGORY_PLATFORM_VERSION,
        Facet.TEXT_CLUSTER,
    }
)
_SPIKE_FACETS = (Facet.CATEGORY_REGION, Facet.CATEGORY_LANGUAGE, Facet.CATEGORY_PLATFORM_VERSION)
_encoder = msgspec.msgpack.Encoder()
_snapshot_decoder = msgspec.msgpack.Decoder(DetectorSnapshot)
_meta_decoder = msgspec.msgpack.Decoder(DetectorMeta)
_key_decoder = msgspec.msgpack.Decoder(KeyState)


class PatternDetector:
    def __init__(
        self, config: PatternConfig | None = None, *, teams: Mapping[str, str], track_changes: bool = False
    ) -> None:
        """teams: category -> team of the routing in force (narrative.routing_teams), named in
        suggested actions. track_changes: remember changed keys for `changed_entries` (a
        table-backed agent)."""
        self._config = config or PatternConfig()
        self._track_changes = track_changes
        self._lifecycle = Lifecycle(self._config, Narrator(teams))
        self._emitted: list[PatternAlert] = []  # alerts of the evaluation under way
        self._meta = DetectorMeta()
        self._keys: dict[Facet, dict[str, KeyState]] = {f: {} for f in Facet}
        # key -> starts of buckets with new data; the key is judged at the first bucket end
        # after each of them (not at every end: a batch may span many)
        self._dirty: dict[Facet, dict[str, set[int]]] = {f: {} for f in Facet}
        self._open: dict[Facet, dict[str, None]] = {f: {} for f in Facet}
        self._platforms: dict[str, dict[str, dict[str, KeyState]]] = {}
        self._touched: set[tuple[Facet, str]] = set()
        # platform -> (window end, totals): one summing per platform per bucket end
        self._totals_cache: dict[str, tuple[int, regression.PlatformTotals]] = {}

    # ---- feeding -------------------------------------------------------------------------

    def apply(self, deltas: Iterable[PatternDelta]) -> list[PatternAlert]:
        """Merge deltas, then evaluate every bucket the event-time watermark has passed."""
        for delta in deltas:
            self._merge(delta)
        if self._meta.max_event_ms == 0:
            return []
        return self._advance_to(self._meta.max_event_ms // 1000 - self._config.lateness_s)

    def advance(self, watermark: datetime) -> list[PatternAlert]:
        """Move the watermark on without new data (e.g. from a timer when traffic is quiet)."""
        return self._advance_to(int(watermark.timestamp()))

    @property
    def watermark(self) -> datetime | None:
        return from_millis(self._meta.watermark * 1000) if self._meta.started_at else None

    def stats(self) -> dict[str, int]:
        return {
            "late_reports": self._meta.late_reports,
            "dropped_reports": self._meta.dropped_reports,
            "open_patterns": sum(len(o) for o in self._open.values()),
            **{f"keys_{f}": len(keys) for f, keys in self._keys.items()},
        }

    def open_patterns(self) -> list[tuple[Facet, str, str]]:
        """(facet, state key, kind) of every pattern currently open."""
        return [
            (facet, key, kind)
            for facet, keys in self._open.items()
            for key in keys
            for kind in self._keys[facet][key].open
        ]

    def _merge(self, d: PatternDelta) -> None:
        facet = Facet(d.facet)
        width = self._config.bucket_s[facet]
        if d.width != width:
            raise ValueError(
                f"delta for {facet} has {d.width}s buckets but this detector uses {width}s: "
                "give the counter and the detector the same PatternConfig"
            )
        meta = self._meta
        meta.max_event_ms = max(meta.max_event_ms, d.last_event_ms)
        if meta.first_bucket is None or d.bucket < meta.first_bucket:
            meta.first_bucket = d.bucket
        closed = meta.closed.get(facet)
        # every report has exactly one category_region delta: count lateness there, once
        counted = facet is Facet.CATEGORY_REGION
        if closed is not None and d.bucket < closed - self._config.retention_s(facet):
            meta.dropped_reports += d.count if counted else 0
            return
        if closed is not None and d.bucket < closed:
            meta.late_reports += d.count if counted else 0
        key = state_key(d.key)
        keys = self._keys[facet]
        state = keys.pop(key, None)  # re-inserted below: dict order is least recently seen first
        if state is None:
            state = self._new_key(facet, key, d)
        else:
            keys[key] = state
        if len(keys) > self._config.max_keys_per_facet:
            self._evict(facet)
        _merge_bucket(state, d, self._config.sketch_size, self._config.samples_per_bucket)
        if state.baseline is not None and d.bucket < state.baseline.at:
            bl.add(state.baseline, len(d.incidents) or d.count)  # past learning: learn it now
        state.last_seen = max(state.last_seen, d.bucket)
        if d.category:
            state.category = d.category
        self._dirty[facet].setdefault(key, set()).add(d.bucket)
        self._touch(facet, key)

    def _new_key(self, facet: Facet, key: str, d: PatternDelta) -> KeyState:
        state = KeyState()
        if facet in _BASELINE_FACETS:
            watched = d.bucket - (self._meta.started_at or d.bucket)
            state.baseline = bl.new_baseline(d.bucket, max(0, watched), self._config.spike)
        self._keys[facet][key] = state
        if facet is Facet.CATEGORY_PLATFORM_VERSION:
            category, platform, version = d.key
            self._platforms.setdefault(platform, {}).setdefault(version, {})[category] = state
            first = self._meta.versions.setdefault(platform, {})
            first[version] = min(first.get(version, d.bucket), d.bucket)
        return state

    def _touch(self, facet: Facet, key: str) -> None:
        if self._track_changes:
            self._touched.add((facet, key))

    # ---- evaluation ----------------------------------------------------------------------

    def _advance_to(self, watermark: int) -> list[PatternAlert]:
        meta = self._meta
        if meta.started_at is None:
            # From the first data, not the first watermark: a backfill delivered in one batch
            # (history replayed into Kafka, a worker catching up) warms up over its own hours.
            meta.started_at = min(watermark, meta.first_bucket if meta.first_bucket is not None else watermark)
            meta.last_sweep = watermark
        if watermark <= meta.watermark:
            return []
        meta.watermark = watermark
        self._emitted = []
        # In event-time order across facets, whatever the batch: which facet of a spike opens
        # first (and pages; the others join it) must not depend on how deltas were batched.
        ends = [(end, i, facet) for i, facet in enumerate(_FACETS) for end in self._bucket_ends(facet, watermark)]
        for end, _, facet in sorted(ends):
            self._evaluate(facet, end)
            meta.closed[facet] = end
        if watermark - meta.last_sweep >= self._config.sweep_interval_s:
            self._sweep(watermark)
            meta.last_sweep = watermark
        alerts, self._emitted = self._emitted, []
        return alerts

    def _bucket_ends(self, facet: Facet, watermark: int) -> range:
        """Every bucket end the watermark passed since the last evaluation, so open patterns
        resolve on time in a quiet stream; after a gap longer than _MAX_STEPS only the last."""
        width = self._config.bucket_s[facet]
        end = watermark - watermark % width
        last = self._meta.closed.get(facet)
        if last is None and self._meta.first_bucket is not None:
            last = self._meta.first_bucket - self._meta.first_bucket % width  # judge from the first data on
        if last is None or end - last > _MAX_STEPS * width:
            return range(end, end + 1) if last is None or end > last else range(0)
        return range(last + width, end + 1, width)

    def _evaluate(self, facet: Facet, end: int) -> None:
        due: list[str] = []
        pending: dict[str, set[int]] = {}
        for key, starts in self._dirty[facet].items():
            later = {b for b in starts if b >= end}
            if len(later) < len(starts):
                due.append(key)
            if later:
                pending[key] = later
        self._dirty[facet] = pending
        keys = list(dict.fromkeys(due + list(self._open[facet])))
        for key in keys:
            state = self._keys[facet].get(key)
            if state is None:
                continue
            self._evaluate_key(facet, key, state, end)

    def _evaluate_key(self, facet: Facet, key: str, state: KeyState, end: int) -> None:
        findings = {f.kind: f for f in self._findings(facet, key, state, end)}
        kinds = list(findings) + [PatternKind(k) for k in state.open if k not in findings]
        dims = dimensions(facet, key)
        for kind in kinds:
            joined = state.open.get(kind)
            alert = self._lifecycle.step(facet, key, dims, state, kind, findings.get(kind), end)
            if alert is None or (joined is not None and joined.linked_to):
                continue  # part of an incident another key pages for
            if kind is PatternKind.SPIKE and alert.status is AlertStatus.OPENED and self._join(facet, key, state, end):
                continue
            self._emitted.append(alert)
            if kind is PatternKind.RELEASE_REGRESSION and alert.status is AlertStatus.OPENED:
                regressed = self._meta.regressed.setdefault(dims["platform"], [])
                entry = state_key((dims["app_version"], dims["category"]))
                if entry not in regressed:
                    regressed.append(entry)
        was_open = key in self._open[facet]
        if state.open:
            self._open[facet][key] = None
        else:
            self._open[facet].pop(key, None)
        # judging a key changes it only through its baseline or its patterns
        if state.baseline is not None or state.open or was_open:
            self._touch(facet, key)

    # ---- one incident, one page ----------------------------------------------------------

    def _join(self, facet: Facet, key: str, state: KeyState, end: int) -> bool:
        """Join the spike that just opened on this key to an open spike of another facet with
        the same reports, and page that incident's update instead; False when there is none."""
        incident = self._incident_for(facet, key, state, end)
        if incident is None:
            return False
        other_facet, other_key, other = incident
        primary = other.open[PatternKind.SPIKE]
        state.open[PatternKind.SPIKE].linked_to = primary.pattern_id
        # opened at this same window end (so in this batch, whatever the batching): amend that
        # page rather than page an update right after it
        opening = [
            a for a in self._emitted
            if a.pattern_id == primary.pattern_id and a.status is AlertStatus.OPENED and a.window_end.timestamp() == end
        ]
        alert = self._lifecycle.link(primary, dimensions(other_facet, other_key), other, facet, key, end, bool(opening))
        self._touch(other_facet, other_key)
        self._emitted = [a for a in self._emitted if a not in opening] + [alert]
        return True

    def _incident_for(self, facet: Facet, key: str, state: KeyState, end: int) -> tuple[Facet, str, KeyState] | None:
        k = self._config.sketch_size
        since = end - self._config.spike.window_s
        category = key_values(key)[0]
        mine = linking.incidents(state, since, end, k)
        best: tuple[int, Facet, str, KeyState] | None = None
        for other_facet in _SPIKE_FACETS:
            for other_key in self._open[other_facet]:
                other = self._keys[other_facet][other_key]
                pattern: OpenPattern | None = other.open.get(PatternKind.SPIKE)
                if pattern is None or pattern.linked_to or key_values(other_key)[0] != category:
                    continue
                if (other_facet, other_key) == (facet, key):
                    continue
                common = linking.shared(mine, linking.incidents(other, since, end, k), k)
                if common and (best is None or common > best[0]):
                    best = (common, other_facet, other_key, other)
        return None if best is None else best[1:]

    def _findings(self, facet: Facet, key: str, state: KeyState, end: int) -> list[Finding]:
        cfg = self._config
        k = cfg.sketch_size
        warm = self._warm(end)
        if facet in _BASELINE_FACETS:
            self._fold(facet, state, end)
        if facet is Facet.CATEGORY_REGION:
            return [
                spike.spike(state, end, cfg.spike, k, warm),
                thresholds.coordinated(state, end, cfg.coordinated, k),
            ]
        if facet is Facet.CATEGORY_LANGUAGE:
            return [spike.spike(state, end, cfg.spike, k, warm)]
        if facet is Facet.CATEGORY_PLATFORM_VERSION:
            category, platform, version = key_values(key)
            if not self._is_new_version(platform, version, end):
                return [spike.spike(state, end, cfg.spike, k, warm)]
            excluded = self._meta.regressed.get(platform, [])
            totals = self._platform_totals(platform, end)
            view = regression.PlatformView(version, category, totals, excluded)
            return [regression.regression(view, cfg.regression, warm)]
        if facet is Facet.TEXT_CLUSTER:
            return [thresholds.near_duplicate(state, end, cfg.near_duplicate, cfg.spike, k, warm)]
        if facet is Facet.REPORTER:
            return [thresholds.abusive(state, end, cfg.abusive, self._meta.peer_mean)]
        return [thresholds.recurring(state, end, cfg.recurring)]

    def _fold(self, facet: Facet, state: KeyState, end: int) -> None:
        """Learn from buckets that have left the window the facet's rule judges."""
        cfg = self._config
        if facet is Facet.TEXT_CLUSTER:
            until, freeze = end - cfg.near_duplicate.window_s, PatternKind.NEAR_DUPLICATE_CLUSTER
        else:
            until, freeze = end - cfg.spike.window_s, PatternKind.SPIKE
        spike.fold(state, until, cfg.bucket_s[facet], cfg.spike, freeze)

    def _warm(self, at: int) -> bool:
        started = self._meta.started_at
        return started is not None and at - started >= self._config.warmup_s

    def _is_new_version(self, platform: str, version: str, at: int) -> bool:
        """Versions first seen after the warmup and within the release age ramp up on
        adoption, so they are judged against older versions, not against their own past,
        until they carry most of the platform's reports."""
        first = self._meta.versions.get(platform, {}).get(version)
        if first is None or not self._warm(first):
            return False
        if at - first > self._config.regression.release_age_s:
            return False
        return regression.version_share(self._platform_totals(platform, at), version) < 0.5

    def _platform_totals(self, platform: str, end: int) -> regression.PlatformTotals:
        """A platform's keys summed over the regression window ending at the last multiple of
        its refresh interval: hours-long windows need no re-summing every bucket."""
        cfg = self._config.regression
        anchor = end - end % cfg.refresh_s
        cached = self._totals_cache.get(platform)
        if cached is None or cached[0] != anchor:
            versions = self._platforms.get(platform, {})
            totals = regression.platform_totals(versions, anchor, cfg, self._config.spike)
            cached = self._totals_cache[platform] = (anchor, totals)
        return cached[1]

    # ---- bounding state ------------------------------------------------------------------

    def _sweep(self, now: int) -> None:
        cfg = self._config
        for facet in Facet:
            keys = self._keys[facet]
            oldest = now - cfg.retention_s(facet)
            idle_before = now - cfg.idle_ttl_s[facet]
            for key in list(keys):
                state = keys[key]
                buckets = state.buckets
                if buckets and buckets[0].start < oldest:
                    if state.baseline is not None:
                        self._fold(facet, state, now)
                    state.buckets = buckets[window.first_from(buckets, oldest) :]
                    self._touch(facet, key)
                if not state.buckets and not state.open and state.last_seen < idle_before:
                    self._forget(facet, key)
        self._meta.peer_mean = self._peer_mean(now)

    def _evict(self, facet: Facet) -> None:
        """Forget the least recently seen keys that have no open pattern, to 5 % below the cap.

        In chunks, not one key per new key: a dict whose oldest entries were deleted scans
        those empty slots on every new iteration, so per-key eviction cost O(keys) per report
        once a facet was full (14 % of the pattern worker's time in a profile)."""
        keys = self._keys[facet]
        cap = self._config.max_keys_per_facet
        excess = len(keys) - cap + cap // 20
        oldest = itertools.islice(keys.items(), excess + 100)  # open patterns are few
        for key in [k for k, state in oldest if not state.open][:excess]:
            self._forget(facet, key)

    def _forget(self, facet: Facet, key: str) -> None:
        del self._keys[facet][key]
        self._dirty[facet].pop(key, None)
        self._touch(facet, key)
        if facet is not Facet.CATEGORY_PLATFORM_VERSION:
            return
        category, platform, version = key_values(key)
        versions = self._platforms.get(platform, {})
        categories = versions.get(version, {})
        categories.pop(category, None)
        if not categories:
            versions.pop(version, None)
            self._meta.versions.get(platform, {}).pop(version, None)
            regressed = self._meta.regressed.get(platform, [])
            regressed[:] = [e for e in regressed if key_values(e)[0] != version]

    def _peer_mean(self, now: int) -> float:
        since = now - self._config.abusive.window_s
        counts = [window.totals(s.buckets, since, now).reports for s in self._keys[Facet.REPORTER].values()]
        active = [c for c in counts if c > 0]
        return sum(active) / len(active) if active else 0.0

    # ---- persistence ---------------------------------------------------------------------

    def snapshot(self) -> bytes:
        """The whole state as msgpack; `PatternDetector.restore` reads it back."""
        # sorted: key order in memory follows recency (for eviction), the snapshot should not
        keys = {str(f): dict(sorted(states.items())) for f, states in self._keys.items()}
        return _encoder.encode(DetectorSnapshot(meta=self._meta, keys=keys))

    @classmethod
    def restore(
        cls, blob: bytes, config: PatternConfig | None = None, *, teams: Mapping[str, str], track_changes: bool = False
    ) -> PatternDetector:
        snap = _snapshot_decoder.decode(blob)
        detector = cls._rebuild(config, teams, snap.meta, snap.keys)
        detector._track_changes = track_changes
        return detector

    def changed_entries(self) -> dict[str, bytes | None]:
        """State entries changed since the last call, for a changelogged key-value table:
        "meta" plus "<facet>:<key>" -> msgpack KeyState, or None when the key was forgotten.
        Needs a detector made with track_changes=True (from_entries makes one)."""
        if not self._track_changes:
            raise RuntimeError("changed_entries needs PatternDetector(config, teams=..., track_changes=True)")
        out: dict[str, bytes | None] = {META_ENTRY: _encoder.encode(self._meta)}
        for facet, key in self._touched:
            state = self._keys[facet].get(key)
            out[entry_name(facet, key)] = None if state is None else _encoder.encode(state)
        self._touched = set()
        return out

    @classmethod
    def from_entries(
        cls, entries: Mapping[str, bytes], config: PatternConfig | None = None, *, teams: Mapping[str, str]
    ) -> PatternDetector:
        """Rebuild from a table holding what `changed_entries` wrote (deleted keys removed)."""
        meta = _meta_decoder.decode(entries[META_ENTRY]) if META_ENTRY in entries else DetectorMeta()
        keys: dict[str, dict[str, KeyState]] = {}
        for name, raw in entries.items():
            if name == META_ENTRY or raw is None:
                continue
            facet, _, key = name.partition(":")
            keys.setdefault(facet, {})[key] = _key_decoder.decode(raw)
        return cls._rebuild(config, teams, meta, keys)

    @classmethod
    def _rebuild(
        cls,
        config: PatternConfig | None,
        teams: Mapping[str, str],
        meta: DetectorMeta,
        keys: Mapping[str, Mapping[str, KeyState]],
    ) -> PatternDetector:
        detector = cls(config, teams=teams, track_changes=True)
        detector._meta = meta
        for facet_name, states in keys.items():
            facet = Facet(facet_name)
            for key, state in states.items():
                detector._keys[facet][key] = state
                if state.open:
                    detector._open[facet][key] = None
                if facet is Facet.CATEGORY_PLATFORM_VERSION:
                    category, platform, version = key_values(key)
                    detector._platforms.setdefault(platform, {}).setdefault(version, {})[category] = state
        return detector


def entry_name(facet: Facet, key: str) -> str:
    return f"{facet}:{key}"


def _merge_bucket(state: KeyState, d: PatternDelta, k: int, samples: int) -> None:
    buckets = state.buckets
    index = len(buckets)
    while index > 0 and buckets[index - 1].start > d.bucket:
        index -= 1
    if index > 0 and buckets[index - 1].start == d.bucket:
        b = buckets[index - 1]
        b.count += d.count
        b.reopened += d.reopened
        b.coordinated += d.coordinated
        b.rejected += d.rejected
        b.reporters = tuple(sketch.merge((b.reporters, d.reporters), k))
        if d.coordinated_reporters:
            merged = sketch.merge((b.coordinated_reporters, d.coordinated_reporters), k)
            b.coordinated_reporters = tuple(merged)
        if len(b.samples) < samples:
            b.samples = (b.samples + d.samples)[:samples]
        if d.incidents:
            b.incidents = tuple(sketch.merge((b.incidents, d.incidents), k))
        return
    buckets.insert(
        index,
        Bucket(
            start=d.bucket,
            count=d.count,
            reopened=d.reopened,
            coordinated=d.coordinated,
            rejected=d.rejected,
            reporters=d.reporters,
            coordinated_reporters=d.coordinated_reporters,
            samples=d.samples[:samples],
            incidents=d.incidents,
        ),
    )
