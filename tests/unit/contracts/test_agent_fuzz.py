"""Whatever arrives on the report topics, the intake agent gives every record exactly one
outcome and raises nothing: random bytes, random JSON and valid reports, in random batches,
through the real IntakeAgent.handle_batch with the real codec, triage and case engine.

Only Kafka and Faust are stood in for: a record is its value and position, the stream only
learns which record is current, and the outbox keeps what would have been sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from contract_samples import feedback_events
from streams.agents.intake import IntakeAgent
from streams.codecs import Codec, SchemaCatalog, WireFormat
from streams.core.clock import ManualClock
from streams.core.engine import CaseEngine, EngineConfig
from streams.core.intake import Intake
from streams.core.outcome import DeadLetter, Outcome, OutcomeKind
from streams.core.queues import OpenQueues
from streams.core.routing import load_routing
from streams.core.sla import SlaSchedule
from streams.core.state import EngineState
from streams.core.triage import load_triage
from streams.metrics import Metrics
from streams.outbox import DEFAULT_MAX_RECORD_BYTES
from streams.publisher import Publisher
from streams.settings import Settings
from streams.topics import Topics
from streams.web.feed import ConsoleFeed

CATALOG = SchemaCatalog.load()
CODECS = {fmt: Codec(fmt, CATALOG) for fmt in (WireFormat.SINGLE_OBJECT, WireFormat.JSON)}
ROUTING = load_routing()
TOPICS = Topics.for_settings(Settings(), ROUTING)
TRIAGER = load_triage()
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
WHEN = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


@dataclass
class Message:
    topic: str
    partition: int
    offset: int
    timestamp: float


@dataclass
class Record:
    message: Message
    value: bytes


class Stream:
    """The one thing the agent asks of a Faust stream: which record is current."""

    def _set_current_event(self, record: Record) -> None:
        self.current = record


class Outbox:
    """Keeps what the publisher hands over, as Kafka would receive it."""

    max_record_bytes = DEFAULT_MAX_RECORD_BYTES

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None]] = []

    def add(self, topic: str, partition: int, key: bytes | None, value: bytes | None) -> None:
        self.sent.append((topic, key, value))

    def on_oversize(self, callback: Any) -> None:
        pass


def _agent(outbox: Outbox) -> IntakeAgent:
    clock = ManualClock(WHEN)
    queues, schedule = OpenQueues(), SlaSchedule()
    codec = CODECS[WireFormat.SINGLE_OBJECT]
    return IntakeAgent(
        topics=TOPICS,
        partitions=1,
        codec=codec,
        intake=Intake(TRIAGER, CaseEngine(EngineState.in_memory(), ROUTING, EngineConfig())),
        publisher=Publisher(outbox, codec, TOPICS),  # type: ignore[arg-type]
        metrics=Metrics(CollectorRegistry()),
        schedule=schedule,
        queues=queues,
        clock=clock,
        feed=ConsoleFeed(clock, queues, schedule),
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
FIELDS = ["event_id", "occurred_at", "channel", "text", "reporter", "reason_code", "subject", "app", "attachments"]


@st.composite
def valid_reports(draw: st.DrawFn) -> bytes:
    return draw(st.sampled_from(list(CODECS.values()))).encode(draw(feedback_events))


@st.composite
def broken_reports(draw: st.DrawFn) -> bytes:
    doc = msgspec.to_builtins(draw(feedback_events))
    doc[draw(st.sampled_from(FIELDS))] = draw(json_values)
    return json.dumps(doc).encode()


values = st.one_of(
    st.binary(max_size=200),
    st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=10).map(lambda d: json.dumps(d).encode()),
    valid_reports(),
    broken_reports(),
)
inputs = st.lists(st.tuples(st.sampled_from([TOPICS.feedback, TOPICS.feedback_json]), values), min_size=1, max_size=25)


def _records(batch: list[tuple[str, bytes]], first_offset: int) -> list[Record]:
    return [
        Record(Message(topic, 0, offset, WHEN.timestamp() + offset), value)
        for offset, (topic, value) in enumerate(batch, start=first_offset)
    ]


def _outputs(outbox: Outbox, topic: str, kind: type[msgspec.Struct]) -> list[Any]:
    codec = CODECS[WireFormat.SINGLE_OBJECT]
    return [codec.decode(value, kind) for name, _, value in outbox.sent if name == topic and value is not None]


@FUZZ
@given(batches=st.lists(inputs, min_size=1, max_size=3))
def test_every_record_gets_exactly_one_outcome_and_nothing_raises(batches: list[list[tuple[str, bytes]]]) -> None:
    outbox = Outbox()
    agent, stream = _agent(outbox), Stream()
    offset = 0
    for batch in batches:
        records = _records(batch, offset)
        offset += len(records)
        agent.handle_batch(stream, records)  # raises nothing, whatever the bytes

    outcomes: list[Outcome] = _outputs(outbox, TOPICS.outcomes, Outcome)
    letters: list[DeadLetter] = _outputs(outbox, TOPICS.deadletter, DeadLetter)
    assert len(outcomes) == offset
    dead = [o for o in outcomes if o.outcome is OutcomeKind.DEAD_LETTER]
    assert len(dead) == len(letters)
    expected_dead = {(o.source.topic, o.source.offset) for o in dead if o.source is not None}
    assert {(d.source.topic, d.source.offset) for d in letters if d.source is not None} == expected_dead
    assert all(o.reason != "processing_error" for o in dead), [d.error for d in letters]
