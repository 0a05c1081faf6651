"""Outputs by name: encode each record and queue it in the outbox on the right partition.

At-least-once without waiting per record: the agent flushes the outbox at the end of each
input batch, before Faust acknowledges that batch, and Faust flushes the producer before it
commits offsets. A delivery that fails after the producer's own retries stops the worker,
which resumes from the last commit and re-emits identical records (same ids, same versions).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Protocol

import msgspec

from streams.core.escalation import Escalation
from streams.core.outcome import DeadLetter, Outcome
from streams.core.patterns.alert import PatternAlert
from streams.metrics import Metrics
from streams.outbox import Outbox
from streams.topics import Topics

log = logging.getLogger(__name__)


class Encoder(Protocol):
    def encode(self, record: msgspec.Struct) -> bytes: ...


class Publisher:
    def __init__(self, outbox: Outbox, encoder: Encoder, topics: Topics) -> None:
        self._outbox = outbox
        self._encode = encoder.encode
        self._topics = topics

    def outcome(self, outcome: Outcome, partition: int) -> None:
        self._outbox.add(self._topics.outcomes, partition, outcome.event_id.encode(), self._encode(outcome))

    def escalation(self, escalation: Escalation, partition: int) -> None:
        topic = self._topics.escalations(escalation.team)
        self._outbox.add(topic, partition, escalation.escalation_id.encode(), self._encode(escalation))

    def dead_letter(self, letter: DeadLetter, partition: int) -> None:
        key = letter.event_id.encode() if letter.event_id else None
        self._outbox.add(self._topics.deadletter, partition, key, self._encode(letter))

    def pattern(self, alert: PatternAlert, partition: int) -> None:
        self._outbox.add(self._topics.patterns, partition, alert.pattern_id.encode(), self._encode(alert))

    def pattern_counts(self, deltas: bytes) -> None:
        self._outbox.add(self._topics.pattern_counts, 0, b"deltas", deltas)

    def routed(self, route: str, value: bytes, partition: int) -> None:
        self._outbox.add(self._topics.routed, partition, route.encode(), value)

    async def flush(self) -> None:
        await self._outbox.flush()


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
