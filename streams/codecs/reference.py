"""The reference codec: avro-python3 (Apache Avro's own Python implementation).

Slow, plain and independent of fastavro: tests check that the hot path writes the same
bytes, and ops/bench/codec_bench.py measures both. avro-python3 1.10 has no logical types,
so timestamps are converted to and from epoch milliseconds here, walking the schema.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum
from io import BytesIO
from typing import Any, TypeVar

import avro.io
import avro.schema
import msgspec
from avro.schema import Schema

from streams.codecs.catalog import SchemaVersion

T = TypeVar("T", bound=msgspec.Struct)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def encode_body(version: SchemaVersion, record: msgspec.Struct) -> bytes:
    out = BytesIO()
    avro.io.DatumWriter(version.reference).write(to_datum(version.reference, record), avro.io.BinaryEncoder(out))
    return out.getvalue()


def decode_body(writer: SchemaVersion, reader: SchemaVersion, body: bytes, struct_type: type[T]) -> T:
    datum = avro.io.DatumReader(writer.reference, reader.reference).read(avro.io.BinaryDecoder(BytesIO(body)))
    return msgspec.convert(from_datum(reader.reference, datum), struct_type)


def to_millis(when: datetime) -> int:
    """Exact epoch milliseconds (floor), without float rounding."""
    if when.tzinfo is None:
        raise ValueError(f"naive datetime {when.isoformat()}: Avro timestamps need a timezone")
    return (when - EPOCH) // _MILLISECOND


def to_datum(schema: Schema, value: Any) -> Any:
    """A struct (or any value) as the complete datum avro-python3 writes, defaults included."""
    kind = schema.type
    if kind == "record":
        get = value.get if isinstance(value, dict) else lambda name: getattr(value, name)
        return {field.name: to_datum(field.type, get(field.name)) for field in schema.fields}
    if kind == "union":
        if value is None:
            return None
        return to_datum(next(b for b in schema.schemas if b.type != "null"), value)
    if kind == "enum":
        return value.value if isinstance(value, Enum) else value
    if kind == "array":
        return [to_datum(schema.items, item) for item in value]
    if kind == "map":
        return {key: to_datum(schema.values, item) for key, item in value.items()}
    if schema.props.get("logicalType") == "timestamp-millis" and isinstance(value, datetime):
        return to_millis(value)
    return value


def from_datum(schema: Schema, value: Any) -> Any:
    """An avro-python3 datum with timestamps turned back into UTC datetimes."""
    kind = schema.type
    if value is None:
        return None
    if kind == "record":
        return {field.name: from_datum(field.type, value.get(field.name)) for field in schema.fields}
    if kind == "union":
        return from_datum(next(b for b in schema.schemas if b.type != "null"), value)
    if kind == "array":
        return [from_datum(schema.items, item) for item in value]
    if kind == "map":
        return {key: from_datum(schema.values, item) for key, item in value.items()}
    if schema.props.get("logicalType") == "timestamp-millis":
        return EPOCH + value * _MILLISECOND
    return value
