"""Schema evolution: the latest version reads every earlier one (backward transitive), and
changes that break that are caught, naming the schema file and the field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from streams.codecs import DEFAULT_SCHEMAS_DIR, SchemaCatalog, SchemaFileError
from streams.codecs.compat import Mode, check_catalog, check_history, main

Edit = Callable[[dict[str, Any]], None]


def test_repository_schemas_are_backward_transitively_compatible(catalog: SchemaCatalog) -> None:
    problems = check_catalog(catalog, Mode.BACKWARD)
    assert not problems, "\n".join(map(str, problems))
    assert main([]) == 0


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def _enum(schema: dict[str, Any], field: str) -> dict[str, Any]:
    kind = _field(schema, field)["type"]
    return next(b for b in kind if isinstance(b, dict)) if isinstance(kind, list) else kind


REPOSITORY = SchemaCatalog.load()


def _latest(record: str) -> int:
    return REPOSITORY.latest(record).version


def _with_next(tmp_path: Path, record: str, edit: Edit) -> SchemaCatalog:
    """The repository's schemas plus the next version of `record`: its latest, edited."""
    for path in DEFAULT_SCHEMAS_DIR.glob("*.avsc"):
        shutil.copy(path, tmp_path / path.name)
    schema = json.loads(REPOSITORY.latest(record).text)
    edit(schema)
    (tmp_path / f"{record}.v{_latest(record) + 1}.avsc").write_text(json.dumps(schema, indent=2))
    return SchemaCatalog.load(tmp_path)


BREAKING: list[tuple[str, str, Edit, Mode, str]] = [
    ("add required field", "FeedbackEvent",
     lambda s: s["fields"].append({"name": "tenant", "type": "string", "doc": "d"}),
     Mode.BACKWARD, "FeedbackEvent.v2.avsc cannot read records written with FeedbackEvent.v1.avsc: `tenant`: field is required"),
    ("change field type", "Outcome",
     lambda s: _field(s, "reason").update(type="long"),
     Mode.BACKWARD, "`reason`: type changed from string to long"),
    ("narrow long to int", "PatternAlert",
     lambda s: _field(s, "count").update(type="int"),
     Mode.BACKWARD, "`count`: type changed from long to int"),
    ("nested required field", "FeedbackEvent",
     lambda s: _field(s, "reporter")["type"]["fields"].append({"name": "age", "type": "int", "doc": "d"}),
     Mode.BACKWARD, "`reporter.age`: field is required"),
    ("make optional field required", "EscalationUpdate",
     lambda s: _field(s, "team").update(type="string", default=None) or _field(s, "team").pop("default"),
     Mode.BACKWARD, "`team`: type changed from null to string"),
    ("remove enum symbol and default", "FeedbackEvent",
     lambda s: _enum(s, "channel").update(symbols=[x for x in _enum(s, "channel")["symbols"] if x != "email"], default=None)
     or _enum(s, "channel").pop("default"),
     Mode.BACKWARD, "`channel`: enum Channel lacks symbols ['email'] and has no default symbol"),
    ("change logical type", "DeadLetter",
     lambda s: _field(s, "at")["type"].update(logicalType="timestamp-micros"),
     Mode.BACKWARD, "`at`: logical type changed from timestamp-millis to timestamp-micros"),
    ("rename record", "Outcome",
     lambda s: _field(s, "source")["type"][1].update(name="Origin"),
     Mode.BACKWARD, "`source`: writer type record dev.vigil.v1.Source matches no branch"),
]


