"""The `vigil triage` and `vigil eval` commands, through their public run(args)."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path

import pytest

from streams.commands import eval as eval_command
from streams.commands import triage as triage_command
from streams.core.triage import load_triage
from streams.core.triage.datasets import shared_data_dir
from streams.core.triage.evaluation import CASE_SETS, evaluate

GOOD = {
    "event_id": "e-1",
    "occurred_at": "2026-11-25T10:00:00Z",
    "channel": "in_app_report",
    "text": "my 12 year old sister got asked for nudes by @creep",
    "reporter": {"user_id": "u-1", "region": "US", "language": "en"},
    "unknown_field": {"ignored": True},
}


def parse(module: object, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_parser(parser.add_subparsers())  # type: ignore[attr-defined]
    return parser.parse_args(argv)


def lines_in(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    bad_enum = {**GOOD, "event_id": "e-3", "channel": "carrier_pigeon"}
    path.write_text("\n".join([json.dumps(GOOD), "{not json", json.dumps(bad_enum), "",
                               json.dumps({**GOOD, "event_id": "e-4", "text": "the app crashes"})]) + "\n",
                    encoding="utf-8")
    return path


def test_triage_file_writes_one_object_per_line(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    args = parse(triage_command, ["triage", str(lines_in(tmp_path))])
    assert args.func(args) == 0
    out = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert [o.get("event_id") or o.get("line") for o in out] == ["e-1", 2, 3, "e-4"]
    first = out[0]
    assert (first["category"], first["priority"], first["team"]) == ("child_safety", "P0", "child_safety")
    assert first["reasons"][0].startswith("rule:child_safety.") and first["facts"]["handles"] == ["creep"]
    assert out[1]["error"] == "invalid_json" and out[2]["error"] == "invalid_enum"
    assert "channel" in out[2]["detail"] and "\n" not in out[2]["detail"]
    assert out[3]["category"] == "product_issue"


def test_triage_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(GOOD).encode() + b"\n")))
    args = parse(triage_command, ["triage"])
    assert args.func(args) == 0
    assert json.loads(capsysbinary.readouterr().out)["event_id"] == "e-1"


def test_triage_missing_file_and_bad_rules_are_one_line_errors(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    args = parse(triage_command, ["triage", str(tmp_path / "nope.jsonl")])
    assert args.func(args) == 2
    assert "nope.jsonl" in capsys.readouterr().err
    args = parse(triage_command, ["triage", "--rules", str(tmp_path), str(lines_in(tmp_path))])
    assert args.func(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1


def test_eval_without_public_data_reports_own_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # --skip holdout: the blind set is not even read (it is measured once, at the end of a round)
    args = parse(eval_command, ["eval", "--json", "--data", str(tmp_path / "absent"), "--skip", "holdout"])
    assert args.func(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert "skipped" in report["public"]
    assert report["skipped_case_sets"] == ["holdout"] and "holdout" not in report["cases"]
    assert set(report["cases"]) | set(report["missing_case_sets"]) | set(report["unreadable_case_sets"]) == (
        set(CASE_SETS) - {"holdout"})
    # The tune set is what the rules were built on: a broken engine, lexicon or model fails here.
    tune = report["cases"]["tune"]
    assert tune["cases"] >= 200
    assert tune["category_accuracy"] >= 0.95 and tune["priority_accuracy"] >= 0.95
    assert tune["p0"]["recall"] == 1.0 and tune["p0"]["precision"] >= 0.95
    assert tune["per_category"]["child_safety"]["recall"] >= 0.95
    assert sum(tune["confusion"]["self_harm"].values()) == tune["per_category"]["self_harm"]["support"]


def test_eval_reports_a_missing_case_set_and_carries_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "tune.yaml").write_text(
        '- {id: c1, lang: en, text: "forgot my password", category: account_security, priority: P3}\n'
        '- {id: c2, lang: en, text: "I\'m going to kill myself tonight", category: self_harm, priority: P0}\n',
        encoding="utf-8")
    report = evaluate(load_triage(), None, cases)
    assert report["missing_case_sets"] == [n for n in CASE_SETS if n != "tune"]
    assert report["cases"]["tune"]["category_accuracy"] == 1.0 and report["cases"]["tune"]["p0"]["recall"] == 1.0
    text = eval_command.render(report)
    assert "== own cases: holdout -- not found" in text and "== own cases: tune (2)" in text


def test_eval_reports_an_unreadable_case_set_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "tune.yaml").write_text('- {id: c1, lang: en, text: "hi", category: other, priority: P3}\n', encoding="utf-8")
    (cases / "holdout.yaml").write_text('- {id: h1, lang: en, text: "x", category: nope, priority: P3}\n',
                                        encoding="utf-8")
    monkeypatch.setattr(eval_command, "evaluate", lambda triager, data, skip=(): evaluate(triager, None, cases, skip))
    args = parse(eval_command, ["eval"])
    assert args.func(args) == 1
    out, err = capsys.readouterr()
    assert "holdout -- unreadable" in out and "== own cases: tune (1)" in out
    assert err.startswith("error: ") and "case h1" in err and len(err.strip().splitlines()) == 1


DATA = Path(os.environ.get("VIGIL_SHARED_DATA", shared_data_dir()))


@pytest.mark.skipif(not DATA.is_dir(), reason=f"shared data directory {DATA} not present")
def test_eval_on_public_data_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse(eval_command, ["eval", "--data", str(DATA), "--skip", "holdout"])
    assert args.func(args) == 0
    text = capsys.readouterr().out
    assert "== own cases: holdout -- skipped (--skip)" in text
    for needle in ("davidson2017 hate_speech", "hatecheck (en)", "sms_spam scam_fraud recall", "cssrs self_harm",
                   "Davidson et al. 2017", "confusion"):
        assert needle in text
