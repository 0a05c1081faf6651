"""A schema registry that fails and then recovers, over real HTTP: good records are not
dead-lettered meanwhile, and nothing about the outage is remembered once it is over."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web

from contract_registry import LocalRegistry
from contract_samples import FULL_FEEDBACK
from streams.codecs import Codec, RegistryClient, RegistryError, RegistryOutage, RegistryUnavailable, SchemaCatalog, WireFormat
from streams.core.outcome import OutcomeKind
from tests.integration.harness import free_port
from tests.unit.streams.agent_harness import TOPICS, make_agent
from tests.unit.streams.test_intake_agent import report


class FlakyRegistry(LocalRegistry):
    """Answers schema-by-id requests with the given error statuses first, then normally."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[int] = []

    async def _by_id(self, request: web.Request) -> web.Response:
        if self.failures:
            status = self.failures.pop(0)
            return web.Response(status=status, text='{"error_code": 50001, "message": "store unavailable"}')
        return await super()._by_id(request)


@pytest.fixture
def flaky() -> FlakyRegistry:
    registry = FlakyRegistry().start()
    yield registry  # type: ignore[misc]
    registry.stop()


def confluent_report(catalog: SchemaCatalog, registry: LocalRegistry) -> bytes:
    return Codec(WireFormat.CONFLUENT, catalog, RegistryClient(registry.url)).encode(FULL_FEEDBACK)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_is_not_remembered_as_a_miss(flaky: FlakyRegistry, catalog: SchemaCatalog, status: int) -> None:
    confluent_report(catalog, flaky)
    flaky.failures = [status]
    client = RegistryClient(flaky.url, miss_ttl=3600)
    with pytest.raises(RegistryError) as caught:
        client.schema_by_id(1)
    assert caught.value.status == status
    assert client.schema_by_id(1)  # at once: the registry answers again
    assert flaky.count("GET", "/schemas/ids/1") == 2


def test_an_unreachable_registry_is_not_remembered_as_a_miss(flaky: FlakyRegistry, catalog: SchemaCatalog) -> None:
    confluent_report(catalog, flaky)
    client = RegistryClient(f"http://127.0.0.1:{free_port()}", miss_ttl=3600, timeout=2)
    with pytest.raises(RegistryUnavailable):
        client.schema_by_id(1)
    client.url = flaky.url  # the registry is reachable again (the same client, the same cache)
    assert client.schema_by_id(1)


def test_a_server_error_is_an_outage_for_the_codec_not_bad_input(flaky: FlakyRegistry, catalog: SchemaCatalog) -> None:
    raw = confluent_report(catalog, flaky)
    flaky.failures = [503]
    codec = Codec(WireFormat.SINGLE_OBJECT, catalog, RegistryClient(flaky.url))
    with pytest.raises(RegistryOutage) as caught:
        codec.decode_feedback(raw)
    assert not isinstance(caught.value, ValueError)  # InvalidEvent is a ValueError: dead-letter code must not catch it
    assert codec.decode_feedback(raw) == FULL_FEEDBACK


async def test_the_intake_waits_for_the_registry_and_dead_letters_nothing(
    flaky: FlakyRegistry, catalog: SchemaCatalog, caplog: pytest.LogCaptureFixture
) -> None:
    raw = confluent_report(catalog, flaky)
    h = make_agent(codec=Codec(WireFormat.SINGLE_OBJECT, catalog, RegistryClient(flaky.url)), outage_log_interval=3600)
    flaky.failures = [503, 503, 502]
    before, waiting, after = (
        h.record(TOPICS.feedback_json, report("before", subject="video:b")),
        h.record(TOPICS.feedback, raw),
        h.record(TOPICS.feedback_json, report("after", subject="video:a")),
    )

    with caplog.at_level(logging.WARNING, logger="streams.agents.intake"):
        await h.handle(before, waiting, after)

    outcomes = [(o.event_id, o.outcome) for o in h.published.outcomes]
    assert outcomes == [("before", OutcomeKind.ESCALATED), (FULL_FEEDBACK.event_id, OutcomeKind.ESCALATED),
                        ("after", OutcomeKind.ESCALATED)]
    assert h.published.dead_letters == []
    assert h.sleeps == [0.5, 1.0, 2.0]  # backoff, doubling
    assert h.value("vigil_registry_waits_total") == 3
    assert h.value("vigil_dead_letters_total", {"stage": "decode", "reason": "processing_error"}) == 0
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, "an outage is logged once per interval, not once per attempt"
    assert (errors[0].topic, errors[0].offset) == (TOPICS.feedback, waiting.message.offset)  # type: ignore[attr-defined]
    assert any("answers again" in r.getMessage() for r in caplog.records)
    assert h.value("vigil_events_consumed_total", {"input": "feedback"}) == 1  # counted once, when read
