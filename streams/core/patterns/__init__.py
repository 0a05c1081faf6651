"""Pattern detection core: recurring issues, spikes and release regressions, in event time.

Intake side:   counter = PatternCounter(config); counter.observe(obs); deltas = counter.drain()
Pattern side:  detector = PatternDetector(config, teams=routing_teams(routing))
               alerts = detector.apply(deltas)
               alerts += detector.advance(watermark)   # from a timer when traffic is quiet
"""

from streams.core.patterns.alert import AlertStatus, PatternAlert, PatternKind
from streams.core.patterns.config import PatternConfig
from streams.core.patterns.counter import PatternCounter
from streams.core.patterns.delta import (
    PatternDelta,
    decode_delta,
    decode_deltas,
    encode_delta,
    encode_deltas,
    merge_deltas,
)
from streams.core.patterns.detector import PatternDetector
from streams.core.patterns.facets import Facet
from streams.core.patterns.observation import Observation

__all__ = [
    "AlertStatus",
    "Facet",
    "Observation",
    "PatternAlert",
    "PatternConfig",
    "PatternCounter",
    "PatternDelta",
    "PatternDetector",
    "PatternKind",
    "decode_delta",
    "decode_deltas",
    "encode_delta",
    "encode_deltas",
    "merge_deltas",
]
