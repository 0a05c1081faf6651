"""Hot-path cost of the pattern core, measured (a benchmark, not a test).

    python -m streams.core.patterns.bench --reports 100000 --drain-every 20

Reports PatternCounter.observe and drain per report, alone and beside a detector whose
state is resident in the same process, and the detector's apply per report (merging
deltas and judging keys) on generated traffic at 5,000 reports/day of event time.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from streams.core.patterns.config import PatternConfig
from streams.core.patterns.counter import PatternCounter
from streams.core.patterns.detector import PatternDetector
from streams.core.patterns.narrative import routing_teams
from streams.core.patterns.observation import Observation
from streams.core.patterns.scenarios import ScenarioConfig, generate
from streams.core.routing import load_routing


@dataclass
class _Timing:
    observe_s: float = 0.0
    drain_s: float = 0.0
    apply_s: float = 0.0
    deltas: int = 0
    detector: PatternDetector | None = None


def _run(observations: list[Observation], every: int, detector: PatternDetector | None) -> _Timing:
    counter = PatternCounter(PatternConfig())
    t = _Timing(detector=detector)
    for start in range(0, len(observations), every):
        chunk = observations[start : start + every]
        t0 = time.perf_counter()
        for o in chunk:
            counter.observe(o)
        t1 = time.perf_counter()
        batch = counter.drain()
        t2 = time.perf_counter()
        if detector is not None:
            detector.apply(batch)
        t3 = time.perf_counter()
        t.observe_s += t1 - t0
        t.drain_s += t2 - t1
        t.apply_s += t3 - t2
        t.deltas += len(batch)
    return t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--drain-every", type=int, default=100, help="reports per drain")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    scenario = generate(ScenarioConfig(days=args.reports / 5000, seed=args.seed))
    observations = [a.observation for a in scenario.arrivals]
    n = len(observations)
    alone = _run(observations, args.drain_every, None)
    detector = PatternDetector(PatternConfig(), teams=routing_teams(load_routing()))
    together = _run(observations, args.drain_every, detector)
    print(f"{n} reports, drained every {args.drain_every}: {alone.deltas / n:.2f} deltas per report")
    print("  counter alone (intake process without detector state):")
    print(f"    PatternCounter.observe  {alone.observe_s / n * 1e6:7.2f} us/report")
    print(f"    PatternCounter.drain    {alone.drain_s / n * 1e6:7.2f} us/report")
    print("  counter and detector in one process:")
    print(f"    PatternCounter.observe  {together.observe_s / n * 1e6:7.2f} us/report")
    print(f"    PatternCounter.drain    {together.drain_s / n * 1e6:7.2f} us/report")
    print(f"    PatternDetector.apply   {together.apply_s / n * 1e6:7.2f} us/report")
    assert together.detector is not None
    size = len(together.detector.snapshot()) / 1e6
    print(f"  detector state {size:.2f} MB msgpack; {together.detector.stats()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
