"""Wiring: the Faust app, its topics and tables, and the agents bound to the core.

`create_app(settings)` is the only place that knows how the parts fit; everything it builds
is passed down explicitly (no module-level app, no settings read inline).

A worker plays one or both roles (VIGIL_ROLE): `intake` (reports, updates, timers, cases)
and `patterns` (window counts in, pattern alerts out). One process runs both by default;
in production the pattern detector runs in a process of its own, so its periodic bursts of
work (judging every window at a bucket end) never sit in front of an urgent report.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import partial, wraps
from typing import Any, Awaitable, Callable

import faust
from aiohttp.web import Response
from faust.web import Request, View
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector, generate_latest

from streams import faust_tuning, routed
from streams.agents.intake import IntakeAgent, partition_of
from streams.agents.patterns import PatternAgent
from streams.codecs import RECORD_TYPES, Codec, RegistryClient
from streams.core import keys, policy
from streams.core.clock import Clock, SystemClock
from streams.core.engine import CaseEngine, UpdateResult
from streams.core.intake import Intake, Processed
from streams.core.patterns import PatternAlert, PatternConfig, PatternCounter, encode_deltas
from streams.core.patterns.narrative import routing_teams
from streams.core.patterns.observation import observation_of, reopening_of
from streams.core.queues import OpenQueues
from streams.core.routing import Routing, load_routing
from streams.core.sla import SlaSchedule
from streams.core.state import EngineState
from streams.core.triage import Triager, load_triage
from streams.faust_metrics import FaustMonitorCollector
from streams.lag import LagProbe
from streams.metrics import Metrics
from streams.outbox import ChangeloggedTable, Outbox
from streams.publisher import Publisher, delivery_failed
from streams.settings import Role, Settings
from streams.topics import Topics
from streams.web import console
from streams.web.alerts import AlertFollower
from streams.web.feed import ConsoleFeed

log = logging.getLogger(__name__)

DELTAS_PER_RECORD = 1000  # a delta is at most a few hundred bytes (sketches of 32 hashes)


@dataclass
class Vigil:
    settings: Settings
    app: faust.App
    topics: Topics
    routing: Routing
    metrics: Metrics
    codec: Codec
    publisher: Publisher
    feed: ConsoleFeed
    schedule: SlaSchedule
    queues: OpenQueues
    engine: CaseEngine | None = None  # intake role
    intake_agent: IntakeAgent | None = None  # intake role
    pattern_agent: PatternAgent | None = None  # patterns role


def make_codec(settings: Settings) -> Codec:
    registry = None
    if settings.schema_registry_url:
        password = settings.schema_registry_password.get_secret_value() if settings.schema_registry_password else None
        registry = RegistryClient(settings.schema_registry_url, settings.schema_registry_user, password)
    codec = Codec.from_settings(settings.wire_format, registry_client=registry)
    slow = sorted(set(RECORD_TYPES) - {kind.__name__ for kind in codec.compiled})
    if slow:  # a schema version its struct does not mirror falls back to fastavro, 3-5x slower
        log.warning("records without a compiled codec (fastavro instead): %s", ", ".join(slow))
    return codec


def rocksdb_options(settings: Settings) -> dict[str, int]:
    """Faust opens each table with a 2 GB block cache and up to 3 x 64 MB memtables by default:
    far more than Vigil's small values need, and the worker's memory is meant to stay bounded."""
    mb = 1024 * 1024
    return {
        "block_cache_size": settings.rocksdb_cache_mb * mb,
        "block_cache_compressed_size": settings.rocksdb_cache_mb * mb // 4,
        "write_buffer_size": 16 * mb,
        "max_write_buffer_number": 2,
        "target_file_size_base": 32 * mb,
    }


def create_app(
    settings: Settings,
    registry: CollectorRegistry | None = None,
    clock: Clock | None = None,
    triager: Triager | None = None,
) -> Vigil:
    faust_tuning.apply(settings.fetch_max_wait_ms)
    clock = clock or SystemClock()
    registry = registry or CollectorRegistry()
    routing = load_routing(settings.rules_dir)
    topics = Topics.for_settings(settings, routing)
    app = _faust_app(settings)
    metrics = Metrics(registry)
    ProcessCollector(registry=registry)  # process_* series: restarts, memory, CPU
    registry.register(FaustMonitorCollector(app))
    _metrics_page(app, registry)
    # Faust's own aiokafka producer: the one Faust flushes before committing offsets.
    outbox = Outbox(
        producer=lambda: app.producer._ensure_producer(),
        on_error=delivery_failed(metrics, stop=lambda exc: asyncio.ensure_future(app.crash(exc))),
        max_record_bytes=app.conf.producer_max_request_size,
    )
    codec = make_codec(settings)
    schedule, queues = SlaSchedule(), OpenQueues()
    vigil = Vigil(
        settings, app, topics, routing, metrics, codec, Publisher(outbox, codec, topics, metrics),
        ConsoleFeed(clock, queues, schedule), schedule, queues,
    )
    if settings.role in (Role.ALL, Role.INTAKE):
        _intake_role(vigil, outbox, clock, triager or load_triage(settings.rules_dir))
    if settings.role in (Role.ALL, Role.PATTERNS):
        _patterns_role(vigil, outbox, clock)
    if settings.role is Role.INTAKE:
        _alerts_to_console(vigil)
    _lag_timer(vigil)
    return vigil


def _faust_app(settings: Settings) -> faust.App:
    # A patterns-only worker is its own consumer group: Faust assigns every subscribed topic
    # to every member of a group, and it reads only the pattern counts.
    app_id = f"{settings.app_id}-patterns" if settings.role is Role.PATTERNS else settings.app_id
    return faust.App(
        app_id,
        broker=settings.broker_url,
        store=settings.store,
        datadir=str(settings.data_dir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        key_serializer="raw",
        value_serializer="raw",
        web_host=settings.web_host,
        web_bind=settings.web_host,
        web_port=settings.web_port,
        web_in_thread=False,
        producer_linger_ms=settings.producer_linger_ms,
        producer_max_batch_size=256 * 1024,
        broker_commit_interval=settings.commit_interval_s,
        broker_session_timeout=settings.session_timeout_s,
        consumer_auto_offset_reset="earliest",
        topic_disable_leader=True,
        # Faust pauses a partition when its buffer is 80 % full and its fetcher then sleeps a
        # whole second; a deep buffer keeps the agent fed through that sleep.
        stream_buffer_maxsize=settings.stream_buffer_size,
    )


def _table(vigil: Vigil, name: str, global_: bool = False, partitions: int | None = None) -> Any:
    factory = vigil.app.GlobalTable if global_ else vigil.app.Table
    partitions = partitions or vigil.settings.partitions
    return factory(name, key_type=bytes, value_type=bytes, partitions=partitions, options=rocksdb_options(vigil.settings))


def _intake_role(vigil: Vigil, outbox: Outbox, clock: Clock, triager: Triager) -> None:
    settings, app = vigil.settings, vigil.app
    cases = ChangeloggedTable(_table(vigil, "cases"), outbox, partition=lambda: agent.partition)
    outbox.on_delivered(cases.changelog, cases.remember_delivered)
    vigil.engine = CaseEngine(EngineState.over(cases, _table(vigil, "reporter-rejections", global_=True)),
                              vigil.routing, settings.engine_config())
    counter = PatternCounter(PatternConfig())
    agent = IntakeAgent(
        topics=vigil.topics,
        partitions=settings.partitions,
        codec=vigil.codec,
        intake=Intake(triager, vigil.engine),
        publisher=vigil.publisher,
        metrics=vigil.metrics,
        schedule=vigil.schedule,
        queues=vigil.queues,
        clock=clock,
        feed=vigil.feed,
        on_report=lambda processed, partition: _count(counter, processed),
        on_update=lambda result: _count_reopenings(counter, result),
        pending_outputs=lambda: len(outbox),
    )
    vigil.intake_agent = agent
    inputs = app.topic(*vigil.topics.inputs, key_type=bytes, value_type=bytes, partitions=settings.partitions)
    app.agent(inputs, name="vigil.intake", concurrency=1)(
        partial(agent, batch_size=settings.batch_size, batch_wait=settings.batch_wait_s)
    )
    _intake_timers(vigil, clock)
    _count_timer(vigil, counter)
    console.register(vigil)

    @app.on_rebalance_complete.connect
    async def _on_rebalance(sender: Any, **kwargs: Any) -> None:
        agent.forget_positions()


def _patterns_role(vigil: Vigil, outbox: Outbox, clock: Clock) -> None:
    table = ChangeloggedTable(_table(vigil, "patterns", partitions=1), outbox, partition=lambda: 0)
    outbox.on_delivered(table.changelog, table.remember_delivered)
    agent = PatternAgent(
        table=table, config=PatternConfig(), teams=routing_teams(vigil.routing), publisher=vigil.publisher,
        metrics=vigil.metrics, feed=vigil.feed, clock=clock,
    )
    vigil.pattern_agent = agent
    counts = vigil.app.topic(vigil.topics.pattern_counts, key_type=bytes, value_type=bytes, partitions=1)
    vigil.app.agent(counts, name="vigil.patterns")(agent)

    @vigil.app.on_rebalance_complete.connect
    async def _on_rebalance(sender: Any, **kwargs: Any) -> None:
        agent.forget()


def _alerts_to_console(vigil: Vigil) -> None:
    """An intake-only worker still shows pattern alerts on its console: it reads what the
    pattern worker published, with a consumer outside the app's group (streams/web/alerts.py)."""
    follower = AlertFollower(
        vigil.settings.bootstrap_servers, vigil.topics.patterns,
        decode=lambda raw: vigil.codec.decode(raw, PatternAlert), show=vigil.feed.pattern,
    )
    vigil.app.task(follower.run)


