"""`vigil worker`: run the streaming pipeline (creates missing topics first)."""

from __future__ import annotations

import argparse
import gc
import logging.config
import asyncio
from pathlib import Path
from typing import Any

import faust
import uvloop

from streams import local_state
from streams.admin import ensure_topics
from streams.app import create_app
from streams.logs import logging_config
from streams.core.routing import load_routing
from streams.settings import Role, Settings
from streams.topics import Topics


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("worker", help="run the Faust worker (settings from VIGIL_* env)")
    parser.add_argument("--web-port", type=int, help="HTTP port for /metrics and /console (VIGIL_WEB_PORT)")
    parser.add_argument("--role", choices=[r.value for r in Role], help="intake, patterns or all (VIGIL_ROLE)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {"web_port": args.web_port, "role": args.role}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    return serve(settings)


def serve(settings: Settings, **create_kwargs: Any) -> int:
    """Create topics, then run the worker until it is stopped (SIGTERM, Ctrl-C)."""
    uvloop.install()
    topics = Topics.for_settings(settings, load_routing(settings.rules_dir))
    # Before logging is set up: no broker is one line from the CLI, not aiokafka's log lines too.
    asyncio.run(ensure_topics(settings, topics))
    logging.config.dictConfig(logging_config(settings))  # Faust applies it again when it starts
    # Faust binds to the current loop when the app is built: make the loop first.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    vigil = create_app(settings, **create_kwargs)
    _tune_gc()
    local_state.prepare(settings.data_dir, Path(vigil.app.conf.tabledir))
    worker = Worker(vigil.app, loglevel=settings.log_level, logging_config=logging_config(settings), loop=loop)
    worker.data_dir = settings.data_dir
    worker.execute_from_commandline()
    return 0


def _tune_gc() -> None:
    """Why: every report allocates a few hundred short-lived objects, so the collector runs
    often, and each full collection walks every long-lived object (Faust, the triage model,
    the modules). Freezing what exists at start-up takes those out of every walk, and a
    larger first threshold makes collections rarer; reference counting still frees the
    short-lived objects immediately."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


class Worker(faust.Worker):
    """Marks a stop as clean only when it was asked for (a signal) and nothing crashed."""

    data_dir: Path

    def on_worker_shutdown(self) -> None:
        super().on_worker_shutdown()
        if self._signal_stop_time and not self.crashed and not self.app.crashed:  # type: ignore[attr-defined]
            local_state.mark_clean(self.data_dir)
