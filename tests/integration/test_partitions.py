"""Several partitions: a case's reports and updates meet on one partition whatever the key."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import msgspec
import pytest
from aiokafka import AIOKafkaProducer

from streams.core.escalation import EscalationStatus, EscalationUpdate, UpdateAction
from streams.core.outcome import OutcomeKind
from tests.integration.harness import Worker, event, running_worker, settings_for

pytestmark = pytest.mark.integration


def _send_keyed(worker: Worker, topic: str, items: list[tuple[bytes, bytes]]) -> None:
    async def go() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=worker.settings.bootstrap_servers)
        await producer.start()
        try:
            for key, value in items:
                await producer.send(topic, value, key=key)
        finally:
            await producer.stop()

    asyncio.run(go())


def test_reports_keyed_by_reporter_still_fuse_and_updates_find_their_case(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = settings_for(kafka_bootstrap, f"parts-{uuid.uuid4().hex[:8]}", tmp_path, partitions=3)
    with running_worker(settings, tmp_path / "worker.log") as worker:
        reports = [
            event(f"p-{i}", "he keeps sending me insulting messages every day", reason_code="harassment",
                  subject={"type": "account", "id": "acct-9"},
                  reporter={"user_id": f"r{i}", "region": "US", "language": "en"})
            for i in range(30)
        ]
        # Keyed by reporter (a common producer mistake): they spread over all three partitions.
        _send_keyed(worker, worker.topics.feedback_json, [(f"r{i}".encode(), r) for i, r in enumerate(reports)])
        outcomes = worker.collect("outcomes", until=30)

        assert Counter(o.outcome for o in outcomes) == {OutcomeKind.ESCALATED: 1, OutcomeKind.MERGED: 29}
        escalation_id = outcomes[0].escalation_id
        assert escalation_id and {o.escalation_id for o in outcomes} == {escalation_id}

        ack = EscalationUpdate("upd-1", escalation_id, UpdateAction.ACK, "agent-1", outcomes[0].decided_at)
        resolve = EscalationUpdate("upd-2", escalation_id, UpdateAction.RESOLVE, "agent-1", outcomes[0].decided_at)
        # Keyed by something unrelated, so most land on a partition that does not own the case.
        _send_keyed(worker, worker.topics.updates, [(b"x", msgspec.json.encode(ack)), (b"y", worker.codec.encode(resolve))])
        statuses = [e.status for e in worker.drain("escalations") if e.escalation_id == escalation_id]

        assert statuses[-2:] == [EscalationStatus.ACKNOWLEDGED, EscalationStatus.RESOLVED]
        assert b"vigil_records_rerouted_total" in worker.get("/metrics")
