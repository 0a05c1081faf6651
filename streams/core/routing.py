"""Routing and SLA configuration: category -> team, priority -> deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import yaml

from streams.core.taxonomy import Category, Priority

DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


@dataclass(frozen=True, slots=True)
class Sla:
    ack: timedelta
    resolve: timedelta


@dataclass(frozen=True, slots=True)
class Routing:
    version: str
    teams: dict[Category, str]
    sla: dict[Priority, Sla]
    escalation_levels: tuple[str, ...]

    def team_for(self, category: Category) -> str:
        return self.teams[category]

    @property
    def all_teams(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.teams.values())))


def load_routing(rules_dir: Path | None = None) -> Routing:
    path = (rules_dir or DEFAULT_RULES_DIR) / "routing.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = [c.value for c in Category if c.value not in raw["teams"]]
    if missing:
        raise ValueError(f"{path}: no team for categories {', '.join(missing)}")
    return Routing(
        version=str(raw["version"]),
        teams={Category(k): str(v) for k, v in raw["teams"].items()},
        sla={
            Priority(p): Sla(timedelta(seconds=v["ack"]), timedelta(seconds=v["resolve"]))
            for p, v in raw["sla"].items()
        },
        escalation_levels=tuple(raw["escalation_levels"]),
    )
