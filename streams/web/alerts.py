"""Pattern alerts for the console of an intake-only worker, read by a consumer of its own.

Not a Faust agent: an agent joins the app's consumer group, so with several intake workers
each alert reached one of their consoles only. This consumer has no group: it assigns itself
every partition of the alerts topic and starts `recent` records before the end, so every
worker's console shows every alert, and a restarted worker shows the latest ones at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from aiokafka import AIOKafkaConsumer

log = logging.getLogger(__name__)


class AlertFollower:
    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        decode: Callable[[bytes], Any],
        show: Callable[[Any], None],
        recent: int = 20,
        retry_s: float = 5.0,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.decode = decode
        self.show = show
        self.recent = recent
        self.retry_s = retry_s

    async def run(self) -> None:
        """Follow the topic until cancelled; a broker or metadata error waits and starts over."""
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the console must not take the worker down
                log.warning("pattern alerts for the console: %s; trying again in %.0f s", error, self.retry_s,
                            extra={"topic": self.topic})
                await asyncio.sleep(self.retry_s)

    async def _follow(self) -> None:
        # Subscribed without a group id: aiokafka assigns every partition of the topic to this
        # consumer alone, and commits nothing.
        consumer = AIOKafkaConsumer(
            self.topic, bootstrap_servers=self.bootstrap_servers, group_id=None, enable_auto_commit=False,
            auto_offset_reset="latest",
        )
        await consumer.start()
        try:
            await self._start_at_recent(consumer)
            async for message in consumer:
                self._show(message)
        finally:
            await consumer.stop()

    async def _start_at_recent(self, consumer: AIOKafkaConsumer) -> None:
        for _ in range(100):  # the assignment follows the first metadata answer
            tps = sorted(tp for tp in consumer.assignment() if tp.topic == self.topic)
            if tps:
                break
            await asyncio.sleep(0.1)
        else:
            raise LookupError(f"no partition of {self.topic} assigned yet")
        starts, ends = await consumer.beginning_offsets(tps), await consumer.end_offsets(tps)
        for tp in tps:
            consumer.seek(tp, max(starts[tp], ends[tp] - self.recent))

    def _show(self, message: Any) -> None:
        try:
            self.show(self.decode(message.value))
        except Exception as error:  # noqa: BLE001 - one unreadable alert must not stop the rest
            log.warning(
                "pattern alert at %s/%s/%s not shown: %s", message.topic, message.partition, message.offset, error,
                extra={"topic": message.topic, "partition": message.partition, "offset": message.offset},
            )
