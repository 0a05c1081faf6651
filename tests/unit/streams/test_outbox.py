"""The outbox: records leave in order, per partition, in full batches; failures surface."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from streams.outbox import ChangeloggedTable, Outbox


class Batch:
    def __init__(self, capacity: int) -> None:
        self.records: list[tuple[bytes | None, bytes | None]] = []
        self.capacity = capacity

    def append(self, *, key: bytes | None, value: bytes | None, timestamp: None) -> object | None:
        if len(self.records) >= self.capacity:
            return None
        self.records.append((key, value))
        return object()


class Metadata:
    def __init__(self, offset: int) -> None:
        self.offset = offset


class Producer:
    """Stands in for aiokafka: numbers each partition's records like a broker would."""

    def __init__(self, capacity: int = 3, fail: str | None = None) -> None:
        self.capacity = capacity
        self.fail = fail
        self.sent: list[tuple[str, int, list[tuple[bytes | None, bytes | None]]]] = []
        self.next_offset: dict[tuple[str, int], int] = {}

    def create_batch(self) -> Batch:
        return Batch(self.capacity)

    async def send_batch(self, batch: Batch, topic: str, *, partition: int) -> asyncio.Future[Any]:
        self.sent.append((topic, partition, batch.records))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if topic == self.fail:
            future.set_exception(RuntimeError("broker said no"))
        else:
            base = self.next_offset.get((topic, partition), 0)
            self.next_offset[(topic, partition)] = base + len(batch.records)
            future.set_result(Metadata(base))
        return future


def _outbox(producer: Producer, errors: list[tuple[str, BaseException]]) -> Outbox:
    return Outbox(lambda: producer, lambda topic, error: errors.append((topic, error)))


async def test_records_keep_their_order_within_a_partition_across_batches() -> None:
    producer, errors = Producer(capacity=3), []
    outbox = _outbox(producer, errors)
    for i in range(7):
        outbox.add("out", 0, f"k{i}".encode(), f"v{i}".encode())
    outbox.add("out", 1, b"other", b"partition")

    await outbox.flush()
    await asyncio.sleep(0)

    zero = [record for topic, partition, records in producer.sent if partition == 0 for record in records]
    assert [key for key, _ in zero] == [f"k{i}".encode() for i in range(7)]
    assert [len(records) for _, partition, records in producer.sent if partition == 0] == [3, 3, 1]
    assert len(outbox) == 0 and errors == []


async def test_delivery_reports_the_last_offset_and_failures_are_reported() -> None:
    producer, errors = Producer(capacity=10, fail="doomed"), []
    outbox = _outbox(producer, errors)
    delivered: list[tuple[int, int]] = []
    outbox.on_delivered("log", lambda partition, offset: delivered.append((partition, offset)))
    for i in range(4):
        outbox.add("log", 2, b"k", b"v")
    outbox.add("doomed", 0, b"k", b"v")

    await outbox.flush()
    await asyncio.sleep(0)

    assert delivered == [(2, 3)]
    assert [(topic, str(error)) for topic, error in errors] == [("doomed", "broker said no")]


async def test_a_record_too_big_for_an_empty_batch_is_an_error_not_a_loop() -> None:
    outbox = _outbox(Producer(capacity=0), [])
    outbox.add("out", 0, b"k", b"v")
    with pytest.raises(ValueError, match="does not fit"):
        await outbox.flush()


class Store(dict):  # type: ignore[type-arg]
    def __init__(self) -> None:
        super().__init__()
        self.persisted: dict[Any, int] = {}

    def set_persisted_offset(self, tp: Any, offset: int) -> None:
        self.persisted[tp] = offset


class Table:
    def __init__(self) -> None:
        self.data = Store()
        self.changelog_topic = type("Topic", (), {"get_topic_name": lambda self: "app-cases-changelog"})()


def test_a_table_write_lands_locally_and_queues_its_changelog_record_on_the_current_partition() -> None:
    producer, partition = Producer(), {"now": 4}
    outbox = _outbox(producer, [])
    table = ChangeloggedTable(Table(), outbox, partition=lambda: partition["now"])

    table[b"a"] = b"1"
    partition["now"] = 5
    table[b"b"] = b"2"
    del table[b"a"]

    assert dict(table.items()) == {b"b": b"2"} and table.get(b"a") is None
    asyncio.run(outbox.flush())
    assert [(p, records) for _, p, records in producer.sent] == [(4, [(b"a", b"1")]), (5, [(b"b", b"2"), (b"a", None)])]
    table.remember_delivered(5, 41)
    assert list(table._store.persisted.values()) == [41]
