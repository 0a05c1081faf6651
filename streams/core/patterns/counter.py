"""PatternCounter: the intake side's pre-aggregation of observations into PatternDeltas.

`observe` runs for every accepted report, so it only bumps counters in one dict; `drain`
turns what was collected since the last drain into deltas and starts afresh.
"""

from __future__ import annotations

from typing import Any

from streams.core.patterns.config import PatternConfig
from streams.core.patterns.delta import PatternDelta
from streams.core.patterns.facets import Facet
from streams.core.patterns.observation import Observation, Reopening
from streams.core.patterns.sketch import stable_hash

# A tally is a list, not an object: creating and bumping lists is the cheapest in CPython.
_COUNT, _REOPENED, _COORDINATED, _REJECTED, _REPORTERS, _COORD_REPORTERS, _SAMPLES, _LAST_MS, _CATEGORY, _INCIDENTS = range(10)  # fmt: skip
_REGION = Facet.CATEGORY_REGION
_LANGUAGE = Facet.CATEGORY_LANGUAGE
_VERSION = Facet.CATEGORY_PLATFORM_VERSION
_SUBJECT = Facet.SUBJECT
_REPORTER = Facet.REPORTER
_CLUSTER = Facet.TEXT_CLUSTER
_INCIDENT_FACETS = frozenset({_REGION, _LANGUAGE, _VERSION})


class PatternCounter:
    def __init__(self, config: PatternConfig | None = None) -> None:
        self._config = config or PatternConfig()
        widths = self._config.bucket_s
        self._widths = (
            widths[_REGION], widths[_LANGUAGE], widths[_VERSION],
            widths[_SUBJECT], widths[_REPORTER], widths[_CLUSTER],
        )  # fmt: skip
        self._samples = self._config.samples_per_bucket
        # (facet, *key values, bucket start) -> tally
        self._tallies: dict[tuple[Any, ...], list[Any]] = {}
        self._observed = 0

    @property
    def pending(self) -> int:
        """Observations collected since the last drain."""
        return self._observed

    def observe(self, obs: Observation) -> None:
        ms = int(obs.occurred_at.timestamp() * 1000)
        s = ms // 1000
        w_region, w_language, w_version, w_subject, w_reporter, w_cluster = self._widths
        category = obs.category
        slots = [
            (_REGION, category, obs.region, s - s % w_region),
            (_LANGUAGE, category, obs.language, s - s % w_language),
            (_REPORTER, obs.reporter_id, s - s % w_reporter),
        ]
        if obs.app_version is not None and obs.platform is not None:
            slots.append((_VERSION, category, obs.platform, obs.app_version, s - s % w_version))
        if obs.subject_key is not None:
            slots.append((_SUBJECT, obs.subject_key, s - s % w_subject))
        if obs.text_cluster is not None:
            slots.append((_CLUSTER, obs.text_cluster, s - s % w_cluster))
        who = stable_hash(obs.reporter_id)
        # One incident per subject: 2-3 people reporting the same thing are one event.
        incident = stable_hash(obs.subject_key or obs.event_id)
        coordinated = obs.coordinated
        reopened = 1 if obs.case_reopened else 0
        rejected = 1 if obs.reporter_rejected else 0
        tallies = self._tallies
        for slot in slots:
            t = tallies.get(slot)
            if t is None:
                tallies[slot] = [
                    1, reopened, 1 if coordinated else 0, rejected, {who},
                    {who} if coordinated else None, [obs.event_id], ms, category, {incident},
                ]  # fmt: skip
                continue
            t[_COUNT] += 1
            t[_REPORTERS].add(who)
            t[_INCIDENTS].add(incident)
            if len(t[_SAMPLES]) < self._samples:
                t[_SAMPLES].append(obs.event_id)
            if ms >= t[_LAST_MS]:
                t[_LAST_MS] = ms
                t[_CATEGORY] = category
            if reopened:
                t[_REOPENED] += 1
            if rejected:
                t[_REJECTED] += 1
            if coordinated:
                t[_COORDINATED] += 1
                if t[_COORD_REPORTERS] is None:
                    t[_COORD_REPORTERS] = set()
                t[_COORD_REPORTERS].add(who)
        self._observed += 1

    def observe_reopening(self, reopening: Reopening) -> None:
        """A case reopened by its team: one more reopening of its subject, not a report."""
        ms = int(reopening.at.timestamp() * 1000)
        s = ms // 1000
        width = self._config.bucket_s[_SUBJECT]
        slot = (_SUBJECT, reopening.subject_key, s - s % width)
        t = self._tallies.get(slot)
        if t is None:
            self._tallies[slot] = [0, 1, 0, 0, set(), None, [], ms, reopening.category, set()]
            return
        t[_REOPENED] += 1
        if ms >= t[_LAST_MS]:
            t[_LAST_MS] = ms
            t[_CATEGORY] = reopening.category

    def drain(self) -> list[PatternDelta]:
        """Everything observed since the last drain, one delta per (facet, key, bucket)."""
        k = self._config.sketch_size
        widths = self._config.bucket_s
        deltas = [_delta(slot, t, widths[slot[0]], k) for slot, t in self._tallies.items()]
        self._tallies = {}
        self._observed = 0
        return deltas


def _delta(slot: tuple[Any, ...], t: list[Any], width: int, k: int) -> PatternDelta:
    reporters = t[_REPORTERS]
    coord = t[_COORD_REPORTERS]
    incidents = t[_INCIDENTS] if slot[0] in _INCIDENT_FACETS else ()
    return PatternDelta(
        facet=slot[0],
        key=tuple(str(v) for v in slot[1:-1]),
        bucket=slot[-1],
        width=width,
        count=t[_COUNT],
        last_event_ms=t[_LAST_MS],
        reopened=t[_REOPENED],
        coordinated=t[_COORDINATED],
        rejected=t[_REJECTED],
        reporters=tuple(reporters) if len(reporters) == 1 else tuple(sorted(reporters)[:k]),
        coordinated_reporters=tuple(sorted(coord)[:k]) if coord else (),
        samples=tuple(t[_SAMPLES]),
        category=str(t[_CATEGORY]),
        incidents=tuple(incidents) if len(incidents) <= 1 else tuple(sorted(incidents)[:k]),
    )
