"""`vigil backtest`: one outcome per input line, escalations and alerts, a summary, a diff."""

from __future__ import annotations

import argparse
import io
import shutil
import sys
from pathlib import Path

import msgspec
import pytest

from streams.commands import backtest
from streams.core.routing import DEFAULT_RULES_DIR
from tests.unit.core.builders import feedback

LINES = [
    msgspec.json.encode(feedback("a1", text="he keeps insulting me in every comment")),
    msgspec.json.encode(feedback("a2", user="u2", seconds=60, text="he keeps insulting me in every comment")),
    msgspec.json.encode(feedback("a1", seconds=120)),  # a retry
    b'{"event_id": "broken", "channel": "fax"}',
    b"not json at all",
    b"",
]


def _run(tmp_path: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict], str]:  # type: ignore[type-arg]
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"\n".join(LINES) + b"\n")
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    parser = argparse.ArgumentParser()
    backtest.add_parser(parser.add_subparsers())
    parsed = parser.parse_args(["backtest", str(path), *args])
    assert parsed.func(parsed) == 0
    return [msgspec.json.decode(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_every_line_gets_exactly_one_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records, summary = _run(tmp_path, monkeypatch=monkeypatch)

    outcomes = [r for r in records if r["kind"] == "outcome"]
    by_id = {}
    for o in outcomes:
        by_id.setdefault(o["event_id"], []).append(o["outcome"])
    assert by_id == {
        "a1": ["escalated", "duplicate"],
        "a2": ["merged"],
        "broken": ["dead_letter"],  # invalid enum, but its id was readable
        "line:5": ["dead_letter"],  # not JSON: named by its line number
    }
    escalations = [r for r in records if r["kind"] == "escalation"]
    assert escalations and all(e["escalation_id"] == outcomes[2]["escalation_id"] for e in escalations)
    assert "5 records" in summary and "dead_letter 2" in summary


def test_diff_compares_two_rule_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    candidate = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, candidate)
    routing = (candidate / "routing.yaml").read_text().replace("harassment: hate_harassment", "harassment: support")
    (candidate / "routing.yaml").write_text(routing)

    records, summary = _run(tmp_path, "--diff", str(candidate), monkeypatch=monkeypatch)

    changed = {(r["event_id"], r["field"]) for r in records}
    assert ("a1", "team") in changed and ("a2", "team") in changed
    assert all(r["a"] == "hate_harassment" and r["b"] == "support" for r in records if r["field"] == "team")
    assert "changed" in summary and "team" in summary
