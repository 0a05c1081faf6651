"""Create Vigil's topics (idempotent), with the partition count every input must share."""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.settings import Settings
from streams.topics import Topics

log = logging.getLogger(__name__)


async def ensure_topics(settings: Settings, topics: Topics) -> list[str]:
    """Create missing topics; returns the names created. Fails if an input topic exists
    with a different partition count (cases would be split across partitions)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers, request_timeout_ms=30000)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        wanted = [spec for spec in topics.specs() if spec.name not in existing]
        created: list[str] = []
        for spec in wanted:
            partitions = spec.partitions or settings.partitions
            new = NewTopic(spec.name, partitions, settings.replication_factor, topic_configs=spec.config)
            try:
                await admin.create_topics([new])
                created.append(spec.name)
            except TopicAlreadyExistsError:
                pass
        await _check_partitions(admin, settings, topics, existing)
        return created
    finally:
        await admin.close()


async def _check_partitions(admin: AIOKafkaAdminClient, settings: Settings, topics: Topics, existing: set[str]) -> None:
    present = [name for name in topics.inputs if name in existing]
    if not present:
        return
    for description in await admin.describe_topics(present):
        count = len(description["partitions"])
        if count != settings.partitions:
            raise SystemExit(
                f"topic {description['topic']} has {count} partitions but VIGIL_PARTITIONS={settings.partitions};"
                " all input topics must share one partition count"
            )
