"""No record Vigil hands to Kafka is too large for it: a dead letter carries at most a prefix
of a large original (with its size and SHA-256), and an output over the producer's request
size becomes a dead letter instead of a delivery error that would stop the worker."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from streams.codecs import Codec, SchemaCatalog, WireFormat
from streams.core.outcome import DeadLetter, Source, Stage
from streams.core.report import DeadLetterReason
from streams.core.routing import load_routing
from streams.outbox import Outbox
from streams.publisher import MAX_DEAD_LETTER_PAYLOAD, Publisher, capped
from streams.settings import Settings
from streams.topics import Topics

CATALOG = SchemaCatalog.load()
TOPICS = Topics.for_settings(Settings(), load_routing())
AT = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
# The broker's default message.max.bytes: a record batch larger than this is refused.
BROKER_LIMIT = 1_048_588


def _letter(payload: bytes) -> DeadLetter:
    return DeadLetter(Stage.DECODE, DeadLetterReason.OVERSIZE, "text is too long", payload, AT, Source("in", 0, 7), "e-1")


@pytest.mark.parametrize("size", [0, 10, MAX_DEAD_LETTER_PAYLOAD, MAX_DEAD_LETTER_PAYLOAD + 1, 800_000, 5_000_000])
def test_a_dead_letter_keeps_a_prefix_of_a_large_original_and_says_what_it_was(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    letter = capped(_letter(payload))
    if size <= MAX_DEAD_LETTER_PAYLOAD:
        assert letter == _letter(payload)  # untouched: the bytes can be replayed as they are
        assert (letter.original_size, letter.original_sha256) == (None, None)
    else:
        assert letter.payload == payload[:MAX_DEAD_LETTER_PAYLOAD]
        assert letter.original_size == size
        assert letter.original_sha256 == hashlib.sha256(payload).hexdigest()


class Batch:
    def __init__(self) -> None:
        self.records: list[tuple[bytes | None, bytes | None]] = []

    def append(self, *, key: bytes | None, value: bytes | None, timestamp: None) -> object:
        self.records.append((key, value))  # like aiokafka: an empty batch takes any record
        return object()


class Producer:
    """Stands in for aiokafka's producer; refuses what the broker would refuse."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[tuple[bytes | None, bytes | None]]]] = []

    def create_batch(self) -> Batch:
        return Batch()

    async def send_batch(self, batch: Batch, topic: str, *, partition: int) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        size = sum(len(k or b"") + len(v or b"") for k, v in batch.records)
        if size > BROKER_LIMIT:
            future.set_exception(RuntimeError(f"MessageSizeTooLargeError: {size} bytes"))
        else:
            self.sent.append((topic, batch.records))
            future.set_result(None)
        return future


def _publish(fmt: WireFormat, add: Any) -> tuple[Producer, list[BaseException], Codec]:
    producer, errors = Producer(), []
    outbox = Outbox(lambda: producer, lambda topic, error: errors.append(error))
    codec = Codec(fmt, CATALOG)
    add(Publisher(outbox, codec, TOPICS), outbox)

    async def flush() -> None:
        await outbox.flush()
        await asyncio.sleep(0)

    asyncio.run(flush())
    return producer, errors, codec


@pytest.mark.parametrize("fmt", [WireFormat.JSON, WireFormat.SINGLE_OBJECT])
def test_the_dead_letter_of_an_800_kb_report_is_delivered_in_every_wire_format(fmt: WireFormat) -> None:
    # Uncapped, this dead letter was 1,067,094 bytes in JSON: over the broker's limit.
    original = b'{"event_id":"e-1","text":"' + b"spam " * 160_000 + b'"}'
    producer, errors, codec = _publish(fmt, lambda publisher, _: publisher.dead_letter(_letter(original), 0))

    assert errors == []
    [(topic, [(key, value)])] = producer.sent
    letter = codec.decode(value, DeadLetter)
    assert (topic, key, letter.original_size) == (TOPICS.deadletter, b"e-1", len(original))
    assert original.startswith(letter.payload) and len(value) < BROKER_LIMIT


def test_an_output_over_the_request_size_is_dead_lettered_not_sent() -> None:
    huge = b"\x00" * 1_500_000

    def add(publisher: Publisher, outbox: Outbox) -> None:
        outbox.add(TOPICS.escalations("fraud"), 3, b"esc-9", huge)
        outbox.add(TOPICS.outcomes, 3, b"e-9", b"small")

    producer, errors, codec = _publish(WireFormat.SINGLE_OBJECT, add)

    assert errors == []  # nothing refused: the worker keeps running
    sent = {topic: records for topic, records in producer.sent}
    assert set(sent) == {TOPICS.outcomes, TOPICS.deadletter}
    [(key, value)] = sent[TOPICS.deadletter]
    letter = codec.decode(value, DeadLetter)
    assert (letter.stage, letter.reason) == (Stage.PUBLISH, DeadLetterReason.OVERSIZE)
    assert letter.error == (
        f"escalations record esc-9 of 1500000 bytes for {TOPICS.escalations('fraud')} is over the producer's"
        " request size limit (1000000 bytes); not published"
    )
    assert (letter.original_size, letter.payload) == (len(huge), huge[:MAX_DEAD_LETTER_PAYLOAD])


def test_without_an_oversize_handler_the_record_is_dropped_not_sent() -> None:
    producer, errors = Producer(), []
    outbox = Outbox(lambda: producer, lambda topic, error: errors.append(error), max_record_bytes=1000)
    outbox.add("out", 0, b"k", b"x" * 1000)
    outbox.add("out", 0, b"k", b"x" * 100)
    asyncio.run(outbox.flush())
    assert producer.sent == [("out", [(b"k", b"x" * 100)])] and errors == []
