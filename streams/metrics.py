"""Prometheus metrics of one worker, built on an injected registry (tests use a fresh one).

Names are vigil_<noun>_<unit>. Labels are small closed sets (stage, outcome, reason, team,
priority, kind, topic, partition): never ids, never text, never anything about a person.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

# *_created series double the scrape size and no dashboard or rule here reads them.
disable_created_metrics()

# Seconds-scale SLAs (the tightest is 15 min to acknowledge a P0); the low buckets show the
# pipeline's own share, the high ones a backlog.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
# A batch of up to 500 reports takes milliseconds; the top buckets show a stall (a slow disk,
# a registry wait, a detector judging every window at once) instead of lumping it into +Inf.
STAGE_BUCKETS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.events_consumed = Counter(
            "vigil_events_consumed_total",
            "Records read by an agent, by input topic role.",
            ["input"],
            registry=registry,
        )
        self.stage_events = Counter(
            "vigil_stage_events_total",
            "Records each stage handled (decode, triage, fuse, publish, patterns).",
            ["stage"],
            registry=registry,
        )
        self.outcomes = Counter(
            "vigil_outcomes_total",
            "Terminal outcome of every input record (escalated, merged, duplicate, dead_letter), with its reason.",
            ["outcome", "reason"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "vigil_dead_letters_total",
            "Records sent to the dead-letter topic, by stage and reason.",
            ["stage", "reason"],
            registry=registry,
        )
        self.escalations = Counter(
            "vigil_escalations_published_total",
            "Escalation versions published to team topics, by team, priority and trigger.",
            ["team", "priority", "trigger"],
            registry=registry,
        )
        self.escalation_latency = Histogram(
            "vigil_escalation_latency_seconds",
            "Report to published escalation: clock=event from occurred_at, clock=ingest from the Kafka record timestamp.",
            ["clock", "priority"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.stage_seconds = Histogram(
            "vigil_stage_duration_seconds",
            "Processing time of one batch in each stage (decode, triage, fuse, publish, patterns).",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=registry,
        )
        self.batch_events = Histogram(
            "vigil_batch_events",
            "Records per intake batch.",
            buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 2000),
            registry=registry,
        )
        self.open_cases = Gauge(
            "vigil_open_cases",
            "Cases with an unresolved escalation, by owning team and priority.",
            ["team", "priority"],
            registry=registry,
        )
        self.sla_breaches = Counter(
            "vigil_sla_breaches_total",
            "Missed deadlines: kind=ack (re-escalated one level up) or kind=resolve.",
            ["team", "priority", "kind"],
            registry=registry,
        )
        self.updates = Counter(
            "vigil_escalation_updates_total",
            "Updates from teams (ack, resolve, ...), by action and result (applied or the rejection reason).",
            ["action", "result"],
            registry=registry,
        )
        self.rerouted = Counter(
            "vigil_records_rerouted_total",
            "Records moved to their case's partition before processing (producer keyed them elsewhere).",
            ["kind"],
            registry=registry,
        )
        self.pattern_alerts = Counter(
            "vigil_pattern_alerts_total",
            "Pattern alerts published, by kind and status (opened, updated, resolved).",
            ["kind", "status"],
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "vigil_consumer_lag_messages",
            "Records in an assigned input partition not yet processed (high watermark - committed or processed offset).",
            ["topic", "partition"],
            registry=registry,
        )
        self.publish_errors = Counter(
            "vigil_publish_errors_total",
            "Records the producer failed to deliver, by output.",
            ["output"],
            registry=registry,
        )
        self.input_gaps = Counter(
            "vigil_input_gaps_total",
            "Input records skipped within a partition: offsets that never reached the intake agent, by input"
            " role. Nonzero means records went unprocessed (or upstream producers use transactions).",
            ["input"],
            registry=registry,
        )
        self.registry_waits = Counter(
            "vigil_registry_waits_total",
            "Times the intake waited for the schema registry (unreachable or 5xx) instead of dead-lettering a record.",
            registry=registry,
        )
        self.timer_errors = Counter(
            "vigil_timer_errors_total",
            "Timer runs that failed (the timer logs it and runs again next interval), by timer.",
            ["timer"],
            registry=registry,
        )
        self.last_event_seconds = Gauge(
            "vigil_last_event_timestamp_seconds",
            "Unix time the intake agent last finished a batch (staleness check).",
            registry=registry,
        )


@lru_cache(maxsize=8192)
def child(metric: Any, *labels: str) -> Any:
    """`metric.labels(*labels)`, remembered: the lookup takes a lock and hashes on every call,
    and the intake makes several per report. Label values are closed sets, so this stays small."""
    return metric.labels(*labels)
