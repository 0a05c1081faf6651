"""Outputs by name: encode each record and queue it in the outbox on the right partition.

At-least-once without waiting per record: the agent flushes the outbox at the end of each
input batch, before Faust acknowledges that batch, and Faust flushes the producer before it
commits offsets. A delivery that fails after the producer's own retries stops the worker,
which resumes from the last commit and re-emits identical records (same ids, same versions).

So a record Kafka can never accept must not reach the producer, or the worker would stop,
restart at the same input and fail again, forever. Two guards: a dead letter carries at most
MAX_DEAD_LETTER_PAYLOAD bytes of the original value (with the whole value's size and SHA-256),
and an output over the producer's request size is dead-lettered instead of sent.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import Any, Callable, Protocol

import msgspec
from faust.streams import current_event

from streams.core.escalation import Escalation
from streams.core.outcome import DeadLetter, Outcome, Source, Stage
from streams.core.patterns.alert import PatternAlert
from streams.core.report import DeadLetterReason
from streams.metrics import Metrics
from streams.outbox import Outbox
from streams.topics import Topics

log = logging.getLogger(__name__)

# Room for the payload's base64 in the JSON wire format (x4/3), the other fields and Kafka's
# framing, well under the broker's default 1 MiB; reports whose text is oversize (> 64 KiB)
# still fit whole unless they are very large.
MAX_DEAD_LETTER_PAYLOAD = 256 * 1024


class Encoder(Protocol):
    def encode(self, record: msgspec.Struct) -> bytes: ...


class Publisher:
    def __init__(self, outbox: Outbox, encoder: Encoder, topics: Topics, metrics: Metrics | None = None) -> None:
        self._outbox = outbox
        self._encode = encoder.encode
        self._topics = topics
        self._metrics = metrics
        # Half the request size: a capped dead letter fits even base64-encoded (JSON format).
        self._payload_limit = min(MAX_DEAD_LETTER_PAYLOAD, outbox.max_record_bytes // 2)
        outbox.on_oversize(self._oversize)

    def outcome(self, outcome: Outcome, partition: int) -> None:
        self._outbox.add(self._topics.outcomes, partition, outcome.event_id.encode(), self._encode(outcome))

    def escalation(self, escalation: Escalation, partition: int) -> None:
        topic = self._topics.escalations(escalation.team)
        self._outbox.add(topic, partition, escalation.escalation_id.encode(), self._encode(escalation))

    def dead_letter(self, letter: DeadLetter, partition: int) -> None:
        key = letter.event_id.encode() if letter.event_id else None
        self._outbox.add(self._topics.deadletter, partition, key, self._encode(capped(letter, self._payload_limit)))

    def pattern(self, alert: PatternAlert, partition: int) -> None:
        self._outbox.add(self._topics.patterns, partition, alert.pattern_id.encode(), self._encode(alert))

    def pattern_counts(self, deltas: bytes) -> None:
        self._outbox.add(self._topics.pattern_counts, 0, b"deltas", deltas)

    def routed(self, route: str, value: bytes, partition: int) -> None:
        self._outbox.add(self._topics.routed, partition, route.encode(), value)

    async def flush(self) -> None:
        await self._outbox.flush()

    def _oversize(self, topic: str, partition: int, key: bytes | None, value: bytes) -> None:
        """An output Kafka would refuse: dead-letter it (capped) instead of stopping the worker."""
        output, limit = _output_of(topic), self._outbox.max_record_bytes
        name = key.decode(errors="replace")[:80] if key else "(no key)"
        error = (
            f"{output} record {name} of {len(value)} bytes for {topic} is over the producer's request size"
            f" limit ({limit} bytes); not published"
        )
        log.error("%s", error, extra={"topic": topic})
        if self._metrics is not None:
            self._metrics.publish_errors.labels(output).inc()
            self._metrics.dead_letters.labels(Stage.PUBLISH, DeadLetterReason.OVERSIZE).inc()
        at, source = _input_position()
        letter = DeadLetter(Stage.PUBLISH, DeadLetterReason.OVERSIZE, error, value, at, source)
        self.dead_letter(letter, partition)


def capped(letter: DeadLetter, limit: int = MAX_DEAD_LETTER_PAYLOAD) -> DeadLetter:
    """The dead letter with at most `limit` payload bytes; a cut payload says what it was cut from."""
    payload = letter.payload
    if len(payload) <= limit:
        return letter
    digest = hashlib.sha256(payload).hexdigest()
    return msgspec.structs.replace(letter, payload=payload[:limit], original_size=len(payload), original_sha256=digest)


def _input_position() -> tuple[datetime, Source | None]:
    """The input record being handled, as the core stamps its own dead letters: its Kafka
    timestamp and position, so a replay re-emits the same letter. The clock outside streams."""
    event = current_event()
    if event is None:
        return datetime.now(UTC), None
    message = event.message
    stamp = message.timestamp
    at = datetime.fromtimestamp(stamp, UTC) if stamp and stamp > 0 else datetime.now(UTC)
    return at, Source(message.topic, message.partition, message.offset)


def delivery_failed(metrics: Metrics, stop: Callable[[BaseException], Any]) -> Callable[[str, BaseException], None]:
    """What the outbox does when Kafka refuses a batch: count it and stop the worker."""

    def on_error(topic: str, error: BaseException) -> None:
        metrics.publish_errors.labels(_output_of(topic)).inc()
        log.error("could not deliver to %s: %s; stopping so the input is read again", topic, error, extra={"topic": topic})
        stop(error)

    return on_error


def _output_of(topic: str) -> str:
    """A closed set of label values: the topic's role, not its (prefixed) name."""
    for role in ("outcomes", "deadletter", "patterns", "escalations", "routed", "changelog"):
        if role in topic:
            return role
    return "other"
