"""Faust's "seek back to committed offsets" for partitions that have no commit yet.

Why: Faust drops records it has already taken from aiokafka whenever flow stops or the
generation changes (a rebalance, a recovery), and relies on seeking back to the committed
offset to read them again. aiokafka's `seek_to_committed` seeks only when the committed
offset is above 0, so for a group that has not committed yet — a new deployment, or a
worker killed before its first commit — the seek does nothing, the fetch position stays
past the dropped records, and they are never processed. The likely cause of a CI run in which
a report had no outcome after its worker was killed before its first commit
(tests/fault/test_crash_recovery.py); it did not reproduce on demand, the gap is in the code.

The fix: where there is no committed offset (or it is 0), seek to the start of the partition.
That is what the app's `consumer_auto_offset_reset="earliest"` means, and re-reading is safe
because every output is idempotent (a replayed report says what it said before).
"""

from __future__ import annotations

from typing import Any, Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.transport.drivers import aiokafka as faust_aiokafka


async def seek_to_committed_or_start(
    consumer: AIOKafkaConsumer, rewinds: Callable[[TopicPartition], bool] = lambda tp: True
) -> dict[TopicPartition, int | None]:
    """Seek every assigned partition to its committed offset, or to its start if it has none
    and `rewinds(tp)`. Returns the committed offsets (None where there is none), as aiokafka's
    own method does."""
    committed: dict[TopicPartition, int | None] = await consumer.seek_to_committed()
    uncommitted = [tp for tp, offset in committed.items() if not offset and rewinds(tp)]
    if uncommitted:
        await consumer.seek_to_beginning(*uncommitted)
    return committed


def apply() -> None:
    """Make Faust's aiokafka consumer use `seek_to_committed_or_start` (once per process)."""
    thread = faust_aiokafka.AIOKafkaConsumerThread
    if getattr(thread, "_vigil_seeks_to_start", False):
        return

    async def seek_to_committed(self: Any) -> Any:
        # Changelogs are never committed: Faust positions them itself when it recovers a table.
        changelogs = self.app.tables.changelog_topics
        rewinds = lambda tp: tp.topic not in changelogs  # noqa: E731
        return await self.call_thread(seek_to_committed_or_start, self._ensure_consumer(), rewinds)

    thread.seek_to_committed = seek_to_committed
    thread._vigil_seeks_to_start = True
