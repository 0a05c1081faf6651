"""Every record type survives every wire format, and each format carries its magic bytes."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings

from contract_samples import SAMPLES, any_record
from streams.codecs import Codec, WireFormat
from streams.codecs.wire import CONFLUENT_MAGIC, SINGLE_OBJECT_MAGIC
from streams.core.report import FeedbackEvent


@pytest.mark.parametrize("fmt", list(WireFormat))
@pytest.mark.parametrize("name", list(SAMPLES))
def test_sample_round_trips(codecs: dict[WireFormat, Codec], fmt: WireFormat, name: str) -> None:
    record = SAMPLES[name]
    raw = codecs[fmt].encode(record)
    assert codecs[fmt].decode(raw, type(record)) == record


@pytest.mark.parametrize("fmt", list(WireFormat))
@pytest.mark.parametrize("name", [n for n in SAMPLES if n.startswith("feedback")])
def test_decode_feedback_reads_every_format(codecs: dict[WireFormat, Codec], fmt: WireFormat, name: str) -> None:
    raw = codecs[fmt].encode(SAMPLES[name])
    # A codec configured for another format still reads it: decoders go by the magic bytes.
    for reader in codecs.values():
        assert reader.decode_feedback(raw) == SAMPLES[name]


@pytest.mark.parametrize("name", list(SAMPLES))
def test_single_object_header_is_magic_and_schema_fingerprint(codecs: dict[WireFormat, Codec], name: str) -> None:
    record = SAMPLES[name]
    codec = codecs[WireFormat.SINGLE_OBJECT]
    raw = codec.encode(record)
    assert raw[:2] == SINGLE_OBJECT_MAGIC == b"\xc3\x01"
    assert raw[2:10] == codec.catalog.latest(type(record).__name__).fingerprint_bytes


@pytest.mark.parametrize("name", list(SAMPLES))
def test_confluent_header_is_magic_and_registered_id(codecs: dict[WireFormat, Codec], name: str) -> None:
    record = SAMPLES[name]
    codec = codecs[WireFormat.CONFLUENT]
    raw = codec.encode(record)
    assert codec.registry is not None
    version = codec.catalog.latest(type(record).__name__)
    registered = codec.registry.register(version.fullname, version.text)
    assert raw[:1] == CONFLUENT_MAGIC and int.from_bytes(raw[1:5], "big") == registered


def test_json_format_is_plain_json_objects(codecs: dict[WireFormat, Codec]) -> None:
    raw = codecs[WireFormat.JSON].encode(SAMPLES["feedback-full"])
    assert msgspec.json.decode(raw)["reporter"]["user_id"] == "u-1"


def test_json_feedback_ignores_unknown_fields_and_reads_iso_timestamps(codecs: dict[WireFormat, Codec]) -> None:
    raw = (
        b' {"event_id":"e-1","occurred_at":"2026-11-20T11:11:12.345+01:00","channel":"api","text":"t",'
        b'"reporter":{"user_id":"u","region":"FR","language":"fr","new_field":1},"added_later":[1,2]}'
    )
    event = codecs[WireFormat.SINGLE_OBJECT].decode_feedback(raw)
    assert event.occurred_at == SAMPLES["feedback-full"].occurred_at  # type: ignore[attr-defined]
    assert event.occurred_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(record=any_record)
def test_generated_records_round_trip(codecs: dict[WireFormat, Codec], record: msgspec.Struct) -> None:
    for codec in codecs.values():
        raw = codec.encode(record)
        decoded = codec.decode(raw, type(record))
        if isinstance(record, FeedbackEvent):
            assert codec.decode_feedback(raw) == decoded
        assert decoded == record
