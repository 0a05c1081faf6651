"""Schema-compiled Avro codecs: Python functions generated for one schema version and its struct.

fastavro interprets the schema on every call and needs a dict per record (to_builtins on the
way out, msgspec.convert on the way in). The functions generated here have the schema baked
in: `encode` reads the struct's attributes and writes the bytes field by field, `decode`
reads the bytes straight into the structs, and small varints and lengths come from tables.

They read only bodies written with the very schema they were compiled from (writer ==
reader); resolving another writer version stays with fastavro. Malformed bytes raise what
`Codec` already maps to InvalidEvent: EOFError (truncated), IndexError (enum or union index
out of range), UnicodeDecodeError, TrailingBytes, ValueError/OverflowError (out of range);
`Malformed` (a ValueError) marks bytes no Avro writer produces (an over-long varint, a
negative length, a boolean byte other than 0 or 1).

A schema or struct this module does not handle (e.g. a union of two non-null types, a fixed,
a struct with constraints msgspec would check) raises `Unsupported` at compile time, and the
codec keeps fastavro for that record.
"""

from __future__ import annotations

import dataclasses
import keyword
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import Enum
from itertools import count
from typing import Any

import avro.schema
import msgspec
import msgspec.inspect as mi
from avro.schema import Schema

from streams.codecs.catalog import SchemaVersion
from streams.codecs.fast import TrailingBytes

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_SMALL = 1 << 14  # varints of up to two bytes come from a table
# Items of an array or map whose encoding may take no bytes (e.g. nulls) cannot be bounded by
# the bytes left, so their count is capped at what could fit in a record.
_MAX_EMPTY_ITEMS = 1 << 20
_CONSTRAINTS = ("min_length", "max_length", "pattern", "gt", "ge", "lt", "le", "multiple_of")

Encoder = Callable[[msgspec.Struct, bytes], bytes]
Decoder = Callable[[bytes, int], Any]


class Unsupported(ValueError):
    """The compiler does not handle this schema/struct pair; fastavro has to."""


class Malformed(ValueError):
    """Bytes that no Avro writer produces: an over-long varint, a negative length, a bad boolean."""


class BadIndex(IndexError):
    """An enum symbol or union branch index outside the schema's range."""


# --- varints ---------------------------------------------------------------------------------


def _varint_loop(z: int) -> bytes:
    out = bytearray()
    while z >= 0x80:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)
    return bytes(out)


_VARINT = [_varint_loop(z) for z in range(_SMALL)]  # unsigned varint of z
_LOW14 = [bytes(((z & 0x7F) | 0x80, (z >> 7) | 0x80)) for z in range(_SMALL)]  # 14 bits, more follow
# Zig-zag varint of a small non-negative int (also a length or block count): n -> varint(2n).
SMALL_LONG = _VARINT[0::2]
SMALL_LIMIT = len(SMALL_LONG)


def varint(z: int) -> bytes:
    """Unsigned varint of 0 <= z < 2**64 (an already zig-zagged value)."""
    if z < _SMALL:
        return _VARINT[z]
    out = _LOW14[z & 0x3FFF]
    z >>= 14
    while z >= _SMALL:
        out += _LOW14[z & 0x3FFF]
        z >>= 14
    return out + _VARINT[z]


def long_bytes(value: int) -> bytes:
    if not LONG_MIN <= value <= LONG_MAX:
        raise OverflowError(f"{value} does not fit an Avro long (64 bits)")
    return varint((value << 1) ^ (value >> 63))


def int_bytes(value: int) -> bytes:
    if not INT_MIN <= value <= INT_MAX:
        raise OverflowError(f"{value} does not fit an Avro int (32 bits)")
    return varint((value << 1) ^ (value >> 63))


