"""Hypothesis strategies for any record, derived from its Avro schema and its struct.

Wider than contract_samples' hand-written ones, to push the edges of the encodings: any
Unicode outside surrogates (astral too), strings whose length needs a 3-byte varint, ints
and longs out to their limits, datetimes from year 1 to 9999 in zones east and west of UTC,
with or without sub-millisecond digits, None and empty containers, nested optional records.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import avro.schema
import msgspec
import msgspec.inspect as mi
from avro.schema import Schema
from hypothesis import strategies as st

INT_RANGE = (-(2**31), 2**31 - 1)
LONG_RANGE = (-(2**63), 2**63 - 1)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)), timezone(timedelta(hours=5, minutes=30))])

texts = st.one_of(
    st.text(max_size=12),
    st.text(min_size=60, max_size=90),  # around the one-byte length limit (63 bytes)
    st.builds(lambda char, times: char * times, st.characters(codec="utf-8"), st.integers(2_700, 9_000)),  # 3-byte length varints
)
blobs = st.one_of(st.binary(max_size=12), st.binary(min_size=60, max_size=90), st.binary(min_size=8_190, max_size=8_200))


def instants(
    whole_millis: bool, earliest: datetime = datetime(1, 1, 2), latest: datetime = datetime(9999, 12, 30)
) -> st.SearchStrategy[datetime]:
    """Aware datetimes the Avro range can hold after conversion to UTC (one day of margin)."""
    when = st.datetimes(min_value=earliest, max_value=latest, timezones=ZONES)
    if whole_millis:
        when = when.map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
    return when


def records(
    struct_type: type[msgspec.Struct],
    schema: avro.schema.RecordSchema,
    *,
    whole_millis: bool = True,
    overrides: dict[str, st.SearchStrategy[Any]] | None = None,
) -> st.SearchStrategy[msgspec.Struct]:
    """Structs of `struct_type` valued per `schema`; `overrides` replace fields by dotted path."""
    return _value(schema, mi.type_info(struct_type), struct_type.__name__, whole_millis, overrides or {})


def _value(schema: Schema, info: mi.Type, path: str, whole_millis: bool, overrides: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    if path in overrides:
        return overrides[path]
    kind = schema.type
    if kind == "record":
        assert isinstance(info, mi.StructType)
        types = {field.name: field.type for field in info.fields}
        fields = {f.name: _value(f.type, types[f.name], f"{path}.{f.name}", whole_millis, overrides) for f in schema.fields}
        return st.builds(info.cls, **fields)
    if kind == "union":
        branch = next(b for b in schema.schemas if b.type != "null")
        inner = next(t for t in info.types if not isinstance(t, mi.NoneType))  # type: ignore[attr-defined]
        return st.none() | _value(branch, inner, path, whole_millis, overrides)
    if kind == "enum":
        return st.sampled_from(list(info.cls))  # type: ignore[attr-defined]
    if kind == "array":
        items = st.lists(_value(schema.items, info.item_type, f"{path}[]", whole_millis, overrides), max_size=4)  # type: ignore[attr-defined]
        return items.map(tuple) if isinstance(info, mi.VarTupleType) else items
    if kind == "map":
        return st.dictionaries(texts, _value(schema.values, info.value_type, f"{path}{{}}", whole_millis, overrides), max_size=4)  # type: ignore[attr-defined]
    if schema.props.get("logicalType") == "timestamp-millis":
        return instants(whole_millis)
    return {
        "string": texts,
        "bytes": blobs,
        "int": st.integers(*INT_RANGE),
        "long": st.integers(*LONG_RANGE),
        "float": st.floats(width=32, allow_nan=False),
        "double": st.floats(allow_nan=False),
        "boolean": st.booleans(),
        "null": st.none(),
    }[kind]
