"""The alert rules load, pass their promtool unit tests, and read only metrics the worker exports."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import unavailable
from tests.unit.metric_names import promql_metric_names, series_names

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS = REPO / "ops" / "prometheus"
RULES = PROMETHEUS / "rules" / "vigil.yml"
RULE_TESTS = sorted((PROMETHEUS / "tests").glob("*.yml"))
ALERTS = [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]
SCRAPE_GENERATED = {"up"}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        unavailable("promtool", "install Debian's prometheus package (apt-get install prometheus)")
    return subprocess.run([binary, *map(str, args)], capture_output=True, text=True, cwd=REPO, timeout=120)


def test_rules_pass_promtool_check() -> None:
    result = promtool("check", "rules", RULES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(ALERTS)} rules found" in result.stdout


def test_rules_pass_their_unit_tests() -> None:
    assert RULE_TESTS, "no promtool rule tests in ops/prometheus/tests"
    result = promtool("test", "rules", *RULE_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus.docker.yml"])
def test_scrape_configs_are_valid(config: str) -> None:
    result = promtool("check", "config", PROMETHEUS / config)
    assert result.returncode == 0, result.stdout + result.stderr


def test_local_and_docker_configs_load_the_same_rules() -> None:
    local = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    docker = yaml.safe_load((PROMETHEUS / "prometheus.docker.yml").read_text())
    assert [PROMETHEUS / pattern for pattern in local["rule_files"]] == [PROMETHEUS / "rules" / "*.yml"]
    mounts = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["prometheus"]["volumes"]
    mounted = {target.removesuffix(":ro"): source for source, target in (m.split(":", 1) for m in mounts)}
    (pattern,) = docker["rule_files"]
    directory, _, glob = pattern.rpartition("/")
    assert mounted[directory] == "./ops/prometheus/rules" and glob == "*.yml"
    assert local["scrape_configs"][0]["job_name"] == docker["scrape_configs"][0]["job_name"] == "vigil"


@pytest.mark.parametrize("rule", ALERTS, ids=lambda rule: rule["alert"])
def test_rule_reads_exported_metrics(rule: dict) -> None:  # type: ignore[type-arg]
    names = promql_metric_names(rule["expr"])
    assert names, f"{rule['alert']}: no metric found in its expression"
    assert names <= series_names() | SCRAPE_GENERATED, f"{rule['alert']} reads {names - series_names()}"


@pytest.mark.parametrize("rule", ALERTS, ids=lambda rule: rule["alert"])
def test_rule_is_tested_firing_and_quiet(rule: dict) -> None:  # type: ignore[type-arg]
    cases = [
        case
        for path in RULE_TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case["alertname"] == rule["alert"]
    ]
    assert any(case["exp_alerts"] for case in cases), f"{rule['alert']} has no firing test"
    assert any(not case["exp_alerts"] for case in cases), f"{rule['alert']} has no not-firing test"
    assert rule["labels"]["severity"] in {"critical", "warning"}
