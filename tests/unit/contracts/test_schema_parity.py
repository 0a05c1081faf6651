"""The schemas mirror the msgspec structs field for field, and follow the house style."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import msgspec
import pytest

from streams.codecs import DEFAULT_SCHEMAS_DIR, RECORD_TYPES, SchemaCatalog
from streams.codecs.catalog import parse_schema_text
from streams.codecs.parity import parity_problems
from streams.core.report import Reporter
from streams.core.taxonomy import SubjectType


@pytest.mark.parametrize("name", list(RECORD_TYPES))
def test_latest_schema_mirrors_the_struct(catalog: SchemaCatalog, name: str) -> None:
    problems = parity_problems(RECORD_TYPES[name], catalog.latest(name).reference)
    assert not problems, "\n".join(problems)


class Box(msgspec.Struct, frozen=True):
    label: str
    weight: int
    kind: SubjectType
    reporter: Reporter
    note: str | None = None
    tags: tuple[str, ...] = ()


BOX_SCHEMA = {
    "type": "record", "name": "Box", "fields": [
        {"name": "label", "type": "string"},
        {"name": "weight", "type": "long"},
        {"name": "kind", "type": {"type": "enum", "name": "SubjectType", "symbols": [m.value for m in SubjectType]}},
        {"name": "reporter", "type": {"type": "record", "name": "Reporter", "fields": [
            {"name": "user_id", "type": "string"}, {"name": "region", "type": "string"},
            {"name": "language", "type": "string"},
            {"name": "account_age_days", "type": ["null", "long"], "default": None},
        ]}},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
    ],
}


def _box_schema_with(edit) -> str:  # type: ignore[no-untyped-def]
    schema = json.loads(json.dumps(BOX_SCHEMA))
    edit(schema)
    return json.dumps(schema)


def test_matching_box_has_no_problems() -> None:
    assert parity_problems(Box, parse_schema_text(json.dumps(BOX_SCHEMA), "box").reference) == []


def _field(schema: dict, name: str) -> dict:  # type: ignore[type-arg]
    return next(f for f in schema["fields"] if f["name"] == name)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda s: s["fields"].remove(_field(s, "note")), "Box.note: the schema lacks this field"),
        (lambda s: _field(s, "reporter")["type"]["fields"].pop(), "Box.reporter.account_age_days: the schema lacks this field"),
        (lambda s: s["fields"].append({"name": "extra", "type": "string"}), "Box.extra: the struct lacks this schema field"),
        (lambda s: _field(s, "weight").update(type="string"), "Box.weight: struct IntType but schema string"),
        (lambda s: _field(s, "note").update(type="string", default=""), "Box.note: optional in the struct only"),
        (lambda s: _field(s, "label").update(type=["null", "string"], default=None), "Box.label: optional in the schema"),
        (lambda s: _field(s, "kind")["type"]["symbols"].remove("live"), "Box.kind: schema enum SubjectType lacks symbols ['live']"),
        (lambda s: _field(s, "kind")["type"]["symbols"].append("planet"), "has symbols ['planet'] that SubjectType lacks"),
        (lambda s: _field(s, "tags").update(default=["x"]), "Box.tags: schema default ['x'] differs from the struct's ()"),
        (lambda s: _field(s, "tags").pop("default"), "Box.tags: has a default in the struct but none in the schema"),
        (lambda s: _field(s, "label").update(default="x"), "Box.label: required in the struct but has a default"),
    ],
)
def test_parity_names_what_differs(edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    problems = parity_problems(Box, parse_schema_text(_box_schema_with(edit), "box").reference)
    assert any(expected in problem for problem in problems), problems


SCHEMA_FILES = sorted(DEFAULT_SCHEMAS_DIR.glob("*.avsc"))


def _walk(node, path: str):  # type: ignore[no-untyped-def]
    """Yield (path, record/enum/field dict) for every named type and field in a schema."""
    if isinstance(node, list):
        for branch in node:
            yield from _walk(branch, path)
    elif isinstance(node, dict):
        if node.get("type") in ("record", "enum"):
            yield path, node
        for field in node.get("fields", ()):
            yield f"{path}.{field['name']}", field
            yield from _walk(field["type"], f"{path}.{field['name']}")
        for key in ("items", "values"):
            if key in node:
                yield from _walk(node[key], path)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_file_style(path: Path) -> None:
    assert re.fullmatch(r"[A-Z][A-Za-z]+\.v[1-9][0-9]*\.avsc", path.name)
    schema = json.loads(path.read_text())
    assert schema["namespace"] == "dev.vigil.v1"
    nodes = list(_walk(schema, schema["name"]))
    assert len(nodes) > len(schema["fields"])  # the record itself and all its fields at least
    for where, node in nodes:
        assert node.get("doc", "").strip(), f"{path.name}: {where} has no doc"
        if node.get("type") == "enum":
            assert node.get("default") in node["symbols"], f"{path.name}: enum {node['name']} needs a default symbol"


def test_every_record_type_has_a_schema(catalog: SchemaCatalog) -> None:
    assert set(catalog.names) == set(RECORD_TYPES)


def test_the_package_reads_the_top_level_schemas_and_a_wheel_ships_them() -> None:
    repo = Path(__file__).resolve().parents[3]
    assert DEFAULT_SCHEMAS_DIR.resolve() == repo / "schemas"  # one copy: the repository's
    pyproject = tomllib.loads((repo / "pyproject.toml").read_text())
    relative = DEFAULT_SCHEMAS_DIR.relative_to(repo / "streams" / "codecs")
    assert f"{relative}/*.avsc" in pyproject["tool"]["setuptools"]["package-data"]["streams.codecs"]
