"""The intake agent: reports, team updates and timer nudges in; outcomes and escalations out.

Thin by design: it decodes, asks the core, and queues what the core decided. One agent reads
all four input topics (same partition count) with concurrency 1, so a case's state is only
ever touched by one coroutine. Work happens a batch of records at a time: triage runs on the
whole batch, and the outputs of the batch are handed to Kafka together before Faust
acknowledges it (see streams/outbox.py).

A record whose handling raises is dead-lettered with its bytes and the stream goes on. A
record whose schema the registry cannot give right now is good input, not bad: the agent
stops at it and asks again with backoff (its lag grows and an alert fires), so the record
and everything behind it are processed once the registry answers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Awaitable, Callable, Protocol, Sequence, TypeVar

from aiokafka.partitioner import murmur2

from streams import routed
from streams.codecs import RegistryOutage
from streams.core import keys
from streams.core.clock import Clock
from streams.core.engine import UpdateResult
from streams.core.escalation import Escalation, EscalationUpdate, Trigger
from streams.core.intake import Intake, Processed, salvage_event_id
from streams.core.outcome import DeadLetter, Source, Stage
from streams.core.queues import OpenQueues
from streams.core.report import DeadLetterReason, FeedbackEvent, InvalidEvent, parse_json, parse_json_as
from streams.core.sla import SlaSchedule
from streams.core.taxonomy import Priority
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
    ingested_at: datetime | None = None  # first read by Vigil (before any forward); else `now`

    @property
    def ingested(self) -> datetime:
        return self.ingested_at or self.now


@dataclass
class Latency:
    """A report-caused escalation waiting for its batch to be handed to Kafka."""

    priority: Priority
    occurred_at: datetime
    ingested_at: datetime


@dataclass
class Backoff:
    """How long to wait before asking the schema registry again: doubling up to `cap`."""

    first: float = 0.5
    cap: float = 30.0
    attempts: int = 0
    waited: float = 0.0

    def next(self) -> float:
        delay = min(self.cap, self.first * 2**self.attempts)
        self.attempts += 1
        self.waited += delay
        return delay

    def reset(self) -> None:
        self.attempts, self.waited = 0, 0.0


@dataclass
class Stalled:
    """Where a batch stopped: the record whose schema the registry could not give."""

    index: int
    source: Source
    outage: RegistryOutage


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
        on_update: Callable[[UpdateResult], None] | None = None,
        pending_outputs: Callable[[], int] = lambda: 0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        outage_log_interval: float = 60.0,
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
        self.on_update = on_update  # called with each applied team update (reopenings)
        self.pending_outputs = pending_outputs  # records queued for the next flush
        self.sleep = sleep
        self.partition = 0  # of the record being handled: where its outputs and writes go
        self._letter_log = RateLimit(per_second=10)  # a flood of bad input must not flood the log
        self._outage_log = Every(outage_log_interval)
        self._latencies: list[Latency] = []
        self._backoff = Backoff()
        self.processed: dict[tuple[str, int], int] = {}  # next offset to do, per partition (lag)
        self._roles = {
            topics.feedback: "feedback",
            topics.feedback_json: "feedback_json",
            topics.updates: "updates",
            topics.routed: "routed",
        }

    async def __call__(self, stream: Any, batch_size: int, batch_wait: float) -> None:
        async for records in stream.take_events(batch_size, within=batch_wait):
            await self.handle(stream, records)

    async def handle(self, stream: Any, records: Sequence[Any]) -> None:
        """A batch, all of it: while the schema registry cannot be reached, the records from
        the one it is needed for on wait (no good record is dead-lettered for an outage)."""
        self.metrics.batch_events.observe(len(records))
        while True:
            stalled = self.handle_batch(stream, records)
            await self._flush()
            if stalled is None:
                break
            records = records[stalled.index :]
            await self._wait_for_registry(stalled)
        if self._backoff.attempts:
            log.warning("schema registry answers again after %.0f s; the intake goes on", self._backoff.waited)
            self._backoff.reset()
        self.metrics.last_event_seconds.set(time.time())

    def handle_batch(self, stream: Any, records: Sequence[Any]) -> Stalled | None:
        """Handle `records` in order; stops at a record the registry is needed for and cannot
        give (returns where), having handled the ones before it."""
        started = time.perf_counter()
        pending: list[Pending] = []
        consumed: Counter[str] = Counter()
        stalled = None
        for index, record in enumerate(records):
            self._enter(stream, record)
            message = record.message
            source = Source(message.topic, message.partition, message.offset)
            role = self._roles.get(message.topic, "unknown")
            self._check_gap(role, source)
            try:
                self._read(record, role, source, pending)
            except RegistryOutage as outage:
                stalled = Stalled(index, source, outage)
                break
            except Exception as error:  # noqa: BLE001 - a bug must cost one record, not the stream
                self._record_failed(record, role, source, error)
            consumed[role] += 1
            self.processed[(source.topic, source.partition)] = source.offset + 1
        child(self.metrics.stage_seconds, "decode").observe(time.perf_counter() - started)
        child(self.metrics.stage_events, "decode").inc(sum(consumed.values()))
        for role, count in consumed.items():
            child(self.metrics.events_consumed, role).inc(count)
        if pending:
            self._process_reports(stream, pending)
        return stalled

    def forget_positions(self) -> None:
        """After a rebalance: partitions may have moved, so the next offset is not known."""
        self.processed.clear()

    def _check_gap(self, role: str, source: Source) -> None:
        """Count and log input records that never reached the agent. Offsets in a partition are
        contiguous unless upstream producers use transactions (commit markers take an offset);
        a jump otherwise means the consumer dropped records, which are then never processed."""
        expected = self.processed.get((source.topic, source.partition))
        if expected is None or source.offset <= expected:
            return
        missing = source.offset - expected
        child(self.metrics.input_gaps, role).inc(missing)
        log.error(
            "%d input record(s) at %s/%s/%s..%s never reached the intake agent and were not processed",
            missing, source.topic, source.partition, expected, source.offset - 1, extra=_position(source),
        )

    def _read(self, record: Any, role: str, source: Source, pending: list[Pending]) -> None:
        now = self._record_time(record.message)
        if role in ("feedback", "feedback_json"):
            self._read_report(record, role == "feedback_json", source, now, pending)
        elif role == "updates":
            self._update_from_team(record.value, source, now, forwarded=False)
        else:
            self._routed(record, now, pending)

    async def _flush(self) -> None:
        started = time.perf_counter()
        child(self.metrics.stage_events, "publish").inc(self.pending_outputs())
        await self.publisher.flush()
        child(self.metrics.stage_seconds, "publish").observe(time.perf_counter() - started)
        self._observe_latencies()

    async def _wait_for_registry(self, stalled: Stalled) -> None:
        self.metrics.registry_waits.inc()
        delay = self._backoff.next()
        if self._outage_log.allow():
            log.error(
                "schema registry unavailable; the intake waits at %s/%s/%s and asks again in %.1f s"
                " (waiting %.0f s so far): %s",
                stalled.source.topic, stalled.source.partition, stalled.source.offset, delay,
                self._backoff.waited - delay, stalled.outage.detail, extra=_position(stalled.source),
            )
        await self.sleep(delay)

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
        child(self.metrics.stage_events, "triage").inc(len(pending))
        started = time.perf_counter()
        fused = 0
        for item, decision in zip(pending, decisions):
            self._enter(stream, item.record)
            try:
                fused += self._fuse(item, decision)
            except Exception as error:  # noqa: BLE001 - the report still gets its one outcome
                self._fuse_failed(item, error)
        child(self.metrics.stage_seconds, "fuse").observe(time.perf_counter() - started)
        child(self.metrics.stage_events, "fuse").inc(fused)

    def _fuse(self, item: Pending, decision: Any) -> int:
        """Fuse one triaged report, or forward it to its case's partition; 1 if fused here."""
        if not isinstance(decision, Exception) and not item.forwarded:
            route = keys.route_id(keys.route_key(item.event, decision.category))
            if not self._owns(route, self.partition):
                is_json = item.source.topic == self.topics.feedback_json
                self._forward(route, routed.ForwardedReport(item.payload, is_json, item.source, item.ingested), "report")
                return 0
        processed = self.intake.fuse(item.event, decision, item.source, item.payload, item.now)
        self._publish(processed, item.ingested)
        if self.on_report is not None and processed.result is not None:
            try:
                self.on_report(processed, self.partition)
            except Exception:  # noqa: BLE001 - pattern counting must not cost the report its outcome
                log.exception("pattern counting failed for event %s", item.event.event_id,
                              extra=_position(item.source, item.event.event_id))
        return 1

    def _fuse_failed(self, item: Pending, error: Exception) -> None:
        where = _position(item.source, item.event.event_id)
        log.error("report %s failed after triage: %s", item.event.event_id, _one_line(error), exc_info=error, extra=where)
        try:
            self._publish(self.intake.failed(Stage.FUSE, error, item.event.event_id, item.payload, item.source, item.now))
        except Exception:  # noqa: BLE001 - nothing left to do but say so; the stream goes on
            log.exception("could not even dead-letter report %s", item.event.event_id, extra=where)

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
        try:
            result = self.engine.handle_update(update, now)
        except Exception as error:  # noqa: BLE001 - a bug in the engine costs this update only
            detail = _one_line(error)
            log.exception("update %s failed: %s", update.update_id, detail, extra=_position(source, update.update_id))
            self._dead_letter(DeadLetter(Stage.UPDATE, DeadLetterReason.PROCESSING_ERROR, detail, payload, now, source,
                                         update.update_id))
            return
        if result.rejection is not None:
            self.metrics.updates.labels(update.action, result.rejection).inc()
            detail = f"{update.action} on {update.escalation_id} rejected: {result.rejection}"
            self._reject_update(DeadLetterReason.UPDATE_REJECTED, detail, payload, source, now, update)
            return
        self.metrics.updates.labels(update.action, "applied").inc()
        for outcome in result.outcomes:
            self.publisher.outcome(outcome, self.partition)
        self._apply(result)
        if self.on_update is not None:
            self.on_update(result)

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
        self._dead_letter(letter)

    def _dead_letter(self, letter: DeadLetter) -> None:
        """A record that has no outcome of its own (a team update, a routed record)."""
        if self._letter_log.allow():
            log.warning("dead letter (%s/%s): %s", letter.stage, letter.reason, letter.error, extra=_where(letter))
        self.metrics.dead_letters.labels(letter.stage, letter.reason).inc()
        self.feed.dead_letter(letter)
        self.publisher.dead_letter(letter, self.partition)

    # --- routed: forwarded work and timer nudges -------------------------------------------

    def _routed(self, record: Any, now: datetime, pending: list[Pending]) -> None:
        message = record.message
        here = Source(message.topic, message.partition, message.offset)
        try:
            envelope = routed.decode(record.value)
        except Exception as error:  # noqa: BLE001 - only Vigil writes here; a bad record is a bug, not input
            detail = f"unreadable routed record: {_one_line(error)}"
            log.error("%s at %s/%s/%s", detail, here.topic, here.partition, here.offset, extra=_position(here))
            self._dead_letter(DeadLetter(Stage.DECODE, DeadLetterReason.UNDECODABLE, detail, record.value, now, here))
            return
        match envelope:
            case routed.ForwardedReport() as report:
                payload, source = report.payload, report.source
                try:
                    event = parse_json(payload) if report.json else self.codec.decode_feedback(payload)
                except InvalidEvent as error:  # decoded once already; kept for safety
                    self._publish(self.intake.invalid(error, payload, source, now, _fallback_id(source), Stage.DECODE))
                    return
                pending.append(Pending(event, payload, source, record, now, forwarded=True, ingested_at=report.ingested_at))
            case routed.ForwardedUpdate(payload, _, source):
                self._update_from_team(payload, source, now, forwarded=True)
            case routed.SlaCheck(case_id):
                self._timer_work(record, here, now, f"SLA check of case {case_id}", lambda: self.engine.check_sla(case_id, now))
            case routed.Sweep():
                owned = lambda route: self._partition_of(route) == here.partition  # noqa: E731
                self._timer_work(record, here, now, "sweep", lambda: self.engine.sweep(now, owned))

    def _timer_work(self, record: Any, here: Source, now: datetime, what: str, work: Callable[[], UpdateResult]) -> None:
        try:
            result = work()
        except Exception as error:  # noqa: BLE001 - the next nudge or sweep tries again
            detail = f"{what} failed: {_one_line(error)}"
            log.exception("%s at %s/%s/%s", detail, here.topic, here.partition, here.offset, extra=_position(here))
            self._dead_letter(DeadLetter(Stage.FUSE, DeadLetterReason.PROCESSING_ERROR, detail, record.value, now, here))
            return
        self._apply(result)

    def _record_failed(self, record: Any, role: str, source: Source, error: Exception) -> None:
        """The last resort for a record whose handling raised: dead-letter it with its bytes."""
        now = self._record_time(record.message)
        detail = _one_line(error)
        log.exception("%s record failed: %s", role, detail, extra=_position(source))
        if role in ("feedback", "feedback_json"):  # a report: its one outcome is this dead letter
            event_id = salvage_event_id(record.value) or _fallback_id(source)
            self._publish(self.intake.failed(Stage.DECODE, error, event_id, record.value, source, now))
        else:
            stage = Stage.UPDATE if role == "updates" else Stage.FUSE
            self._dead_letter(DeadLetter(stage, DeadLetterReason.PROCESSING_ERROR, detail, record.value, now, source))

    # --- outputs ---------------------------------------------------------------------------

    def _publish(self, processed: Processed, ingested_at: datetime | None = None) -> None:
        """A report's outputs. Its outcome goes out last: if anything before it raises, the
        report is dead-lettered instead and still has exactly one outcome."""
        outcome = processed.outcome
        if processed.dead_letter is not None:
            self._dead_letter(processed.dead_letter)
        for escalation in processed.escalations:
            self._escalate(escalation)
            if escalation.trigger in _REPORT_TRIGGERS and outcome.occurred_at is not None:
                self._latencies.append(Latency(escalation.priority, outcome.occurred_at, ingested_at or outcome.decided_at))
        result = processed.result
        if result is not None:
            self.queues.apply(result.changes)
            if result.case is not None:
                self.schedule.set(result.case.case_id, result.deadline)
        self.publisher.outcome(outcome, self.partition)
        child(self.metrics.outcomes, outcome.outcome, outcome.reason).inc()
        self.feed.outcome(outcome)

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

    def _observe_latencies(self) -> None:
        """After the flush: the escalations are with the producer, not just queued in the outbox."""
        published = time.time()  # the wall clock: records carry their input's time, not ours
        histogram = self.metrics.escalation_latency
        for latency in self._latencies:
            child(histogram, "event", latency.priority).observe(max(0.0, published - latency.occurred_at.timestamp()))
            child(histogram, "ingest", latency.priority).observe(max(0.0, published - latency.ingested_at.timestamp()))
        self._latencies.clear()

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


class Every:
    """Yes at most once per `seconds` of wall-clock time (a long outage logs a line a minute)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: float | None = None

    def allow(self) -> bool:
        now = time.monotonic()
        if self._last is not None and now - self._last < self.seconds:
            return False
        self._last = now
        return True


def _where(letter: DeadLetter) -> dict[str, object]:
    fields = _position(letter.source, letter.event_id)
    fields.update(stage=letter.stage, reason=letter.reason)
    return fields


def _position(source: Source | None, event_id: str | None = None) -> dict[str, object]:
    """Log fields that locate a record (JSON logs: join with the dead-letter topic)."""
    fields: dict[str, object] = {"event_id": event_id}
    if source is not None:
        fields.update(topic=source.topic, partition=source.partition, offset=source.offset)
    return fields


def _one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0][:500]


def _fallback_id(source: Source) -> str:
    return f"{source.topic}:{source.partition}:{source.offset}"
