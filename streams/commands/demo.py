"""`vigil demo`: the whole pipeline on a local broker, fed with the sample reports.

Starts Kafka if none answers (ops/kafka/kafka.sh), creates a fresh set of topics for this run,
starts a worker process, replays the sample file and prints what came out. With --once it
stops the worker and exits when every input record has its outcome (exit 1 if not).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path

from connectors.producer import FeedbackProducer
from connectors.replay import replay
from streams.admin import ensure_topics
from streams.app import make_codec
from streams.core.escalation import Escalation
from streams.core.outcome import DeadLetter, Outcome
from streams.core.routing import load_routing
from streams.core.taxonomy import Priority
from streams.reader import output_topics, read
from streams.settings import Settings
from streams.topics import Topics

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample" / "feedback.jsonl"
KAFKA_SH = REPO / "ops" / "kafka" / "kafka.sh"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the pipeline on a local broker with sample reports")
    parser.add_argument("--once", action="store_true", default=os.environ.get("DEMO_ONCE") == "1",
                        help="exit when every report has its outcome (also DEMO_ONCE=1)")
    parser.add_argument("--file", type=Path, default=SAMPLE, help="FeedbackEvent JSON lines to replay")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for all outcomes")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    base = Settings()
    run_id = datetime.now().strftime("%Y%m%d-%H%M%S")
    settings = base.model_copy(
        update={
            "topic_prefix": f"{base.topic_prefix}.demo-{run_id}",
            "app_id": f"{base.app_id}-demo-{run_id}",
            "data_dir": REPO / ".run" / "demo" / run_id,
        }
    )
    _ensure_kafka(settings)
    topics = Topics.for_settings(settings, load_routing(settings.rules_dir))
    asyncio.run(ensure_topics(settings, topics))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log_path = settings.data_dir / "worker.log"
    worker = _start_worker(settings, log_path)
    try:
        _wait_for_http(settings, worker, log_path)
        expected = sum(1 for line in args.file.read_bytes().splitlines() if line.strip())
        print(f"vigil demo {run_id}: replaying {expected} reports from {args.file}")
        outcomes, escalations, letters, seconds = asyncio.run(_replay_and_collect(settings, topics, args, expected))
        _summary(settings, topics, expected, outcomes, escalations, letters, seconds, log_path)
        complete = len(outcomes) >= expected
        if args.once:
            return 0 if complete and escalations else 1
        print("\nThe worker keeps running; press Ctrl-C to stop it.")
        worker.wait()
        return 0
    finally:
        _stop(worker)


def _ensure_kafka(settings: Settings) -> None:
    host, _, port = settings.bootstrap_servers.split(",")[0].partition(":")
    with socket.socket() as sock:
        sock.settimeout(1)
        if sock.connect_ex((host, int(port or 9092))) == 0:
            return
    print(f"no broker at {settings.bootstrap_servers}; starting one with {KAFKA_SH.relative_to(REPO)}")
    env = {**os.environ, "KAFKA_PORT": port or "9092"}
    subprocess.run(["bash", str(KAFKA_SH), "start"], check=True, env=env)


def _start_worker(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VIGIL_TOPIC_PREFIX": settings.topic_prefix,
        "VIGIL_APP_ID": settings.app_id,
        "VIGIL_DATA_DIR": str(settings.data_dir),
        "VIGIL_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "VIGIL_WEB_PORT": str(settings.web_port),
    }
    log = log_path.open("wb")
    return subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], env=env, stdout=log, stderr=log)


def _wait_for_http(settings: Settings, worker: subprocess.Popen[bytes], log_path: Path, timeout: float = 90) -> None:
    url = f"http://{settings.web_host}:{settings.web_port}/metrics"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            tail = log_path.read_text(errors="replace").splitlines()[-15:]
            raise SystemExit("worker exited during start-up:\n" + "\n".join(tail))
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"worker did not serve {url} within {timeout:.0f}s (log: {log_path})")


async def _replay_and_collect(
    settings: Settings, topics: Topics, args: argparse.Namespace, expected: int
) -> tuple[list[Outcome], list[Escalation], list[DeadLetter], float]:
    codec = make_codec(settings)
    started = time.monotonic()
    async with FeedbackProducer(settings.bootstrap_servers, codec, topics) as producer:
        await replay(args.file, producer)
    outcomes: list[Outcome] = []
    names, kind = output_topics(topics)["outcomes"]
    deadline = time.monotonic() + args.timeout
    async for outcome in read(settings.bootstrap_servers, names, codec, kind, idle_timeout=args.timeout):
        outcomes.append(outcome)
        if len(outcomes) >= expected or time.monotonic() > deadline:
            break
    seconds = time.monotonic() - started
    escalation_topics, _ = output_topics(topics)["escalations"]
    escalations = [e async for e in read(settings.bootstrap_servers, escalation_topics, codec, Escalation, 2.0)]
    letters = [d async for d in read(settings.bootstrap_servers, [topics.deadletter], codec, DeadLetter, 2.0)]
    return outcomes, escalations, letters, seconds


def _summary(
    settings: Settings,
    topics: Topics,
    expected: int,
    outcomes: list[Outcome],
    escalations: list[Escalation],
    letters: list[DeadLetter],
    seconds: float,
    log_path: Path,
) -> None:
    latest: dict[str, Escalation] = {}
    for escalation in escalations:
        if escalation.version >= latest.get(escalation.escalation_id, escalation).version:
            latest[escalation.escalation_id] = escalation
    by_team = Counter((e.team, e.priority) for e in latest.values())
    priorities = list(Priority)
    teams = sorted({team for team, _ in by_team})
    print(f"\n{len(outcomes)}/{expected} reports have an outcome after {seconds:.1f}s")
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in Counter(o.outcome.value for o in outcomes).most_common()))
    print(f"\nescalations (cases) by team and priority: {len(latest)} cases, {len(escalations)} publications")
    print(f"  {'team':18}" + "".join(f"{p.value:>6}" for p in priorities))
    for team in teams:
        print(f"  {team:18}" + "".join(f"{by_team.get((team, p), 0):>6}" for p in priorities))
    urgent = sorted((e for e in latest.values() if e.priority in (Priority.P0, Priority.P1)), key=lambda e: e.priority)
    if urgent:
        print("\nmost urgent (text withheld; see the escalation topics):")
        for e in urgent[:8]:
            print(f"  {e.priority} {e.category:15} -> {e.team:14} reports={e.report_count:<3} {', '.join(e.reasons[:3])}")
    reasons = Counter(f"{d.stage}/{d.reason}" for d in letters)
    print(f"\ndead letters: {len(letters)}" + ("  (" + ", ".join(f"{k} {v}" for k, v in reasons.most_common()) + ")" if reasons else ""))
    base = f"http://{settings.web_host}:{settings.web_port}"
    print("\nwhere to look:")
    print(f"  metrics  {base}/metrics")
    print(f"  console  {base}/console")
    print(f"  topics   {topics.escalation_prefix}<team>.v1, {topics.outcomes}, {topics.deadletter}")
    print(f"  worker   {log_path}")
    print(f"  tail     VIGIL_TOPIC_PREFIX={settings.topic_prefix} vigil tail escalations")


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
