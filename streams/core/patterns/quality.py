"""Quality of the pattern core on synthetic traffic: detection delay, recall, false alarms.

    python -m streams.core.patterns.quality --days 30 --spikes 200 --regressions 6 --seed 1

Two replays of the same seed: baseline traffic alone (every alert opened there after the
warm-up is a false alarm) and the same traffic with injected spikes and release
regressions (recall and delay). Replays run counter -> detector in arrival order, draining
the counter every second of stream time, as `vigil backtest` does. Delay is measured from
the injected pattern's start to the stream time (latest arrival) at which the alert came out.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np

from streams.core.patterns.alert import AlertStatus, PatternAlert, PatternKind
from streams.core.patterns.config import PatternConfig
from streams.core.patterns.counter import PatternCounter
from streams.core.patterns.detector import PatternDetector
from streams.core.patterns.scenarios import Injection, Scenario, ScenarioConfig, generate

TARGET_DELAY_S = 600
DETECTION_GRACE = timedelta(minutes=30)  # an alert this long after the injection ended still counts


@dataclass(slots=True)
class Emitted:
    at: datetime  # stream time: the latest arrival when the alert came out
    alert: PatternAlert


@dataclass(slots=True)
class KindResult:
    injected: int = 0
    detected: int = 0
    delays_s: list[float] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.detected / self.injected if self.injected else float("nan")

    def within(self, seconds: float) -> float:
        hits = sum(1 for d in self.delays_s if d <= seconds)
        return hits / self.injected if self.injected else float("nan")

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.delays_s, q)) if self.delays_s else float("nan")


def replay(
    scenario: Scenario, config: PatternConfig | None = None, drain_every_s: float = 1.0
) -> list[Emitted]:
    counter = PatternCounter(config)
    detector = PatternDetector(config)
    emitted: list[Emitted] = []
    next_drain: datetime | None = None
    step = timedelta(seconds=drain_every_s)
    for arrival in scenario.arrivals:
        if next_drain is not None and arrival.at >= next_drain:
            emitted += [Emitted(arrival.at, a) for a in detector.apply(counter.drain())]
        if next_drain is None or arrival.at >= next_drain:
            next_drain = arrival.at + step
        counter.observe(arrival.observation)
    last = scenario.arrivals[-1].at if scenario.arrivals else scenario.config.start
    emitted += [Emitted(last, a) for a in detector.apply(counter.drain())]
    return emitted


def opened(emitted: list[Emitted], after: datetime) -> list[Emitted]:
    return [e for e in emitted if e.alert.status is AlertStatus.OPENED and e.at >= after]


def matches(injection: Injection, alert: PatternAlert) -> bool:
    """Same kind, no conflicting dimension, and evidence from the injection when the alert
    is on other dimensions than the injection's (e.g. language instead of region)."""
    if alert.kind.value != injection.kind:
        return False
    shared = set(alert.dimensions) & set(injection.dimensions)
    if any(alert.dimensions[d] != injection.dimensions[d] for d in shared):
        return False
    if set(injection.dimensions) <= set(alert.dimensions):
        return True
    return bool(injection.event_ids & set(alert.sample_event_ids))


def score(scenario: Scenario, emitted: list[Emitted]) -> tuple[dict[str, KindResult], list[Emitted]]:
    """Per injected kind: recall and delays; plus alerts that matched no injection."""
    results: dict[str, KindResult] = {}
    explained: set[str] = set()  # pattern ids of alerts that match an injection
    for injection in scenario.injections:
        result = results.setdefault(injection.kind, KindResult())
        result.injected += 1
        hits = [
            e
            for e in emitted
            if e.alert.status is not AlertStatus.RESOLVED
            and injection.start <= e.at <= injection.end + DETECTION_GRACE
            and matches(injection, e.alert)
        ]
        if hits:
            result.detected += 1
            result.delays_s.append((hits[0].at - injection.start).total_seconds())
            explained.update(e.alert.pattern_id for e in hits)
        # Side effects show up on other facets and kinds (a regression lifts product_issue
        # in every region): an alert whose evidence is injected reports is not a false alarm.
        explained.update(
            e.alert.pattern_id for e in emitted if injection.event_ids & set(e.alert.sample_event_ids)
        )
    unmatched = [
        e
        for e in emitted
        if e.alert.status is AlertStatus.OPENED and e.alert.pattern_id not in explained
    ]
    return results, unmatched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--spikes", type=int, default=200)
    parser.add_argument("--regressions", type=int, default=6)
    parser.add_argument("--reports-per-day", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=5, help="example alerts to print")
    args = parser.parse_args(argv)
    config = PatternConfig()
    base = ScenarioConfig(days=args.days, reports_per_day=args.reports_per_day, seed=args.seed)
    after = base.start + timedelta(seconds=config.warmup_s)
    scored_days = args.days - config.warmup_s / 86_400

    quiet = generate(base)
    false_alarms = opened(replay(quiet, config), after)
    by_kind = Counter(e.alert.kind.value for e in false_alarms)
    print(f"baseline traffic: {len(quiet.arrivals)} reports over {args.days:g} days, "
          f"{len(quiet.releases)} releases, no injected patterns")
    print(f"  false alarms/day: {len(false_alarms) / scored_days:.2f} "
          f"({len(false_alarms)} in {scored_days:.2f} days after warm-up) {dict(by_kind)}")
    for e in false_alarms[: args.show]:
        print(f"    {e.at:%m-%d %H:%M} {e.alert.kind} {e.alert.summary}")

    injected = generate(replace(base, spikes=args.spikes, regressions=args.regressions))
    emitted = replay(injected, config)
    results, unmatched = score(injected, emitted)
    unmatched = [e for e in unmatched if e.at >= after]
    print(f"with injections: {len(injected.arrivals)} reports, "
          f"{sum(r.injected for r in results.values())} injected patterns")
    for kind, r in sorted(results.items()):
        print(f"  {kind}: recall {r.recall:.3f} ({r.detected}/{r.injected}), "
              f"detected within {TARGET_DELAY_S // 60} min {r.within(TARGET_DELAY_S):.3f}, "
              f"delay p50 {r.percentile(50) / 60:.1f} min p95 {r.percentile(95) / 60:.1f} min "
              f"max {max(r.delays_s, default=float('nan')) / 60:.1f} min")
    extra = Counter(e.alert.kind.value for e in unmatched)
    print(f"  alerts matching no injection: {len(unmatched) / scored_days:.2f}/day {dict(extra)}")
    shown = [e for e in emitted if e.alert.kind in (PatternKind.SPIKE, PatternKind.RELEASE_REGRESSION)]
    for e in shown[: args.show]:
        print(f"    {e.alert.status} v{e.alert.version} {e.alert.summary} -> {e.alert.suggested_action}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
