"""Throughput benchmark of the triage engine (a script, not a test).

    python -m streams.core.triage.bench [--events 20000] [--batch 500]

Builds a deterministic mix of reports (the project's labeled cases, long and short, six
languages, with and without reason codes) and times `decide()` one by one and
`decide_many()` in batches on the current core.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import msgspec

from streams.core.report import FeedbackEvent
from streams.core.triage import load_triage
from streams.core.triage.cases import load_cases


def workload(count: int) -> list[FeedbackEvent]:
    base = [c.event for name in ("tune", "seen_holdout3") for c in load_cases(name)]
    return [msgspec.structs.replace(base[i % len(base)], event_id=f"bench-{i}") for i in range(count)]


def rate(seconds: float, count: int) -> float:
    return count / seconds if seconds > 0 else float("inf")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="triage throughput")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = parser.parse_args(argv)
    triager = load_triage()
    events = workload(args.events)
    triager.decide_many(events[:1000])  # warm caches
    single, batched = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        for event in events:
            triager.decide(event)
        single.append(time.perf_counter() - started)
        started = time.perf_counter()
        for i in range(0, len(events), args.batch):
            triager.decide_many(events[i : i + args.batch])
        batched.append(time.perf_counter() - started)
    mean_chars = sum(len(e.text) for e in events) / len(events)
    print(json.dumps({
        "version": triager.version,
        "events": len(events),
        "mean_text_chars": round(mean_chars, 1),
        "decide_per_second": round(rate(min(single), len(events))),
        "decide_many_per_second": round(rate(min(batched), len(events))),
        "decide_many_us_per_event": round(min(batched) / len(events) * 1e6, 1),
        "batch": args.batch,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
