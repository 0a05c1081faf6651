"""`vigil backtest [FILE]`: run the whole core over FeedbackEvent JSON lines, no Kafka.

stdout: one JSON object per line — {"kind": "outcome", ...} for every input line,
{"kind": "escalation", ...} per publication, {"kind": "pattern", ...} per alert (the
alert's own kind — spike, release_regression, ... — is under "pattern_kind").
stderr: a human summary. `--diff RULES_B` compares two rule sets on the same history.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import IO, Any, Iterable

import msgspec

from streams.backtest import Backtest, Published

_encode = msgspec.json.Encoder().encode


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("backtest", help="run the core over a file of reports in event time (no Kafka)")
    parser.add_argument("file", nargs="?", type=Path, help="FeedbackEvent JSON lines (default: stdin)")
    parser.add_argument("--rules", type=Path, help="rule set directory to run (default: the shipped one)")
    parser.add_argument("--diff", type=Path, metavar="RULES_B", help="compare --rules (or the default) with RULES_B")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    lines = _read(args.file)
    if args.diff:
        return _diff(lines, args.rules, args.diff, sys.stdout, sys.stderr)
    published = Backtest.build(args.rules).run(lines)
    _emit(published, sys.stdout, sys.stderr)
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


def _diff(lines: list[bytes], rules_a: Path | None, rules_b: Path, out: IO[str], err: IO[str]) -> int:
    runs = [_by_line(Backtest.build(rules).run(lines)) for rules in (rules_a, rules_b)]
    changes: Counter[str] = Counter()
    for line in sorted(runs[0].keys() | runs[1].keys()):
        a, b = runs[0].get(line, {}), runs[1].get(line, {})
        for field in ("outcome", "category", "priority", "team"):
            if a.get(field) != b.get(field):
                changes[field] += 1
                event_id = a.get("event_id") or b.get("event_id")
                out.write(_encode({"kind": "diff", "line": line, "event_id": event_id, "field": field,
                                   "a": a.get(field), "b": b.get(field)}).decode() + "\n")
    escalations = [sum(1 for r in run.values() if r["outcome"] == "escalated") for run in runs]
    err.write(f"diff: {len(runs[0])} records; changed " + (", ".join(f"{k} {v}" for k, v in changes.items()) or "nothing") + "\n")
    err.write(f"  cases escalated: a={escalations[0]} b={escalations[1]}\n")
    return 0


def _by_line(published: Iterable[Published]) -> dict[int, dict[str, Any]]:
    """What each input line was decided, keyed by its line number (ids can repeat: retries)."""
    decided: dict[int, dict[str, Any]] = {}
    for item in published:
        if item.outcome is None or item.outcome.source is None:
            continue
        decision = item.processed.decision if item.processed else None
        decided[item.outcome.source.offset] = {
            "event_id": item.outcome.event_id,
            "outcome": item.outcome.outcome,
            "category": getattr(decision, "category", None),
            "priority": getattr(decision, "priority", None),
            "team": getattr(decision, "team", None),
        }
    return decided
