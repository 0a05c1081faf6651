"""Pattern lifecycle: open once, update sparingly, resolve when back to baseline."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from streams.core.clock import from_millis
from streams.core.patterns import sketch, window
from streams.core.patterns.alert import AlertStatus, PatternAlert, PatternKind
from streams.core.patterns.config import PatternConfig
from streams.core.patterns.facets import Facet, dimensions
from streams.core.patterns.finding import MEASURE, Finding
from streams.core.patterns.narrative import Narrator
from streams.core.patterns.state import KeyState, OpenPattern


class Lifecycle:
    def __init__(self, config: PatternConfig, narrator: Narrator) -> None:
        self._config = config
        self._narrator = narrator

    def step(
        self,
        facet: Facet,
        key: str,
        dims: Mapping[str, str],
        state: KeyState,
        kind: PatternKind,
        finding: Finding | None,
        end: int,
    ) -> PatternAlert | None:
        """Advance the pattern of `kind` on this key to window end `end`; maybe alert."""
        pattern = state.open.get(kind)
        if pattern is None:
            if finding is None or not finding.opens:
                return None
            pattern = self._open(facet, key, state, finding, end)
            state.open[kind] = pattern
            return self._alert(pattern, AlertStatus.OPENED, dims, state, end, finding)
        self._accumulate(pattern, state, finding, end)
        if finding is not None and finding.holds:
            pattern.quiet_since = None
            if not self._update_due(pattern, end):
                return None
            return self._alert(pattern, AlertStatus.UPDATED, dims, state, end, finding)
        if pattern.quiet_since is None:
            pattern.quiet_since = end
        if end - pattern.quiet_since < self._config.lifecycle.resolve_after_s:
            return None
        del state.open[kind]
        return self._alert(pattern, AlertStatus.RESOLVED, dims, state, end, finding)

    def link(
        self,
        p: OpenPattern,
        dims: Mapping[str, str],
        state: KeyState,
        facet: Facet,
        key: str,
        end: int,
        amend: bool,
    ) -> PatternAlert:
        """Another key's spike joined pattern `p` (of the key with `dims`): its alert with the
        joined dimensions, a new version of it or (amend: its opening is not out yet) the
        opening itself."""
        previous = p.linked.get(facet)
        p.linked = {**p.linked, facet: key if previous in (None, key) else ""}
        status = AlertStatus.OPENED if amend else AlertStatus.UPDATED
        return self._alert(p, status, dims, state, end, None)

    def _open(self, facet: Facet, key: str, state: KeyState, f: Finding, end: int) -> OpenPattern:
        start = end - f.window_s
        buckets = window.in_window(state.buckets, start, end)
        coordinated = f.kind is PatternKind.COORDINATED_REPORTING
        return OpenPattern(
            pattern_id=pattern_id(f.kind, facet, key, start),
            kind=f.kind,
            start=start,
            counted_through=end,
            total=f.count,
            incidents=int(f.facts.get("incidents", 0)),
            expected=f.expected,
            score=f.score,
            reporters=tuple(window.reporters(buckets, self._config.sketch_size, coordinated)),
            samples=tuple(window.samples(buckets, self._config.max_samples)),
            reference=f.reference,
        )

    def _accumulate(self, p: OpenPattern, state: KeyState, f: Finding | None, end: int) -> None:
        if end <= p.counted_through:
            return
        fresh = window.in_window(state.buckets, p.counted_through, end)
        measure = MEASURE[p.kind]
        p.total += sum(getattr(b, measure) for b in fresh)
        p.incidents += sum(len(b.incidents) for b in fresh)
        coordinated = p.kind is PatternKind.COORDINATED_REPORTING
        k = self._config.sketch_size
        p.reporters = tuple(sketch.merge((p.reporters, window.reporters(fresh, k, coordinated)), k))
        if len(p.samples) < self._config.max_samples:
            p.samples += tuple(window.samples(fresh, self._config.max_samples - len(p.samples)))
        if f is not None:
            p.expected += f.expected * (end - p.counted_through) / f.window_s
            p.score = max(p.score, f.score)
            p.reference = f.reference or p.reference
        p.counted_through = end

    def _update_due(self, p: OpenPattern, end: int) -> bool:
        cfg = self._config.lifecycle
        last = max(p.last_emitted_total, 1)
        if p.total >= cfg.material_factor * last:
            return True
        moved = abs(p.total - last) / last >= cfg.min_change
        return moved and end - p.last_emitted_at >= cfg.update_interval_s

    def _alert(
        self,
        p: OpenPattern,
        status: AlertStatus,
        dims: Mapping[str, str],
        state: KeyState,
        end: int,
        f: Finding | None,
    ) -> PatternAlert:
        if status is not AlertStatus.OPENED:
            p.version += 1
        p.last_emitted_at = end
        p.last_emitted_total = p.total
        distinct = sketch.estimate(p.reporters, self._config.sketch_size)
        facts = {**(f.facts if f is not None else {}), "incidents": p.incidents}
        narrator = self._narrator
        also = linked_dimensions(p, dims)
        return PatternAlert(
            pattern_id=p.pattern_id,
            kind=p.kind,
            status=status,
            version=p.version,
            dimensions={**dims, **also},
            window_start=from_millis(p.start * 1000),
            window_end=from_millis(end * 1000),
            count=p.total,
            distinct_reporters=distinct,
            baseline=round(p.expected, 2),
            score=round(p.score, 2),
            summary=narrator.summary(
                p.kind, status, dims, p.total, end - p.start, p.expected, distinct, p.reference, facts, also
            ),
            suggested_action=narrator.action(p.kind, dims, state.category),
            sample_event_ids=tuple(p.samples),
        )


def linked_dimensions(p: OpenPattern, dims: Mapping[str, str]) -> dict[str, str]:
    """Dimensions the joined keys add to the pattern's own; none from a facet whose joined
    keys disagree (a spike seen on two platforms is not a platform's)."""
    out: dict[str, str] = {}
    for facet, key in sorted(p.linked.items()):
        if key:
            for name, value in dimensions(Facet(facet), key).items():
                if name not in dims:
                    out.setdefault(name, value)
    return out


def pattern_id(kind: PatternKind, facet: Facet, key: str, start: int) -> str:
    """Stable for the pattern's life and the same on every replay of the same events."""
    digest = hashlib.blake2b(f"{kind}|{facet}|{key}|{start}".encode(), digest_size=8).hexdigest()
    return f"{kind}-{digest}"
