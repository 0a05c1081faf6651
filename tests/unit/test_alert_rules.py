"""The alert rules load, pass their promtool unit tests, and read only metrics the worker exports."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import unavailable
from tests.unit.metric_names import promql_metric_names, series_names, unknown_labels

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
def test_rule_uses_labels_its_metrics_have(rule: dict) -> None:  # type: ignore[type-arg]
    assert unknown_labels(rule["expr"]) == set(), rule["alert"]


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


# A label matcher inside a selector's braces: name, operator, quoted value.
MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"')


def without_matcher(expr: str, match: re.Match[str]) -> str:
    """`expr` with one matcher removed, and its comma (or its empty braces) with it."""
    before, after = expr[: match.start()], expr[match.end() :]
    if after.lstrip().startswith(","):
        after = after.lstrip()[1:]
    elif before.rstrip().endswith(","):
        before = before.rstrip()[:-1]
    if before.endswith("{") and after.startswith("}"):
        before, after = before[:-1], after[1:]
    return before + after


MUTANTS = [
    pytest.param(rule["alert"], index, match.group(0), id=f"{rule['alert']}-{match.group(0)}")
    for rule in ALERTS
    for index, match in enumerate(MATCHER.finditer(rule["expr"]))
]


@pytest.mark.parametrize(
    ("expr", "matcher", "expected"),
    [
        ('up{job="vigil"} == 0', 'job="vigil"', "up == 0"),
        ('x{a="1",b=~"2|3"}', 'a="1"', 'x{b=~"2|3"}'),
        ('x{a="1", b!~"2"}', 'b!~"2"', 'x{a="1"}'),
    ],
)
def test_a_matcher_is_removed_cleanly(expr: str, matcher: str, expected: str) -> None:
    (match,) = [m for m in MATCHER.finditer(expr) if m.group(0) == matcher]
    assert without_matcher(expr, match) == expected


def test_every_rule_with_a_filter_has_mutants() -> None:
    filtered = {rule["alert"] for rule in ALERTS if "{" in rule["expr"]}
    assert filtered and filtered == {alert for alert, *_ in (m.values for m in MUTANTS)}


@pytest.mark.parametrize(("alert", "index", "matcher"), MUTANTS)
def test_the_rule_tests_notice_a_missing_matcher(alert: str, index: int, matcher: str, tmp_path: Path) -> None:
    """Each label filter of a rule is tested: without it, some look-alike in the rule tests
    fires (or an expected alert changes) and `promtool test rules` fails."""
    groups = yaml.safe_load(RULES.read_text())
    (rule,) = [r for g in groups["groups"] for r in g["rules"] if r.get("alert") == alert]
    match = list(MATCHER.finditer(rule["expr"]))[index]
    rule["expr"] = without_matcher(rule["expr"], match)
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "rules" / "vigil.yml").write_text(yaml.safe_dump(groups, sort_keys=False))
    for path in RULE_TESTS:
        shutil.copy(path, tmp_path / "tests" / path.name)
    assert promtool("check", "rules", tmp_path / "rules" / "vigil.yml").returncode == 0, rule["expr"]
    result = promtool("test", "rules", *sorted((tmp_path / "tests").glob("*.yml")))
    assert result.returncode != 0, f"{alert} without {matcher} still passes its tests:\n{rule['expr']}"
