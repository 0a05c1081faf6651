"""Schema compatibility by Avro's schema-resolution rules, checked across every version.

`incompatibilities(reader, writer)` lists what stops `reader` from reading records written
with `writer`: a reader field without a default that the writer lacks, a type change that is
not a promotion (int->long->float->double, string<->bytes), an enum symbol the reader lost
without an enum default, a writer union branch the reader cannot take, a renamed record.
One rule is stricter than Avro's: changing a logical type (e.g. timestamp-millis to
timestamp-micros) is reported, because the bytes still resolve but their meaning changes.

The repository's rule is backward transitive (Confluent's BACKWARD_TRANSITIVE): the latest
version of a record reads data written with every earlier one, so consumers upgrade first.
Run `python -m streams.codecs.compat [schemas_dir]` to check a directory by hand; it also
notes, without failing, where an older version cannot read a newer one (forward), which
matters to downstream consumers that upgrade late.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations
from pathlib import Path
from typing import Iterable, Sequence

import avro.schema
from avro.schema import Schema

from streams.codecs.catalog import DEFAULT_SCHEMAS_DIR, SchemaCatalog, SchemaFileError, SchemaVersion

_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
# writer type -> reader types that can read it (Avro specification, "Schema Resolution")
_PROMOTIONS = {
    "int": {"long", "float", "double"},
    "long": {"float", "double"},
    "float": {"double"},
    "string": {"bytes"},
    "bytes": {"string"},
}


class Mode(StrEnum):
    """Which directions must hold, between every pair of versions (transitively)."""

    BACKWARD = "backward"  # a newer schema reads records written with any older one
    FORWARD = "forward"  # an older schema reads records written with any newer one
    FULL = "full"  # both


@dataclass(frozen=True, slots=True)
class Incompatibility:
    path: str  # dotted field path from the record root, "" for the root itself
    message: str

    def __str__(self) -> str:
        return f"`{self.path}`: {self.message}" if self.path else self.message


@dataclass(frozen=True, slots=True)
class Problem:
    """A reader version that cannot read a writer version of the same record."""

    reader: SchemaVersion
    writer: SchemaVersion
    incompatibility: Incompatibility

    def __str__(self) -> str:
        return (
            f"{self.reader.label} cannot read records written with {self.writer.label}: "
            f"{self.incompatibility}"
        )


def incompatibilities(reader: Schema, writer: Schema) -> list[Incompatibility]:
    """Everything that stops `reader` from reading data written with `writer`."""
    found: list[Incompatibility] = []
    _check(reader, writer, "", set(), found)
    return found


def can_read(reader: Schema, writer: Schema) -> bool:
    return not incompatibilities(reader, writer)


def check_history(history: Sequence[SchemaVersion], mode: Mode = Mode.BACKWARD) -> list[Problem]:
    """Compare every pair of versions of one record in the directions `mode` asks for."""
    problems: list[Problem] = []
    for older, newer in combinations(sorted(history, key=lambda v: v.version), 2):
        pairs = []
        if mode in (Mode.BACKWARD, Mode.FULL):
            pairs.append((newer, older))
        if mode in (Mode.FORWARD, Mode.FULL):
            pairs.append((older, newer))
        for reader, writer in pairs:
            problems.extend(
                Problem(reader, writer, issue) for issue in incompatibilities(reader.reference, writer.reference)
            )
    return problems


def check_catalog(catalog: SchemaCatalog, mode: Mode = Mode.BACKWARD) -> list[Problem]:
    return [problem for name in catalog.names for problem in check_history(catalog.versions(name), mode)]


def _check(reader: Schema, writer: Schema, path: str, seen: set[tuple[str, str]], found: list[Incompatibility]) -> None:
    if writer.type == "union":
        for branch in writer.schemas:
            _check(reader, branch, path, seen, found)
        return
    if reader.type == "union":
        _check_into_union(reader, writer, path, seen, found)
        return
    if reader.type != writer.type:
        if reader.type not in _PROMOTIONS.get(writer.type, ()):
            found.append(Incompatibility(path, f"type changed from {_describe(writer)} to {_describe(reader)}"))
        return
    if reader.type in _PRIMITIVES:
        _check_logical_type(reader, writer, path, found)
    elif reader.type == "array":
        _check(reader.items, writer.items, f"{path}[]", seen, found)
    elif reader.type == "map":
        _check(reader.values, writer.values, f"{path}{{}}", seen, found)
    elif not _same_name(reader, writer):
        found.append(Incompatibility(path, f"{reader.type} renamed from {writer.fullname} to {reader.fullname} (add an alias)"))
    elif reader.type == "enum":
        _check_enum(reader, writer, path, found)
    elif reader.type == "fixed" and reader.size != writer.size:
        found.append(Incompatibility(path, f"fixed {reader.fullname} size changed from {writer.size} to {reader.size}"))
    elif reader.type in ("record", "error"):
        _check_record(reader, writer, path, seen, found)


def _check_into_union(reader: Schema, writer: Schema, path: str, seen: set[tuple[str, str]], found: list[Incompatibility]) -> None:
    # Resolution takes the first reader branch that matches the writer; a same-named branch
    # is the one the author meant, so its detailed problems are the useful report.
    for branch in reader.schemas:
        if branch.type == writer.type and branch.type not in _PRIMITIVES and hasattr(branch, "fullname") and _same_name(branch, writer):
            _check(branch, writer, path, seen, found)
            return
    if not any(_can_read_in(branch, writer, seen) for branch in reader.schemas):
        found.append(Incompatibility(path, f"writer type {_describe(writer)} matches no branch of reader union {_describe(reader)}"))


def _can_read_in(reader: Schema, writer: Schema, seen: set[tuple[str, str]]) -> bool:
    found: list[Incompatibility] = []
    _check(reader, writer, "", set(seen), found)
    return not found


def _check_logical_type(reader: Schema, writer: Schema, path: str, found: list[Incompatibility]) -> None:
    before, after = writer.props.get("logicalType"), reader.props.get("logicalType")
    if before != after:
        found.append(Incompatibility(path, f"logical type changed from {before or 'none'} to {after or 'none'}"))


def _check_enum(reader: avro.schema.EnumSchema, writer: avro.schema.EnumSchema, path: str, found: list[Incompatibility]) -> None:
    lost = [symbol for symbol in writer.symbols if symbol not in reader.symbols]
    if lost and reader.props.get("default") is None:
        found.append(Incompatibility(path, f"enum {reader.name} lacks symbols {lost} and has no default symbol"))


def _check_record(reader: avro.schema.RecordSchema, writer: avro.schema.RecordSchema, path: str, seen: set[tuple[str, str]], found: list[Incompatibility]) -> None:
    pair = (reader.fullname, writer.fullname)
    if pair in seen:  # a recursive type: this pair is already being checked further up
        return
    seen.add(pair)
    writer_fields = {field.name: field for field in writer.fields}
    for field in reader.fields:
        field_path = f"{path}.{field.name}" if path else field.name
        source = _writer_field(field, writer_fields)
        if source is not None:
            _check(field.type, source.type, field_path, seen, found)
        elif not field.has_default:
            found.append(Incompatibility(field_path, "field is required (no default) but the writer does not have it"))


def _writer_field(field: avro.schema.Field, writer_fields: dict[str, avro.schema.Field]) -> avro.schema.Field | None:
    for name in (field.name, *field.props.get("aliases", ())):
        if name in writer_fields:
            return writer_fields[name]
    return None


def _same_name(reader: Schema, writer: Schema) -> bool:
    aliases = reader.props.get("aliases", ())
    return reader.name == writer.name or writer.fullname in aliases or writer.name in aliases


def _describe(schema: Schema) -> str:
    if schema.type == "union":
        return "[" + ", ".join(_describe(branch) for branch in schema.schemas) + "]"
    if schema.type in _PRIMITIVES:
        logical = schema.props.get("logicalType")
        return f"{schema.type} ({logical})" if logical else schema.type
    if schema.type == "array":
        return f"array<{_describe(schema.items)}>"
    if schema.type == "map":
        return f"map<{_describe(schema.values)}>"
    return f"{schema.type} {schema.fullname}"


def main(argv: Iterable[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    directory = Path(args[0]) if args else DEFAULT_SCHEMAS_DIR
    try:
        catalog = SchemaCatalog.load(directory)
    except SchemaFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problems = check_catalog(catalog, Mode.BACKWARD)
    for problem in problems:
        print(problem, file=sys.stderr)
    for problem in check_catalog(catalog, Mode.FORWARD):
        print(f"note (forward only, allowed): {problem}", file=sys.stderr)
    versions = sum(1 for _ in catalog)
    print(f"{len(catalog.names)} records, {versions} schema versions, {len(problems)} incompatibilities")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
