"""Bad input of every kind ends as InvalidEvent with the right reason and a one-line detail."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import BytesIO
from typing import Any, Callable

import msgspec
import pytest
from fastavro import parse_schema, schemaless_writer

from contract_registry import LocalRegistry
from contract_samples import FULL_ESCALATION, FULL_FEEDBACK, MINIMAL_FEEDBACK
from streams.codecs import Codec, RegistryClient, RegistryOutage, SchemaCatalog, WireFormat
from streams.codecs.wire import frame_confluent, frame_single_object
from streams.core.escalation import EscalationUpdate
from streams.core.report import DeadLetterReason as R
from streams.core.report import FeedbackEvent, InvalidEvent, parse_json, to_mapping
from streams.core.taxonomy import Channel

CATALOG = SchemaCatalog.load()
FEEDBACK = CATALOG.latest("FeedbackEvent")
SINGLE = Codec(WireFormat.SINGLE_OBJECT, CATALOG)
BIG_TEXT = "x" * (64 * 1024 + 1)


def _schema_with(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    schema = json.loads(FEEDBACK.text)
    edit(schema)
    return schema


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def _avro(schema: dict[str, Any], datum: dict[str, Any]) -> bytes:
    out = BytesIO()
    schemaless_writer(out, parse_schema(schema), datum)
    return out.getvalue()


def _datum(**changes: Any) -> dict[str, Any]:
    return {**to_mapping(FULL_FEEDBACK), **changes}


def _single(body: bytes) -> bytes:
    return frame_single_object(FEEDBACK.fingerprint_bytes, body)


def _json(**changes: Any) -> bytes:
    doc = json.loads(msgspec.json.encode(FULL_FEEDBACK))
    doc.update(changes)
    return json.dumps({k: v for k, v in doc.items() if v is not ...}).encode()


CASES: list[tuple[str, Callable[[], bytes], R, str]] = [
    ("empty value", lambda: b"", R.UNDECODABLE, "record value is empty"),
    ("plain text", lambda: b"hello world", R.UNDECODABLE, "not Avro single-object (c3 01), Confluent (00) or a JSON object"),
    ("json array", lambda: b"[1,2]", R.UNDECODABLE, "starts with 5b 31 2c 32"),
    ("truncated header", lambda: b"\xc3\x01\x01\x02", R.UNDECODABLE, "single-object header is truncated"),
    ("unknown fingerprint", lambda: b"\xc3\x01" + bytes(range(8)) + b"\x02a", R.UNKNOWN_SCHEMA, "fingerprint 0001020304050607 matches no schema"),
    ("wrong record type", lambda: SINGLE.encode(FULL_ESCALATION), R.WRONG_SCHEMA, "record is a dev.vigil.v1.Escalation (Escalation.v2.avsc), expected dev.vigil.v1.FeedbackEvent"),
    ("truncated body", lambda: SINGLE.encode(FULL_FEEDBACK)[:-5], R.UNDECODABLE, "Avro body of FeedbackEvent (FeedbackEvent.v1.avsc) is truncated"),
    ("trailing bytes", lambda: SINGLE.encode(MINIMAL_FEEDBACK) + b"\x00\x00", R.UNDECODABLE, "2 bytes left after a complete FeedbackEvent v1 record"),
    ("enum index out of range", lambda: _single(_avro(_schema_with(lambda s: _field(s, "channel").update(type="int")), _datum(channel=57))),
     R.UNDECODABLE, "an enum or union index in FeedbackEvent"),
    ("invalid utf-8", lambda: _single(_avro(_schema_with(lambda s: _field(s, "event_id").update(type="bytes")), _datum(event_id=b"\xff\xfe"))),
     R.INVALID_FIELD, "a string in FeedbackEvent (FeedbackEvent.v1.avsc) is not valid UTF-8"),
    ("timestamp out of range", lambda: _single(_avro(_schema_with(lambda s: _field(s, "occurred_at").update(type="long")), _datum(occurred_at=2**62))),
     R.INVALID_FIELD, "a value in FeedbackEvent (FeedbackEvent.v1.avsc) is out of range"),
    ("avro empty event_id", lambda: _single(_avro(json.loads(FEEDBACK.text), _datum(event_id=" "))), R.MISSING_FIELD, "`event_id` is empty"),
    ("avro empty reporter id", lambda: _single(_avro(json.loads(FEEDBACK.text), _datum(reporter={"user_id": "", "region": "x", "language": "y"}))),
     R.MISSING_FIELD, "`reporter.user_id` is empty"),
    ("avro oversize text", lambda: _single(_avro(json.loads(FEEDBACK.text), _datum(text=BIG_TEXT))), R.OVERSIZE, "text is 65537 bytes; the limit is 65536"),
    ("oversize record", lambda: _json(text="é" * 600_000), R.OVERSIZE, "bytes; the limit is 1048576"),
    ("json oversize text", lambda: _json(text=BIG_TEXT), R.OVERSIZE, "text is 65537 bytes; the limit is 65536"),
    ("json missing field", lambda: _json(event_id=...), R.MISSING_FIELD, "Object missing required field `event_id`"),
    ("json missing nested field", lambda: _json(reporter={"user_id": "u"}), R.MISSING_FIELD, "Object missing required field `region` - at `$.reporter`"),
    ("json invalid enum", lambda: _json(channel="fax"), R.INVALID_ENUM, "Invalid enum value 'fax' - at `$.channel`"),
    ("json wrong type", lambda: _json(text=42), R.INVALID_FIELD, "Expected `str`, got `int` - at `$.text`"),
    ("json bad timestamp", lambda: _json(occurred_at="yesterday"), R.INVALID_FIELD, "Invalid RFC3339 encoded datetime - at `$.occurred_at`"),
    ("json timestamp out of range", lambda: _json(occurred_at="0001-01-01T00:00:00+01:00"), R.INVALID_FIELD, "`occurred_at` is out of range"),
    ("json year 1", lambda: _json(occurred_at="0001-01-01T00:00:00Z"), R.INVALID_FIELD, "0001-01-01T00:00:00+00:00 is not in 2000..2099"),
    ("json before 2000", lambda: _json(occurred_at="1999-12-31T23:59:59Z"), R.INVALID_FIELD, "1999-12-31T23:59:59+00:00 is not in 2000..2099"),
    ("json from 2100", lambda: _json(occurred_at="2100-01-01T00:00:00Z"), R.INVALID_FIELD, "is not in 2000..2099"),
    ("json naive year 9999", lambda: _json(occurred_at="9999-12-31T23:59:59"), R.INVALID_FIELD, "is not in 2000..2099"),
    ("json east of UTC, year 2100 in UTC", lambda: _json(occurred_at="2100-01-01T05:00:00+04:00"), R.INVALID_FIELD, "2100-01-01T01:00:00+00:00 is not in"),
    ("avro year 1", lambda: _single(_avro(json.loads(FEEDBACK.text), _datum(occurred_at=datetime(1, 1, 1, tzinfo=UTC)))),
     R.INVALID_FIELD, "0001-01-01T00:00:00+00:00 is not in 2000..2099"),
    ("json syntax", lambda: b'{"event_id": ', R.INVALID_JSON, "not valid JSON"),
    ("json not utf-8", lambda: b'{"event_id": "\xff"}', R.INVALID_JSON, "not valid UTF-8 at byte 0"),
    ("confluent without registry", lambda: frame_confluent(7, b"\x02a"), R.UNKNOWN_SCHEMA, "Confluent-framed record (schema id 7) but no schema registry is configured"),
]


@pytest.mark.parametrize(("make", "reason", "detail"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_feedback_maps_to_invalid_event(make: Callable[[], bytes], reason: R, detail: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        SINGLE.decode_feedback(make())
    assert caught.value.reason == reason
    assert detail in caught.value.detail
    assert "\n" not in caught.value.detail


@pytest.mark.parametrize(
    ("raw", "reason", "detail"),
    [
        (b'{"update_id":"u","escalation_id":"e","action":"explode","actor":"a","at":"2026-01-01T00:00:00Z"}', R.INVALID_ENUM, "Invalid enum value 'explode'"),
        (b'{"update_id":"u","action":"ack","actor":"a","at":"2026-01-01T00:00:00Z"}', R.MISSING_FIELD, "`escalation_id`"),
        (b"{", R.INVALID_JSON, "not valid JSON"),
    ],
)
def test_bad_update_maps_to_invalid_event(raw: bytes, reason: R, detail: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        SINGLE.decode(raw, EscalationUpdate)
    assert (caught.value.reason, detail in caught.value.detail) == (reason, True)


JSON_TOPIC_LIMITS = [
    ("oversize record", _json(text="é" * 600_000), R.OVERSIZE, "bytes; the limit is 1048576"),
    ("year 1", _json(occurred_at="0001-01-01T00:00:00Z"), R.INVALID_FIELD, "is not in 2000..2099"),
    ("earliest", _json(occurred_at="2000-01-01T00:00:00Z"), None, ""),
    ("latest", _json(occurred_at="2099-12-31T23:59:59.999Z"), None, ""),
]


@pytest.mark.parametrize(("raw", "reason", "detail"), [c[1:] for c in JSON_TOPIC_LIMITS], ids=[c[0] for c in JSON_TOPIC_LIMITS])
def test_the_json_topic_parser_applies_the_codecs_limits(raw: bytes, reason: R | None, detail: str) -> None:
    # The agent reads the JSON topic with parse_json, not the codec: the same limits must hold.
    for decode in (parse_json, SINGLE.decode_feedback):
        if reason is None:
            assert decode(raw).event_id == FULL_FEEDBACK.event_id
            continue
        with pytest.raises(InvalidEvent) as caught:
            decode(raw)
        assert (caught.value.reason, detail in caught.value.detail) == (reason, True), caught.value.detail


def test_non_bytes_value_is_undecodable() -> None:
    with pytest.raises(InvalidEvent) as caught:
        SINGLE.decode_feedback(None)  # type: ignore[arg-type]
    assert caught.value.reason == R.UNDECODABLE


# --- Confluent framing: what the registry says decides ----------------------------------


def _register(registry: LocalRegistry, schema: dict[str, Any]) -> int:
    return RegistryClient(registry.url).register("upstream-feedback-value", json.dumps(schema))


def test_confluent_writer_lacking_a_required_field_is_missing_field(local_registry: LocalRegistry) -> None:
    old = _schema_with(lambda s: s["fields"].remove(_field(s, "text")))
    raw = frame_confluent(_register(local_registry, old), _avro(old, _datum()))
    codec = Codec(WireFormat.SINGLE_OBJECT, CATALOG, RegistryClient(local_registry.url))
    with pytest.raises(InvalidEvent) as caught:
        codec.decode_feedback(raw)
    assert caught.value.reason == R.MISSING_FIELD
    assert "registry id 1 cannot be read as FeedbackEvent.v1.avsc: No default value for field text" in caught.value.detail


def test_confluent_writer_of_another_record_is_wrong_schema(local_registry: LocalRegistry) -> None:
    schema_id = _register(local_registry, {"type": "record", "name": "Tweet", "fields": [{"name": "text", "type": "string"}]})
    codec = Codec(WireFormat.SINGLE_OBJECT, CATALOG, RegistryClient(local_registry.url))
    with pytest.raises(InvalidEvent) as caught:
        codec.decode_feedback(frame_confluent(schema_id, b"\x02a"))
    assert (caught.value.reason, caught.value.detail) == (R.WRONG_SCHEMA, "record is a Tweet (registry id 1), expected dev.vigil.v1.FeedbackEvent")


def test_confluent_unknown_id_is_unknown_schema_and_asked_once(local_registry: LocalRegistry) -> None:
    codec = Codec(WireFormat.SINGLE_OBJECT, CATALOG, RegistryClient(local_registry.url))
    for _ in range(5):
        with pytest.raises(InvalidEvent) as caught:
            codec.decode_feedback(frame_confluent(404, b"\x02a"))
        assert caught.value.reason == R.UNKNOWN_SCHEMA
        assert f"schema id 404 is not in the registry at {local_registry.url}" == caught.value.detail
    assert local_registry.count("GET", "/schemas/ids/404") == 1


def test_confluent_symbol_unknown_to_the_reader_reads_as_the_enum_default(local_registry: LocalRegistry) -> None:
    grown = _schema_with(lambda s: _field(s, "channel")["type"]["symbols"].append("carrier_pigeon"))
    raw = frame_confluent(_register(local_registry, grown), _avro(grown, _datum(channel="carrier_pigeon")))
    codec = Codec(WireFormat.SINGLE_OBJECT, CATALOG, RegistryClient(local_registry.url))
    assert codec.decode_feedback(raw) == msgspec.structs.replace(FULL_FEEDBACK, channel=Channel.API)


def test_unreachable_registry_is_an_outage_not_bad_input(local_registry: LocalRegistry) -> None:
    url = local_registry.url
    local_registry.stop()
    codec = Codec(WireFormat.SINGLE_OBJECT, CATALOG, RegistryClient(url, timeout=2))
    with pytest.raises(RegistryOutage) as caught:
        codec.decode_feedback(frame_confluent(1, b"\x02a"))
    assert caught.value.reason == R.PROCESSING_ERROR
    assert "cannot resolve schema id 1: schema registry" in caught.value.detail and "unreachable" in caught.value.detail


def test_decoded_feedback_is_a_feedback_event() -> None:
    assert isinstance(SINGLE.decode_feedback(SINGLE.encode(MINIMAL_FEEDBACK)), FeedbackEvent)


@pytest.mark.parametrize(
    "schema",
    [
        '"string"',
        '{"type": "record", "name": "X", "fields": [{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["a"], "default": "b"}}]}',
        '{"type": "record", "name": "X", "fields": [{"name": "e", "type": "Nowhere"}]}',
    ],
    ids=["not a record", "enum default not a symbol", "unknown named type"],
)
def test_registry_schema_we_cannot_parse_is_wrong_schema(local_registry: LocalRegistry, schema: str) -> None:
    local_registry.schemas.append(schema)  # registries accept schemas Avro libraries reject
    codec = Codec(WireFormat.SINGLE_OBJECT, CATALOG, RegistryClient(local_registry.url))
    with pytest.raises(InvalidEvent) as caught:
        codec.decode_feedback(frame_confluent(len(local_registry.schemas), b"\x02a"))
    assert caught.value.reason == R.WRONG_SCHEMA
    assert caught.value.detail.startswith("registry id 1: ")
