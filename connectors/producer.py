"""Producing FeedbackEvents the way Vigil expects: configured wire format, keyed by subject."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from streams.codecs import Codec
from streams.core.report import FeedbackEvent, InvalidEvent, parse_json
from streams.topics import Topics


def event_key(event: FeedbackEvent) -> bytes:
    """Subject id when there is one (its reports share a case), else the reporter's id."""
    return (event.subject.key if event.subject else event.reporter.user_id).encode()


@dataclass
class Sent:
    valid: int = 0
    invalid: int = 0  # sent as-is to the JSON topic, where the pipeline dead-letters them


class FeedbackProducer:
    def __init__(self, bootstrap_servers: str, codec: Codec, topics: Topics, linger_ms: int = 5) -> None:
        self.codec = codec
        self.topics = topics
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers, linger_ms=linger_ms, max_batch_size=256 * 1024, acks="all"
        )
        self.sent = Sent()

    async def __aenter__(self) -> FeedbackProducer:
        try:
            await self._producer.start()
        except BaseException:
            await self._producer.stop()  # a producer that never connected still holds a client
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._producer.flush()
        await self._producer.stop()

    async def send_line(self, line: bytes, as_json: bool = False) -> None:
        """One JSON line. A line that is not a valid event goes unchanged to the JSON topic:
        the pipeline, not the producer, records why it is invalid (nothing is dropped)."""
        try:
            event = parse_json(line)
        except InvalidEvent:
            self.sent.invalid += 1
            await self._producer.send(self.topics.feedback_json, line)
            return
        self.sent.valid += 1
        if as_json:
            await self._producer.send(self.topics.feedback_json, line, key=event_key(event))
        else:
            await self.send_event(event)

    async def send_event(self, event: FeedbackEvent) -> None:
        await self._producer.send(self.topics.feedback, self.codec.encode(event), key=event_key(event))

    async def flush(self) -> None:
        await self._producer.flush()
