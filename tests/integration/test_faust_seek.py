"""Seeking back to the committed offset on the real broker: a partition with no commit (or a
commit of 0) goes back to its start, so records Faust took and dropped are read again."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from faust.transport.drivers import aiokafka as faust_aiokafka

from streams import faust_seek

pytestmark = pytest.mark.integration

RECORDS = 5


async def _position_after_seek(
    bootstrap: str, topic: str, committed: int | None, seek: Callable[[AIOKafkaConsumer], Awaitable[Any]]
) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for i in range(RECORDS):
            await producer.send_and_wait(topic, str(i).encode())
    finally:
        await producer.stop()
    tp = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=topic, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign([tp])
        if committed is not None:
            await consumer.commit({tp: OffsetAndMetadata(committed, "")})
        consumer.seek(tp, 0)  # read them all, whatever was committed
        read = 0
        for _ in range(30):  # taken from the broker: the position is past them all
            read += sum(map(len, (await consumer.getmany(tp, timeout_ms=1000)).values()))
            if read >= RECORDS:
                break
        assert read == RECORDS
        await seek(consumer)
        return await consumer.position(tp)
    finally:
        await consumer.stop()


@pytest.mark.parametrize(
    ("committed", "rewinds", "expected"),
    [(None, True, 0), (0, True, 0), (3, True, 3), (None, False, RECORDS)],
    ids=["never committed", "committed 0", "committed 3", "never committed, not to rewind (a changelog)"],
)
def test_a_partition_goes_back_to_its_committed_offset_or_its_start(
    kafka_bootstrap: str, unique: str, committed: int | None, rewinds: bool, expected: int
) -> None:
    topic = f"it.seek-{unique}"

    async def seek(consumer: AIOKafkaConsumer) -> None:
        await faust_seek.seek_to_committed_or_start(consumer, lambda tp: rewinds)

    assert asyncio.run(_position_after_seek(kafka_bootstrap, topic, committed, seek)) == expected


def test_aiokafka_alone_leaves_a_never_committed_partition_where_it_was(kafka_bootstrap: str, unique: str) -> None:
    # Why faust_seek exists: if this starts failing, aiokafka seeks by itself and the fix can go.
    topic = f"it.seek-plain-{unique}"
    position = asyncio.run(_position_after_seek(kafka_bootstrap, topic, None, AIOKafkaConsumer.seek_to_committed))
    assert position == RECORDS


def test_the_worker_s_consumer_seeks_with_the_fix() -> None:
    faust_seek.apply()
    method = faust_aiokafka.AIOKafkaConsumerThread.seek_to_committed
    faust_seek.apply()
    assert faust_aiokafka.AIOKafkaConsumerThread.seek_to_committed is method  # applied once
    assert method.__module__ == faust_seek.__name__
