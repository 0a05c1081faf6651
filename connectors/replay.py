"""Replay a file of FeedbackEvent JSON lines into Kafka, optionally at a fixed rate."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from connectors.producer import FeedbackProducer, Sent


async def replay(path: Path, producer: FeedbackProducer, rate: float | None = None, as_json: bool = False) -> Sent:
    started = time.monotonic()
    with path.open("rb") as lines:
        for n, line in enumerate(lines):
            line = line.strip()
            if not line:
                continue
            if rate:
                ahead = n / rate - (time.monotonic() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
            await producer.send_line(line, as_json)
    await producer.flush()
    return producer.sent
