"""The pattern agent: pre-aggregated window counts in, pattern alerts out.

The intake agent counts every accepted report into a PatternCounter and, once a second,
sends what it counted as one record of window deltas (an empty one when nothing happened,
so that patterns still close in a quiet hour). This agent merges them into the detector,
whose state lives in a changelogged table, and publishes the alerts it returns. Its input
is small (deltas, not reports) and single-partition: one detector sees every key.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Sequence

from streams.core.clock import Clock
from streams.core.patterns import PatternAlert, PatternConfig, PatternDetector, decode_deltas
from streams.core.patterns.idle import IdleWatermark
from streams.metrics import Metrics, child
from streams.publisher import Publisher
from streams.web.feed import ConsoleFeed

log = logging.getLogger(__name__)


class PatternAgent:
    def __init__(
        self,
        *,
        table: Any,
        config: PatternConfig,
        teams: Mapping[str, str],
        publisher: Publisher,
        metrics: Metrics,
        feed: ConsoleFeed,
        clock: Clock,
    ) -> None:
        self.table = table
        self.config = config
        self.teams = teams  # category -> team of the routing the worker runs (suggested actions)
        self.publisher = publisher
        self.metrics = metrics
        self.feed = feed
        self.clock = clock
        self.detector: PatternDetector | None = None
        self.idle = IdleWatermark(timedelta(seconds=config.lateness_s))

    def forget(self) -> None:
        """After a rebalance the table may hold other state: rebuild on the next batch."""
        self.detector = None

    async def __call__(self, stream: Any) -> None:
        async for records in stream.take_events(100, within=0.2):
            started = time.perf_counter()
            stream._set_current_event(records[-1])  # state writes go to its partition
            self.handle(records)
            await self.publisher.flush()
            self._count(len(records), time.perf_counter() - started)

    def _count(self, records: int, seconds: float) -> None:
        child(self.metrics.events_consumed, "pattern_counts").inc(records)
        child(self.metrics.stage_events, "patterns").inc(records)
        child(self.metrics.stage_seconds, "patterns").observe(seconds)

    def handle(self, records: Sequence[Any]) -> None:
        detector = self.detector or self._restore()
        for record in records:
            stamp = record.message.timestamp
            now = datetime.fromtimestamp(stamp, UTC) if stamp else self.clock.now()
            deltas = decode_deltas(record.value)
            alerts = detector.apply(deltas)
            if deltas:
                latest = max(d.last_event_ms for d in deltas)
                self.idle.saw(datetime.fromtimestamp(latest / 1000, UTC), now)
            elif (watermark := self.idle.at(now)) is not None:
                alerts += detector.advance(watermark)
            for alert in alerts:
                self._publish(alert)
        for name, blob in detector.changed_entries().items():
            if blob is None:
                self.table.pop(name.encode(), None)
            else:
                self.table[name.encode()] = blob

    def _restore(self) -> PatternDetector:
        entries = {key.decode(): value for key, value in self.table.items()}
        self.detector = PatternDetector.from_entries(entries, self.config, teams=self.teams)
        log.info("pattern detector restored from %d table entries", len(entries))
        return self.detector

    def _publish(self, alert: PatternAlert) -> None:
        self.metrics.pattern_alerts.labels(alert.kind, alert.status).inc()
        self.feed.pattern(alert)
        self.publisher.pattern(alert, 0)