@pytest.mark.parametrize(("record", "edit", "mode", "expected"), [case[1:] for case in BREAKING], ids=[c[0] for c in BREAKING])
def test_incompatible_change_is_caught_naming_schema_and_field(
    tmp_path: Path, record: str, edit: Edit, mode: Mode, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = _with_next(tmp_path, record, edit)
    problems = [str(p) for p in check_catalog(catalog, mode)]
    assert any(expected in p for p in problems), problems
    assert main([str(tmp_path)]) == 1
    assert expected in capsys.readouterr().err


COMPATIBLE: list[tuple[str, str, Edit]] = [
    ("add optional field", "FeedbackEvent",
     lambda s: s["fields"].append({"name": "tenant", "type": ["null", "string"], "default": None, "doc": "d"})),
    ("add field with default", "Escalation",
     lambda s: s["fields"].append({"name": "region", "type": "string", "default": "", "doc": "d"})),
    ("add enum symbol (enums have defaults)", "FeedbackEvent",
     lambda s: _enum(s, "channel")["symbols"].append("carrier_pigeon")),
    ("remove field that had a default", "Escalation",
     lambda s: s["fields"].remove(_field(s, "labels"))),
    ("change a doc", "Outcome",
     lambda s: _field(s, "reason").update(doc="changed doc")),
    ("rename field with alias", "EscalationUpdate",
     lambda s: _field(s, "comment").update(name="note", aliases=["comment"])),
    ("promote int to long", "Escalation",
     lambda s: _field(s, "version").update(type="long")),
    ("remove required field", "Escalation",
     lambda s: s["fields"].remove(_field(s, "team"))),
]


@pytest.mark.parametrize(("record", "edit"), [case[1:] for case in COMPATIBLE], ids=[c[0] for c in COMPATIBLE])
def test_compatible_change_passes_the_check(tmp_path: Path, record: str, edit: Edit) -> None:
    catalog = _with_next(tmp_path, record, edit)
    assert check_history(catalog.versions(record), Mode.BACKWARD) == []
    assert main([str(tmp_path)]) == 0


def test_a_change_old_readers_cannot_read_passes_but_is_noted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _with_next(tmp_path, "Escalation", lambda s: s["fields"].remove(_field(s, "team")))
    assert main([str(tmp_path)]) == 0
    new = f"Escalation.v{_latest('Escalation') + 1}.avsc"
    assert (
        f"note (forward only, allowed): Escalation.v1.avsc cannot read records written with {new}:"
        " `team`: field is required" in capsys.readouterr().err
    )


def test_type_promotion_is_backward_but_not_forward_compatible(tmp_path: Path) -> None:
    catalog = _with_next(tmp_path, "Escalation", lambda s: _field(s, "version").update(type="long"))
    assert check_history(catalog.versions("Escalation"), Mode.BACKWARD) == []
    forward = [str(p) for p in check_history(catalog.versions("Escalation"), Mode.FORWARD)]
    new = _latest("Escalation") + 1
    assert forward == [
        f"Escalation.v{old}.avsc cannot read records written with Escalation.v{new}.avsc: `version`: type changed from long to int"
        for old in range(1, new)
    ]


def test_checks_are_transitive_across_three_versions(tmp_path: Path) -> None:
    # v2 adds an optional field, v3 makes it required with a default: v3 reads v2, and v1
    # only because of the default. Dropping the default must name v1, not just v2.
    _with_next(tmp_path, "Outcome", lambda s: s["fields"].append({"name": "x", "type": ["null", "string"], "default": None, "doc": "d"}))
    v3 = json.loads((DEFAULT_SCHEMAS_DIR / "Outcome.v1.avsc").read_text())
    v3["fields"].append({"name": "x", "type": "string", "doc": "d"})
    (tmp_path / "Outcome.v3.avsc").write_text(json.dumps(v3))
    problems = [str(p) for p in check_history(SchemaCatalog.load(tmp_path).versions("Outcome"), Mode.BACKWARD)]
    assert any(p.startswith("Outcome.v3.avsc cannot read records written with Outcome.v1.avsc: `x`") for p in problems), problems


@pytest.mark.parametrize(
    ("file_name", "content", "expected"),
    [
        ("Outcome.avsc", "{}", "must be named <RecordName>.v<N>.avsc"),
        ("Outcome.v3.avsc", None, "versions must run 1..N without gaps"),
        ("Thing.v1.avsc", None, "file is named for Thing but defines Outcome"),
        ("Broken.v1.avsc", "{not json", "not a valid Avro schema"),
        ("Plain.v1.avsc", '"string"', "the top-level type must be a record"),
    ],
)
def test_schema_directory_mistakes_are_named(tmp_path: Path, file_name: str, content: str | None, expected: str) -> None:
    for path in DEFAULT_SCHEMAS_DIR.glob("*.avsc"):
        shutil.copy(path, tmp_path / path.name)
    text = (DEFAULT_SCHEMAS_DIR / "Outcome.v1.avsc").read_text() if content is None else content
    (tmp_path / file_name).write_text(text)
    with pytest.raises(SchemaFileError, match=expected.replace("[", r"\[").replace(".", r"\.")):
        SchemaCatalog.load(tmp_path)
