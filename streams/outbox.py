"""The intake agent's outputs, produced a batch at a time.

Why not `topic.send()` per record: measured here, a Faust send costs ~30-60 µs per record
(future, callbacks, sensors, partitioner) and a table write that goes through Faust's
changelog path ~60 µs more; with an outcome, a changelog record or two and often an
escalation per report, that alone caps the pipeline near 4k reports/s. The outbox instead
appends each record to a per-(topic, partition) aiokafka BatchBuilder and hands every batch
to the producer once, when the agent's batch of input is done.

Every output of work done on input partition p goes to partition p of its topic (all Vigil
topics share one partition count), so no partitioner runs and a key always lands on the
same partition. The batches go through Faust's own aiokafka producer, which Faust flushes
before it commits consumer offsets: nothing is acknowledged before it is delivered.
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import Future
from collections import defaultdict
from typing import Any, Callable, Iterator, MutableMapping

import rocksdict
from faust.streams import current_event
from faust.types import TP

log = logging.getLogger(__name__)

Record = tuple[bytes | None, bytes | None]
Oversize = Callable[[str, int, "bytes | None", bytes], None]

# Faust's default producer_max_request_size; the broker's own limit (message.max.bytes) is 1 MiB.
DEFAULT_MAX_RECORD_BYTES = 1_000_000
# A record batch header (61 bytes) and one record's length, attribute and varint fields.
_FRAMING_BYTES = 128


class Outbox:
    def __init__(
        self,
        producer: Callable[[], Any],
        on_error: Callable[[str, BaseException], None],
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    ) -> None:
        self._producer = producer  # returns the started aiokafka producer
        self._on_error = on_error
        self.max_record_bytes = max_record_bytes  # the producer's max request size
        self._room = max_record_bytes - _FRAMING_BYTES
        self._on_oversize: Oversize | None = None
        self._diverting = False
        self._pending: dict[tuple[str, int], list[Record]] = defaultdict(list)
        self._on_delivered: dict[str, Callable[[int, int], None]] = {}

    def add(self, topic: str, partition: int, key: bytes | None, value: bytes | None) -> None:
        if value is not None and len(value) + len(key or b"") > self._room:
            self._divert(topic, partition, key, value)
            return
        self._pending[(topic, partition)].append((key, value))

    def on_oversize(self, callback: Oversize) -> None:
        """Call `callback(topic, partition, key, value)` instead of queueing a record the
        producer would refuse: sent anyway it fails, the worker stops and, restarted at the same
        input, makes the same record again. The callback may add a smaller record instead."""
        self._on_oversize = callback

    def _divert(self, topic: str, partition: int, key: bytes | None, value: bytes) -> None:
        if self._on_oversize is None or self._diverting:  # no handler, or its own record is too big
            log.error("dropped a %d-byte record for %s: over the %d-byte request size", len(value), topic, self.max_record_bytes)
            return
        self._diverting = True
        try:
            self._on_oversize(topic, partition, key, value)
        finally:
            self._diverting = False

    def on_delivered(self, topic: str, callback: Callable[[int, int], None]) -> None:
        """Call `callback(partition, last_offset)` when records of `topic` are delivered."""
        self._on_delivered[topic] = callback

    def __len__(self) -> int:
        return sum(map(len, self._pending.values()))

    async def flush(self) -> None:
        """Hand everything to the producer (not waiting for delivery)."""
        if not self._pending:
            return
        producer = self._producer()
        pending, self._pending = self._pending, defaultdict(list)
        # One coroutine per partition, all at once: handing a batch over can wait for that
        # partition's previous batch to be sent, and those waits should overlap.
        await asyncio.gather(*(self._send(producer, tp, records) for tp, records in pending.items()))

    async def _send(self, producer: Any, tp: tuple[str, int], records: list[Record]) -> None:
        topic, partition = tp
        for batch, count in _batches(producer, records):  # in order, within the partition
            future = await producer.send_batch(batch, topic, partition=partition)
            future.add_done_callback(self._delivered(topic, partition, count))

    def _delivered(self, topic: str, partition: int, count: int) -> Callable[[Future], None]:  # type: ignore[type-arg]
        def done(future: Future) -> None:  # type: ignore[type-arg]
            if future.cancelled():
                return
            if (error := future.exception()) is not None:
                self._on_error(topic, error)
                return
            callback = self._on_delivered.get(topic)
            metadata = future.result()
            if callback is not None and metadata is not None:
                callback(partition, metadata.offset + count - 1)

        return done


def _batches(producer: Any, records: list[Record]) -> Iterator[tuple[Any, int]]:
    batch, count = producer.create_batch(), 0
    for key, value in records:
        if batch.append(key=key, value=value, timestamp=None) is None:  # full: ship it, start another
            yield batch, count
            batch, count = producer.create_batch(), 0
            if batch.append(key=key, value=value, timestamp=None) is None:
                raise ValueError(f"a record of {len(value or b'')} bytes does not fit an empty batch")
        count += 1
    if count:
        yield batch, count


class ChangeloggedTable(MutableMapping[bytes, bytes]):
    """A Faust table as the engine sees it: reads and writes hit the local store at once,
    and each write queues its changelog record in the outbox, in write order, on the
    partition being processed (where Faust's own changelog write would have gone)."""

    def __init__(self, table: Any, outbox: Outbox, partition: Callable[[], int]) -> None:
        self._table = table
        self._store = table.data
        self._outbox = outbox
        self._partition = partition
        self.changelog = table.changelog_topic.get_topic_name()
        # RocksDB: go to the partition's database directly. Faust's store wrapper costs ~4 µs
        # a write and ~2 µs a read here (serializer lookups, a locked key index), half of all
        # case-engine time in a profile; the partition is already known, so none of it is needed.
        self._db_for = getattr(self._store, "_db_for_partition", None)
        self._dbs: dict[int, Any] = {}

    def __getitem__(self, key: bytes) -> bytes:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value  # type: ignore[no-any-return]

    def get(self, key: bytes, default: Any = None) -> Any:
        if self._db_for is not None and current_event() is not None:
            value = self._db(self._partition()).get(key)
            return default if value is None else value
        try:  # outside stream processing (the console): Faust looks in every partition
            return self._store[key]
        except KeyError:
            return default

    def __setitem__(self, key: bytes, value: bytes) -> None:
        partition = self._partition()
        if self._db_for is not None:
            self._db(partition)[key] = value
        else:
            self._store[key] = value
        self._outbox.add(self.changelog, partition, key, value)

    def __delitem__(self, key: bytes) -> None:
        partition = self._partition()
        if self._db_for is not None:
            self._db(partition).delete(key)
        else:
            del self._store[key]
        self._outbox.add(self.changelog, partition, key, None)

    def _db(self, partition: int) -> Any:
        db = self._dbs.get(partition)
        if db is None or db is not self._db_for(partition):  # reopened after a rebalance
            db = self._db_for(partition)
            # No write-ahead log: after an unclean stop the local state is discarded and
            # restored from the changelog anyway (local_state.py); a clean close flushes.
            # Measured: 0.6 µs a write instead of 2.4 µs.
            options = rocksdict.WriteOptions()
            options.disable_wal = True
            db.set_write_options(options)
            self._dbs[partition] = db
        return db

    def pop(self, key: bytes, default: Any = None) -> Any:
        value = self.get(key)
        if value is None:
            return default
        del self[key]
        return value

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._store.keys())

    def items(self) -> Any:
        return self._store.items()

    def __len__(self) -> int:
        return len(self._store)

    def remember_delivered(self, partition: int, offset: int) -> None:
        """Recovery after a clean restart starts here instead of at the changelog's start."""
        self._store.set_persisted_offset(TP(self.changelog, partition), offset)
