"""A real Prometheus scrapes a real worker: Vigil's metrics arrive, the alert rules evaluate
against them, every dashboard query runs, and no label carries an id or report text."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from tests.conftest import unavailable
from tests.integration.harness import REPO, Worker, event, free_port, running_worker, settings_for
from tests.unit.metric_names import concrete, dashboard_expressions, promql_metric_names, scraped_series_names

pytestmark = pytest.mark.integration

RULES = REPO / "ops" / "prometheus" / "rules" / "vigil.yml"
DASHBOARD = json.loads((REPO / "ops" / "grafana" / "dashboards" / "vigil.json").read_text())
ALERTS = {rule["alert"]: rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]}
WAIT_S = 60.0

# Reports with ids and text that must never show up in /metrics.
REPORTS = [
    ("prom-threat-1", "I will find you after school and hurt you, i know where you live", "u-prom-alice", "p-prom-target-1"),
    ("prom-scam-2", "fake giveaway asking for my card number to claim a phone", "u-prom-bob", "p-prom-target-2"),
    ("prom-bug-3", "the app crashes every time I open the camera", "u-prom-carol", "p-prom-target-3"),
]
INVALID = b'{"event_id": "prom-bad-4", "channel": "in_app_report"}'


@pytest.fixture(scope="module")
def worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    tmp = tmp_path_factory.mktemp("prometheus-worker")
    settings = settings_for(kafka_bootstrap, f"prom{uuid.uuid4().hex[:8]}", tmp)
    with running_worker(settings, tmp / "worker.log") as worker:
        lines = [
            event(event_id, text, reporter={"user_id": user, "region": "US", "language": "en"},
                  subject={"type": "account", "id": subject})
            for event_id, text, user, subject in REPORTS
        ]
        worker.produce([*lines, INVALID], as_json=True)
        worker.collect("outcomes", until=len(lines) + 1)
        yield worker


@pytest.fixture(scope="module")
def prometheus(worker: Worker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("prometheus")
    if binary is None:
        unavailable("prometheus", "install Debian's prometheus package (apt-get install prometheus)")
    tmp = tmp_path_factory.mktemp("prometheus")
    config = tmp / "prometheus.yml"
    config.write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [{
            "job_name": "vigil",
            "static_configs": [{"targets": [f"{worker.settings.web_host}:{worker.settings.web_port}"]}],
        }],
    }))
    url = f"http://127.0.0.1:{free_port()}"
    log = (tmp / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp / 'data'}",
         f"--web.listen-address={url.removeprefix('http://')}", "--log.level=warn"],
        stdout=log, stderr=log,
    )
    try:
        _wait(lambda: _get(url + "/-/ready") is not None, "Prometheus ready", process, tmp / "prometheus.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _get(url: str) -> bytes | None:
    try:
        return urllib.request.urlopen(url, timeout=5).read()
    except OSError:
        return None


def _wait(done: Any, what: str, process: subprocess.Popen[bytes] | None = None, log: Path | None = None) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"prometheus exited with {process.returncode}:\n{log.read_text() if log else ''}")
        if result := done():
            return result
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {WAIT_S}s")


def query(prometheus: str, expr: str) -> dict[str, Any]:
    body = _get(f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    assert body is not None, f"query failed: {expr}"
    answer = json.loads(body)
    assert answer["status"] == "success", answer
    return answer["data"]


def scalar(prometheus: str, expr: str) -> float:
    result = query(prometheus, expr)["result"]
    return float(result[0]["value"][1]) if result else 0.0


def test_prometheus_scrapes_every_outcome(prometheus: str) -> None:
    expected = len(REPORTS) + 1
    seen = _wait(lambda: scalar(prometheus, "sum(vigil_outcomes_total)") >= expected or None, "outcomes scraped")
    assert seen
    assert scalar(prometheus, "sum(vigil_outcomes_total)") == expected
    assert scalar(prometheus, 'sum(vigil_outcomes_total{outcome="dead_letter"})') == 1
    assert scalar(prometheus, 'sum(vigil_dead_letters_total{stage="decode",reason="missing_field"})') == 1
    assert scalar(prometheus, 'up{job="vigil"}') == 1


def test_escalation_latency_is_recorded(prometheus: str) -> None:
    _wait(lambda: scalar(prometheus, 'sum(vigil_escalation_latency_seconds_count{clock="ingest"})') > 0 or None,
          "latency scraped")
    p99 = scalar(prometheus, 'histogram_quantile(0.99, sum by (le) (vigil_escalation_latency_seconds_bucket{clock="ingest"}))')
    assert 0 < p99 <= 3600


def test_the_pattern_agent_and_every_stage_are_measured(prometheus: str, worker: Worker) -> None:
    _wait(lambda: scalar(prometheus, 'sum(vigil_events_consumed_total{input="pattern_counts"})') > 0 or None,
          "pattern counts consumed")
    assert scalar(prometheus, 'sum(vigil_stage_duration_seconds_count{stage="patterns"})') > 0
    for stage in ("decode", "triage", "fuse", "publish", "patterns"):
        assert scalar(prometheus, f'sum(vigil_stage_events_total{{stage="{stage}"}})') > 0, stage
    lag = f'vigil_consumer_lag_messages{{topic="{worker.topics.pattern_counts}"}}'
    _wait(lambda: query(prometheus, lag)["result"] or None, "lag of the pattern agent's input")
    done = f'vigil_consumer_lag_messages{{topic="{worker.topics.feedback_json}"}}'
    _wait(lambda: query(prometheus, done)["result"] and scalar(prometheus, f"sum({done})") == 0 or None,
          "no lag once every report is processed")


def test_alert_rules_load_and_evaluate_without_error(prometheus: str) -> None:
    def evaluated() -> list[dict[str, Any]] | None:
        body = _get(prometheus + "/api/v1/rules")
        rules = [r for g in json.loads(body)["data"]["groups"] for r in g["rules"]] if body else []
        # Not evaluated yet: lastEvaluation is the zero time, 0001-01-01T00:00:00Z.
        return rules if rules and all(r["lastEvaluation"] > "2000" for r in rules) else None

    rules = _wait(evaluated, "rules evaluated")
    assert {r["name"] for r in rules} == set(ALERTS)
    assert [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"] == []
    # A healthy worker after a handful of reports: nothing pages.
    assert [r["name"] for r in rules if r["state"] == "firing" and r["labels"].get("severity") == "critical"] == []


@pytest.mark.parametrize(("title", "expr"), dashboard_expressions(DASHBOARD))
def test_dashboard_query_runs(prometheus: str, title: str, expr: str) -> None:
    data = query(prometheus, concrete(expr))
    assert data["resultType"] in {"vector", "scalar", "matrix"}, title


def test_live_metrics_export_what_rules_and_dashboard_read(worker: Worker) -> None:
    exported = scraped_series_names(worker.get("/metrics").decode())
    read = set().union(*(promql_metric_names(e) for _, e in dashboard_expressions(DASHBOARD)),
                       *(promql_metric_names(r["expr"]) for r in ALERTS.values()))
    assert read - {"up"} <= exported, f"read but not exported: {read - {'up'} - exported}"


def test_no_id_or_text_reaches_the_metrics(worker: Worker) -> None:
    exposition = worker.get("/metrics").decode()
    assert 'vigil_outcomes_total{outcome="escalated"' in exposition  # labels are there to look at
    for event_id, text, user, subject in REPORTS:
        for secret in (event_id, user, subject, text, text[:20]):
            assert secret not in exposition
    assert "prom-bad-4" not in exposition
