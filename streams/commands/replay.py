"""`vigil replay FILE`: send FeedbackEvent JSON lines to Kafka (configured wire format)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from connectors.producer import FeedbackProducer
from connectors.replay import replay
from streams.app import make_codec
from streams.core.routing import load_routing
from streams.settings import Settings
from streams.topics import Topics


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("replay", help="send a file of FeedbackEvent JSON lines to the input topic")
    parser.add_argument("file", type=Path)
    parser.add_argument("--rate", type=float, help="events per second (default: as fast as possible)")
    parser.add_argument("--json", action="store_true", help="send to the JSON topic instead of Avro")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    args.file.open("rb").close()  # a missing file is reported before Kafka is asked anything
    settings = Settings()
    topics = Topics.for_settings(settings, load_routing(settings.rules_dir))

    async def go() -> None:
        async with FeedbackProducer(settings.bootstrap_servers, make_codec(settings), topics) as producer:
            sent = await replay(args.file, producer, args.rate, args.json)
        print(f"sent {sent.valid} events to {topics.feedback_json if args.json else topics.feedback}"
              f" and {sent.invalid} invalid lines to {topics.feedback_json}")

    asyncio.run(go())
    return 0
