"""Schema <-> struct parity: the Avro schema and the msgspec struct describe the same record.

Every struct field must be in the schema and every schema field in the struct, with a
matching type, the same optionality and equal defaults (fastavro fills omitted defaults
from the schema, so a differing default would silently change data). Enums must have the
same symbols. Problems name the field path, so a field added to a struct names itself.
"""

from __future__ import annotations

from typing import Any, get_type_hints

import avro.schema
import msgspec
import msgspec.inspect as mi
from avro.schema import Schema

_SCALARS: dict[type, tuple[str, ...]] = {
    mi.StrType: ("string",),
    mi.IntType: ("int", "long"),
    mi.FloatType: ("double", "float"),
    mi.BoolType: ("boolean",),
    mi.BytesType: ("bytes",),
}


def parity_problems(struct_type: type[msgspec.Struct], schema: avro.schema.RecordSchema) -> list[str]:
    problems: list[str] = []
    _record(mi.type_info(struct_type), schema, struct_type.__name__, problems)  # type: ignore[arg-type]
    return problems


def _record(info: mi.StructType, schema: Schema, path: str, problems: list[str]) -> None:
    if schema.type != "record":
        problems.append(f"{path}: struct {info.cls.__name__} but schema type {schema.type}")
        return
    fields = {field.name: field for field in schema.fields}
    hints = get_type_hints(info.cls)
    for field in info.fields:
        where = f"{path}.{field.name}"
        avro_field = fields.pop(field.name, None)
        if avro_field is None:
            problems.append(f"{where}: the schema lacks this field (add it to {schema.name}'s schema)")
            continue
        _type(field.type, avro_field.type, where, problems)
        _default(field, avro_field, hints[field.name], where, problems)
    problems.extend(f"{path}.{name}: the struct lacks this schema field" for name in fields)


def _type(info: mi.Type, schema: Schema, path: str, problems: list[str]) -> None:
    if isinstance(info, mi.UnionType):
        _union(info, schema, path, problems)
    elif schema.type == "union":
        problems.append(f"{path}: optional in the schema but required in the struct")
    elif type(info) in _SCALARS:
        if schema.type not in _SCALARS[type(info)]:
            problems.append(f"{path}: struct {type(info).__name__} but schema {schema.type}")
    elif isinstance(info, mi.DateTimeType):
        if schema.type != "long" or schema.props.get("logicalType") != "timestamp-millis":
            problems.append(f"{path}: struct datetime needs a long with logicalType timestamp-millis")
    elif isinstance(info, mi.EnumType):
        _enum(info, schema, path, problems)
    elif isinstance(info, (mi.VarTupleType, mi.ListType)):
        if schema.type != "array":
            problems.append(f"{path}: struct sequence but schema {schema.type}")
        else:
            _type(info.item_type, schema.items, f"{path}[]", problems)
    elif isinstance(info, mi.DictType):
        if schema.type != "map" or not isinstance(info.key_type, mi.StrType):
            problems.append(f"{path}: struct dict needs a schema map with string keys")
        else:
            _type(info.value_type, schema.values, f"{path}{{}}", problems)
    elif isinstance(info, mi.StructType):
        _record(info, schema, path, problems)
    else:
        problems.append(f"{path}: struct type {type(info).__name__} has no Avro mapping here")


def _union(info: mi.UnionType, schema: Schema, path: str, problems: list[str]) -> None:
    values = [t for t in info.types if not isinstance(t, mi.NoneType)]
    nullable = len(values) < len(info.types)
    branches = schema.schemas if schema.type == "union" else [schema]
    avro_values = [b for b in branches if b.type != "null"]
    if nullable != (len(avro_values) < len(branches)):
        problems.append(f"{path}: optional in the {'struct' if nullable else 'schema'} only")
    if len(values) != 1 or len(avro_values) != 1:
        problems.append(f"{path}: only [null, T] unions are supported")
        return
    _type(values[0], avro_values[0], path, problems)


def _enum(info: mi.EnumType, schema: Schema, path: str, problems: list[str]) -> None:
    if schema.type != "enum":
        problems.append(f"{path}: struct enum {info.cls.__name__} but schema {schema.type}")
        return
    values = [member.value for member in info.cls]
    missing = [v for v in values if v not in schema.symbols]
    extra = [s for s in schema.symbols if s not in values]
    if missing:
        problems.append(f"{path}: schema enum {schema.name} lacks symbols {missing}")
    if extra:
        problems.append(f"{path}: schema enum {schema.name} has symbols {extra} that {info.cls.__name__} lacks")


def _default(field: mi.Field, avro_field: avro.schema.Field, hint: Any, path: str, problems: list[str]) -> None:
    if field.required:
        if avro_field.has_default:
            problems.append(f"{path}: required in the struct but has a default in the schema")
        return
    if not avro_field.has_default:
        problems.append(f"{path}: has a default in the struct but none in the schema")
        return
    default = field.default if field.default is not mi.NODEFAULT else field.default_factory()
    try:
        schema_default = msgspec.convert(avro_field.default, hint)
    except msgspec.ValidationError as exc:
        problems.append(f"{path}: schema default {avro_field.default!r} does not fit the struct ({exc})")
        return
    if schema_default != default:
        problems.append(f"{path}: schema default {avro_field.default!r} differs from the struct's {default!r}")
