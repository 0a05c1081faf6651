"""`vigil topics`: create Vigil's topics (idempotent) and list them."""

from __future__ import annotations

import argparse
import asyncio

from streams.admin import ensure_topics
from streams.core.routing import load_routing
from streams.settings import Settings
from streams.topics import Topics


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("topics", help="create missing topics and list them")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    topics = Topics.for_settings(settings, load_routing(settings.rules_dir))
    created = set(asyncio.run(ensure_topics(settings, topics)))
    for spec in topics.specs():
        mark = "created" if spec.name in created else "exists "
        print(f"{mark}  {spec.name:45} {spec.doc}")
    return 0