def _metrics_page(app: faust.App, registry: CollectorRegistry) -> None:
    @app.page("/metrics")
    async def metrics(self: View, request: Request) -> Response:
        # aiohttp wants the charset apart from the content type
        return Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


Timer = Callable[[], Awaitable[None]]


def guarded(vigil: Vigil, name: str, on_error: Callable[[], None] = lambda: None) -> Callable[[Timer], Timer]:
    """A timer that fails logs it, counts it and runs again next interval: an exception out
    of a Faust timer would crash the whole worker."""

    def wrap(timer: Timer) -> Timer:
        @wraps(timer)
        async def run() -> None:
            try:
                await timer()
            except Exception as error:  # noqa: BLE001 - see above; CancelledError still stops it
                vigil.metrics.timer_errors.labels(name).inc()
                log.exception("timer %s failed (it runs again next interval): %s", name, error)
                on_error()

        return run

    return wrap


def _intake_timers(vigil: Vigil, clock: Clock) -> None:
    app, settings, topics, publisher = vigil.app, vigil.settings, vigil.topics, vigil.publisher
    rebuilt = {"needed": True}

    def rebuild_next_time() -> None:
        rebuilt["needed"] = True

    @app.on_rebalance_complete.connect
    async def _on_rebalance(sender: Any, **kwargs: Any) -> None:
        rebuild_next_time()

    def refresh_views() -> None:
        if rebuilt["needed"]:
            _rebuild_in_memory_views(vigil)
            rebuilt["needed"] = False
        vigil.metrics.open_cases.clear()  # queues that emptied must not keep their last value
        for (team, priority), count in vigil.queues.counts.items():
            if count:
                vigil.metrics.open_cases.labels(team, priority).set(count)

    # At start-up (tasks run once table recovery is done): the console's queues and deadlines
    # are filled at once, not at the first SLA tick.
    @app.task
    @guarded(vigil, "start", on_error=rebuild_next_time)
    async def fill_views() -> None:
        refresh_views()

    # A failed tick may have popped deadlines it did not nudge: rebuild them from the cases.
    @app.timer(settings.sla_check_interval_s, name="vigil.sla")
    @guarded(vigil, "sla", on_error=rebuild_next_time)
    async def sla_timer() -> None:
        refresh_views()
        for case_id in vigil.schedule.pop_due(clock.now()):
            route = keys.route_of(case_id)
            publisher.routed(route, routed.encode(routed.SlaCheck(case_id)), partition_of(route, settings.partitions))
        await publisher.flush()

    @app.timer(settings.sweep_interval_s, name="vigil.sweep")
    @guarded(vigil, "sweep")
    async def sweep_timer() -> None:
        for tp in app.assignor.assigned_actives():
            if tp.topic == topics.routed:
                publisher.routed("sweep", routed.encode(routed.Sweep()), tp.partition)
        await publisher.flush()


