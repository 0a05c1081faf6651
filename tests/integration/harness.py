"""A real worker process on the real broker, isolated by a unique topic prefix and app id."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Hashable, Iterator

import msgspec

from connectors.producer import FeedbackProducer
from streams.app import make_codec
from streams.codecs import Codec
from streams.core.routing import load_routing
from streams.reader import output_topics, read
from streams.settings import Settings
from streams.topics import Topics

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Worker:
    settings: Settings
    topics: Topics
    codec: Codec
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.settings.web_host}:{self.settings.web_port}"

    def get(self, path: str) -> bytes:
        return urllib.request.urlopen(self.url + path, timeout=5).read()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def produce(self, lines: list[bytes], as_json: bool = False) -> None:
        async def go() -> None:
            async with FeedbackProducer(self.settings.bootstrap_servers, self.codec, self.topics) as producer:
                for line in lines:
                    await producer.send_line(line, as_json)

        asyncio.run(go())

    def produce_raw(self, topic: str, values: list[bytes], key: bytes | None = None) -> None:
        from aiokafka import AIOKafkaProducer

        async def go() -> None:
            producer = AIOKafkaProducer(bootstrap_servers=self.settings.bootstrap_servers)
            await producer.start()
            try:
                for value in values:
                    await producer.send_and_wait(topic, value, key=key)
            finally:
                await producer.stop()

        asyncio.run(go())

    def collect(self, output: str, until: int, timeout: float = 60.0,
                where: Callable[[Any], bool] = lambda record: True,
                key: Callable[[Any], Hashable] | None = None) -> list[Any]:
        """Records of an output ('outcomes', 'escalations', ...) that pass `where`, once `until`
        of them have arrived (with `key`: once records with `until` different keys have)."""
        names, kind = output_topics(self.topics)[output]
        keys: set[Hashable] = set()

        async def go() -> list[Any]:
            got: list[Any] = []
            deadline = time.monotonic() + timeout
            async for record in read(self.settings.bootstrap_servers, names, self.codec, kind, timeout):
                if where(record):
                    got.append(record)
                    keys.add(key(record) if key else len(got))
                if len(keys) >= until or time.monotonic() > deadline:
                    break
            return got

        records = asyncio.run(go())
        what = "different keys in " if key else ""
        assert len(keys) >= until, f"{output}: {len(keys)}/{until} {what}records after {timeout}s\n{self.log_tail()}"
        return records

    def drain(self, output: str, quiet: float = 3.0) -> list[Any]:
        """Every record of an output, reading until none arrives for `quiet` seconds."""
        names, kind = output_topics(self.topics)[output]

        async def go() -> list[Any]:
            return [r async for r in read(self.settings.bootstrap_servers, names, self.codec, kind, quiet)]

        return asyncio.run(go())

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def settings_for(bootstrap: str, name: str, tmp: Path, **overrides: Any) -> Settings:
    return Settings(
        bootstrap_servers=bootstrap,
        topic_prefix=f"it.{name}",
        app_id=f"it-{name}",
        data_dir=tmp / "worker",
        web_port=free_port(),
        sla_check_interval_s=1.0,
        **overrides,
    )


def env_for(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    for field, value in settings.model_dump().items():
        if value is not None:
            env[f"VIGIL_{field.upper()}"] = str(value.value if hasattr(value, "value") else value)
    return env


def start_worker(settings: Settings, log: Path, timeout: float = 90.0) -> Worker:
    handle = log.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "worker"], env=env_for(settings), stdout=handle, stderr=handle, cwd=REPO
    )
    topics = Topics.for_settings(settings, load_routing(settings.rules_dir))
    worker = Worker(settings, topics, make_codec(settings), process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"worker exited with {process.returncode}:\n{worker.log_tail()}")
        try:
            if b"vigil_" in worker.get("/metrics") and _assigned(worker):
                return worker
        except OSError:
            pass
        time.sleep(0.5)
    worker.stop()
    raise AssertionError(f"worker not ready within {timeout}s:\n{worker.log_tail()}")


def _assigned(worker: Worker) -> bool:
    """Ready means the intake agent has its partitions (the log says so)."""
    return "Worker ready" in worker.log.read_text(errors="replace")


@contextmanager
def running_worker(settings: Settings, log: Path) -> Iterator[Worker]:
    worker = start_worker(settings, log)
    try:
        yield worker
    finally:
        worker.stop()


def event(event_id: str, text: str, **fields: Any) -> bytes:
    body: dict[str, Any] = {
        "event_id": event_id,
        "occurred_at": fields.pop("occurred_at", "2026-11-25T08:00:00Z"),
        "channel": fields.pop("channel", "in_app_report"),
        "text": text,
        "reporter": fields.pop("reporter", {"user_id": f"u-{event_id}", "region": "US", "language": "en"}),
    }
    body.update(fields)
    return msgspec.json.encode(body)
