"""Outputs: encode records and hand them to the producer without waiting for delivery.

At-least-once without waiting per record: Faust flushes its producer before it commits
consumer offsets, so a record handed over here is delivered before the input that caused it
is marked done. A delivery that fails after the producer's own retries crashes the worker,
which then resumes from the last commit and re-emits identical records (same ids, versions).
"""

from __future__ import annotations

import logging
from asyncio import Future
from typing import Any, Awaitable, Callable, Protocol

import msgspec

from streams.core.escalation import Escalation
from streams.core.outcome import DeadLetter, Outcome
from streams.core.patterns.alert import PatternAlert
from streams.metrics import Metrics
from streams.topics import Topics

log = logging.getLogger(__name__)


class Encoder(Protocol):
    def encode(self, record: msgspec.Struct) -> bytes: ...


class Producer(Protocol):
    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        timestamp: float | None,
        headers: Any,
    ) -> Awaitable[Any]: ...


class Publisher:
    def __init__(
        self,
        producer: Producer,
        encoder: Encoder,
        topics: Topics,
        metrics: Metrics,
        on_fatal: Callable[[BaseException], None],
    ) -> None:
        self._producer = producer
        self._encoder = encoder
        self._topics = topics
        self._metrics = metrics
        self._on_fatal = on_fatal

    async def outcome(self, outcome: Outcome) -> None:
        await self._send("outcomes", self._topics.outcomes, outcome.event_id, self._encoder.encode(outcome))

    async def escalation(self, escalation: Escalation) -> None:
        topic = self._topics.escalations(escalation.team)
        await self._send("escalations", topic, escalation.escalation_id, self._encoder.encode(escalation))

    async def dead_letter(self, letter: DeadLetter) -> None:
        await self._send("deadletter", self._topics.deadletter, letter.event_id, self._encoder.encode(letter))

    async def pattern(self, alert: PatternAlert) -> None:
        await self._send("patterns", self._topics.patterns, alert.pattern_id, self._encoder.encode(alert))

    async def raw(self, output: str, topic: str, key: str | None, value: bytes, partition: int | None = None) -> None:
        await self._send(output, topic, key, value, partition)

    async def _send(self, output: str, topic: str, key: str | None, value: bytes, partition: int | None = None) -> None:
        delivery = await self._producer.send(topic, key.encode() if key else None, value, partition, None, None)
        if isinstance(delivery, Future):
            delivery.add_done_callback(lambda fut: self._delivered(output, topic, fut))

    def _delivered(self, output: str, topic: str, fut: Future) -> None:  # type: ignore[type-arg]
        if fut.cancelled() or fut.exception() is None:
            return
        self._metrics.publish_errors.labels(output).inc()
        log.error("could not deliver to %s: %s; stopping so the input is re-read", topic, fut.exception())
        self._on_fatal(fut.exception())  # type: ignore[arg-type]