def _lag_timer(vigil: Vigil) -> None:
    """Lag of the inputs this worker's agents read (not of table changelogs, which are only
    read while recovering)."""
    topics: list[str] = []
    if vigil.intake_agent is not None:
        topics += vigil.topics.inputs
    if vigil.pattern_agent is not None:
        topics.append(vigil.topics.pattern_counts)
    agent = vigil.intake_agent
    probe = LagProbe(vigil.app, topics, processed=lambda: agent.processed if agent is not None else {})

    @vigil.app.timer(10.0, name="vigil.lag")
    @guarded(vigil, "lag")
    async def lag_timer() -> None:
        lags = await probe.measure()  # all of it before the gauge changes: a failure keeps the last values
        gauge = vigil.metrics.consumer_lag
        gauge.clear()  # partitions moved away in a rebalance drop out
        for (topic, partition), lag in lags.items():
            gauge.labels(topic, str(partition)).set(lag)


def _count(counter: PatternCounter, processed: Processed) -> None:
    if processed.event and processed.decision and processed.result:
        observation = observation_of(processed.event, processed.decision, processed.result)
        if observation is not None:
            counter.observe(observation)


def _count_reopenings(counter: PatternCounter, result: UpdateResult) -> None:
    """A team's `reopen` makes a subject recurring as much as a new report reopening it does."""
    for escalation in result.escalations:
        if (reopening := reopening_of(escalation)) is not None:
            counter.observe_reopening(reopening)


