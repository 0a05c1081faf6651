"""`vigil triage [FILE]`: triage FeedbackEvent JSON lines and print one decision per line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO, Iterator

import msgspec

from streams.core.report import FeedbackEvent, InvalidEvent, parse_json
from streams.core.triage import Triager, load_triage
from streams.core.triage.rules import RuleError

BATCH = 500
_encoder = msgspec.json.Encoder()


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("triage", help="triage FeedbackEvent JSON lines (stdin or FILE)")
    parser.add_argument("file", nargs="?", type=Path, help="JSON lines file (default: stdin)")
    parser.add_argument("--rules", type=Path, default=None, help="rules directory (with routing.yaml, triage/)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        triager = load_triage(args.rules)
    except (RuleError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.file is not None:
        if not args.file.is_file():
            print(f"error: {args.file} is not a readable file", file=sys.stderr)
            return 2
        with args.file.open("rb") as lines:
            triage_lines(triager, lines, sys.stdout.buffer)
    else:
        triage_lines(triager, sys.stdin.buffer, sys.stdout.buffer)
    sys.stdout.flush()
    return 0


def triage_lines(triager: Triager, lines: IO[bytes], out: IO[bytes]) -> None:
    """Decide every valid line in batches; an invalid line becomes an error object in place."""
    for batch in _batches(lines):
        events = [item for item in batch if isinstance(item, FeedbackEvent)]
        decisions = iter(triager.decide_many(events))
        for item in batch:
            if isinstance(item, FeedbackEvent):
                out.write(_encoder.encode(_output(item, next(decisions))) + b"\n")
            else:
                out.write(_encoder.encode(item) + b"\n")
        out.flush()


def _batches(lines: IO[bytes]) -> Iterator[list[FeedbackEvent | dict[str, object]]]:
    batch: list[FeedbackEvent | dict[str, object]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            batch.append(parse_json(raw))
        except InvalidEvent as exc:
            batch.append({"error": exc.reason.value, "line": number, "detail": exc.detail})
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _output(event: FeedbackEvent, decision: object) -> dict[str, object]:
    return {"event_id": event.event_id, **msgspec.to_builtins(decision)}
