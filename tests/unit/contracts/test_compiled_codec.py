"""The schema-compiled codec writes the bytes fastavro and avro-python3 write, and reads them back.

The compiled code is the hot path behind `Codec` (streams/codecs/compiled.py); fastavro and
avro-python3 are the references it is checked against, on every schema, with records that
push the encodings' edges (see schema_strategies.py).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path
from typing import Annotated, Any, Callable

import msgspec
import pytest
from fastavro import parse_schema, schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract_samples import FULL_ESCALATION, FULL_OUTCOME, MINIMAL_FEEDBACK, MINIMAL_OUTCOME, SAMPLES, feedback_events
from schema_strategies import instants, records
from streams.codecs import DEFAULT_SCHEMAS_DIR, RECORD_TYPES, Codec, EncodeError, SchemaCatalog, WireFormat, reference
from streams.codecs.compiled import BadIndex, Malformed, Unsupported, compile_codec, long_bytes, read_long
from streams.codecs.catalog import parse_schema_text
from streams.codecs.fast import FastWriter, read_datum
from streams.codecs.wire import frame_single_object
from streams.core.outcome import DeadLetter, Source
from streams.core.patterns.alert import PatternAlert
from streams.core.report import (
    AppInfo,
    Attachment,
    AttachmentKind,
    FeedbackEvent,
    InvalidEvent,
    Subject,
)
from streams.core.report import DeadLetterReason as R
from streams.core.taxonomy import SubjectType

CATALOG = SchemaCatalog.load()
SINGLE = Codec(WireFormat.SINGLE_OBJECT, CATALOG)
COMPILED = {cls: compile_codec(CATALOG.latest(name), cls) for name, cls in RECORD_TYPES.items()}
FEEDBACK = CATALOG.latest("FeedbackEvent")
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Decoding a FeedbackEvent validates it: ids must be 1-256 non-blank characters, and
# occurred_at must fall in the years 2000-2099 (in any zone, once converted to UTC).
_ids = st.text(min_size=1, max_size=256).filter(str.strip)
_report_times = instants(True, datetime(2000, 1, 2), datetime(2099, 12, 30))
_FEEDBACK_IDS = {
    "FeedbackEvent.event_id": _ids,
    "FeedbackEvent.reporter.user_id": _ids,
    "FeedbackEvent.subject.id": _ids,
    "FeedbackEvent.occurred_at": _report_times,
}


def _wide(whole_millis: bool) -> st.SearchStrategy[msgspec.Struct]:
    return st.one_of(
        [
            records(cls, CATALOG.latest(name).reference, whole_millis=whole_millis, overrides=_FEEDBACK_IDS)
            for name, cls in RECORD_TYPES.items()
        ]
    )


def _body(record: msgspec.Struct) -> bytes:
    return COMPILED[type(record)].encode(record, b"")


def _fastavro_struct(body: bytes, struct_type: type[msgspec.Struct]) -> msgspec.Struct:
    version = CATALOG.latest(struct_type.__name__)
    return msgspec.convert(read_datum(body, 0, version, version), struct_type)


def test_every_record_type_is_compiled_behind_the_codec() -> None:
    assert SINGLE.compiled == frozenset(RECORD_TYPES.values())


@pytest.mark.parametrize("name", list(SAMPLES))
def test_samples_encode_like_both_references(name: str) -> None:
    record = SAMPLES[name]
    version = CATALOG.latest(type(record).__name__)
    assert _body(record) == FastWriter(version).body(record) == reference.encode_body(version, record)


@PROPERTY
@given(record=_wide(whole_millis=False))
def test_generated_records_encode_like_fastavro_and_avro_python3(record: msgspec.Struct) -> None:
    version = CATALOG.latest(type(record).__name__)
    assert _body(record) == FastWriter(version).body(record) == reference.encode_body(version, record)


@PROPERTY
@given(record=_wide(whole_millis=True))
def test_generated_records_decode_to_themselves(record: msgspec.Struct) -> None:
    body = _body(record)
    assert COMPILED[type(record)].decode(body, 0) == record == _fastavro_struct(body, type(record))
    assert SINGLE.decode(SINGLE.encode(record), type(record)) == record


@PROPERTY
@given(record=_wide(whole_millis=False))
def test_sub_millisecond_digits_are_dropped_as_fastavro_drops_them(record: msgspec.Struct) -> None:
    body = _body(record)
    assert COMPILED[type(record)].decode(body, 0) == _fastavro_struct(body, type(record))


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "millis"),
    [
        (EPOCH, 0),
        (datetime(1970, 1, 1, 0, 0, 0, 999, tzinfo=UTC), 0),
        (datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), -1),
        (datetime(1969, 12, 31, 23, 59, 59, 998_001, tzinfo=UTC), -2),
        (datetime(1970, 1, 1, 2, 0, 0, 1_500, tzinfo=timezone(timedelta(hours=2))), 1),
        (datetime(1969, 12, 31, 19, 0, 0, 500, tzinfo=timezone(timedelta(hours=-5))), 0),
        (datetime(2026, 11, 20, 10, 11, 12, 345_678, tzinfo=UTC), 1_795_169_472_345),
        (datetime(1, 1, 1, tzinfo=UTC), -62_135_596_800_000),
        (datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), 253_402_300_799_999),
    ],
)
def test_timestamps_floor_to_the_millisecond_like_both_references(when: datetime, millis: int) -> None:
    letter = DeadLetter(stage="decode", reason=R.UNDECODABLE, error="", payload=b"", at=when)  # type: ignore[arg-type]
    version = CATALOG.latest("DeadLetter")
    body = _body(letter)
    assert body == FastWriter(version).body(letter) == reference.encode_body(version, letter)
    # stage decode, reason undecodable, error "", payload b""; then source, event_id,
    # original_size and original_sha256 all null
    assert body == b"\x00\x00\x00\x00" + long_bytes(millis) + b"\x00\x00\x00\x00"
    assert COMPILED[DeadLetter].decode(body, 0).at == EPOCH + timedelta(milliseconds=millis)


@pytest.mark.parametrize("value", [0, 1, -1, 63, -64, 64, 8191, 8192, -8193, 2**31 - 1, -(2**31), 2**53 + 1, 2**63 - 1, -(2**63)])
def test_longs_round_trip_through_the_varint_tables(value: int) -> None:
    raw = long_bytes(value)
    assert read_long(raw, 0) == (value, len(raw))
    out = BytesIO()
    schemaless_writer(out, parse_schema("long"), value)
    assert raw == out.getvalue()


# --- bad bytes: what the compiled decoder rejects, and how the codec reports it ---------------


def _schema_with(edit: Callable[[dict[str, Any]], None], name: str = "FeedbackEvent") -> dict[str, Any]:
    schema = json.loads(CATALOG.latest(name).text)
    edit(schema)
    return schema


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def _framed(schema: dict[str, Any], datum: dict[str, Any], name: str = "FeedbackEvent") -> bytes:
    out = BytesIO()
    schemaless_writer(out, parse_schema(schema), datum)
    return frame_single_object(CATALOG.latest(name).fingerprint_bytes, out.getvalue())


def _as_int(field: str, value: int) -> Callable[[], bytes]:
    """A FeedbackEvent whose `field` holds the raw long `value` (an index, a length, millis)."""
    datum = {**msgspec.to_builtins(MINIMAL_FEEDBACK, builtin_types=(datetime,)), field: value}

    def edit(schema: dict[str, Any]) -> None:
        _field(schema, field).update(type="long")
        _field(schema, field).pop("default", None)

    return lambda: _framed(_schema_with(edit), datum)


_HEADER = frame_single_object(FEEDBACK.fingerprint_bytes, b"")
_MINIMAL_BODY = SINGLE.encode(MINIMAL_FEEDBACK)[len(_HEADER):]

BAD_BODIES: list[tuple[str, Callable[[], bytes], R, str]] = [
    ("negative enum index", _as_int("channel", -1), R.UNDECODABLE,
     "(enum Channel `FeedbackEvent.channel` index -1 is out of range (0..6))"),
    ("enum index past the symbols", _as_int("channel", 7), R.UNDECODABLE, "enum Channel `FeedbackEvent.channel` index 7"),
    ("negative union index", _as_int("reason_code", -1), R.UNDECODABLE, "union `FeedbackEvent.reason_code` index -1"),
    ("union index 2 of 2 branches", _as_int("subject", 2), R.UNDECODABLE,
     "an enum or union index in FeedbackEvent (FeedbackEvent.v1.avsc) is out of range (union `FeedbackEvent.subject` index 2"),
    ("negative string length", _as_int("event_id", -3), R.UNDECODABLE, "is corrupted: a string or bytes length is negative (-3)"),
    ("string longer than the body", _as_int("text", 500), R.UNDECODABLE, "Avro body of FeedbackEvent (FeedbackEvent.v1.avsc) is truncated"),
    ("varint of 11 bytes", lambda: _HEADER + b"\xff" * 10 + b"\x01", R.UNDECODABLE, "is corrupted: a varint is longer than 10 bytes"),
    ("varint beyond 64 bits", lambda: _HEADER + b"\xff" * 9 + b"\x7f", R.UNDECODABLE, "is corrupted: a varint does not fit 64 bits"),
    ("array block count beyond the body", lambda: _HEADER + _MINIMAL_BODY[:-2] + b"\x7e", R.UNDECODABLE, "is truncated"),
    ("invalid utf-8", lambda: _HEADER + b"\x04\xc3\x28" + _MINIMAL_BODY[9:], R.INVALID_FIELD, "a string in FeedbackEvent (FeedbackEvent.v1.avsc) is not valid UTF-8"),
    ("timestamp after year 9999", _as_int("occurred_at", 253_402_300_800_000), R.INVALID_FIELD, "a value in FeedbackEvent (FeedbackEvent.v1.avsc) is out of range"),
    ("body ends early", lambda: _HEADER + _MINIMAL_BODY[:-1], R.UNDECODABLE, "is truncated"),
    ("trailing byte", lambda: _HEADER + _MINIMAL_BODY + b"\x00", R.UNDECODABLE, "1 bytes left after a complete FeedbackEvent v1 record"),
]


@pytest.mark.parametrize(("make", "reason", "detail"), [c[1:] for c in BAD_BODIES], ids=[c[0] for c in BAD_BODIES])
def test_bad_bodies_are_invalid_events(make: Callable[[], bytes], reason: R, detail: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        SINGLE.decode_feedback(make())
    assert (caught.value.reason, detail in caught.value.detail) == (reason, True), caught.value.detail


def _escalation_datum(**changes: Any) -> dict[str, Any]:
    return {**msgspec.to_builtins(FULL_ESCALATION, builtin_types=(datetime,)), **changes}


def _outcome_datum(**changes: Any) -> dict[str, Any]:
    return {**msgspec.to_builtins(FULL_OUTCOME, builtin_types=(datetime,)), **changes}


@pytest.mark.parametrize(
    ("name", "edit", "datum", "reason", "detail"),
    [
        ("Escalation", lambda s: _field(s, "coordinated").update(type="long"), _escalation_datum(coordinated=2),
         R.UNDECODABLE, "is corrupted: a boolean byte is 4, not 0 or 1"),
        ("Outcome", lambda s: _field(s, "source")["type"][1]["fields"][1].update(type="long"),
         _outcome_datum(source={"topic": "t", "partition": 2**40, "offset": 1}), R.INVALID_FIELD,
         "a value in Outcome (Outcome.v1.avsc) is out of range (1099511627776 does not fit an Avro int (32 bits))"),
    ],
    ids=["boolean byte other than 0 or 1", "int beyond 32 bits"],
)
def test_values_other_avro_writers_cannot_produce_are_rejected(
    name: str, edit: Callable[[dict[str, Any]], None], datum: dict[str, Any], reason: R, detail: str
) -> None:
    # fastavro reads both (a 2 as True, the int as it is); neither is a valid Avro encoding.
    with pytest.raises(InvalidEvent) as caught:
        SINGLE.decode(_framed(_schema_with(edit, name), datum, name), RECORD_TYPES[name])
    assert (caught.value.reason, detail in caught.value.detail) == (reason, True), caught.value.detail


def test_valid_but_unusual_encodings_are_read() -> None:
    # Avro allows a negative block count followed by the block's byte size, several blocks
    # per array, and varints with redundant continuation bytes; no common writer emits them.
    image, other = b"\x00\x00\x00", b"\x0a\x00\x00"  # kind index, url null, sha256 null
    blocks = b"\x03\x0c" + image + other + b"\x02" + image + b"\x00"
    channel = 9 + len(long_bytes((MINIMAL_FEEDBACK.occurred_at - EPOCH) // timedelta(milliseconds=1)))
    assert _MINIMAL_BODY[channel] == 0x04  # email, index 2
    body = _MINIMAL_BODY[:channel] + b"\x84\x00" + _MINIMAL_BODY[channel + 1 : -2] + blocks + b"\x00"
    event = SINGLE.decode_feedback(_HEADER + body)
    kinds = (AttachmentKind.IMAGE, AttachmentKind.OTHER, AttachmentKind.IMAGE)
    assert event == msgspec.structs.replace(MINIMAL_FEEDBACK, attachments=tuple(Attachment(kind=k) for k in kinds))
    assert _fastavro_struct(body, FeedbackEvent) == event


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=feedback_events, data=st.data())
def test_mutated_bodies_read_as_fastavro_reads_them(event: FeedbackEvent, data: st.DataObject) -> None:
    """Same record or both reject; the compiled side may reject more, only for bytes no Avro writer makes."""
    raw = bytearray(_body(event))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        kind = data.draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        if kind == "flip" and raw:
            raw[at] ^= data.draw(st.integers(1, 255))
        elif kind == "truncate":
            del raw[at:]
        elif kind == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        elif raw:
            del raw[at : at + data.draw(st.integers(1, 8))]
    body = bytes(raw)
    try:
        expected: Any = _fastavro_struct(body, FeedbackEvent)
    except Exception as exc:  # noqa: BLE001 - any rejection counts
        expected = exc
    try:
        got: Any = COMPILED[FeedbackEvent].decode(body, 0)
    except (EOFError, IndexError, UnicodeDecodeError, ValueError, OverflowError) as exc:
        stricter = isinstance(exc, (BadIndex, Malformed)) or "does not fit an Avro int" in str(exc)
        assert isinstance(expected, Exception) or stricter, f"compiled rejected what fastavro read: {exc!r}"
    else:
        assert got == expected


# --- encoding errors ----------------------------------------------------------------------


SOURCE = Source(topic="t", partition=1, offset=1)


@pytest.mark.parametrize(
    ("record", "detail"),
    [
        (msgspec.structs.replace(MINIMAL_OUTCOME, decided_at=datetime(2026, 1, 1)), "`Outcome.decided_at` is a naive datetime"),
        (msgspec.structs.replace(MINIMAL_OUTCOME, source=msgspec.structs.replace(SOURCE, partition=2**31)), "does not fit an Avro int"),
        (msgspec.structs.replace(MINIMAL_OUTCOME, source=msgspec.structs.replace(SOURCE, offset=2**63)), "does not fit an Avro long"),
        (msgspec.structs.replace(MINIMAL_OUTCOME, outcome="lost"), "'lost' is not a symbol of OutcomeKind (`Outcome.outcome`)"),
        (msgspec.structs.replace(MINIMAL_OUTCOME, reason=7), "'int' object has no attribute 'encode'"),
        (msgspec.structs.replace(MINIMAL_OUTCOME, event_id="\ud800"), "surrogates not allowed"),
        (DeadLetter(stage="decode", reason=R.UNDECODABLE, error="", payload="text", at=EPOCH), "`DeadLetter.payload` is str, not bytes"),  # type: ignore[arg-type]
        (msgspec.structs.replace(SAMPLES["alert-full"], baseline="high"), "required argument is not a float"),
    ],
    ids=["naive datetime", "int beyond 32 bits", "long beyond 64 bits", "unknown enum symbol", "int for a string",
         "lone surrogate", "str for bytes", "str for a double"],
)
def test_values_that_do_not_fit_the_schema_are_encode_errors(record: msgspec.Struct, detail: str) -> None:
    with pytest.raises(EncodeError) as caught:
        SINGLE.encode(record)
    assert detail in str(caught.value)
    name = type(record).__name__
    assert str(caught.value).startswith(f"cannot encode {name} with {CATALOG.latest(name).label}: ")


# --- what the compiler leaves to fastavro -------------------------------------------------


class Parcel(msgspec.Struct, frozen=True):
    label: str
    weight: int | str | None = None


def _parcel_schema(weight: Any) -> str:
    return json.dumps({"type": "record", "name": "Parcel", "fields": [{"name": "label", "type": "string"}, {"name": "weight", "type": weight}]})


@pytest.mark.parametrize(
    ("schema", "struct_type", "problem"),
    [
        (_parcel_schema(["null", "long", "string"]), Parcel, "Parcel.weight: only [null, T] unions are compiled"),
        (_parcel_schema({"type": "fixed", "name": "F", "size": 4}), Parcel, "Parcel.weight: Avro type fixed is not compiled"),
        (_parcel_schema({"type": "string", "logicalType": "uuid"}), Parcel, "Parcel.weight: logical type uuid on string"),
        (json.dumps({"type": "record", "name": "Parcel", "fields": [{"name": "label", "type": "string"}]}), Parcel,
         "Parcel: the schema lacks struct fields ['weight']"),
        (FEEDBACK.text, Parcel, "FeedbackEvent.event_id: the struct Parcel lacks this field"),
    ],
    ids=["three-branch union", "fixed", "other logical type", "struct field not in schema", "schema field not in struct"],
)
def test_what_the_compiler_cannot_map_is_named(schema: str, struct_type: type[msgspec.Struct], problem: str) -> None:
    with pytest.raises(Unsupported, match=problem.replace("[", r"\[").replace(".", r"\.")):
        compile_codec(parse_schema_text(schema, "test"), struct_type)


class Tagged(msgspec.Struct):
    tag: Annotated[str, msgspec.Meta(max_length=3)]


def test_struct_constraints_stay_with_msgspec() -> None:
    schema = json.dumps({"type": "record", "name": "Tagged", "fields": [{"name": "tag", "type": "string"}]})
    with pytest.raises(Unsupported, match="Tagged.tag: the struct constrains max_length"):
        compile_codec(parse_schema_text(schema, "test"), Tagged)


def test_a_schema_the_struct_does_not_mirror_falls_back_to_fastavro(tmp_path: Path) -> None:
    # A v2 that adds a field the struct does not have yet: the compiler refuses it, fastavro
    # writes the field's default and reads v1 and v2 records alike.
    for path in DEFAULT_SCHEMAS_DIR.glob("*.avsc"):
        shutil.copy(path, tmp_path / path.name)
    v2 = json.loads(FEEDBACK.text)
    v2["fields"].append({"name": "tenant", "type": ["null", "string"], "default": None, "doc": "d"})
    (tmp_path / "FeedbackEvent.v2.avsc").write_text(json.dumps(v2))
    codec = Codec(WireFormat.SINGLE_OBJECT, SchemaCatalog.load(tmp_path))
    assert FeedbackEvent not in codec.compiled and DeadLetter in codec.compiled
    event = msgspec.structs.replace(
        MINIMAL_FEEDBACK, subject=Subject(type=SubjectType.VIDEO, id="v-1"), app=AppInfo(platform="web", version="1")
    )
    assert codec.decode_feedback(codec.encode(event)) == event
    assert codec.decode_feedback(SINGLE.encode(event)) == event  # a v1 record, resolved by fastavro


def test_the_codec_reads_what_fastavro_wrote_for_every_sample() -> None:
    for record in SAMPLES.values():
        version = CATALOG.latest(type(record).__name__)
        raw = frame_single_object(version.fingerprint_bytes, FastWriter(version).body(record))
        assert SINGLE.decode(raw, type(record)) == record


def test_doubles_keep_every_bit() -> None:
    alert = msgspec.structs.replace(SAMPLES["alert-full"], baseline=5e-324, score=-0.0)
    decoded = SINGLE.decode(SINGLE.encode(alert), PatternAlert)
    assert (decoded.baseline, str(decoded.score)) == (5e-324, "-0.0")
