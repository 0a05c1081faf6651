"""`vigil backtest`: one outcome per input line, in event time; escalations and alerts; the
worker's settings; a candidate rule set; a summary; a diff."""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import msgspec
import pytest

from streams.commands import backtest
from streams.core.routing import DEFAULT_RULES_DIR
from tests.unit.core.builders import feedback

INSULT = "he keeps insulting me in every comment"
LINES = [
    msgspec.json.encode(feedback("a1", text=INSULT)),
    msgspec.json.encode(feedback("a2", user="u2", seconds=60, text=INSULT)),
    msgspec.json.encode(feedback("a1", seconds=120)),  # a retry
    b'{"event_id": "broken", "channel": "fax"}',
    b"not json at all",
    b"",
    b"  \t ",
]


def _run(tmp_path: Path, *args: str, monkeypatch: pytest.MonkeyPatch, lines: list[bytes] = LINES) -> tuple[list[dict[str, Any]], str]:
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    parser = argparse.ArgumentParser()
    backtest.add_parser(parser.add_subparsers())
    parsed = parser.parse_args(["backtest", str(path), *args])
    assert parsed.func(parsed) == 0
    return [msgspec.json.decode(line) for line in out.getvalue().splitlines()], err.getvalue()


def _outcomes(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["kind"] == "outcome"]


def _rules(tmp_path: Path, edits: dict[str, tuple[str, str]]) -> Path:
    """A candidate rule set: the shipped one with `old` replaced by `new` in each named file."""
    candidate = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, candidate)
    for name, (old, new) in edits.items():
        text = (candidate / name).read_text()
        assert old in text, f"{name} no longer contains {old!r}: update this test's candidate rule set"
        (candidate / name).write_text(text.replace(old, new))
    return candidate


TEAM_TO_SUPPORT = {"routing.yaml": ("harassment: hate_harassment", "harassment: support")}


@pytest.fixture(autouse=True)
def _no_vigil_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("VIGIL_")]:
        monkeypatch.delenv(name)


def test_every_non_blank_line_gets_exactly_one_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records, summary = _run(tmp_path, monkeypatch=monkeypatch)

    outcomes = _outcomes(records)
    by_id: dict[str, list[str]] = {}
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
    assert "skipped 2 blank lines" in summary


def test_reports_are_decided_in_event_time_whatever_the_file_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [msgspec.json.encode(feedback(f"t{s}", text=INSULT, seconds=s)) for s in (120, 0, 300, 60)]

    records, _ = _run(tmp_path, monkeypatch=monkeypatch, lines=lines)

    assert [(o["event_id"], o["outcome"]) for o in _outcomes(records)] == [
        ("t0", "escalated"), ("t60", "merged"), ("t120", "merged"), ("t300", "merged"),
    ]


@pytest.mark.parametrize(
    ("retention_days", "retry"),
    [(None, "duplicate"), ("0.001", "merged")],  # 0.001 days is 86 s; the retry comes 120 s later
    ids=["default-7-days", "VIGIL_DEDUPE_RETENTION_DAYS"],
)
def test_the_engine_runs_with_the_workers_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, retention_days: str | None, retry: str
) -> None:
    if retention_days:
        monkeypatch.setenv("VIGIL_DEDUPE_RETENTION_DAYS", retention_days)

    records, _ = _run(tmp_path, monkeypatch=monkeypatch)

    assert [o["outcome"] for o in _outcomes(records) if o["event_id"] == "a1"] == ["escalated", retry]


@pytest.mark.parametrize("candidate", [False, True], ids=["shipped-rules", "candidate-rules"])
def test_rules_runs_a_candidate_rule_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, candidate: bool) -> None:
    args = ("--rules", str(_rules(tmp_path, TEAM_TO_SUPPORT))) if candidate else ()

    records, _ = _run(tmp_path, *args, monkeypatch=monkeypatch)

    team = "support" if candidate else "hate_harassment"
    assert {o["team"] for o in _outcomes(records) if o["event_id"] in ("a1", "a2")} == {team}
    assert {r["team"] for r in records if r["kind"] == "escalation"} == {team}


