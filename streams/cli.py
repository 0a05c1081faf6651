"""`vigil`: one command, a subcommand per job. Each lives in streams/commands/<name>.py.

A failure the user can fix (a bad setting, no broker, no registry) is one line on stderr that
says what is wrong and what to do, with exit code 2; `--debug` or VIGIL_DEBUG=1 shows the
traceback instead. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import subprocess
import sys
from typing import Callable

import pydantic
from aiokafka.errors import KafkaConnectionError, KafkaError

from streams.codecs import RegistryError, SchemaFileError

COMMANDS = (
    "worker",
    "topics",
    "demo",
    "replay",
    "tail",
    "update",
    "triage",
    "eval",
    "backtest",
    "bench",
)
USAGE_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigil", description="Streaming escalation pipeline for safety reports.")
    parser.add_argument("--debug", action="store_true", default=os.environ.get("VIGIL_DEBUG") == "1",
                        help="show tracebacks instead of one-line errors (also VIGIL_DEBUG=1)")
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
    if not args.debug:
        # Until a command sets up logging, Kafka client errors are said once, by user_error.
        logging.getLogger("aiokafka").addHandler(logging.NullHandler())
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `vigil triage ... | head`
        return 0
    except Exception as exc:
        problem = user_error(exc)
        if problem is None or args.debug:
            raise
        print(f"vigil {args.command}: error: {problem}", file=sys.stderr)
        return USAGE_ERROR


def user_error(exc: BaseException) -> str | None:
    """One line saying what is wrong and what to do, for errors a user can fix; None for bugs."""
    for kind, explain in _EXPLAINED:
        if isinstance(exc, kind):
            return " ".join(explain(exc).split())  # one line, whatever the exception's text
    return None


def _settings(exc: pydantic.ValidationError) -> str:
    problems = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        if error["loc"]:
            name = "VIGIL_" + "_".join(str(part) for part in error["loc"]).upper()
            message = f"{name}={error.get('input')!r}: {message}"
        problems.append(message)
    return "invalid setting " + "; ".join(problems)


def _kafka_unreachable(exc: KafkaConnectionError) -> str:
    servers = os.environ.get("VIGIL_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    return (
        f"cannot reach Kafka at {servers} ({exc}); start a broker with `bash ops/kafka/kafka.sh start`"
        " or point VIGIL_BOOTSTRAP_SERVERS at one"
    )


def _kafka(exc: KafkaError) -> str:
    return f"Kafka refused the request: {type(exc).__name__}: {exc}; is VIGIL_BOOTSTRAP_SERVERS a healthy broker?"


def _registry(exc: RegistryError) -> str:
    return (
        f"{exc}; check VIGIL_SCHEMA_REGISTRY_URL (a development registry: `bash ops/registry/registry.sh start`)"
        " or use VIGIL_WIRE_FORMAT=single_object, which needs none"
    )


def _command(exc: subprocess.CalledProcessError) -> str:
    command = " ".join(map(str, exc.cmd)) if isinstance(exc.cmd, (list, tuple)) else str(exc.cmd)
    return f"`{command}` failed with exit code {exc.returncode}; its own message is above"


def _file(exc: OSError) -> str:
    return f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)


_EXPLAINED: list[tuple[type[BaseException], Callable[..., str]]] = [
    (pydantic.ValidationError, _settings),
    (KafkaConnectionError, _kafka_unreachable),
    (KafkaError, _kafka),
    (RegistryError, _registry),
    (SchemaFileError, lambda exc: f"{exc}; fix or remove that file in schemas/"),
    (subprocess.CalledProcessError, _command),
    (FileNotFoundError, _file),
    (PermissionError, _file),
    (IsADirectoryError, _file),
]


if __name__ == "__main__":
    sys.exit(main())
