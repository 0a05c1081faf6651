"""`vigil tail OUTPUT`: print an output topic as JSON lines (outcomes, escalations, ...)."""

from __future__ import annotations

import argparse
import asyncio
import sys

import msgspec

from streams.app import make_codec
from streams.core.routing import load_routing
from streams.reader import output_topics, read
from streams.settings import Settings
from streams.topics import Topics

OUTPUTS = ("outcomes", "escalations", "deadletter", "patterns", "updates")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tail", help="print an output topic as JSON lines")
    parser.add_argument("output", choices=OUTPUTS)
    parser.add_argument("--follow", action="store_true", help="keep waiting for new records")
    parser.add_argument("--new", action="store_true", help="only records produced from now on")
    parser.add_argument("--idle", type=float, default=3.0, help="stop after this many quiet seconds")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    topics = Topics.for_settings(settings, load_routing(settings.rules_dir))
    names, kind = output_topics(topics)[args.output]
    idle = float("inf") if args.follow else args.idle

    async def go() -> None:
        async for record in read(settings.bootstrap_servers, names, make_codec(settings), kind, idle, not args.new):
            sys.stdout.buffer.write(msgspec.json.encode(record) + b"\n")
            sys.stdout.flush()

    asyncio.run(go())
    return 0