def _spike(category_text: str = INSULT) -> list[bytes]:
    """Seven quiet hours of harassment reports from the US (one per 10 minutes, each about
    its own video), then 40 in five minutes."""
    quiet = [feedback(f"q{i}", text=category_text, subject=f"video:q{i}", seconds=600 * i) for i in range(42)]
    burst = [feedback(f"b{i}", text=category_text, subject=f"video:b{i}", seconds=42 * 600 + 7 * i) for i in range(40)]
    return [msgspec.json.encode(report) for report in quiet + burst]


def test_a_spike_is_reported_as_pattern_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records, summary = _run(tmp_path, monkeypatch=monkeypatch, lines=_spike())

    patterns = [r for r in records if r["kind"] == "pattern"]
    spikes = [p for p in patterns if p["pattern_kind"] == "spike" and p["dimensions"].get("region") == "US"]
    assert spikes and spikes[0]["status"] == "opened"
    assert spikes[0]["dimensions"]["category"] == "harassment"
    assert set(spikes[0]["sample_event_ids"]) <= {f"b{i}" for i in range(40)}
    assert len(_outcomes(records)) == 82
    assert f"pattern alerts: {len(patterns)}" in summary


def test_diff_compares_two_rule_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records, summary = _run(tmp_path, "--diff", str(_rules(tmp_path, TEAM_TO_SUPPORT)), monkeypatch=monkeypatch)

    changed = {(r.get("event_id") or r.get("case_opened_by"), r["field"]) for r in records}
    assert ("a1", "team") in changed and ("a2", "team") in changed
    assert all(r["a"] == "hate_harassment" and r["b"] == "support" for r in records if r["field"] == "team")
    [case] = [r for r in records if r["field"] == "escalations"]
    assert case["case_opened_by"] == "a1"
    assert [p["team"] for p in case["a"]] == ["hate_harassment"] and [p["team"] for p in case["b"]] == ["support"]
    assert "changed" in summary and "team" in summary and "published differently: 1" in summary


def test_diff_shows_priority_raises_and_pattern_alerts_that_would_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The candidate triages reported harassment as hate speech (P1): another spike key, more urgent cases.
    reported = "when: {all: [lex:harass_report], none: [lex:figurative, lex:solidarity]}\n    then: {category: "
    candidate = _rules(tmp_path, {"triage/40-hate_harassment.yaml": (
        reported + "harassment, priority: P2}", reported + "hate_speech, priority: P1}"
    )})
    start = 42 * 600 + 400
    lines = _spike() + [
        msgspec.json.encode(feedback("r1", text="please take a look at this video", subject="video:r", seconds=start)),
        msgspec.json.encode(feedback("r2", text=INSULT, subject="video:r", seconds=start + 60)),
    ]

    records, summary = _run(tmp_path, "--diff", str(candidate), monkeypatch=monkeypatch, lines=lines)

    fields = Counter(r["field"] for r in records)
    assert fields["category"] == fields["priority"] == 83  # every insult report, not r1
    cases = {r["case_opened_by"]: r for r in records if r["field"] == "escalations"}
    assert len(cases) == 83
    assert [(p["trigger"], p["priority"]) for p in cases["r1"]["a"]] == [("opened", "P3"), ("priority_raised", "P2")]
    assert [(p["trigger"], p["priority"]) for p in cases["r1"]["b"]] == [("opened", "P3"), ("priority_raised", "P1")]
    assert [(p["priority"], p["category"]) for p in cases["b0"]["b"]] == [("P1", "hate_speech")]
    patterns = {r["pattern"]: r for r in records if r["field"] == "pattern_alerts"}
    spikes = [name for name in patterns if name.startswith("spike ") and "region=US" in name]
    assert any("category=harassment" in name and patterns[name]["b"] is None for name in spikes)
    assert any("category=hate_speech" in name and patterns[name]["a"] is None for name in spikes)
    assert "published differently: 83" in summary and "patterns that differ: " in summary
