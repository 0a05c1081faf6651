"""Consumer lag counts from what the agents finished, not from what Faust fetched; and a
timer that fails never takes the worker down."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import pytest
from faust.types import TP
from prometheus_client import CollectorRegistry

from streams.app import guarded
from streams.lag import LagProbe, partition_lag
from streams.metrics import Metrics


@pytest.mark.parametrize(
    ("highwater", "done", "lag"),
    [
        (20_000, [100, None], 19_900),  # stalled: 16k records fetched into the buffer, 100 done
        (20_000, [100, 19_000], 1_000),  # the agent is ahead of the last commit
        (20_000, [19_500, 19_000], 500),  # a commit is ahead of what this agent did (another owner before)
        (50, [60], 0),  # committed past a highwater read a moment earlier
        (None, [10], None),  # before the partition's first fetch
        (10, [None, None], None),  # nothing known yet
    ],
)
def test_partition_lag(highwater: int | None, done: list[int | None], lag: int | None) -> None:
    assert partition_lag(highwater, done) == lag


@dataclass
class Consumer:
    highwaters: dict[TP, Any]
    _committed_offset: dict[TP, int] = field(default_factory=dict)
    earliest: dict[TP, int] = field(default_factory=dict)

    def highwater(self, tp: TP) -> int | None:
        value = self.highwaters[tp]
        if isinstance(value, Exception):
            raise value
        return value  # type: ignore[no-any-return]

    async def earliest_offsets(self, *tps: TP) -> dict[TP, int]:
        return {tp: self.earliest[tp] for tp in tps}

    async def position(self, tp: TP) -> int:  # where Faust's fetcher is: not what lag is measured from
        return self.highwaters[tp] if isinstance(self.highwaters[tp], int) else 0


@dataclass
class Assignor:
    actives: set[TP]

    def assigned_actives(self) -> set[TP]:
        return self.actives


@dataclass
class App:
    consumer: Consumer
    assignor: Assignor


async def test_the_probe_measures_each_partition_on_its_own() -> None:
    stalled, fresh, unfetched, revoked, empty, changelog = (
        TP("in", 0), TP("in", 1), TP("in", 2), TP("in", 3), TP("in", 4), TP("app-cases-changelog", 0))
    consumer = Consumer(
        highwaters={stalled: 20_000, fresh: 300, unfetched: None, revoked: AssertionError("not assigned"),
                    empty: 40, changelog: 9_999},
        _committed_offset={stalled: 100, fresh: 250},
        earliest={empty: 10},
    )
    probe = LagProbe(App(consumer, Assignor({stalled, fresh, unfetched, revoked, empty, changelog})), ["in"],
                     processed=lambda: {("in", 1): 290})
    assert await probe.measure() == {("in", 0): 19_900, ("in", 1): 10, ("in", 4): 30}


async def test_a_failing_timer_is_counted_logged_and_survived(caplog: pytest.LogCaptureFixture) -> None:
    registry = CollectorRegistry()
    vigil = Vigil(Metrics(registry))
    failures: list[str] = []

    @guarded(vigil, "lag", on_error=lambda: failures.append("rebuild"))  # type: ignore[arg-type]
    async def timer() -> None:
        raise AssertionError("aiokafka: partition not assigned")

    with caplog.at_level(logging.ERROR, logger="streams.app"):
        await timer()
        await timer()
    assert registry.get_sample_value("vigil_timer_errors_total", {"timer": "lag"}) == 2
    assert failures == ["rebuild", "rebuild"]
    assert "timer lag failed" in caplog.records[0].getMessage()


async def test_a_guarded_timer_still_stops_when_cancelled() -> None:
    vigil = Vigil(Metrics(CollectorRegistry()))

    @guarded(vigil, "sla")  # type: ignore[arg-type]
    async def timer() -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await timer()


@dataclass
class Vigil:
    metrics: Metrics