def read_long(buf: bytes, pos: int) -> tuple[int, int]:
    """The zig-zag varint at `pos` -> (value, position after it)."""
    # Unrolled: a loop costs a third more, and timestamps take six bytes.
    b = buf[pos]
    if b < 0x80:
        return (b >> 1) ^ -(b & 1), pos + 1
    z = b & 0x7F
    b = buf[pos + 1]
    z |= (b & 0x7F) << 7
    if b < 0x80:
        return (z >> 1) ^ -(z & 1), pos + 2
    b = buf[pos + 2]
    z |= (b & 0x7F) << 14
    if b < 0x80:
        return (z >> 1) ^ -(z & 1), pos + 3
    b = buf[pos + 3]
    z |= (b & 0x7F) << 21
    if b < 0x80:
        return (z >> 1) ^ -(z & 1), pos + 4
    b = buf[pos + 4]
    z |= (b & 0x7F) << 28
    if b < 0x80:
        return (z >> 1) ^ -(z & 1), pos + 5
    b = buf[pos + 5]
    z |= (b & 0x7F) << 35
    if b < 0x80:
        return (z >> 1) ^ -(z & 1), pos + 6
    b = buf[pos + 6]
    z |= (b & 0x7F) << 42
    if b < 0x80:
        return (z >> 1) ^ -(z & 1), pos + 7
    b = buf[pos + 7]
    z |= (b & 0x7F) << 49
    if b < 0x80:
        return (z >> 1) ^ -(z & 1), pos + 8
    b = buf[pos + 8]
    z |= (b & 0x7F) << 56
    if b < 0x80:
        return (z >> 1) ^ -(z & 1), pos + 9
    b = buf[pos + 9]  # the tenth byte holds the 64th bit only
    if b > 1:
        raise Malformed("a varint is longer than 10 bytes" if b & 0x80 else "a varint does not fit 64 bits")
    z |= b << 63
    return (z >> 1) ^ -(z & 1), pos + 10


def read_int(buf: bytes, pos: int) -> tuple[int, int]:
    value, pos = read_long(buf, pos)
    if not INT_MIN <= value <= INT_MAX:
        raise OverflowError(f"{value} does not fit an Avro int (32 bits)")
    return value, pos


def read_length(buf: bytes, pos: int) -> tuple[int, int]:
    value, pos = read_long(buf, pos)
    if value < 0:
        raise Malformed(f"a string or bytes length is negative ({value})")
    return value, pos


def read_index(buf: bytes, pos: int, options: tuple[Any, ...], what: str) -> tuple[Any, int]:
    """The option (enum member, union branch marker) a non-canonical or bad index names."""
    index, pos = read_long(buf, pos)
    if not 0 <= index < len(options):
        raise BadIndex(f"{what} index {index} is out of range (0..{len(options) - 1})")
    return options[index], pos


# --- compiling -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class CompiledCodec:
    """encode(record, prefix) -> prefix + Avro body; decode(buf, pos) -> struct (body to the end)."""

    version: SchemaVersion
    struct_type: type[msgspec.Struct]
    source: str = dataclasses.field(repr=False)  # the generated Python, for reading and debugging
    encode: Encoder = dataclasses.field(repr=False)
    decode: Decoder = dataclasses.field(repr=False)


def compile_codec(version: SchemaVersion, struct_type: type[msgspec.Struct]) -> CompiledCodec:
    """Generate, compile and load the codec; raises Unsupported naming the field it cannot map."""
    key = (version.text, version.name, version.version, struct_type)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = _compile(version, struct_type)
    return compiled


# Codecs are made per process and per test; one schema text compiles once.
_COMPILED: dict[tuple[str, str, int, type], CompiledCodec] = {}


def _compile(version: SchemaVersion, struct_type: type[msgspec.Struct]) -> CompiledCodec:
    info = mi.type_info(struct_type)
    program = _Program()
    _EncoderWriter(program).function(version.reference, info)
    _DecoderWriter(program).function(version.reference, info, f"{version.name} v{version.version}")
    source = "\n".join(program.lines) + "\n"
    namespace = dict(program.constants)
    exec(compile(source, f"<avro codec {version.label} -> {struct_type.__name__}>", "exec"), namespace)  # noqa: S102
    return CompiledCodec(version, struct_type, source, namespace["encode"], namespace["decode"])


