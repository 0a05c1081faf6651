"""Topic names and their configuration: the public contract of Vigil on Kafka."""

from __future__ import annotations

from dataclasses import dataclass

from streams.core.routing import Routing
from streams.settings import Settings

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    doc: str
    config: dict[str, str]
    partitions: int | None = None  # None: the shared count (VIGIL_PARTITIONS)


@dataclass(frozen=True, slots=True)
class Topics:
    feedback: str  # FeedbackEvent, Avro (key: subject id, else reporter id)
    feedback_json: str  # FeedbackEvent, JSON, for simple producers
    updates: str  # EscalationUpdate from teams (key: escalation_id)
    routed: str  # internal: reports, updates and timers moved to their case's partition
    outcomes: str  # Outcome, one per input record (key: event_id)
    deadletter: str  # DeadLetter (key: event_id when known)
    pattern_counts: str  # internal: pre-aggregated window counts (key: dimensions)
    patterns: str  # PatternAlert (key: pattern_id)
    escalation_prefix: str
    teams: tuple[str, ...]

    @classmethod
    def for_settings(cls, settings: Settings, routing: Routing) -> Topics:
        p = settings.topic_prefix
        return cls(
            feedback=f"{p}.feedback.v1",
            feedback_json=f"{p}.feedback.json.v1",
            updates=f"{p}.escalations.updates.v1",
            routed=f"{p}.internal.routed.v1",
            outcomes=f"{p}.outcomes.v1",
            deadletter=f"{p}.deadletter.v1",
            pattern_counts=f"{p}.internal.pattern-counts.v1",
            patterns=f"{p}.patterns.v1",
            escalation_prefix=f"{p}.escalations.",
            teams=routing.all_teams,
        )

    def escalations(self, team: str) -> str:
        return f"{self.escalation_prefix}{team}.v1"

    @property
    def inputs(self) -> tuple[str, ...]:
        """Topics the intake agent reads; all share one partition count (see keys.py)."""
        return (self.feedback, self.feedback_json, self.updates, self.routed)

    def specs(self) -> list[TopicSpec]:
        week = str(7 * DAY_MS)
        month = str(30 * DAY_MS)
        # Inputs carry the broker's append time: the pipeline decides "as of" it (replays repeat).
        keep = {"retention.ms": week, "message.timestamp.type": "LogAppendTime"}
        specs = [
            TopicSpec(self.feedback, "FeedbackEvent (Avro)", keep),
            TopicSpec(self.feedback_json, "FeedbackEvent (JSON)", keep),
            TopicSpec(self.updates, "EscalationUpdate from teams", {**keep, "retention.ms": month}),
            TopicSpec(self.routed, "internal: reports/updates/timers on their case's partition", keep),
            TopicSpec(self.outcomes, "Outcome per input record", {"retention.ms": month}),
            TopicSpec(self.deadletter, "DeadLetter with the original bytes", {"retention.ms": month}),
            # One partition: a handful of small records a second, and one detector sees every key.
            TopicSpec(self.pattern_counts, "internal: pattern window deltas", {**keep, "retention.ms": str(DAY_MS)}, 1),
            TopicSpec(self.patterns, "PatternAlert", {"retention.ms": month}),
        ]
        specs += [
            TopicSpec(self.escalations(team), f"Escalations for team {team}", {"retention.ms": month})
            for team in self.teams
        ]
        return specs
