"""Hot-path cost of the pattern core, measured (a benchmark, not a test).

    python -m streams.core.patterns.bench --reports 200000 --drain-every 100

Reports PatternCounter.observe per report, drain per report, and the detector's apply per
report (merging deltas and judging keys) on generated traffic.
"""

from __future__ import annotations

import argparse
import sys
import time

from streams.core.patterns.config import PatternConfig
from streams.core.patterns.counter import PatternCounter
from streams.core.patterns.detector import PatternDetector
from streams.core.patterns.scenarios import ScenarioConfig, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--drain-every", type=int, default=100, help="reports per drain")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    per_day = 5000
    scenario = generate(ScenarioConfig(days=args.reports / per_day, seed=args.seed))
    observations = [a.observation for a in scenario.arrivals]
    config = PatternConfig()
    counter = PatternCounter(config)
    detector = PatternDetector(config)
    observe_s = drain_s = apply_s = 0.0
    deltas = 0
    for start in range(0, len(observations), args.drain_every):
        chunk = observations[start : start + args.drain_every]
        t0 = time.perf_counter()
        for o in chunk:
            counter.observe(o)
        t1 = time.perf_counter()
        batch = counter.drain()
        t2 = time.perf_counter()
        detector.apply(batch)
        t3 = time.perf_counter()
        observe_s, drain_s, apply_s = observe_s + t1 - t0, drain_s + t2 - t1, apply_s + t3 - t2
        deltas += len(batch)
    n = len(observations)
    print(f"{n} reports, drained every {args.drain_every}: {deltas / n:.2f} deltas per report")
    print(f"  PatternCounter.observe  {observe_s / n * 1e6:6.2f} us/report")
    print(f"  PatternCounter.drain    {drain_s / n * 1e6:6.2f} us/report")
    print(f"  PatternDetector.apply   {apply_s / n * 1e6:6.2f} us/report")
    print(f"  detector state          {len(detector.snapshot()) / 1e6:6.2f} MB msgpack, {detector.stats()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
