"""`vigil bench` in miniature, so the benchmark keeps working. No speed is asserted here:
CI machines differ; the figures come from a full run (see the README)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.integration.harness import REPO

pytestmark = pytest.mark.integration

KEYS = {"events", "aiokafka_passthrough_eps", "faust_passthrough_eps", "pipeline_eps", "offered_eps",
        "latency_p50_ms", "latency_p99_ms", "worker_rss_mb"}


def test_the_benchmark_runs_end_to_end_and_reports_every_figure(kafka_bootstrap: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_BOOTSTRAP_SERVERS"] = kafka_bootstrap
    done = subprocess.run(
        [sys.executable, "-m", "streams.cli", "bench", "--events", "3000", "--rate", "100", "--duration", "5", "--json"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.splitlines()[-1])

    assert set(figures) == KEYS
    assert figures["events"] == 3000 and figures["offered_eps"] == 100
    for key in KEYS - {"events", "offered_eps"}:
        assert figures[key] > 0, f"{key} = {figures[key]}"
    assert figures["latency_p50_ms"] <= figures["latency_p99_ms"]
    assert "Vigil pipeline" in done.stdout
