"""`vigil backtest [FILE]`: run the whole core over FeedbackEvent JSON lines, no Kafka.

stdout: one JSON object per line — {"kind": "outcome", ...} for every non-blank input line,
{"kind": "escalation", ...} per publication, {"kind": "pattern", ...} per alert (the
alert's own kind — spike, release_regression, ... — is under "pattern_kind").
stderr: a human summary. Engine settings come from the VIGIL_* environment, as for the
worker. `--diff RULES_B` compares two rule sets on the same history: per report (outcome,
category, priority, team), per case (its escalation publications) and pattern alerts.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterable

import msgspec

from streams.backtest import Backtest, Published
from streams.core.outcome import OutcomeKind
from streams.settings import Settings

_encode = msgspec.json.Encoder().encode

HELP = """Blank (whitespace-only) lines are skipped and counted in the summary; every other line
gets exactly one outcome, an unreadable one a dead_letter named line:<n> when it has no
readable event_id. Engine settings (VIGIL_DEDUPE_RETENTION_DAYS, ...) and VIGIL_RULES_DIR
are read from the environment, as the worker reads them."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backtest", help="run the core over a file of reports in event time (no Kafka)", description=HELP
    )
    parser.add_argument("file", nargs="?", type=Path, help="FeedbackEvent JSON lines (default: stdin)")
    parser.add_argument("--rules", type=Path, help="rule set directory to run (default: VIGIL_RULES_DIR or the shipped one)")
    parser.add_argument("--diff", type=Path, metavar="RULES_B", help="compare --rules (or the default) with RULES_B")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    lines = _read(args.file)
    settings = Settings()
    if args.diff:
        runs = [_Run.of(Backtest.configured(settings, rules), lines) for rules in (args.rules, args.diff)]
        _diff(runs[0], runs[1], sys.stdout, sys.stderr)
        return 0
    backtest = Backtest.configured(settings, args.rules)
    _emit(backtest.run(lines), sys.stdout, sys.stderr)
    sys.stderr.write(f"  skipped {backtest.blank_lines} blank lines\n")
    return 0


def _read(path: Path | None) -> list[bytes]:
    return (path.read_bytes() if path else sys.stdin.buffer.read()).splitlines()


def record(item: Published) -> dict[str, Any]:
    if item.outcome is not None:
        o = item.outcome
        return {"kind": "outcome", "event_id": o.event_id, "outcome": o.outcome, "case_id": o.case_id,
                "reason": o.reason, "escalation_id": o.escalation_id, "category": o.category,
                "priority": o.priority, "team": o.team}
    if item.escalation is not None:
        return {"kind": "escalation", **msgspec.to_builtins(item.escalation)}
    assert item.pattern is not None
    alert = msgspec.to_builtins(item.pattern)
    return {"kind": "pattern", "pattern_kind": alert.pop("kind"), **alert}


def _emit(published: Iterable[Published], out: IO[str], err: IO[str]) -> None:
    outcomes: Counter[str] = Counter()
    latest: dict[str, Any] = {}
    publications = patterns = 0
    for item in published:
        out.write(_encode(record(item)).decode() + "\n")
        if item.outcome is not None:
            outcomes[item.outcome.outcome] += 1
        elif item.escalation is not None:
            publications += 1
            latest[item.escalation.escalation_id] = item.escalation
        else:
            patterns += 1
    queues = Counter(f"{e.team}/{e.priority}" for e in latest.values())
    err.write(f"backtest: {sum(outcomes.values())} records -> " + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()) + "\n")
    err.write(f"  {len(latest)} cases escalated ({publications} publications); pattern alerts: {patterns}\n")
    err.write("  by team/priority: " + ", ".join(f"{k} {v}" for k, v in sorted(queues.items())) + "\n")


# --- diff --------------------------------------------------------------------------------

REPORT_FIELDS = ("outcome", "category", "priority", "team")


@dataclass
class _Run:
    """What one rule set did with the history, in comparable form. Cases are named by the
    report that opened them: case ids embed the route, which a rule change can move."""

    reports: dict[int, dict[str, Any]] = field(default_factory=dict)  # by input line number
    cases: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # opener -> publications
    patterns: dict[str, list[str]] = field(default_factory=dict)  # kind + dimensions -> statuses

    @classmethod
    def of(cls, backtest: Backtest, lines: list[bytes]) -> _Run:
        run = cls()
        opener: dict[str, str] = {}
        by_case: dict[str, list[dict[str, Any]]] = {}
        for item in backtest.run(lines):
            if item.outcome is not None:
                run._note_report(item, opener)
            elif item.escalation is not None:
                e = item.escalation
                by_case.setdefault(e.case_id, []).append(
                    {"trigger": e.trigger, "priority": e.priority, "category": e.category, "team": e.team}
                )
            elif item.pattern is not None:
                p = item.pattern
                name = p.kind + "".join(f" {k}={v}" for k, v in sorted(p.dimensions.items()))
                run.patterns.setdefault(name, []).append(p.status)
        run.cases = {opener.get(case_id, case_id): published for case_id, published in by_case.items()}
        return run

    def _note_report(self, item: Published, opener: dict[str, str]) -> None:
        outcome = item.outcome
        assert outcome is not None
        if outcome.outcome is OutcomeKind.ESCALATED and outcome.case_id:
            opener[outcome.case_id] = outcome.event_id
        if outcome.source is None:
            return
        decision = item.processed.decision if item.processed else None
        self.reports[outcome.source.offset] = {
            "event_id": outcome.event_id,
            "outcome": outcome.outcome,
            "category": getattr(decision, "category", None),
            "priority": getattr(decision, "priority", None),
            "team": getattr(decision, "team", None),
        }


def _diff(a: _Run, b: _Run, out: IO[str], err: IO[str]) -> None:
    def write(row: dict[str, Any]) -> None:
        out.write(_encode({"kind": "diff", **row}).decode() + "\n")

    changes: Counter[str] = Counter()
    for line in sorted(a.reports.keys() | b.reports.keys()):
        ra, rb = a.reports.get(line, {}), b.reports.get(line, {})
        for name in REPORT_FIELDS:
            if ra.get(name) != rb.get(name):
                changes[name] += 1
                write({"line": line, "event_id": ra.get("event_id") or rb.get("event_id"), "field": name,
                       "a": ra.get(name), "b": rb.get(name)})
    cases = [c for c in sorted(a.cases.keys() | b.cases.keys()) if a.cases.get(c) != b.cases.get(c)]
    for opener in cases:
        write({"case_opened_by": opener, "field": "escalations", "a": a.cases.get(opener), "b": b.cases.get(opener)})
    patterns = [p for p in sorted(a.patterns.keys() | b.patterns.keys()) if a.patterns.get(p) != b.patterns.get(p)]
    for name in patterns:
        write({"pattern": name, "field": "pattern_alerts", "a": a.patterns.get(name), "b": b.patterns.get(name)})

    err.write(f"diff: {len(a.reports)} records; changed " + (", ".join(f"{k} {v}" for k, v in changes.items()) or "nothing") + "\n")
    err.write(f"  cases escalated: a={len(a.cases)} b={len(b.cases)}; published differently: {len(cases)}\n")
    publications = [sum(map(len, run.cases.values())) for run in (a, b)]
    err.write(f"  escalation publications: a={publications[0]} b={publications[1]}\n")
    alerts = [sum(map(len, run.patterns.values())) for run in (a, b)]
    err.write(f"  pattern alerts: a={alerts[0]} b={alerts[1]}; patterns that differ: {len(patterns)}\n")