def _count_timer(vigil: Vigil, counter: PatternCounter) -> None:
    @vigil.app.timer(1.0, name="vigil.pattern-counts")
    @guarded(vigil, "pattern_counts")
    async def send_counts() -> None:
        # Sent even when empty: the pattern agent's clock for closing windows in quiet hours.
        deltas = counter.drain()
        for start in range(0, max(len(deltas), 1), DELTAS_PER_RECORD):  # records stay far below 1 MB
            vigil.publisher.pattern_counts(encode_deltas(deltas[start : start + DELTAS_PER_RECORD]))
        await vigil.publisher.flush()


def _rebuild_in_memory_views(vigil: Vigil) -> None:
    """After start-up or a rebalance: deadlines and queue counts from the stored cases.

    Synchronous on purpose: no other coroutine runs while the views are rebuilt.
    """
    assert vigil.engine is not None
    vigil.schedule.clear()
    open_cases = []
    for _, case in vigil.engine.state.cases.items():
        vigil.schedule.set(case.case_id, policy.next_deadline(case, vigil.routing))
        if case.is_open:
            open_cases.append(case)
    vigil.queues.rebuild(open_cases)
    vigil.feed.rebuild_overdue(open_cases)
    log.info("rebuilt SLA schedule (%d deadlines) and open queues (%d cases)", len(vigil.schedule), len(open_cases))
