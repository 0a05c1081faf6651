"""Backtest: the whole core over a file of reports, in event time, with no Kafka.

The same Intake, CaseEngine and pattern detectors the worker runs, driven by a static input:
reports sorted by `occurred_at`, a clock that is the latest event time seen, SLA checks and
state expiry fired when event time passes their moment. What it yields is what the worker
would have published: one outcome per non-blank line (blank lines are only counted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, Iterator

from streams.core.clock import ManualClock
from streams.core.engine import CaseEngine, EngineConfig
from streams.core.escalation import Escalation
from streams.core.intake import Intake, Processed
from streams.core.outcome import Outcome, Source, Stage
from streams.core.patterns import PatternConfig, PatternCounter, PatternDetector
from streams.core.patterns.alert import PatternAlert
from streams.core.patterns.narrative import routing_teams
from streams.core.patterns.observation import observation_of
from streams.core.report import FeedbackEvent, InvalidEvent, parse_json
from streams.core.routing import load_routing
from streams.core.sla import SlaSchedule
from streams.core.state import EngineState
from streams.core.triage import Triager, load_triage
from streams.settings import Settings

SOURCE_TOPIC = "file"


@dataclass
class Published:
    """One thing the pipeline would have written, in the order it would have written it."""

    outcome: Outcome | None = None
    escalation: Escalation | None = None
    pattern: PatternAlert | None = None
    processed: Processed | None = None


@dataclass
class Backtest:
    intake: Intake
    patterns: PatternConfig = field(default_factory=PatternConfig)
    sweep_every: timedelta = timedelta(hours=1)
    schedule: SlaSchedule = field(default_factory=SlaSchedule)
    clock: ManualClock = field(default_factory=ManualClock)

    def __post_init__(self) -> None:
        self.counter = PatternCounter(self.patterns)
        self.detector = PatternDetector(self.patterns, teams=routing_teams(self.engine.routing))
        self._counted_second = 0
        self.blank_lines = 0  # lines skipped as whitespace only (known once `run` is consumed)

    @classmethod
    def build(
        cls,
        rules_dir: Path | None = None,
        config: EngineConfig = EngineConfig(),
        triager: Triager | None = None,
        sweep_every: timedelta = timedelta(hours=1),
    ) -> Backtest:
        engine = CaseEngine(EngineState.in_memory(), load_routing(rules_dir), config)
        return cls(Intake(triager or load_triage(rules_dir), engine), sweep_every=sweep_every)

    @classmethod
    def configured(cls, settings: Settings, rules_dir: Path | None = None) -> Backtest:
        """As the worker with these settings would run (VIGIL_* environment); `rules_dir`
        overrides the settings' rule set."""
        return cls.build(rules_dir or settings.rules_dir, settings.engine_config(),
                         sweep_every=timedelta(seconds=settings.sweep_interval_s))

    @property
    def engine(self) -> CaseEngine:
        return self.intake.engine

    def run(self, lines: Iterable[bytes]) -> Iterator[Published]:
        """Invalid lines first (as read), then reports in event-time order."""
        valid: list[tuple[FeedbackEvent, int, bytes]] = []
        for number, line in enumerate(lines, start=1):
            line = line.strip()
            if not line:
                self.blank_lines += 1
                continue
            try:
                valid.append((parse_json(line), number, line))
            except InvalidEvent as error:
                processed = self.intake.invalid(error, line, _source(number), self.clock.now(), f"line:{number}", Stage.DECODE)
                yield Published(outcome=processed.outcome, processed=processed)
        valid.sort(key=lambda item: (item[0].occurred_at, item[1]))
        last_sweep: datetime | None = None
        for event, number, line in valid:
            if event.occurred_at > self.clock.now() or last_sweep is None:
                self.clock.set(max(event.occurred_at, self.clock.now()))
                yield from self._timers()
                if last_sweep is None or self.clock.now() - last_sweep >= self.sweep_every:
                    yield from self._escalations(self.engine.sweep(self.clock.now()).escalations)
                    last_sweep = self.clock.now()
            [decision] = self.intake.decide([event])
            processed = self.intake.fuse(event, decision, _source(number), line, self.clock.now())
            yield from self._escalations(processed.escalations)
            yield Published(outcome=processed.outcome, processed=processed)
            if processed.result is not None and processed.result.case is not None:
                self.schedule.set(processed.result.case.case_id, processed.result.deadline)
            yield from self._count(processed)
        yield from self._alerts(self.detector.apply(self.counter.drain()))
        if valid:  # the input has ended: let every window that holds data be judged
            end = self.clock.now() + timedelta(seconds=max(self.patterns.bucket_s.values()) + self.patterns.lateness_s)
            yield from self._alerts(self.detector.advance(end))

    def _count(self, processed: Processed) -> Iterator[Published]:
        """Like the worker: count each report, hand the counts over once a second (event time)."""
        if processed.event and not isinstance(processed.decision, (Exception, type(None))) and processed.result:
            if (observation := observation_of(processed.event, processed.decision, processed.result)) is not None:
                self.counter.observe(observation)
        second = int(self.clock.now().timestamp())
        if second != self._counted_second:
            self._counted_second = second
            yield from self._alerts(self.detector.apply(self.counter.drain()))

    @staticmethod
    def _alerts(alerts: list[PatternAlert]) -> Iterator[Published]:
        for alert in alerts:
            yield Published(pattern=alert)

    def _timers(self) -> Iterator[Published]:
        for case_id in self.schedule.pop_due(self.clock.now()):
            result = self.engine.check_sla(case_id, self.clock.now())
            for due_case, due in result.deadlines.items():
                self.schedule.set(due_case, due)
            yield from self._escalations(result.escalations)

    @staticmethod
    def _escalations(escalations: list[Escalation]) -> Iterator[Published]:
        for escalation in escalations:
            yield Published(escalation=escalation)


def _source(line_number: int) -> Source:
    return Source(SOURCE_TOPIC, 0, line_number)
