"""The registry client and the Confluent wire format against a real registry (Apicurio).

The session starts ops/registry/registry.sh unless a registry already answers on
REGISTRY_PORT (default 8081); under CI=true a registry that cannot start fails the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from streams.codecs import Codec, RegistryClient, RegistryError, SchemaCatalog, WireFormat
from streams.codecs.compat import can_read
from streams.codecs.catalog import parse_schema_text
from streams.codecs.wire import frame_confluent
from streams.core.report import DeadLetterReason, InvalidEvent
from streams.core.taxonomy import Channel

REPO = Path(__file__).resolve().parents[2]
REGISTRY_SH = REPO / "ops" / "registry" / "registry.sh"
sys.path.insert(0, str(REPO / "tests" / "unit" / "contracts"))
from contract_samples import FULL_FEEDBACK, SAMPLES  # noqa: E402

pytestmark = pytest.mark.integration
CATALOG = SchemaCatalog.load()
FEEDBACK_TEXT = CATALOG.latest("FeedbackEvent").text


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/subjects", timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def registry_url(pytestconfig: pytest.Config) -> Iterator[str]:
    port = os.environ.get("REGISTRY_PORT", "8081")
    url = f"http://127.0.0.1:{port}/apis/ccompat/v7"
    started = False
    if not _answers(url):
        result = subprocess.run(["bash", str(REGISTRY_SH), "start"], capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            root = pytestconfig.pluginmanager.get_plugin(str(REPO / "tests" / "conftest.py"))
            last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "start failed"
            root.unavailable("schema registry", last)  # type: ignore[union-attr]
        started = True
    yield url
    if started:
        subprocess.run(["bash", str(REGISTRY_SH), "stop"], capture_output=True, timeout=60)


def _edited(edit: Callable[[dict[str, Any]], None]) -> str:
    schema = json.loads(FEEDBACK_TEXT)
    edit(schema)
    return json.dumps(schema)


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def test_register_and_fetch_by_id(registry_url: str, unique: str) -> None:
    schema_id = RegistryClient(registry_url).register(f"vigil-test-{unique}", FEEDBACK_TEXT)
    fresh = RegistryClient(registry_url)
    assert parse_schema_text(fresh.schema_by_id(schema_id), "x").fingerprint == CATALOG.latest("FeedbackEvent").fingerprint
    assert fresh.register(f"vigil-test-{unique}", FEEDBACK_TEXT) == schema_id
    assert fresh.subject_versions(f"vigil-test-{unique}") == [1]


def test_every_record_round_trips_in_confluent_framing(registry_url: str) -> None:
    producer = Codec(WireFormat.CONFLUENT, CATALOG, RegistryClient(registry_url))
    consumer = Codec(WireFormat.SINGLE_OBJECT, CATALOG, RegistryClient(registry_url))
    for name, record in SAMPLES.items():
        raw = producer.encode(record)
        assert raw[:1] == b"\x00", name
        assert consumer.decode(raw, type(record)) == record, name


EDITS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("add required field", lambda s: s["fields"].append({"name": "tenant", "type": "string"})),
    ("add optional field", lambda s: s["fields"].append({"name": "tenant", "type": ["null", "string"], "default": None})),
    ("change type", lambda s: _field(s, "text").update(type="long")),
    ("add enum symbol", lambda s: _field(s, "channel")["type"]["symbols"].append("carrier_pigeon")),
    ("drop enum default and a symbol", lambda s: _field(s, "channel").update(
        type={k: v for k, v in _field(s, "channel")["type"].items() if k != "default"} | {"symbols": ["api"]})),
    ("remove required field", lambda s: s["fields"].remove(_field(s, "text"))),
]


@pytest.mark.parametrize("edit", [e[1] for e in EDITS], ids=[e[0] for e in EDITS])
def test_our_checker_agrees_with_the_registry(registry_url: str, unique: str, edit: Callable[[dict[str, Any]], None]) -> None:
    subject = f"vigil-compat-{unique}"
    client = RegistryClient(registry_url)
    client.register(subject, FEEDBACK_TEXT)
    client.set_compatibility(subject, "BACKWARD")
    candidate = _edited(edit)
    ours = can_read(parse_schema_text(candidate, "v2").reference, CATALOG.latest("FeedbackEvent").reference)
    assert client.test_compatibility(subject, candidate) is ours


def test_incompatible_registration_is_refused(registry_url: str, unique: str) -> None:
    subject = f"vigil-refuse-{unique}"
    client = RegistryClient(registry_url)
    client.register(subject, FEEDBACK_TEXT)
    client.set_compatibility(subject, "FULL_TRANSITIVE")
    with pytest.raises(RegistryError) as caught:
        client.register(subject, _edited(lambda s: s["fields"].append({"name": "tenant", "type": "string"})))
    assert caught.value.status == 409


def test_upstream_writer_with_a_new_enum_symbol_reads_as_the_default(registry_url: str, unique: str) -> None:
    from io import BytesIO

    from fastavro import parse_schema, schemaless_writer

    from streams.core.report import to_mapping

    grown = json.loads(_edited(lambda s: _field(s, "channel")["type"]["symbols"].append("carrier_pigeon")))
    schema_id = RegistryClient(registry_url).register(f"upstream-{unique}-value", json.dumps(grown))
    body = BytesIO()
    schemaless_writer(body, parse_schema(grown), {**to_mapping(FULL_FEEDBACK), "channel": "carrier_pigeon"})
    consumer = Codec(WireFormat.SINGLE_OBJECT, CATALOG, RegistryClient(registry_url))
    assert consumer.decode_feedback(frame_confluent(schema_id, body.getvalue())).channel is Channel.API


def test_unknown_schema_id_is_unknown_schema(registry_url: str) -> None:
    consumer = Codec(WireFormat.SINGLE_OBJECT, CATALOG, RegistryClient(registry_url))
    with pytest.raises(InvalidEvent) as caught:
        consumer.decode_feedback(frame_confluent(987654, b"\x02a"))
    assert caught.value.reason == DeadLetterReason.UNKNOWN_SCHEMA
