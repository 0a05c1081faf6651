"""The intake agent: reports, team updates and timer nudges in; outcomes and escalations out.

Thin by design: it decodes, asks the core, and publishes what the core decided. One agent
reads all four input topics (same partition count) with concurrency 1, so a case's state is
only ever touched by one coroutine.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Callable, Protocol, Sequence, TypeVar

from aiokafka.partitioner import murmur2

from streams import routed
from streams.core import keys
from streams.core.clock import Clock
from streams.core.escalation import Escalation, EscalationUpdate, Trigger
from streams.core.intake import Intake, Processed
from streams.core.outcome import DeadLetter, Source, Stage
from streams.core.queues import OpenQueues
from streams.core.report import DeadLetterReason, FeedbackEvent, InvalidEvent, parse_json, parse_json_as
from streams.core.sla import SlaSchedule
from streams.core.engine import UpdateResult
from streams.metrics import Metrics
from streams.publisher import Publisher
from streams.topics import Topics
from streams.web.feed import ConsoleFeed

log = logging.getLogger(__name__)

T = TypeVar("T")

# Escalations caused by a report (not by a timer or a team's update): their latency counts.
_REPORT_TRIGGERS = {Trigger.OPENED, Trigger.PRIORITY_RAISED, Trigger.REPORTERS_THRESHOLD}
_SLA_KIND = {Trigger.SLA_ACK_MISSED: "ack", Trigger.SLA_RESOLVE_MISSED: "resolve"}


class Codec(Protocol):
    def encode(self, record: Any) -> bytes: ...
    def decode_feedback(self, raw: bytes) -> FeedbackEvent: ...
    def decode(self, raw: bytes, kind: type[T]) -> T: ...


@dataclass
class Pending:
    """A report decoded in this batch, waiting for triage."""

    event: FeedbackEvent
    payload: bytes
    source: Source
    record: Any  # the Faust event, to restore its context when state is written
    now: datetime  # the record's timestamp: "now" for everything decided about it
    forwarded: bool = False  # read from the routed topic: already on its case's partition


class IntakeAgent:
    def __init__(
        self,
        *,
        topics: Topics,
        partitions: int,
        codec: Codec,
        intake: Intake,
        publisher: Publisher,
        metrics: Metrics,
        schedule: SlaSchedule,
        queues: OpenQueues,
        clock: Clock,
        feed: ConsoleFeed,
        on_report: Callable[[Processed], None] | None = None,
    ) -> None:
        self.topics = topics
        self.partitions = partitions
        self.codec = codec
        self.intake = intake
        self.engine = intake.engine
        self.publisher = publisher
        self.metrics = metrics
        self.schedule = schedule
        self.queues = queues
        self.clock = clock
        self.feed = feed
        self.on_report = on_report  # hook: called with each processed report (patterns, console)
        self._input_role = {
            topics.feedback: "feedback",
            topics.feedback_json: "feedback_json",
            topics.updates: "updates",
            topics.routed: "routed",
        }

    async def __call__(self, stream: Any, batch_size: int, batch_wait: float) -> None:
        async for records in stream.take_events(batch_size, within=batch_wait):
            await self.handle_batch(stream, records)

    async def handle_batch(self, stream: Any, records: Sequence[Any]) -> None:
        started = time.perf_counter()
        pending: list[Pending] = []
        for record in records:
            message = record.message
            now = self._record_time(message)
            role = self._input_role.get(message.topic, "unknown")
            self.metrics.events_consumed.labels(role).inc()
            source = Source(message.topic, message.partition, message.offset)
            stream._set_current_event(record)  # table writes go to this record's partition
            if role in ("feedback", "feedback_json"):
                await self._read_report(record, role == "feedback_json", source, now, pending)
            elif role == "updates":
                await self._update_from_team(record.value, source, now, forwarded=False)
            else:
                await self._routed(record, now, pending)
        self.metrics.stage_seconds.labels("decode").observe(time.perf_counter() - started)
        if pending:
            await self._process_reports(stream, pending)
        self.metrics.batch_events.observe(len(records))
        self.metrics.last_event_seconds.set(time.time())

    # --- reports ---------------------------------------------------------------------------

    async def _read_report(
        self, record: Any, is_json: bool, source: Source, now: datetime, pending: list[Pending]
    ) -> None:
        payload: bytes = record.value
        try:
            event = parse_json(payload) if is_json else self.codec.decode_feedback(payload)
        except InvalidEvent as error:
            await self._publish(self.intake.invalid(error, payload, source, now, _fallback_id(source), Stage.DECODE))
            return
        pending.append(Pending(event, payload, source, record, now))

    async def _process_reports(self, stream: Any, pending: list[Pending]) -> None:
        started = time.perf_counter()
        decisions = self.intake.decide([p.event for p in pending])
        self.metrics.stage_seconds.labels("triage").observe(time.perf_counter() - started)
        started = time.perf_counter()
        for item, decision in zip(pending, decisions):
            stream._set_current_event(item.record)
            if not isinstance(decision, Exception):
                route = keys.route_id(keys.route_key(item.event, decision.category))
                if not item.forwarded and not self._owns(route, item.record.message.partition):
                    await self._forward_report(route, item)
                    continue
            processed = self.intake.fuse(item.event, decision, item.source, item.payload, item.now)
            await self._publish(processed)
            if self.on_report is not None and processed.result is not None:
                self.on_report(processed)
        self.metrics.stage_seconds.labels("fuse").observe(time.perf_counter() - started)

    async def _forward_report(self, route: str, item: Pending) -> None:
        is_json = item.source.topic == self.topics.feedback_json
        envelope = routed.ForwardedReport(item.payload, is_json, item.source)
        self.metrics.rerouted.labels("report").inc()
        await self.publisher.raw("routed", self.topics.routed, route, routed.encode(envelope))

    # --- team updates ----------------------------------------------------------------------

    async def _update_from_team(self, payload: bytes, source: Source, now: datetime, forwarded: bool) -> None:
        try:
            update = self._decode_update(payload)
            route = keys.route_of(update.escalation_id)
        except (InvalidEvent, ValueError) as error:
            reason = error.reason if isinstance(error, InvalidEvent) else DeadLetterReason.INVALID_FIELD
            await self._reject_update(reason, str(error), payload, source, now, None)
            return
        if not forwarded and not self._owns(route, source.partition):
            envelope = routed.ForwardedUpdate(payload, payload[:1] == b"{", source)
            self.metrics.rerouted.labels("update").inc()
            await self.publisher.raw("routed", self.topics.routed, route, routed.encode(envelope))
            return
        result = self.engine.handle_update(update, now)
        if result.rejection is not None:
            self.metrics.updates.labels(update.action, result.rejection).inc()
            detail = f"{update.action} on {update.escalation_id} rejected: {result.rejection}"
            await self._reject_update(DeadLetterReason.UPDATE_REJECTED, detail, payload, source, now, update)
            return
        self.metrics.updates.labels(update.action, "applied").inc()
        for outcome in result.outcomes:
            await self.publisher.outcome(outcome)
        await self._apply(result)

    def _decode_update(self, payload: bytes) -> EscalationUpdate:
        if payload[:1] == b"{":
            return parse_json_as(payload, EscalationUpdate)
        return self.codec.decode(payload, EscalationUpdate)

    async def _reject_update(
        self,
        reason: DeadLetterReason,
        detail: str,
        payload: bytes,
        source: Source,
        now: datetime,
        update: EscalationUpdate | None,
    ) -> None:
        letter = DeadLetter(Stage.UPDATE, reason, detail, payload, now, source, update.update_id if update else None)
        self.metrics.dead_letters.labels(Stage.UPDATE, reason).inc()
        self.feed.dead_letter(letter)
        await self.publisher.dead_letter(letter)

    # --- routed: forwarded work and timer nudges -------------------------------------------

    async def _routed(self, record: Any, now: datetime, pending: list[Pending]) -> None:
        message = record.message
        try:
            envelope = routed.decode(record.value)
        except Exception as error:  # only Vigil writes here; a bad record is a bug, not input
            log.error("unreadable routed record at %s/%s/%s: %s", message.topic, message.partition, message.offset, error)
            return
        match envelope:
            case routed.ForwardedReport(payload, is_json, source):
                try:
                    event = parse_json(payload) if is_json else self.codec.decode_feedback(payload)
                except InvalidEvent as error:  # decoded once already; kept for safety
                    await self._publish(self.intake.invalid(error, payload, source, now, _fallback_id(source), Stage.DECODE))
                    return
                pending.append(Pending(event, payload, source, record, now, forwarded=True))
            case routed.ForwardedUpdate(payload, _, source):
                await self._update_from_team(payload, source, now, forwarded=True)
            case routed.SlaCheck(case_id):
                await self._apply(self.engine.check_sla(case_id, now))
            case routed.Sweep():
                partition = message.partition
                await self._apply(self.engine.sweep(now, lambda route: self._partition_of(route) == partition))

    # --- outputs ---------------------------------------------------------------------------

    async def _publish(self, processed: Processed) -> None:
        outcome = processed.outcome
        self.metrics.outcomes.labels(outcome.outcome, outcome.reason).inc()
        self.feed.outcome(outcome)
        if processed.dead_letter is not None:
            letter = processed.dead_letter
            self.metrics.dead_letters.labels(letter.stage, letter.reason).inc()
            self.feed.dead_letter(letter)
            await self.publisher.dead_letter(letter)
        for escalation in processed.escalations:
            await self._escalate(escalation)
            if escalation.trigger in _REPORT_TRIGGERS and outcome.occurred_at is not None:
                self._observe_latency(escalation, outcome.occurred_at, outcome.decided_at)
        await self.publisher.outcome(outcome)
        if processed.result is not None:
            self.queues.apply(processed.result.changes)
            result = processed.result
            if result.case is not None:
                self.schedule.set(result.case.case_id, result.deadline)

    async def _apply(self, result: UpdateResult) -> None:
        for escalation in result.escalations:
            await self._escalate(escalation)
        self.queues.apply(result.changes)
        for case_id, due in result.deadlines.items():
            self.schedule.set(case_id, due)

    async def _escalate(self, escalation: Escalation) -> None:
        self.metrics.escalations.labels(escalation.team, escalation.priority, escalation.trigger).inc()
        if kind := _SLA_KIND.get(escalation.trigger):
            self.metrics.sla_breaches.labels(escalation.team, escalation.priority, kind).inc()
        self.feed.escalation(escalation)
        await self.publisher.escalation(escalation)

    def _observe_latency(self, escalation: Escalation, occurred_at: datetime, ingested_at: datetime) -> None:
        published = time.time()  # the wall clock: records carry their input's time, not ours
        histogram = self.metrics.escalation_latency
        histogram.labels("event", escalation.priority).observe(max(0.0, published - occurred_at.timestamp()))
        histogram.labels("ingest", escalation.priority).observe(max(0.0, published - ingested_at.timestamp()))

    def _record_time(self, message: Any) -> datetime:
        """Decisions about a record are made "as of" its Kafka timestamp, so that re-doing
        them after a crash gives the same deadlines and stamps. Falls back to the clock."""
        stamp = message.timestamp
        return datetime.fromtimestamp(stamp, UTC) if stamp and stamp > 0 else self.clock.now()

    # --- partitions ------------------------------------------------------------------------

    def _owns(self, route: str, partition: int) -> bool:
        return self.partitions == 1 or self._partition_of(route) == partition

    def _partition_of(self, route: str) -> int:
        return _partition(route, self.partitions)


@lru_cache(maxsize=65536)
def _partition(route: str, partitions: int) -> int:
    """Kafka's default partitioner (murmur2), as the producer applies it to the route key."""
    return (murmur2(route.encode()) & 0x7FFFFFFF) % partitions


def _fallback_id(source: Source) -> str:
    return f"{source.topic}:{source.partition}:{source.offset}"
