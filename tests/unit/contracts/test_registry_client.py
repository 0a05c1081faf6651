"""The registry client over real HTTP: endpoints, caching, errors, and the Confluent codec."""

from __future__ import annotations

import json

import pytest

from contract_registry import LocalRegistry
from contract_samples import FULL_FEEDBACK, SAMPLES
from streams.codecs import Codec, RegistryClient, RegistryError, RegistryUnavailable, SchemaCatalog, WireFormat

SCHEMA = json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "string"}]})
WITH_OPTIONAL = json.dumps({"type": "record", "name": "R", "fields": [
    {"name": "a", "type": "string"}, {"name": "b", "type": ["null", "long"], "default": None}]})
WITH_REQUIRED = json.dumps({"type": "record", "name": "R", "fields": [
    {"name": "a", "type": "string"}, {"name": "b", "type": "long"}]})


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_register_returns_ids_and_asks_once_per_schema(local_registry: LocalRegistry) -> None:
    client = RegistryClient(local_registry.url)
    first = client.register("s", SCHEMA)
    assert client.register("s", SCHEMA) == first
    assert client.register("s", WITH_OPTIONAL) == first + 1
    assert local_registry.count("POST", "/subjects/s/versions") == 2
    assert client.subject_versions("s") == [1, 2]


def test_schema_by_id_is_fetched_once(local_registry: LocalRegistry) -> None:
    schema_id = RegistryClient(local_registry.url).register("s", SCHEMA)
    reader = RegistryClient(local_registry.url)
    assert [reader.schema_by_id(schema_id) for _ in range(10)] == [SCHEMA] * 10
    assert local_registry.count("GET", f"/schemas/ids/{schema_id}") == 1


def test_unknown_id_is_remembered_for_the_miss_ttl(local_registry: LocalRegistry) -> None:
    clock = Ticker()
    client = RegistryClient(local_registry.url, miss_ttl=30, clock=clock)
    for _ in range(3):
        with pytest.raises(RegistryError) as caught:
            client.schema_by_id(1)
        assert (caught.value.status, caught.value.code) == (404, 40403)
    assert local_registry.count("GET", "/schemas/ids/1") == 1
    RegistryClient(local_registry.url).register("s", SCHEMA)  # someone registers it meanwhile
    clock.now = 31
    assert client.schema_by_id(1) == SCHEMA
    assert local_registry.count("GET", "/schemas/ids/1") == 2


@pytest.mark.parametrize(
    ("level", "candidate", "expected"),
    [
        ("BACKWARD", WITH_OPTIONAL, True),
        ("BACKWARD", WITH_REQUIRED, False),
        ("FORWARD", WITH_REQUIRED, True),
        ("FULL_TRANSITIVE", WITH_REQUIRED, False),
        ("NONE", WITH_REQUIRED, True),
    ],
)
def test_compatibility_follows_the_subject_rule(local_registry: LocalRegistry, level: str, candidate: str, expected: bool) -> None:
    client = RegistryClient(local_registry.url)
    client.register("s", SCHEMA)
    assert client.set_compatibility("s", level) == level
    assert client.test_compatibility("s", candidate) is expected


def test_compatibility_of_a_new_subject_is_true(local_registry: LocalRegistry) -> None:
    assert RegistryClient(local_registry.url).test_compatibility("never-registered", SCHEMA) is True


def test_incompatible_registration_is_a_registry_error(local_registry: LocalRegistry) -> None:
    client = RegistryClient(local_registry.url)
    client.register("s", SCHEMA)
    with pytest.raises(RegistryError, match="-> 409: Schema being registered is incompatible"):
        client.register("s", WITH_REQUIRED)


def test_basic_auth_is_sent_when_configured(local_registry: LocalRegistry) -> None:
    RegistryClient(local_registry.url, "vigil", "s3cret").register("s", SCHEMA)
    assert local_registry.authorizations == ["Basic dmlnaWw6czNjcmV0"]


def test_unreachable_registry_raises_unavailable(local_registry: LocalRegistry) -> None:
    url = local_registry.url
    local_registry.stop()
    with pytest.raises(RegistryUnavailable, match=f"schema registry {url} unreachable"):
        RegistryClient(url, timeout=2).register("s", SCHEMA)


def test_confluent_codec_registers_each_record_schema_once(catalog: SchemaCatalog, local_registry: LocalRegistry) -> None:
    codec = Codec(WireFormat.CONFLUENT, catalog, RegistryClient(local_registry.url))
    for record in SAMPLES.values():
        codec.encode(record)
    assert sorted(local_registry.subjects) == sorted(v.fullname for v in (catalog.latest(n) for n in catalog.names))
    assert sum(1 for method, _ in local_registry.requests if method == "POST") == len(catalog.names)


def test_confluent_decoding_asks_the_registry_once_per_id(catalog: SchemaCatalog, local_registry: LocalRegistry) -> None:
    raw = Codec(WireFormat.CONFLUENT, catalog, RegistryClient(local_registry.url)).encode(FULL_FEEDBACK)
    consumer = Codec(WireFormat.SINGLE_OBJECT, catalog, RegistryClient(local_registry.url))
    assert all(consumer.decode_feedback(raw) == FULL_FEEDBACK for _ in range(100))
    assert local_registry.count("GET", "/schemas/ids/") == 1


def test_confluent_format_needs_a_registry(catalog: SchemaCatalog) -> None:
    with pytest.raises(ValueError, match="wire format `confluent` needs a schema registry URL"):
        Codec.from_settings("confluent")
