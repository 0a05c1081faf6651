"""The intake agent: reports, team updates and timer nudges in; outcomes and escalations out.

Thin by design: it decodes, asks the core, and queues what the core decided. One agent reads
all four input topics (same partition count) with concurrency 1, so a case's state is only
ever touched by one coroutine. Work happens a batch of records at a time: triage runs on the
whole batch, and the outputs of the batch are handed to Kafka together before Faust
acknowledges it (see streams/outbox.py).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Callable, Protocol, Sequence, TypeVar

from aiokafka.partitioner import murmur2

from streams import routed
from streams.core import keys
from streams.core.clock import Clock
from streams.core.engine import UpdateResult
from streams.core.escalation import Escalation, EscalationUpdate, Trigger
from streams.core.intake import Intake, Processed
from streams.core.outcome import DeadLetter, Source, Stage
from streams.core.queues import OpenQueues
from streams.core.report import DeadLetterReason, FeedbackEvent, InvalidEvent, parse_json, parse_json_as
from streams.core.sla import SlaSchedule
from streams.metrics import Metrics, child
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
    source: Source  # where the report was first read (a replay is recognised by it)
    record: Any  # the Faust event it arrived in: its partition owns the writes
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
        on_report: Callable[[Processed, int], None] | None = None,
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
        self.on_report = on_report  # called with each processed report (pattern counting)
        self.partition = 0  # of the record being handled: where its outputs and writes go
        self._letter_log = RateLimit(per_second=10)  # a flood of bad input must not flood the log
        self._roles = {
            topics.feedback: "feedback",
            topics.feedback_json: "feedback_json",
            topics.updates: "updates",
            topics.routed: "routed",
        }

    async def __call__(self, stream: Any, batch_size: int, batch_wait: float) -> None:
        async for records in stream.take_events(batch_size, within=batch_wait):
            self.handle_batch(stream, records)
            started = time.perf_counter()
            await self.publisher.flush()
            child(self.metrics.stage_seconds, "publish").observe(time.perf_counter() - started)

    def handle_batch(self, stream: Any, records: Sequence[Any]) -> None:
        started = time.perf_counter()
        pending: list[Pending] = []
        consumed: Counter[str] = Counter()
        for record in records:
            self._enter(stream, record)
            message = record.message
            now = self._record_time(message)
            role = self._roles.get(message.topic, "unknown")
            consumed[role] += 1
            source = Source(message.topic, message.partition, message.offset)
            if role in ("feedback", "feedback_json"):
                self._read_report(record, role == "feedback_json", source, now, pending)
            elif role == "updates":
                self._update_from_team(record.value, source, now, forwarded=False)
            else:
                self._routed(record, now, pending)
        child(self.metrics.stage_seconds, "decode").observe(time.perf_counter() - started)
        for role, count in consumed.items():
            child(self.metrics.events_consumed, role).inc(count)
        if pending:
            self._process_reports(stream, pending)
        self.metrics.batch_events.observe(len(records))
        self.metrics.last_event_seconds.set(time.time())

    def _enter(self, stream: Any, record: Any) -> None:
        """Make `record` the current one: Faust's stores write to its partition, and so do we."""
        stream._set_current_event(record)
        self.partition = record.message.partition

    # --- reports ---------------------------------------------------------------------------

    def _read_report(self, record: Any, is_json: bool, source: Source, now: datetime, pending: list[Pending]) -> None:
        payload: bytes = record.value
        try:
            event = parse_json(payload) if is_json else self.codec.decode_feedback(payload)
        except InvalidEvent as error:
            self._publish(self.intake.invalid(error, payload, source, now, _fallback_id(source), Stage.DECODE))
            return
        pending.append(Pending(event, payload, source, record, now))

    def _process_reports(self, stream: Any, pending: list[Pending]) -> None:
        started = time.perf_counter()
        decisions = self.intake.decide([p.event for p in pending])
        child(self.metrics.stage_seconds, "triage").observe(time.perf_counter() - started)
        started = time.perf_counter()
        for item, decision in zip(pending, decisions):
            self._enter(stream, item.record)
            if not isinstance(decision, Exception) and not item.forwarded:
                route = keys.route_id(keys.route_key(item.event, decision.category))
                if not self._owns(route, self.partition):
                    self._forward(route, routed.ForwardedReport(item.payload, item.source.topic == self.topics.feedback_json, item.source), "report")
                    continue
            processed = self.intake.fuse(item.event, decision, item.source, item.payload, item.now)
            self._publish(processed)
            if self.on_report is not None and processed.result is not None:
                self.on_report(processed, self.partition)
        child(self.metrics.stage_seconds, "fuse").observe(time.perf_counter() - started)

    def _forward(self, route: str, envelope: routed.Routed, kind: str) -> None:
        self.metrics.rerouted.labels(kind).inc()
        self.publisher.routed(route, routed.encode(envelope), self._partition_of(route))

    # --- team updates ----------------------------------------------------------------------

    def _update_from_team(self, payload: bytes, source: Source, now: datetime, forwarded: bool) -> None:
        try:
            update = self._decode_update(payload)
            route = keys.route_of(update.escalation_id)
        except (InvalidEvent, ValueError) as error:
            reason = error.reason if isinstance(error, InvalidEvent) else DeadLetterReason.INVALID_FIELD
            self._reject_update(reason, str(error), payload, source, now, None)
            return
        if not forwarded and not self._owns(route, self.partition):
            self._forward(route, routed.ForwardedUpdate(payload, payload[:1] == b"{", source), "update")
            return
        result = self.engine.handle_update(update, now)
        if result.rejection is not None:
            self.metrics.updates.labels(update.action, result.rejection).inc()
            detail = f"{update.action} on {update.escalation_id} rejected: {result.rejection}"
            self._reject_update(DeadLetterReason.UPDATE_REJECTED, detail, payload, source, now, update)
            return
        self.metrics.updates.labels(update.action, "applied").inc()
        for outcome in result.outcomes:
            self.publisher.outcome(outcome, self.partition)
        self._apply(result)

    def _decode_update(self, payload: bytes) -> EscalationUpdate:
        if payload[:1] == b"{":
            return parse_json_as(payload, EscalationUpdate)
        return self.codec.decode(payload, EscalationUpdate)

    def _reject_update(
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
        self.publisher.dead_letter(letter, self.partition)

    # --- routed: forwarded work and timer nudges -------------------------------------------

    def _routed(self, record: Any, now: datetime, pending: list[Pending]) -> None:
        message = record.message
        try:
            envelope = routed.decode(record.value)
        except Exception as error:  # only Vigil writes here; a bad record is a bug, not input
            log.error(
                "unreadable routed record at %s/%s/%s: %s", message.topic, message.partition, message.offset, error,
                extra={"topic": message.topic, "partition": message.partition, "offset": message.offset},
            )
            return
        match envelope:
            case routed.ForwardedReport(payload, is_json, source):
                try:
                    event = parse_json(payload) if is_json else self.codec.decode_feedback(payload)
                except InvalidEvent as error:  # decoded once already; kept for safety
                    self._publish(self.intake.invalid(error, payload, source, now, _fallback_id(source), Stage.DECODE))
                    return
                pending.append(Pending(event, payload, source, record, now, forwarded=True))
            case routed.ForwardedUpdate(payload, _, source):
                self._update_from_team(payload, source, now, forwarded=True)
            case routed.SlaCheck(case_id):
                self._apply(self.engine.check_sla(case_id, now))
            case routed.Sweep():
                partition = message.partition
                self._apply(self.engine.sweep(now, lambda route: self._partition_of(route) == partition))

    # --- outputs ---------------------------------------------------------------------------

    def _publish(self, processed: Processed) -> None:
        outcome = processed.outcome
        child(self.metrics.outcomes, outcome.outcome, outcome.reason).inc()
        self.feed.outcome(outcome)
        if processed.dead_letter is not None:
            letter = processed.dead_letter
            if self._letter_log.allow():
                log.warning("dead letter (%s/%s): %s", letter.stage, letter.reason, letter.error, extra=_where(letter))
            self.metrics.dead_letters.labels(letter.stage, letter.reason).inc()
            self.feed.dead_letter(letter)
            self.publisher.dead_letter(letter, self.partition)
        for escalation in processed.escalations:
            self._escalate(escalation)
            if escalation.trigger in _REPORT_TRIGGERS and outcome.occurred_at is not None:
                self._observe_latency(escalation, outcome.occurred_at, outcome.decided_at)
        self.publisher.outcome(outcome, self.partition)
        result = processed.result
        if result is not None:
            self.queues.apply(result.changes)
            if result.case is not None:
                self.schedule.set(result.case.case_id, result.deadline)

    def _apply(self, result: UpdateResult) -> None:
        for escalation in result.escalations:
            self._escalate(escalation)
        self.queues.apply(result.changes)
        for case_id, due in result.deadlines.items():
            self.schedule.set(case_id, due)

    def _escalate(self, escalation: Escalation) -> None:
        child(self.metrics.escalations, escalation.team, escalation.priority, escalation.trigger).inc()
        if kind := _SLA_KIND.get(escalation.trigger):
            self.metrics.sla_breaches.labels(escalation.team, escalation.priority, kind).inc()
        self.feed.escalation(escalation)
        self.publisher.escalation(escalation, self.partition)

    def _observe_latency(self, escalation: Escalation, occurred_at: datetime, ingested_at: datetime) -> None:
        published = time.time()  # the wall clock: records carry their input's time, not ours
        histogram = self.metrics.escalation_latency
        child(histogram, "event", escalation.priority).observe(max(0.0, published - occurred_at.timestamp()))
        child(histogram, "ingest", escalation.priority).observe(max(0.0, published - ingested_at.timestamp()))

    def _record_time(self, message: Any) -> datetime:
        """Decisions about a record are made "as of" its Kafka timestamp, so that re-doing
        them after a crash gives the same deadlines and stamps. Falls back to the clock."""
        stamp = message.timestamp
        return datetime.fromtimestamp(stamp, UTC) if stamp and stamp > 0 else self.clock.now()

    # --- partitions ------------------------------------------------------------------------

    def _owns(self, route: str, partition: int) -> bool:
        return self.partitions == 1 or self._partition_of(route) == partition

    def _partition_of(self, route: str) -> int:
        return partition_of(route, self.partitions)


@lru_cache(maxsize=65536)
def partition_of(route: str, partitions: int) -> int:
    """Kafka's default partitioner (murmur2) applied to a route key."""
    return 0 if partitions == 1 else (murmur2(route.encode()) & 0x7FFFFFFF) % partitions


class RateLimit:
    """At most `per_second` yeses per wall-clock second (the dead-letter topic has them all)."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self._second = 0
        self._used = 0

    def allow(self) -> bool:
        second = int(time.monotonic())
        if second != self._second:
            self._second, self._used = second, 0
        self._used += 1
        return self._used <= self.per_second


def _where(letter: DeadLetter) -> dict[str, object]:
    source = letter.source
    fields: dict[str, object] = {"event_id": letter.event_id, "stage": letter.stage, "reason": letter.reason}
    if source is not None:
        fields.update(topic=source.topic, partition=source.partition, offset=source.offset)
    return fields


def _fallback_id(source: Source) -> str:
    return f"{source.topic}:{source.partition}:{source.offset}"
