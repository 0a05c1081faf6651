"""Whatever arrives, decode_feedback ends in a FeedbackEvent or an InvalidEvent for the input.

processing_error is reserved for the decoder's own catch-all ("decoder bug") and registry
outages; with no registry involved it must never appear, so any exception the decoder did
not map on purpose fails here.
"""

from __future__ import annotations

import json

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract_samples import feedback_events
from streams.codecs import Codec, SchemaCatalog, WireFormat
from streams.core.report import DeadLetterReason, FeedbackEvent, InvalidEvent

CATALOG = SchemaCatalog.load()
CODECS = [Codec(fmt, CATALOG) for fmt in (WireFormat.SINGLE_OBJECT, WireFormat.JSON)]
DECODER = CODECS[0]
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _decodes_or_rejects(raw: bytes) -> None:
    try:
        event = DECODER.decode_feedback(raw)
    except InvalidEvent as exc:
        assert exc.reason is not DeadLetterReason.PROCESSING_ERROR, exc.detail
        assert exc.detail and "\n" not in exc.detail
    else:
        assert isinstance(event, FeedbackEvent)


@FUZZ
@given(raw=st.binary(max_size=400))
def test_random_bytes(raw: bytes) -> None:
    _decodes_or_rejects(raw)


@FUZZ
@given(prefix=st.sampled_from([b"\xc3\x01", b"\x00", b"{"]), raw=st.binary(max_size=300))
def test_random_bytes_behind_each_magic(prefix: bytes, raw: bytes) -> None:
    _decodes_or_rejects(prefix + raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
FIELDS = ["event_id", "occurred_at", "channel", "text", "reporter", "reason_code", "subject", "app", "attachments", "idempotency_key"]


@FUZZ
@given(doc=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=12))
def test_random_json_objects(doc: dict[str, object]) -> None:
    _decodes_or_rejects(json.dumps(doc).encode())


@FUZZ
@given(event=feedback_events, field=st.sampled_from(FIELDS), value=json_values)
def test_valid_json_with_one_field_replaced(event: FeedbackEvent, field: str, value: object) -> None:
    doc = msgspec.to_builtins(event)
    doc[field] = value
    _decodes_or_rejects(json.dumps(doc).encode())


@st.composite
def mutated_encodings(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(CODECS)).encode(draw(feedback_events)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        at = draw(st.integers(0, max(len(raw) - 1, 0)))
        if kind == "flip" and raw:
            raw[at] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del raw[at:]
        elif kind == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif raw:
            del raw[at : at + draw(st.integers(1, 8))]
    return bytes(raw)


@FUZZ
@given(raw=mutated_encodings())
def test_mutated_valid_encodings(raw: bytes) -> None:
    _decodes_or_rejects(raw)


@FUZZ
@given(raw=st.binary(max_size=300))
def test_random_body_behind_the_real_fingerprint(raw: bytes) -> None:
    _decodes_or_rejects(b"\xc3\x01" + CATALOG.latest("FeedbackEvent").fingerprint_bytes + raw)
