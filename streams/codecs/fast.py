"""fastavro reading and writing schemaless Avro bodies for msgspec structs.

Codec uses it to resolve records written with another schema version than the reader's, and
for any record the schema compiler (compiled.py, the hot path) does not handle.

A struct becomes an Avro datum with one C call (msgspec.to_builtins keeps datetimes and
bytes for fastavro's logical types); fields left out because they hold their default are
filled in by fastavro from the schema's defaults, which the parity test keeps equal to the
structs'. Optional records are passed to fastavro as (record name, value): without that
hint fastavro validates the whole value against each union branch before writing it.
Datetimes must be timezone-aware: fastavro reads a naive one as local time.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any, NamedTuple

import avro.schema
import msgspec
from fastavro import schemaless_reader, schemaless_writer

from streams.codecs.catalog import SchemaVersion

_BUILTINS = (datetime, bytes)


class UnionHint(NamedTuple):
    field: str
    branch: str | None  # record full name to tag the value with; None: plain record field
    inner: tuple[UnionHint, ...]


class TrailingBytes(ValueError):
    """The body continued after a complete record: a wrong schema or corrupted bytes."""


class FastWriter:
    def __init__(self, version: SchemaVersion) -> None:
        self.version = version
        self._schema = version.fast
        self._hints = union_hints(version.reference)

    def body(self, record: msgspec.Struct) -> bytes:
        datum = msgspec.to_builtins(record, builtin_types=_BUILTINS)
        if self._hints:
            _apply_hints(datum, self._hints)
        out = BytesIO()
        schemaless_writer(out, self._schema, datum)
        return out.getvalue()


def read_datum(raw: bytes, offset: int, writer: SchemaVersion, reader: SchemaVersion) -> dict[str, Any]:
    """Read one Avro body that starts at `offset` and must end where `raw` ends."""
    stream = BytesIO(raw)
    stream.seek(offset)
    resolved = None if writer.fingerprint == reader.fingerprint else reader.fast
    datum = schemaless_reader(stream, writer.fast, resolved)
    extra = len(raw) - stream.tell()
    if extra:
        raise TrailingBytes(f"{extra} bytes left after a complete {writer.name} v{writer.version} record")
    return datum  # type: ignore[return-value]


def union_hints(schema: avro.schema.RecordSchema) -> tuple[UnionHint, ...]:
    """Where the record holds optional records, directly or inside nested records."""
    hints = []
    for field in schema.fields:
        kind = field.type
        if kind.type == "union":
            records = [branch for branch in kind.schemas if branch.type == "record"]
            if len(records) == 1:
                hints.append(UnionHint(field.name, records[0].fullname, union_hints(records[0])))
        elif kind.type == "record":
            inner = union_hints(kind)
            if inner:
                hints.append(UnionHint(field.name, None, inner))
    return tuple(hints)


def _apply_hints(datum: dict[str, Any], hints: tuple[UnionHint, ...]) -> None:
    for field, branch, inner in hints:
        value = datum.get(field)
        if value is None:
            continue
        if inner:
            _apply_hints(value, inner)
        if branch is not None:
            datum[field] = (branch, value)
