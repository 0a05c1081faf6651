"""The human sentence and next step an alert carries. Ids only where a team needs them:
a subject key for recurring subjects, a reporter id only for abusive reporters."""

from __future__ import annotations

from collections.abc import Mapping

from streams.core.patterns.alert import AlertStatus, PatternKind
from streams.core.routing import Routing

_PLATFORM_NAMES = {"android": "Android", "ios": "iOS", "web": "web", "desktop": "desktop"}


def duration(seconds: int) -> str:
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 2 * 86_400:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86_400)} days"


def platform_name(platform: str) -> str:
    return _PLATFORM_NAMES.get(platform.lower(), platform)


def routing_teams(routing: Routing) -> dict[str, str]:
    """category -> team of the rule set the worker or backtest runs, for suggested actions."""
    return {str(category): team for category, team in routing.teams.items()}


class Narrator:
    def __init__(self, teams: Mapping[str, str]) -> None:
        self._teams = teams

    def team(self, category: str) -> str:
        return self._teams.get(category, "support")

    def summary(
        self,
        kind: PatternKind,
        status: AlertStatus,
        dims: Mapping[str, str],
        count: int,
        span_s: int,
        expected: float,
        distinct: int,
        reference: str,
        facts: Mapping[str, float],
        also: Mapping[str, str] | None = None,
    ) -> str:
        """`also`: dimensions of other facets where the same reports spiked (one incident)."""
        text = self._describe(kind, dims, count, duration(span_s), expected, distinct, reference, facts)
        if also:
            text += f"; the same reports also spiked {_also(also)}"
        return f"Back to normal: {text}" if status is AlertStatus.RESOLVED else text

    def _describe(
        self,
        kind: PatternKind,
        dims: Mapping[str, str],
        count: int,
        span: str,
        expected: float,
        distinct: int,
        reference: str,
        facts: Mapping[str, float],
    ) -> str:
        ratio = _ratio(count, expected)
        if kind is PatternKind.SPIKE:
            incidents = int(facts.get("incidents", count))
            return (
                f"{_reports_of(dims)} rose to {count} in {span} ({incidents} distinct subjects, "
                f"{distinct} reporters), {_ratio(incidents, expected)} the {expected:.1f} expected"
            )
        if kind is PatternKind.RELEASE_REGRESSION:
            return (
                f"{dims['category']} reports from {platform_name(dims['platform'])} "
                f"{dims['app_version']} rose to {count} in {span}, {ratio} the {expected:.1f} "
                f"expected from {reference}"
            )
        if kind is PatternKind.NEAR_DUPLICATE_CLUSTER:
            return (
                f"{count} near-duplicate reports in text cluster {dims['text_cluster']} "
                f"from {distinct} reporters in {span}"
            )
        if kind is PatternKind.COORDINATED_REPORTING:
            return (
                f"{count} {dims['category']} reports in region {dims['region']} came from "
                f"{distinct} new or previously rejected accounts flagged as coordinated in {span}"
            )
        if kind is PatternKind.ABUSIVE_REPORTER:
            return (
                f"reporter {dims['reporter']} filed {count} reports in {span}, "
                f"{ratio} the {facts.get('peer_mean', 0.0):.1f} of a typical reporter; "
                f"{int(facts.get('rejected', 0))} from a history of rejected reports"
            )
        return (
            f"cases about {dims['subject']} were reopened {count} times in {span} (by new reports "
            f"or their team; {int(facts.get('reports', 0))} reports from {distinct} reporters)"
        )

    def action(self, kind: PatternKind, dims: Mapping[str, str], category: str) -> str:
        team = self.team(dims.get("category", category))
        if kind is PatternKind.SPIKE:
            return (
                f"alert the {team} on-call; look for one cause behind {_reports_of(dims)} "
                "(outage, viral content or a campaign) and handle the cases together"
            )
        if kind is PatternKind.RELEASE_REGRESSION:
            return (
                f"page the {platform_name(dims['platform'])} release owner; consider halting "
                f"the {dims['app_version']} rollout"
            )
        if kind is PatternKind.NEAR_DUPLICATE_CLUSTER:
            return f"have {team} review the cluster as one case and answer its reporters together"
        if kind is PatternKind.COORDINATED_REPORTING:
            return (
                f"send to {team} for brigading review; hold automated enforcement on the "
                "reported content until it is reviewed"
            )
        if kind is PatternKind.ABUSIVE_REPORTER:
            return (
                f"review reporter {dims['reporter']} for report abuse; consider rate-limiting "
                "or deprioritising their reports"
            )
        return f"escalate {dims['subject']} to {team} for a lasting fix instead of closing each case"


def _reports_of(dims: Mapping[str, str]) -> str:
    return f"{dims['category']} reports from {_where(dims)}"


def _where(dims: Mapping[str, str]) -> str:
    where = [f"region {dims['region']}" if "region" in dims else ""]
    if "language" in dims:
        where.append(f"language {dims['language']}")
    if "platform" in dims:
        where.append(f"{platform_name(dims['platform'])} {dims.get('app_version', '')}".strip())
    return " ".join(w for w in where if w)


def _also(dims: Mapping[str, str]) -> str:
    parts = [f"in {name} {dims[name]}" for name in ("region", "language") if name in dims]
    if "platform" in dims:
        parts.append(f"on {platform_name(dims['platform'])} {dims.get('app_version', '')}".strip())
    return " and ".join(parts)


def _ratio(count: int, expected: float) -> str:
    return f"{count / expected:.1f}x" if expected > 0 else "far above"