class _Program:
    """Lines of generated source, and the module constants they refer to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0
        self._ids = count()
        self.constants: dict[str, Any] = {
            "EPOCH": EPOCH,
            "MILLISECOND": MILLISECOND,
            "SMALL_LONG": SMALL_LONG,
            "SMALL_LIMIT": SMALL_LIMIT,
            "long_bytes": long_bytes,
            "varint": varint,
            "int_bytes": int_bytes,
            "read_long": read_long,
            "read_int": read_int,
            "read_length": read_length,
            "read_index": read_index,
            "Malformed": Malformed,
            "BadIndex": BadIndex,
            "TrailingBytes": TrailingBytes,
            "UNION_MARKERS": (0, 2),  # what a union's index byte reads as when canonical
        }

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        self.line(header)
        self.depth += 1
        yield
        self.depth -= 1

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def constant(self, prefix: str, value: Any) -> str:
        name = self.fresh(prefix)
        self.constants[name] = value
        return name


def _escaped(path: str) -> str:
    """A field path as literal text inside a generated f-string (map paths hold braces)."""
    return path.replace("{", "{{").replace("}", "}}")


def _logical(schema: Schema) -> str | None:
    return schema.props.get("logicalType")


def _check_plain(info: mi.Type, path: str) -> None:
    constrained = [name for name in _CONSTRAINTS if getattr(info, name, None) is not None]
    if constrained:
        raise Unsupported(f"{path}: the struct constrains {', '.join(constrained)}; msgspec.convert must check it")


def _optional(schema: avro.schema.UnionSchema, info: mi.Type, path: str) -> tuple[int, Schema, mi.Type]:
    """(index of the null branch, the other branch, the struct's type for it) of a [null, T] union."""
    branches = [branch.type for branch in schema.schemas]
    if len(branches) != 2 or branches.count("null") != 1:
        raise Unsupported(f"{path}: only [null, T] unions are compiled, not {branches}")
    types = info.types if isinstance(info, mi.UnionType) else (info,)
    values = [t for t in types if not isinstance(t, mi.NoneType)]
    if len(values) != 1 or len(values) == len(types):
        raise Unsupported(f"{path}: the schema has an optional value but the struct type is {info}")
    null = branches.index("null")
    return null, schema.schemas[1 - null], values[0]


def _record_fields(schema: avro.schema.RecordSchema, info: mi.Type, path: str) -> list[tuple[avro.schema.Field, mi.Field]]:
    if not isinstance(info, mi.StructType):
        raise Unsupported(f"{path}: a record in the schema but {info} in the struct")
    by_name = {field.name: field for field in info.fields}
    pairs = []
    for field in schema.fields:
        struct_field = by_name.pop(field.name, None)
        if struct_field is None:
            raise Unsupported(f"{path}.{field.name}: the struct {info.cls.__name__} lacks this field")
        if keyword.iskeyword(field.name) or not field.name.isidentifier():
            raise Unsupported(f"{path}.{field.name}: not usable as a Python attribute name")
        pairs.append((field, struct_field))
    if by_name:
        raise Unsupported(f"{path}: the schema lacks struct fields {sorted(by_name)}")
    return pairs


def _enum_members(schema: avro.schema.EnumSchema, info: mi.Type, path: str) -> tuple[Enum, ...]:
    if not isinstance(info, mi.EnumType):
        raise Unsupported(f"{path}: an enum in the schema but {info} in the struct")
    try:
        return tuple(info.cls(symbol) for symbol in schema.symbols)
    except ValueError:
        raise Unsupported(f"{path}: {info.cls.__name__} lacks some of the symbols {list(schema.symbols)}") from None


def _sequence_item(info: mi.Type, path: str) -> mi.Type:
    if not isinstance(info, (mi.ListType, mi.VarTupleType)):
        raise Unsupported(f"{path}: an array in the schema but {info} in the struct")
    _check_plain(info, path)
    return info.item_type


def _map_value(info: mi.Type, path: str) -> mi.Type:
    if not isinstance(info, mi.DictType) or not isinstance(info.key_type, mi.StrType):
        raise Unsupported(f"{path}: a map in the schema but {info} in the struct")
    _check_plain(info, path)
    _check_plain(info.key_type, path)
    return info.value_type


_SCALARS: dict[str, type[mi.Type]] = {
    "string": mi.StrType,
    "bytes": mi.BytesType,
    "int": mi.IntType,
    "long": mi.IntType,
    "float": mi.FloatType,
    "double": mi.FloatType,
    "boolean": mi.BoolType,
    "null": mi.NoneType,
}


def _scalar_kind(schema: Schema, info: mi.Type, path: str) -> str:
    """The scalar's kind: its Avro type, or `timestamp-millis` for a datetime."""
    logical = _logical(schema)
    if logical == "timestamp-millis" and schema.type == "long":
        if not isinstance(info, mi.DateTimeType) or info.tz is False:
            raise Unsupported(f"{path}: timestamp-millis needs an aware datetime in the struct, not {info}")
        return "timestamp-millis"
    if logical is not None:
        raise Unsupported(f"{path}: logical type {logical} on {schema.type} is not compiled")
    expected = _SCALARS.get(schema.type)
    if expected is None:
        raise Unsupported(f"{path}: Avro type {schema.type} is not compiled")
    if not isinstance(info, expected):
        raise Unsupported(f"{path}: Avro {schema.type} but {info} in the struct")
    _check_plain(info, path)
    return schema.type


def _min_size(schema: Schema) -> int:
    """Fewest bytes a value of this type takes (0 for null and an empty record)."""
    kind = schema.type
    if kind == "null":
        return 0
    if kind == "float":
        return 4
    if kind == "double":
        return 8
    if kind in ("record", "error"):
        return sum(_min_size(field.type) for field in schema.fields)
    return 1


class _EncoderWriter:
    """Generates `encode(r, prefix)`: appends the body's pieces to `parts`, then joins them."""

    def __init__(self, program: _Program) -> None:
        self.p = program
        self._records: list[str] = []

    def function(self, schema: avro.schema.RecordSchema, info: mi.Type) -> None:
        with self.p.block("def encode(r, prefix):"):
            self.p.line("parts = [prefix]")
            self.p.line("w = parts.append")
            self.value(schema, info, "r", schema.name)
            self.p.line('return b"".join(parts)')

    def value(self, schema: Schema, info: mi.Type, expr: str, path: str) -> None:
        kind = schema.type
        if kind in ("record", "error"):
            self.record(schema, info, expr, path)
        elif kind == "union":
            null, branch, branch_info = _optional(schema, info, path)
            with self.p.block(f"if {expr} is None:"):
                self.p.line(f"w({_varint_loop(null * 2)!r})")
            with self.p.block("else:"):
                self.p.line(f"w({_varint_loop((1 - null) * 2)!r})")
                self.value(branch, branch_info, expr, path)
        elif kind == "enum":
            self.enum(schema, info, expr, path)
        elif kind == "array":
            item_info = _sequence_item(info, path)
            item = self.p.fresh("x")
            with self.p.block(f"if {expr}:"):
                self.count(f"len({expr})")
                with self.p.block(f"for {item} in {expr}:"):
                    self.value(schema.items, item_info, item, f"{path}[]")
            self.p.line('w(b"\\x00")')
        elif kind == "map":
            value_info = _map_value(info, path)
            key, item = self.p.fresh("k"), self.p.fresh("x")
            with self.p.block(f"if {expr}:"):
                self.count(f"len({expr})")
                with self.p.block(f"for {key}, {item} in {expr}.items():"):
                    self.string(key)
                    self.value(schema.values, value_info, item, f"{path}{{}}")
            self.p.line('w(b"\\x00")')
        else:
            self.scalar(_scalar_kind(schema, info, path), expr, path)

    def record(self, schema: avro.schema.RecordSchema, info: mi.Type, expr: str, path: str) -> None:
        if schema.fullname in self._records:
            raise Unsupported(f"{path}: recursive record {schema.fullname} is not compiled")
        self._records.append(schema.fullname)
        for field, struct_field in _record_fields(schema, info, path):
            local = self.p.fresh("v")
            self.p.line(f"{local} = {expr}.{field.name}")
            self.value(field.type, struct_field.type, local, f"{path}.{field.name}")
        self._records.pop()

    def enum(self, schema: avro.schema.EnumSchema, info: mi.Type, expr: str, path: str) -> None:
        members = _enum_members(schema, info, path)
        table: dict[Any, bytes] = {}
        for index, (symbol, member) in enumerate(zip(schema.symbols, members)):
            table[symbol] = table[member] = SMALL_LONG[index] if index < SMALL_LIMIT else long_bytes(index)
        name = self.p.constant("ENUM", table)
        with self.p.block("try:"):
            self.p.line(f"w({name}[{expr}])")
        with self.p.block("except KeyError:"):
            message = f"{{{expr}!r}} is not a symbol of {schema.name} (`{_escaped(path)}`)"
            self.p.line(f"raise ValueError(f{message!r}) from None")

    def count(self, expr: str) -> None:
        self.p.line(f"n = {expr}")
        self.p.line("w(SMALL_LONG[n] if n < SMALL_LIMIT else long_bytes(n))")

    def string(self, expr: str) -> None:
        self.p.line(f"b = {expr}.encode()")
        self.count("len(b)")
        self.p.line("w(b)")

    def scalar(self, kind: str, expr: str, path: str) -> None:
        if kind == "string":
            self.string(expr)
        elif kind == "bytes":
            with self.p.block(f"if not isinstance({expr}, (bytes, bytearray)):"):
                self.p.line(f"raise TypeError(f'`{_escaped(path)}` is {{type({expr}).__name__}}, not bytes')")
            self.count(f"len({expr})")
            self.p.line(f"w({expr})")
        elif kind in ("int", "long"):
            slow = "int_bytes" if kind == "int" else "long_bytes"
            self.p.line(f"w(SMALL_LONG[{expr}] if 0 <= {expr} < SMALL_LIMIT else {slow}({expr}))")
        elif kind == "timestamp-millis":
            with self.p.block(f"if {expr}.tzinfo is None:"):
                message = f"`{_escaped(path)}` is a naive datetime ({{{expr}}}); Avro timestamps need a timezone (e.g. UTC)"
                self.p.line(f"raise ValueError(f{message!r})")
            self.p.line(f"m = ({expr} - EPOCH) // MILLISECOND")  # floor, as fastavro and avro-python3
            self.p.line("w(varint((m << 1) ^ (m >> 63)))")  # no range check: datetimes fit a long
        elif kind in ("float", "double"):
            packer = self.p.constant("PACK", struct.Struct("<f" if kind == "float" else "<d").pack)
            self.p.line(f"w({packer}({expr}))")
        elif kind == "boolean":
            self.p.line(f'w(b"\\x01" if {expr} else b"\\x00")')
        elif kind == "null":
            with self.p.block(f"if {expr} is not None:"):
                self.p.line(f"raise TypeError('`{path}` must be None')")


class _DecoderWriter:
    """Generates `decode(buf, pos)`: reads one body from `pos` to the end of `buf` into the struct."""

    def __init__(self, program: _Program) -> None:
        self.p = program
        self._records: list[str] = []

    def function(self, schema: avro.schema.RecordSchema, info: mi.Type, what: str) -> None:
        with self.p.block("def decode(buf, pos):"):
            self.p.line("size = len(buf)")
            with self.p.block("try:"):
                self.value(schema, info, "record", schema.name)
            with self.p.block("except BadIndex:"):
                self.p.line("raise")
            with self.p.block("except IndexError:"):  # a read at or past the end
                self.p.line("raise EOFError from None")
            with self.p.block("if pos != size:"):
                self.p.line(f"raise TrailingBytes(f'{{size - pos}} bytes left after a complete {what} record')")
            self.p.line("return record")

    def value(self, schema: Schema, info: mi.Type, target: str, path: str) -> None:
        kind = schema.type
        if kind in ("record", "error"):
            self.record(schema, info, target, path)
        elif kind == "union":
            self.union(schema, info, target, path)
        elif kind == "enum":
            self.enum(schema, info, target, path)
        elif kind == "array":
            item_info = _sequence_item(info, path)
            make = "tuple" if isinstance(info, mi.VarTupleType) else "list"
            self.blocks(schema.items, target, make, path, lambda item: self.value(schema.items, item_info, item, f"{path}[]"))
        elif kind == "map":
            value_info = _map_value(info, path)
            self.blocks(schema.values, target, "dict", path, lambda item: self.value(schema.values, value_info, item, f"{path}{{}}"))
        else:
            self.scalar(_scalar_kind(schema, info, path), target)

    def record(self, schema: avro.schema.RecordSchema, info: mi.Type, target: str, path: str) -> None:
        if schema.fullname in self._records:
            raise Unsupported(f"{path}: recursive record {schema.fullname} is not compiled")
        self._records.append(schema.fullname)
        arguments = []
        for field, struct_field in _record_fields(schema, info, path):
            local = self.p.fresh("f")
            self.value(field.type, struct_field.type, local, f"{path}.{field.name}")
            arguments.append(f"{field.name}={local}")
        cls = self.p.constant("STRUCT", info.cls)  # type: ignore[union-attr]
        self.p.line(f"{target} = {cls}({', '.join(arguments)})")
        self._records.pop()

    def union(self, schema: avro.schema.UnionSchema, info: mi.Type, target: str, path: str) -> None:
        null, branch, branch_info = _optional(schema, info, path)
        present = (1 - null) * 2  # the canonical one-byte encoding of the value branch's index
        self.p.line("b = buf[pos]")
        with self.p.block("if b & 0xFD:"):  # neither 0 nor 2: a non-canonical or bad index
            self.p.line(f"b, pos = read_index(buf, pos, UNION_MARKERS, {f'union `{path}`'!r})")
        with self.p.block("else:"):
            self.p.line("pos += 1")
        with self.p.block(f"if b == {present}:"):
            self.value(branch, branch_info, target, path)
        with self.p.block("else:"):
            self.p.line(f"{target} = None")

    def enum(self, schema: avro.schema.EnumSchema, info: mi.Type, target: str, path: str) -> None:
        members = _enum_members(schema, info, path)
        # One-byte indexes (all an encoder writes for < 64 symbols) go through a 256-entry table.
        table = tuple(members[b >> 1] if b < 0x80 and not b & 1 and b >> 1 < len(members) else None for b in range(256))
        by_byte, options = self.p.constant("ENUM", table), self.p.constant("SYMBOLS", members)
        self.p.line(f"{target} = {by_byte}[buf[pos]]")
        with self.p.block(f"if {target} is None:"):
            self.p.line(f"{target}, pos = read_index(buf, pos, {options}, {f'enum {schema.name} `{path}`'!r})")
        with self.p.block("else:"):
            self.p.line("pos += 1")

    def blocks(self, item_schema: Schema, target: str, make: str, path: str, read_item: Callable[[str], None]) -> None:
        """Avro arrays and maps: blocks of `count` items (a negative count is followed by a byte size)."""
        items, remaining = self.p.fresh("items"), self.p.fresh("count")
        empty = {"tuple": "()", "list": "[]", "dict": "{}"}[make]
        with self.p.block("if buf[pos] == 0:"):
            self.p.line("pos += 1")
            self.p.line(f"{target} = {empty}")
        with self.p.block("else:"):
            self.p.line(f"{items} = {{}}" if make == "dict" else f"{items} = []")
            self.p.line(f"{remaining}, pos = read_long(buf, pos)")
            with self.p.block(f"while {remaining}:"):
                with self.p.block(f"if {remaining} < 0:"):
                    self.p.line(f"{remaining} = -{remaining}")
                    self.p.line("_, pos = read_long(buf, pos)")
                if _min_size(item_schema) > 0:
                    with self.p.block(f"if {remaining} > size - pos:"):
                        self.p.line("raise EOFError")
                else:
                    with self.p.block(f"if {remaining} > {_MAX_EMPTY_ITEMS}:"):
                        self.p.line(f"raise Malformed(f'a block of {{{remaining}}} items in `{_escaped(path)}`')")
                with self.p.block(f"for _ in range({remaining}):"):
                    item = self.p.fresh("x")
                    if make == "dict":
                        key = self.p.fresh("k")
                        self.scalar("string", key)
                        read_item(item)
                        self.p.line(f"{items}[{key}] = {item}")
                    else:
                        read_item(item)
                        self.p.line(f"{items}.append({item})")
                self.p.line(f"{remaining}, pos = read_long(buf, pos)")
            self.p.line(f"{target} = tuple({items})" if make == "tuple" else f"{target} = {items}")

    def scalar(self, kind: str, target: str) -> None:
        if kind in ("string", "bytes"):
            self.p.line("b = buf[pos]")
            with self.p.block("if b & 0x81:"):  # odd (negative) or more than one byte
                self.p.line("n, pos = read_length(buf, pos)")
            with self.p.block("else:"):
                self.p.line("n = b >> 1")
                self.p.line("pos += 1")
            self.p.line("e = pos + n")
            with self.p.block("if e > size:"):
                self.p.line("raise EOFError")
            self.p.line(f"{target} = buf[pos:e].decode()" if kind == "string" else f"{target} = buf[pos:e]")
            self.p.line("pos = e")
        elif kind in ("int", "long", "timestamp-millis"):
            value = "m" if kind == "timestamp-millis" else target
            self.p.line("b = buf[pos]")
            with self.p.block("if b < 0x80:"):
                self.p.line(f"{value} = (b >> 1) ^ -(b & 1)")
                self.p.line("pos += 1")
            with self.p.block("else:"):
                self.p.line(f"{value}, pos = {'read_int' if kind == 'int' else 'read_long'}(buf, pos)")
            if kind == "timestamp-millis":
                self.p.line(f"{target} = EPOCH + MILLISECOND * m")
        elif kind in ("float", "double"):
            width = 4 if kind == "float" else 8
            unpack = self.p.constant("UNPACK", struct.Struct("<f" if kind == "float" else "<d").unpack_from)
            self.p.line(f"e = pos + {width}")
            with self.p.block("if e > size:"):
                self.p.line("raise EOFError")
            self.p.line(f"{target}, = {unpack}(buf, pos)")
            self.p.line("pos = e")
        elif kind == "boolean":
            self.p.line("b = buf[pos]")
            with self.p.block("if b > 1:"):
                self.p.line("raise Malformed(f'a boolean byte is {b}, not 0 or 1')")
            self.p.line(f"{target} = b == 1")
            self.p.line("pos += 1")
        elif kind == "null":
            self.p.line(f"{target} = None")
