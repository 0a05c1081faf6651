"""The schema files in schemas/: every version of every record, with their fingerprints.

File names are `<RecordName>.v<N>.avsc`; a higher N is a later version of the same record
and must be able to read every earlier one (see streams/codecs/compat.py). avro-python3
parses and canonicalises each file (the reference); fastavro gets its own parse for the
hot path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import avro.schema
import fastavro
from avro.schemanormalization import Fingerprint, ToParsingCanonicalForm
from fastavro.schema import SchemaParseException as FastSchemaError

# The repository's top-level schemas/, seen from inside the package through a symlink so that
# an installed wheel (which copies the files in as package data) finds them at the same place.
DEFAULT_SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
_FILE_NAME = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.avsc$")


class SchemaFileError(ValueError):
    """A schema file is missing, misnamed or not a valid Avro schema."""


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    name: str  # the record's simple name, e.g. FeedbackEvent
    version: int  # N of the file name; 0 for a schema fetched from a registry
    label: str  # where it came from: the file name, or "registry id N"
    text: str
    reference: avro.schema.RecordSchema  # avro-python3's parse
    fast: dict[str, Any] = field(repr=False)  # fastavro's parse
    canonical: str = field(repr=False)  # Parsing Canonical Form
    fingerprint: int  # CRC-64-AVRO of the canonical form, as the 8 little-endian wire bytes read

    @property
    def fullname(self) -> str:
        return self.reference.fullname

    @property
    def fingerprint_bytes(self) -> bytes:
        return self.fingerprint.to_bytes(8, "little")



def parse_version(path: Path) -> SchemaVersion:
    """Parse one schema file; raises SchemaFileError with the file name and the problem."""
    match = _FILE_NAME.match(path.name)
    if match is None:
        raise SchemaFileError(f"{path.name}: schema files must be named <RecordName>.v<N>.avsc")
    version = parse_schema_text(path.read_text(encoding="utf-8"), path.name, int(match["version"]))
    if version.name != match["name"]:
        raise SchemaFileError(f"{path.name}: file is named for {match['name']} but defines {version.name}")
    return version


def parse_schema_text(text: str, label: str, version: int = 0) -> SchemaVersion:
    """Parse Avro schema JSON text whose top level is a record."""
    try:
        reference = avro.schema.parse(text)
        fast = fastavro.parse_schema(json.loads(text))
    except (avro.schema.SchemaParseException, FastSchemaError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SchemaFileError(f"{label}: not a valid Avro schema ({exc})") from None
    if not isinstance(reference, avro.schema.RecordSchema):
        raise SchemaFileError(f"{label}: the top-level type must be a record, not {reference.type}")
    canonical = ToParsingCanonicalForm(reference)
    return SchemaVersion(
        name=reference.name,
        version=version,
        label=label,
        text=text,
        reference=reference,
        fast=fast,
        canonical=canonical,
        fingerprint=int.from_bytes(Fingerprint(canonical, "CRC-64-AVRO"), "little"),
    )


class SchemaCatalog:
    """All schema versions in one directory, by record name and by fingerprint."""

    def __init__(self, versions: list[SchemaVersion]) -> None:
        ordered = sorted(versions, key=lambda v: (v.name, v.version))
        self._by_name: dict[str, tuple[SchemaVersion, ...]] = {}
        for version in ordered:
            self._by_name[version.name] = self._by_name.get(version.name, ()) + (version,)
        # A version that only changes docs or defaults has its predecessor's fingerprint;
        # either parse reads the bytes the same way, the latest one is kept.
        self._by_fingerprint = {v.fingerprint: v for v in ordered}
        self._check_unique(versions)

    @classmethod
    def load(cls, schemas_dir: Path | str = DEFAULT_SCHEMAS_DIR) -> SchemaCatalog:
        directory = Path(schemas_dir)
        paths = sorted(directory.glob("*.avsc"))
        if not paths:
            raise SchemaFileError(f"no *.avsc schema files in {directory}")
        return cls([parse_version(path) for path in paths])

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def versions(self, name: str) -> tuple[SchemaVersion, ...]:
        try:
            return self._by_name[name]
        except KeyError:
            raise SchemaFileError(f"no schema for record {name}; add schemas/{name}.v1.avsc") from None

    def latest(self, name: str) -> SchemaVersion:
        return self.versions(name)[-1]

    def by_fingerprint(self, fingerprint: int) -> SchemaVersion | None:
        return self._by_fingerprint.get(fingerprint)

    def __iter__(self) -> Iterator[SchemaVersion]:
        for versions in self._by_name.values():
            yield from versions

    def _check_unique(self, versions: list[SchemaVersion]) -> None:
        seen: dict[tuple[str, int], SchemaVersion] = {}
        for version in versions:
            other = seen.setdefault((version.name, version.version), version)
            if other is not version:
                raise SchemaFileError(f"{version.label} and {other.label} are both {version.name} v{version.version}")
        for name, history in self._by_name.items():
            numbers = [v.version for v in history]
            if numbers != list(range(1, len(numbers) + 1)):
                raise SchemaFileError(f"{name} versions must run 1..N without gaps; found {numbers}")
            namespaces = {v.fullname for v in history}
            if len(namespaces) > 1:
                raise SchemaFileError(f"{name} versions must keep one full name; found {sorted(namespaces)}")
