"""Wire formats: how a record's bytes say which schema wrote them.

Avro single-object encoding is the default: it needs no registry, the 8-byte fingerprint
names the writer schema among the files in schemas/. Confluent framing is for deployments
with a schema registry; JSON is for simple producers (kcat, curl).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
SINGLE_OBJECT_HEADER = len(SINGLE_OBJECT_MAGIC) + 8  # magic + CRC-64-AVRO fingerprint (LE)
CONFLUENT_MAGIC = b"\x00"
CONFLUENT_HEADER = len(CONFLUENT_MAGIC) + 4  # magic + schema id (big-endian)
_JSON_WHITESPACE = b" \t\r\n"


class WireFormat(StrEnum):
    """What producers write. Decoders read all three, told apart by their first bytes."""

    SINGLE_OBJECT = "single_object"
    CONFLUENT = "confluent"
    JSON = "json"


class Frame(NamedTuple):
    """A record's framing: its format, the writer-schema key (fingerprint or id) and body start."""

    format: WireFormat
    schema_key: int  # CRC-64-AVRO fingerprint, Confluent schema id, or 0 for JSON
    body_offset: int


class FramingError(ValueError):
    """The bytes are not in any wire format Vigil reads; the message says what was seen."""


def frame_single_object(fingerprint: bytes, body: bytes) -> bytes:
    return SINGLE_OBJECT_MAGIC + fingerprint + body


def frame_confluent(schema_id: int, body: bytes) -> bytes:
    return CONFLUENT_MAGIC + schema_id.to_bytes(4, "big") + body


def read_frame(raw: bytes) -> Frame:
    """Tell the wire format from the first bytes, without decoding the body."""
    if raw[:2] == SINGLE_OBJECT_MAGIC:
        if len(raw) < SINGLE_OBJECT_HEADER:
            raise FramingError(f"Avro single-object header is truncated ({len(raw)} bytes)")
        return Frame(WireFormat.SINGLE_OBJECT, int.from_bytes(raw[2:10], "little"), SINGLE_OBJECT_HEADER)
    if raw[:1] == CONFLUENT_MAGIC:
        if len(raw) < CONFLUENT_HEADER:
            raise FramingError(f"Confluent header is truncated ({len(raw)} bytes)")
        return Frame(WireFormat.CONFLUENT, int.from_bytes(raw[1:5], "big"), CONFLUENT_HEADER)
    if raw.lstrip(_JSON_WHITESPACE)[:1] == b"{":
        return Frame(WireFormat.JSON, 0, 0)
    if not raw:
        raise FramingError("record value is empty (a tombstone?)")
    raise FramingError(
        f"not Avro single-object (c3 01), Confluent (00) or a JSON object; starts with {raw[:4].hex(' ')}"
    )


def fingerprint_hex(fingerprint: int) -> str:
    """The fingerprint as its 8 wire bytes in hex, the form that appears in a hex dump."""
    return fingerprint.to_bytes(8, "little").hex()
