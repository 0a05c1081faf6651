"""The benchmark: the same events, the same broker, three consumers, one latency run.

(a) raw aiokafka consume -> decode -> encode -> produce, in this process;
(b) a naive Faust passthrough (streams/bench/faust_passthrough.py), its own process;
(c) the full Vigil worker, its own process, from its first outcome to its N-th.
Then a latency run at a fixed offered rate against the same worker, and its peak RSS.
Figures are for the machine it runs on; compare them within one run, not across runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from connectors.producer import event_key
from streams.admin import ensure_topics
from streams.app import make_codec
from streams.codecs import Codec
from streams.core.escalation import Escalation
from streams.core.report import InvalidEvent, parse_json
from streams.core.routing import load_routing
from streams.sample import Shape, generate
from streams.settings import Role, Settings
from streams.topics import Topics

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    events: int
    aiokafka_passthrough_eps: float
    faust_passthrough_eps: float
    pipeline_eps: float
    offered_eps: float
    latency_p50_ms: float
    latency_p99_ms: float
    latency_samples: int
    worker_rss_mb: float


@dataclass(frozen=True)
class Plan:
    events: int
    rate: float
    duration: float
    bootstrap: str
    run_dir: Path
    workers: int = 1  # >1: that many worker processes on as many partitions (scale-out figure)


def run(plan: Plan, say: Any = print) -> Result:
    run_id = uuid.uuid4().hex[:8]
    settings = Settings(
        bootstrap_servers=plan.bootstrap,
        topic_prefix=f"bench.{run_id}",
        app_id=f"bench-{run_id}",
        data_dir=plan.run_dir / run_id / "worker",
        web_port=_free_port(),
        partitions=plan.workers,
    )
    topics = Topics.for_settings(settings, load_routing())
    codec = make_codec(settings)
    asyncio.run(ensure_topics(settings, topics))

    baseline_input = f"{topics.feedback}.baseline"
    say(f"generating and preloading {plan.events:,} events into {baseline_input} ...")
    asyncio.run(_preload(plan.bootstrap, baseline_input, codec, plan.events))

    say("(a) raw aiokafka passthrough ...")
    raw_eps = asyncio.run(_aiokafka_passthrough(plan.bootstrap, baseline_input, f"{baseline_input}.raw-copy", codec, plan.events))
    say(f"    {raw_eps:,.0f} events/s")

    say("(b) naive Faust passthrough ...")
    faust_eps = _faust_passthrough(plan, baseline_input, f"{baseline_input}.faust-copy", run_id)
    say(f"    {faust_eps:,.0f} events/s")

    say(f"(c) Vigil pipeline, {plan.workers} worker(s), the same events ...")
    if plan.workers == 1:  # preloaded, then one worker takes all of it
        asyncio.run(_preload(plan.bootstrap, topics.feedback, codec, plan.events))
        workers = _start_workers(settings, plan.run_dir / run_id, 1)
    else:  # several workers share the input only once all have joined: then it arrives
        workers = _start_workers(settings, plan.run_dir / run_id, plan.workers)
        _wait_until_assigned(plan.run_dir / run_id, plan.workers)
        asyncio.run(_preload(plan.bootstrap, topics.feedback, codec, plan.events))
    try:
        pipeline_eps = asyncio.run(_pipeline_rate(plan.bootstrap, topics.outcomes, plan.events))
        say(f"    {pipeline_eps:,.0f} events/s")
        say(f"latency at {plan.rate:,.0f} events/s for {plan.duration:.0f}s ...")
        latencies = asyncio.run(_latency(settings, topics, codec, plan.rate, plan.duration))
        rss_mb = max(_peak_rss_mb(worker.pid) for worker in workers)  # per process, the largest
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    return Result(plan.events, raw_eps, faust_eps, pipeline_eps, plan.rate, p50, p99, len(latencies), rss_mb)


def table(result: Result, machine: str) -> str:
    ratio_faust = result.pipeline_eps / result.faust_passthrough_eps if result.faust_passthrough_eps else 0
    ratio_raw = result.pipeline_eps / result.aiokafka_passthrough_eps if result.aiokafka_passthrough_eps else 0
    rows = [
        ("events", f"{result.events:,}", ""),
        ("(a) raw aiokafka passthrough", f"{result.aiokafka_passthrough_eps:,.0f} ev/s", ""),
        ("(b) naive Faust passthrough", f"{result.faust_passthrough_eps:,.0f} ev/s", ""),
        ("(c) Vigil pipeline", f"{result.pipeline_eps:,.0f} ev/s", f"{ratio_faust:.2f}x (b), {ratio_raw:.2f}x (a)"),
        ("report -> escalation p50", f"{result.latency_p50_ms:,.1f} ms", f"at {result.offered_eps:,.0f} ev/s offered"),
        ("report -> escalation p99", f"{result.latency_p99_ms:,.1f} ms", f"{result.latency_samples:,} escalations"),
        ("worker peak RSS", f"{result.worker_rss_mb:,.0f} MB", ""),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"machine: {machine}"] + [f"{name:<{width}}  {value:>16}  {note}".rstrip() for name, value, note in rows]
    return "\n".join(lines)


def summary_json(result: Result) -> str:
    keys = ("events", "aiokafka_passthrough_eps", "faust_passthrough_eps", "pipeline_eps", "offered_eps",
            "latency_p50_ms", "latency_p99_ms", "worker_rss_mb")
    data = asdict(result)
    return json.dumps({k: round(data[k], 1) if isinstance(data[k], float) else data[k] for k in keys})


# --- phases ----------------------------------------------------------------------------------


# Reports arrive as fast as the pipeline is asked to go: their event times span seconds, not
# days, as in a live stream at this rate (and the pattern detector sees realistic windows).
BENCH_REPORTS_PER_SECOND = 5000.0


async def _preload(bootstrap: str, topic: str, codec: Codec, n: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=512 * 1024, acks="all")
    await producer.start()
    shape = Shape(reports_per_second=BENCH_REPORTS_PER_SECOND)
    start = datetime.now(UTC) - timedelta(seconds=n / BENCH_REPORTS_PER_SECOND)
    try:
        for line in generate(n, seed=2026, start=start, shape=shape):
            try:
                event = parse_json(line)
            except InvalidEvent:
                await producer.send(topic, line)  # bad input, as producers really send it
                continue
            await producer.send(topic, codec.encode(event), key=event_key(event))
        await producer.flush()
    finally:
        await producer.stop()


async def _aiokafka_passthrough(bootstrap: str, source: str, target: str, codec: Codec, n: int) -> float:
    consumer = AIOKafkaConsumer(source, bootstrap_servers=bootstrap, group_id=f"raw-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest", enable_auto_commit=True, max_partition_fetch_bytes=4 << 20)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_batch_size=256 * 1024)
    await consumer.start()
    await producer.start()
    try:
        seen, started = 0, 0.0
        while seen < n:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for records in batches.values():
                if not started:
                    started = time.perf_counter()
                for record in records:
                    try:
                        value = codec.encode(codec.decode_feedback(record.value))
                    except InvalidEvent:
                        value = record.value
                    await producer.send(target, value, key=record.key)
                    seen += 1
        await producer.flush()
        return n / (time.perf_counter() - started)
    finally:
        await consumer.stop()
        await producer.stop()


def _faust_passthrough(plan: Plan, source: str, target: str, run_id: str) -> float:
    data_dir = plan.run_dir / run_id / "faust-passthrough"
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "streams.bench.faust_passthrough", "--bootstrap", plan.bootstrap,
        "--source", source, "--target", target, "--events", str(plan.events),
        "--app-id", f"naive-{run_id}", "--data-dir", str(data_dir),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, cwd=REPO)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return float(json.loads(line)["eps"])
    raise RuntimeError(f"naive Faust passthrough gave no result (exit {done.returncode}): {done.stderr[-800:]}")


def _wait_until_assigned(run_dir: Path, count: int, timeout: float = 120) -> None:
    """Every worker has logged that it is ready, and the group has settled."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = [(run_dir / f"worker-{n}.log").read_text(errors="replace") for n in range(count)]
        if all("Worker ready" in log for log in logs):
            time.sleep(5)
            return
        time.sleep(0.5)
    raise RuntimeError(f"{count} workers did not all become ready within {timeout:.0f}s (logs in {run_dir})")


