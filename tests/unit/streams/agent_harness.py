"""The intake agent without Faust or Kafka: records in, what it published out.

Only the stream (Faust) and the producer (Kafka) are stand-ins; the agent, the core, the
metrics and the console feed are the real ones.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Callable, Sequence

from prometheus_client import CollectorRegistry

from streams.agents.intake import IntakeAgent
from streams.codecs import Codec, WireFormat
from streams.core.clock import ManualClock
from streams.core.escalation import Escalation
from streams.core.intake import Intake
from streams.core.outcome import DeadLetter, Outcome
from streams.core.queues import OpenQueues
from streams.core.report import FeedbackEvent
from streams.core.sla import SlaSchedule
from streams.core.triage.decision import Decision
from streams.metrics import Metrics
from streams.settings import Settings
from streams.topics import Topics
from streams.web.feed import ConsoleFeed
from tests.unit.core.builders import ROUTING, decision, engine

TOPICS = Topics.for_settings(Settings(topic_prefix="t"), ROUTING)


@dataclass
class Message:
    topic: str
    partition: int
    offset: int
    timestamp: float | None  # Faust gives seconds


@dataclass
class Record:
    message: Message
    value: bytes


class Stream:
    def __init__(self) -> None:
        self.current: Record | None = None

    def _set_current_event(self, record: Record) -> None:
        self.current = record


@dataclass
class Published:
    """The publisher as the agent sees it, keeping what it was given."""

    outcomes: list[Outcome] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    forwarded: list[tuple[str, bytes, int]] = field(default_factory=list)  # to the routed topic
    flushes: int = 0
    on_flush: Callable[[], None] = lambda: None

    def outcome(self, outcome: Outcome, partition: int) -> None:
        self.outcomes.append(outcome)

    def escalation(self, escalation: Escalation, partition: int) -> None:
        self.escalations.append(escalation)

    def dead_letter(self, letter: DeadLetter, partition: int) -> None:
        self.dead_letters.append(letter)

    def routed(self, route: str, value: bytes, partition: int) -> None:
        self.forwarded.append((route, value, partition))

    async def flush(self) -> None:
        self.on_flush()
        self.flushes += 1


class Triager:
    version = "test"

    def decide(self, event: FeedbackEvent) -> Decision:
        return decision()

    def decide_many(self, events: Sequence[FeedbackEvent]) -> list[Decision]:
        return [self.decide(e) for e in events]


@dataclass
class Harness:
    agent: IntakeAgent
    published: Published
    metrics: Metrics
    registry: CollectorRegistry
    stream: Stream
    sleeps: list[float]
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)

    def record(self, topic: str, value: bytes, partition: int = 0, timestamp: float | None = None) -> Record:
        offset = self.offsets.get((topic, partition), 0)
        self.offsets[(topic, partition)] = offset + 1
        return Record(Message(topic, partition, offset, time.time() if timestamp is None else timestamp), value)

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        return self.registry.get_sample_value(name, labels or {}) or 0.0

    async def handle(self, *records: Record) -> None:
        await self.agent.handle(self.stream, list(records))


def make_agent(codec: Codec | None = None, partitions: int = 1, **agent_options: Any) -> Harness:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    clock = ManualClock(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    queues, schedule = OpenQueues(), SlaSchedule()
    published = Published()
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    agent = IntakeAgent(
        topics=TOPICS, partitions=partitions, codec=codec or Codec.from_settings(WireFormat.SINGLE_OBJECT),
        intake=Intake(Triager(), engine()), publisher=published,  # type: ignore[arg-type]
        metrics=metrics, schedule=schedule, queues=queues, clock=clock, feed=ConsoleFeed(clock, queues, schedule),
        sleep=sleep, **agent_options,
    )
    return Harness(agent, published, metrics, registry, Stream(), sleeps)
