"""`vigil bench`: throughput against raw aiokafka and naive Faust, latency, memory."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from pathlib import Path

from streams.bench.run import Plan, machine, run as run_bench, summary_json, table
from streams.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="benchmark the pipeline against baselines on a local broker")
    parser.add_argument("--events", type=int, default=100_000, help="events preloaded for the throughput runs")
    parser.add_argument("--rate", type=float, default=1000.0, help="offered events/s in the latency run")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the latency run")
    parser.add_argument("--workers", type=int, default=1, help="worker processes for the pipeline (scale-out figure)")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    _ensure_broker(settings.bootstrap_servers)
    plan = Plan(args.events, args.rate, args.duration, settings.bootstrap_servers, REPO / ".run" / "bench", args.workers)
    result = run_bench(plan, say=lambda line: print(line, file=sys.stderr, flush=True))
    print(table(result, machine()))
    if args.json:
        print(summary_json(result))
    return 0


def _ensure_broker(bootstrap: str) -> None:
    host, _, port = bootstrap.split(",")[0].partition(":")
    with socket.socket() as sock:
        sock.settimeout(1)
        if sock.connect_ex((host, int(port or 9092))) == 0:
            return
    subprocess.run(["bash", str(REPO / "ops" / "kafka" / "kafka.sh"), "start"], check=True)
