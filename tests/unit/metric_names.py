"""What a worker exports to Prometheus, read from the same classes the worker registers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from streams.faust_metrics import FaustMonitorCollector
from streams.metrics import Metrics

_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


@dataclass(frozen=True)
class Family:
    name: str  # as exposed: counters carry _total
    type: str
    labels: tuple[str, ...]

    @property
    def series(self) -> set[str]:
        """Names a PromQL expression can select."""
        base = self.name.removesuffix("_total")
        return {base + suffix for suffix in _SUFFIXES[self.type]}


def worker_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    Metrics(registry)
    registry.register(FaustMonitorCollector(app=None))  # describe() needs no running app
    return registry


def families(registry: CollectorRegistry | None = None) -> dict[str, Family]:
    registry = registry or worker_registry()
    found = {}
    # prometheus_client has no public accessor for label names; _labelnames is stable API in practice.
    for collector in registry._collector_to_names:  # noqa: SLF001
        for metric in collector.describe():
            name = metric.name + ("_total" if metric.type == "counter" else "")
            labels = getattr(collector, "_labelnames", None) or getattr(metric, "_labelnames", ())
            found[name] = Family(name, metric.type, tuple(labels))
    return found


def series_names(registry: CollectorRegistry | None = None) -> set[str]:
    return set().union(*(family.series for family in families(registry).values()))


def scraped_series_names(exposition: str) -> set[str]:
    """Names a live /metrics exposes, from its # TYPE lines (labelled metrics without samples
    have no sample lines, but their TYPE line is there)."""
    found: set[str] = set()
    for name, kind in re.findall(r"^# TYPE (\w+) (\w+)$", exposition, flags=re.M):
        base = name.removesuffix("_total")
        found |= {base + suffix for suffix in _SUFFIXES.get(kind, ("",))}
    return found


_PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan"}


def promql_metric_names(expr: str) -> set[str]:
    """Metric names an expression selects (a small reader, enough for our rules and panels:
    it drops strings, label matchers, range/offset brackets, grouping lists and function calls)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w$.])([a-zA-Z_:][\w:]*)(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _PROMQL_KEYWORDS:
            continue
        names.add(name)
    return names


_GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "1h", "$__interval": "15s", "$instance": ".*"}


# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"instance", "job"}


def series_labels(registry: CollectorRegistry | None = None) -> dict[str, set[str]]:
    """Label names each selectable series name carries (histogram buckets add `le`)."""
    found: dict[str, set[str]] = {"up": set()}
    for family in families(registry).values():
        for series in family.series:
            found[series] = set(family.labels) | ({"le"} if series.endswith("_bucket") else set())
    return found


def promql_label_names(expr: str) -> set[str]:
    """Label names an expression matches on or groups by (same small reader as above)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    names: set[str] = set()
    for braces in re.findall(r"\{([^}]*)\}", text):
        names |= set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", braces))
    for group in re.findall(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", text):
        names |= set(re.findall(r"\w+", group))
    return names


def unknown_labels(expr: str, registry: CollectorRegistry | None = None) -> set[str]:
    """Labels `expr` uses that none of the metrics it reads has: a typo or a stale name."""
    known = series_labels(registry)
    available = set(TARGET_LABELS).union(*(known.get(name, set()) for name in promql_metric_names(expr)))
    return promql_label_names(expr) - available


def all_panels(dashboard: dict) -> list[dict]:  # type: ignore[type-arg]
    """Every panel, those nested in collapsed rows too (Grafana keeps them inside the row)."""
    panels = []
    for panel in dashboard["panels"]:
        panels.append(panel)
        panels.extend(panel.get("panels", []) if panel["type"] == "row" else [])
    return panels


def dashboard_expressions(dashboard: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    """(panel title, PromQL) of every query in a Grafana dashboard, Grafana variables as written."""
    return [(p["title"], t["expr"]) for p in all_panels(dashboard) if p["type"] != "row" for t in p["targets"]]


def concrete(expr: str) -> str:
    """A dashboard expression with Grafana's variables replaced, as Prometheus would receive it."""
    for variable, value in _GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr
