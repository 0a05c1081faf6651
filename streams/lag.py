"""Consumer lag: records in an assigned input partition that no agent has finished with.

Why not highwater - position: Faust's consumer position moves as soon as records are fetched
into the stream buffer (up to VIGIL_STREAM_BUFFER_SIZE records per partition ahead of the
agent), so a stalled agent showed a small lag while thousands of records waited. Lag here
counts from the last offset done: the larger of the committed offset (Faust commits only
what the agents acknowledged) and the next offset after the last record the agent
processed (fresher than a commit, when the agent reports it).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterable, Mapping

log = logging.getLogger(__name__)

Partition = tuple[str, int]  # faust's TP is a (topic, partition) named tuple: equal and same hash


def partition_lag(highwater: int | None, done: Iterable[int | None]) -> int | None:
    """Records from the last one done to the end of the partition; None when unknown."""
    known = [offset for offset in done if offset is not None]
    if highwater is None or not known:
        return None
    return max(0, highwater - max(known))


class LagProbe:
    """Measures the lag of the app's assigned partitions of `topics`."""

    def __init__(self, app: Any, topics: Iterable[str], processed: Callable[[], Mapping[Partition, int]]) -> None:
        self.app = app
        self.topics = frozenset(topics)
        self.processed = processed  # next offset after the last record processed, per partition

    async def measure(self) -> dict[Partition, int]:
        consumer = self.app.consumer
        partitions = [tp for tp in self.app.assignor.assigned_actives() if tp.topic in self.topics]
        highwaters = {tp: hw for tp in partitions if (hw := _highwater(consumer, tp)) is not None}
        done = {tp: [_committed(consumer, tp), self.processed().get(tp)] for tp in highwaters}
        unknown = [tp for tp, offsets in done.items() if not any(o is not None for o in offsets)]
        if unknown:  # nothing committed or processed yet: everything from the log start waits
            for tp, offset in (await _earliest(consumer, unknown)).items():
                done[tp].append(offset)
        lags = {}
        for tp, offsets in done.items():
            lag = partition_lag(highwaters[tp], offsets)
            if lag is not None:
                lags[(tp.topic, tp.partition)] = lag
        return lags


def _highwater(consumer: Any, tp: Any) -> int | None:
    """aiokafka answers None before a partition's first fetch, and asserts when the
    partition was revoked a moment ago: either way this partition has no figure now."""
    try:
        return consumer.highwater(tp)  # type: ignore[no-any-return]
    except Exception as error:  # noqa: BLE001 - one partition must not cost the others
        log.debug("no high watermark for %s: %s", tp, error)
        return None


def _committed(consumer: Any, tp: Any) -> int | None:
    # Faust keeps what it committed (and what it read back from the broker on assignment)
    # here; it has no public accessor, and asking the broker every 10 s would cost a request.
    committed = getattr(consumer, "_committed_offset", None)
    return committed.get(tp) if committed is not None else None


async def _earliest(consumer: Any, partitions: list[Any]) -> Mapping[Any, int]:
    try:
        return await consumer.earliest_offsets(*partitions)  # type: ignore[no-any-return]
    except Exception as error:  # noqa: BLE001 - the next measurement tries again
        log.debug("no earliest offsets for %s: %s", partitions, error)
        return {}