def _start_workers(settings: Settings, run_dir: Path, count: int) -> list[subprocess.Popen[bytes]]:
    """`count` intake workers and one pattern worker, as deployed (see streams/app.py)."""
    workers = []
    roles = [Role.INTAKE] * count + [Role.PATTERNS]
    for n, role in enumerate(roles):
        own = settings.model_copy(update={"data_dir": settings.data_dir / str(n), "web_port": _free_port(), "role": role})
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
        env.update({f"VIGIL_{k.upper()}": str(v) for k, v in own.model_dump(mode="json").items() if v is not None})
        env["VIGIL_LOG_LEVEL"] = "info" if count > 1 else "warn"
        run_dir.mkdir(parents=True, exist_ok=True)
        log = (run_dir / f"worker-{n}.log").open("wb")
        workers.append(subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], env=env, stdout=log, stderr=log, cwd=REPO))
    return workers


async def _pipeline_rate(bootstrap: str, outcomes: str, n: int) -> float:
    """From the first outcome record to the N-th, by the records' own timestamps."""
    consumer = AIOKafkaConsumer(outcomes, bootstrap_servers=bootstrap, group_id=f"bench-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        seen, first, last = 0, 0, 0
        while seen < n:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    first = first or record.timestamp
                    last = record.timestamp
                    seen += 1
        return n / max((last - first) / 1000, 1e-3)
    finally:
        await consumer.stop()


async def _latency(settings: Settings, topics: Topics, codec: Codec, rate: float, duration: float) -> list[float]:
    """Send at a fixed rate; time each report to the arrival of the escalation it opened."""
    sent: dict[str, float] = {}
    latencies: list[float] = []
    names = [topics.escalations(team) for team in topics.teams]
    consumer = AIOKafkaConsumer(*names, bootstrap_servers=settings.bootstrap_servers,
                                group_id=f"latency-{uuid.uuid4().hex[:6]}", auto_offset_reset="latest")
    await consumer.start()
    await asyncio.sleep(2)  # let the consumer take its partitions before the first send

    expected = int(rate * duration)  # every report names a new subject: each opens a case

    async def receive(until: float) -> None:
        while time.monotonic() < until and len(latencies) < expected:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                arrived = time.time()
                for record in records:
                    escalation = codec.decode(record.value, Escalation)
                    opened_by = escalation.sample_event_ids[0] if escalation.sample_event_ids else None
                    if escalation.version == 1 and opened_by in sent:
                        latencies.append((arrived - sent.pop(opened_by)) * 1000)

    receiver = asyncio.create_task(receive(time.monotonic() + duration + 10))
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, linger_ms=0)
    await producer.start()
    try:
        # Event times as a live stream at this rate has them (not the generator's 5,000 a day:
        # a minute of sends would span days of event time and every window would close at once).
        shape = Shape(duplicate_share=0, invalid_share=0, popular_share=0, subject_share=1.0, reports_per_second=rate)
        lines = generate(expected, seed=random.randrange(1 << 30), start=datetime.now(UTC), shape=shape)
        started = time.monotonic()
        for i, line in enumerate(lines):
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            event = parse_json(line)
            sent[event.event_id] = time.time()
            await producer.send(topics.feedback, codec.encode(event), key=event_key(event))
        await producer.flush()
        await receiver
    finally:
        await producer.stop()
        await consumer.stop()
    return latencies


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), "?")
    return f"{os.cpu_count()} cores, {cpu}, Python {sys.version.split()[0]}"

