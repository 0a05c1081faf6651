"""The Grafana dashboard reads only metrics the worker exports, in valid PromQL, and covers
what ops and safety leads watch."""

from __future__ import annotations

import json
import shutil
import subprocess
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import unavailable
from tests.unit.metric_names import (
    all_panels,
    concrete,
    dashboard_expressions,
    promql_label_names,
    promql_metric_names,
    series_names,
    unknown_labels,
)

REPO = Path(__file__).resolve().parents[2]
GRAFANA = REPO / "ops" / "grafana"
DASHBOARD = json.loads((GRAFANA / "dashboards" / "vigil.json").read_text())
PANELS = [p for p in all_panels(DASHBOARD) if p["type"] != "row"]
EXPRESSIONS = dashboard_expressions(DASHBOARD)


def test_every_panel_has_a_query() -> None:
    for panel in PANELS:
        assert panel["targets"] and all(t["expr"].strip() for t in panel["targets"]), panel["title"]


@pytest.mark.parametrize(("title", "expr"), EXPRESSIONS, ids=[f"{t}:{i}" for i, (t, _) in enumerate(EXPRESSIONS)])
def test_panel_reads_exported_metrics(title: str, expr: str) -> None:
    names = promql_metric_names(expr)
    assert names, f"{title}: no metric in {expr}"
    assert names <= series_names() | {"up"}, f"{title} reads metrics the worker does not export: {names - series_names()}"


@pytest.mark.parametrize(("title", "expr"), EXPRESSIONS, ids=[f"{t}:{i}" for i, (t, _) in enumerate(EXPRESSIONS)])
def test_panel_uses_labels_its_metrics_have(title: str, expr: str) -> None:
    assert unknown_labels(expr) == set(), f"{title}: no metric in {expr} has these labels"


@pytest.mark.parametrize(
    ("expr", "unknown"),
    [
        ('sum by (team, priority) (vigil_open_cases{instance=~"$instance"})', set()),
        ('histogram_quantile(0.99, sum by (le, stage) (rate(vigil_stage_duration_seconds_bucket[5m])))', set()),
        ("sum by (teams) (vigil_open_cases)", {"teams"}),  # a typo
        ('sum(rate(vigil_outcomes_total{kind="merged"}[5m]))', {"kind"}),  # another metric's label
        ("sum by (le) (vigil_open_cases)", {"le"}),  # only histogram buckets have le
        ('sum(rate(vigil_dead_letters_total[5m])) / sum(rate(vigil_events_consumed_total{input="x"}[5m]))', set()),
    ],
)
def test_the_label_check_catches_labels_no_metric_has(expr: str, unknown: set[str]) -> None:
    assert unknown_labels(expr) == unknown


def test_labels_are_read_from_matchers_and_groupings() -> None:
    expr = 'sum by (a) (x{b="1", c=~"p|q"}) / on (d) group_left (e) y{f!="2"}'
    assert promql_label_names(expr) == {"a", "b", "c", "d", "e", "f"}


def test_panels_nested_in_collapsed_rows_are_read() -> None:
    panel = {"type": "timeseries", "title": "hidden", "targets": [{"expr": "sum(vigil_open_cases)"}]}
    dashboard = {"panels": [{"type": "row", "title": "r", "collapsed": True, "panels": [panel]}]}
    assert dashboard_expressions(dashboard) == [("hidden", "sum(vigil_open_cases)")]
    nested = [p["title"] for row in DASHBOARD["panels"] if row["type"] == "row" for p in row.get("panels", [])]
    assert nested and set(nested) <= {title for title, _ in EXPRESSIONS}


@pytest.mark.parametrize(
    ("topic", "metric"),
    [
        ("throughput", "vigil_events_consumed_total"),
        ("outcomes", "vigil_outcomes_total"),
        ("latency percentiles", "vigil_escalation_latency_seconds_bucket"),
        ("stage time", "vigil_stage_duration_seconds_bucket"),
        ("queues by team and priority", "vigil_open_cases"),
        ("SLA breaches", "vigil_sla_breaches_total"),
        ("patterns", "vigil_pattern_alerts_total"),
        ("lag", "vigil_consumer_lag_messages"),
        ("dead letters", "vigil_dead_letters_total"),
        ("publish errors", "vigil_publish_errors_total"),
        ("records per stage", "vigil_stage_events_total"),
        ("schema registry waits", "vigil_registry_waits_total"),
        ("timer errors", "vigil_timer_errors_total"),
    ],
)
def test_dashboard_covers(topic: str, metric: str) -> None:
    assert any(metric in promql_metric_names(expr) for _, expr in EXPRESSIONS), f"no panel shows {topic}"


def test_latency_panels_use_histogram_quantile() -> None:
    latency = [e for _, e in EXPRESSIONS if "vigil_escalation_latency_seconds_bucket" in e]
    assert latency and all("histogram_quantile(" in e for e in latency)


def test_expressions_are_valid_promql(tmp_path: Path) -> None:
    binary = shutil.which("promtool")
    if binary is None:
        unavailable("promtool", "install Debian's prometheus package (apt-get install prometheus)")
    rules = [{"record": f"dashboard:expr_{i}", "expr": concrete(expr)} for i, (_, expr) in enumerate(EXPRESSIONS)]
    path = tmp_path / "dashboard.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = subprocess.run([binary, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_panels_do_not_overlap_and_ids_are_unique() -> None:
    ids = [p["id"] for p in all_panels(DASHBOARD)]
    assert len(ids) == len(set(ids))

    def cells(panel: dict[str, Any]) -> set[tuple[int, int]]:
        g = panel["gridPos"]
        assert 0 <= g["x"] and g["x"] + g["w"] <= 24, panel["title"]
        return {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}

    for a, b in combinations(all_panels(DASHBOARD), 2):
        assert not cells(a) & cells(b), f"{a['title']} overlaps {b['title']}"


def test_dashboard_uses_the_provisioned_datasource_and_folder() -> None:
    datasource = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())["datasources"][0]
    uids = {t["datasource"]["uid"] for p in PANELS for t in p["targets"]} | {p["datasource"]["uid"] for p in PANELS}
    assert uids == {datasource["uid"]}
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "vigil.yml").read_text())["providers"][0]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["grafana"]["volumes"]
    assert f"./ops/grafana/dashboards:{provider['options']['path']}:ro" in compose
