"""Reading Vigil's output topics back (tail, demo summary, tests)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, AsyncIterator

import msgspec
from aiokafka import AIOKafkaConsumer

from streams.codecs import Codec
from streams.core.escalation import Escalation, EscalationUpdate
from streams.core.outcome import DeadLetter, Outcome
from streams.core.patterns.alert import PatternAlert
from streams.topics import Topics


def output_topics(topics: Topics) -> dict[str, tuple[list[str], type[msgspec.Struct]]]:
    return {
        "outcomes": ([topics.outcomes], Outcome),
        "escalations": ([topics.escalations(t) for t in topics.teams], Escalation),
        "deadletter": ([topics.deadletter], DeadLetter),
        "patterns": ([topics.patterns], PatternAlert),
        "updates": ([topics.updates], EscalationUpdate),
    }


async def read(
    bootstrap: str,
    names: list[str],
    codec: Codec,
    kind: type[msgspec.Struct],
    idle_timeout: float = 5.0,
    from_beginning: bool = True,
) -> AsyncIterator[Any]:
    """Decoded records from the topics until none arrives for `idle_timeout` seconds."""
    consumer = AIOKafkaConsumer(
        *names,
        bootstrap_servers=bootstrap,
        group_id=f"vigil-reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
    )
    try:
        await consumer.start()
        last = time.monotonic()
        while time.monotonic() - last < idle_timeout:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for record in records:
                    last = time.monotonic()
                    yield codec.decode(record.value, kind)
            await asyncio.sleep(0)
    finally:
        await consumer.stop()
