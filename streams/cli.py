"""`vigil`: one command, a subcommand per job. Each lives in streams/commands/<name>.py."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = (
    "worker",
    "topics",
    "demo",
    "replay",
    "ingest",
    "tail",
    "update",
    "triage",
    "eval",
    "backtest",
    "bench",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigil", description="Streaming escalation pipeline for safety reports.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"streams.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"streams.commands.{name}":
                raise
            continue  # a command another issue has not delivered yet
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `vigil triage ... | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
