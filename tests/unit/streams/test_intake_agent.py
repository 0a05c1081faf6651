"""The intake agent: one bad record costs that record only, every error log says where the
record is, and latency is measured once the batch is handed to Kafka."""

from __future__ import annotations

import logging
import time

import msgspec
import pytest

from streams import routed
from streams.core.escalation import EscalationUpdate, UpdateAction
from streams.core.outcome import OutcomeKind, Source, Stage
from streams.core.report import DeadLetterReason
from tests.unit.core.builders import T0, feedback
from tests.unit.streams.agent_harness import TOPICS, Harness, make_agent

UNKNOWN_ESCALATION = "esc-" + "0" * 16 + "-1"


def report(event_id: str, subject: str = "video:v1") -> bytes:
    return msgspec.json.encode(feedback(event_id, subject=subject))


def update(update_id: str, escalation_id: str, action: UpdateAction = UpdateAction.ACK) -> bytes:
    return msgspec.json.encode(EscalationUpdate(update_id, escalation_id, action, "agent-1", T0))


def boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("engine bug")


async def escalation_id_of_a_case(h: Harness) -> str:
    await h.handle(h.record(TOPICS.feedback_json, report("opening")))
    return h.published.escalations[-1].escalation_id


@pytest.mark.parametrize(
    ("failing", "stage"),
    [("handle_update", Stage.UPDATE), ("check_sla", Stage.FUSE), ("sweep", Stage.FUSE)],
)
async def test_an_engine_failure_costs_one_record_and_the_batch_goes_on(
    failing: str, stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = make_agent()
    escalation_id = await escalation_id_of_a_case(h)
    monkeypatch.setattr(h.agent.engine, failing, boom)
    bad = {
        "handle_update": lambda: h.record(TOPICS.updates, update("upd-1", escalation_id)),
        "check_sla": lambda: h.record(TOPICS.routed, routed.encode(routed.SlaCheck("case-" + escalation_id[4:]))),
        "sweep": lambda: h.record(TOPICS.routed, routed.encode(routed.Sweep())),
    }[failing]()
    after = h.record(TOPICS.feedback_json, report("after", subject="video:v2"))

    await h.handle(bad, after)

    (letter,) = h.published.dead_letters
    assert (letter.stage, letter.reason) == (stage, DeadLetterReason.PROCESSING_ERROR)
    assert "RuntimeError: engine bug" in letter.error and letter.payload == bad.value
    assert letter.source == Source(bad.message.topic, 0, bad.message.offset)
    assert [o.event_id for o in h.published.outcomes] == ["opening", "after"]
    assert h.value("vigil_dead_letters_total", {"stage": stage, "reason": "processing_error"}) == 1


async def test_a_report_whose_fusion_fails_still_gets_one_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    h = make_agent()
    monkeypatch.setattr(h.agent, "_escalate", boom)  # a bug after fusion, while publishing
    await h.handle(h.record(TOPICS.feedback_json, report("e1")), h.record(TOPICS.feedback_json, report("e2", "video:v2")))
    assert [(o.event_id, o.outcome) for o in h.published.outcomes] == [
        ("e1", OutcomeKind.DEAD_LETTER), ("e2", OutcomeKind.DEAD_LETTER)]
    assert {letter.stage for letter in h.published.dead_letters} == {Stage.FUSE}


async def test_an_unreadable_routed_record_is_a_dead_letter_with_its_bytes(caplog: pytest.LogCaptureFixture) -> None:
    h = make_agent()
    bad = h.record(TOPICS.routed, b"\xffnot an envelope", partition=0)
    with caplog.at_level(logging.ERROR, logger="streams.agents.intake"):
        await h.handle(bad, h.record(TOPICS.feedback_json, report("e1")))
    (letter,) = h.published.dead_letters
    assert (letter.stage, letter.reason, letter.payload) == (Stage.DECODE, DeadLetterReason.UNDECODABLE, bad.value)
    assert letter.error.startswith("unreadable routed record")
    assert h.value("vigil_dead_letters_total", {"stage": "decode", "reason": "undecodable"}) == 1
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert (error.topic, error.partition, error.offset) == (TOPICS.routed, 0, 0)  # type: ignore[attr-defined]
    assert [o.event_id for o in h.published.outcomes] == ["e1"]


@pytest.mark.parametrize(
    ("payload", "event_id", "reason"),
    [
        (update("upd-9", UNKNOWN_ESCALATION), "upd-9", "update_rejected"),  # a team's update that cannot apply
        (b'{"event_id": "bad-1", "channel": "in_app_report"}', "bad-1", "missing_field"),  # a report
    ],
)
async def test_logs_about_a_rejected_record_say_where_it_is(
    payload: bytes, event_id: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    h = make_agent()
    topic = TOPICS.updates if b"upd-" in payload else TOPICS.feedback_json
    h.offsets[(topic, 3)] = 41
    with caplog.at_level(logging.WARNING, logger="streams.agents.intake"):
        await h.handle(h.record(topic, payload, partition=3))
    (line,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    fields = {name: getattr(line, name, None) for name in ("topic", "partition", "offset", "event_id", "reason")}
    assert fields == {"topic": topic, "partition": 3, "offset": 41, "event_id": event_id, "reason": reason}


async def test_latency_is_observed_after_the_batch_is_handed_to_kafka() -> None:
    h = make_agent()
    counts_at_flush: list[float] = []
    h.published.on_flush = lambda: counts_at_flush.append(
        h.value("vigil_escalation_latency_seconds_count", {"clock": "ingest", "priority": "P2"}))
    await h.handle(h.record(TOPICS.feedback_json, report("e1")))
    assert counts_at_flush == [0.0]
    assert h.value("vigil_escalation_latency_seconds_count", {"clock": "ingest", "priority": "P2"}) == 1


async def test_a_forwarded_report_counts_latency_from_its_first_ingest() -> None:
    h = make_agent(partitions=8)
    first_read = time.time() - 600  # read ten minutes ago, on a partition that does not own its case
    for n in range(8):  # most of these subjects' cases live on another partition than 0
        await h.handle(h.record(TOPICS.feedback_json, report(f"e{n}", subject=f"video:v{n}"), timestamp=first_read))
    route, envelope, partition = h.published.forwarded[0]
    forwarded = routed.decode(envelope)
    assert isinstance(forwarded, routed.ForwardedReport) and forwarded.ingested_at is not None
    assert forwarded.ingested_at.timestamp() == pytest.approx(first_read, abs=0.001)

    before = h.value("vigil_escalation_latency_seconds_sum", {"clock": "ingest", "priority": "P2"})
    await h.handle(h.record(TOPICS.routed, envelope, partition=partition))  # forwarded just now
    latency = h.value("vigil_escalation_latency_seconds_sum", {"clock": "ingest", "priority": "P2"}) - before
    assert latency >= 600


class ForwardedReportBefore(msgspec.Struct, tag="report", frozen=True):
    """ForwardedReport as written before it carried the ingest time."""

    payload: bytes
    json: bool
    source: Source


def test_routed_records_written_before_the_ingest_time_still_decode() -> None:
    old = msgspec.msgpack.encode(ForwardedReportBefore(b"{}", True, Source("t", 1, 2)))
    assert routed.decode(old) == routed.ForwardedReport(b"{}", True, Source("t", 1, 2), None)


async def test_processed_offsets_are_the_next_offset_per_partition() -> None:
    h = make_agent()
    await h.handle(h.record(TOPICS.feedback_json, report("e1")), h.record(TOPICS.feedback_json, report("e2", "video:v2")))
    assert h.agent.processed == {(TOPICS.feedback_json, 0): 2}


async def test_applied_team_updates_reach_the_update_hook_and_rejected_ones_do_not() -> None:
    seen: list[list[str]] = []
    h = make_agent(on_update=lambda result: seen.append([e.trigger for e in result.escalations]))
    escalation_id = await escalation_id_of_a_case(h)

    await h.handle(
        h.record(TOPICS.updates, update("upd-resolve", escalation_id, UpdateAction.RESOLVE)),
        h.record(TOPICS.updates, update("upd-reopen", escalation_id, UpdateAction.REOPEN)),
        h.record(TOPICS.updates, update("upd-unknown", UNKNOWN_ESCALATION, UpdateAction.REOPEN)),
    )

    assert seen == [["resolved"], ["reopened"]]


@pytest.mark.parametrize(
    ("offsets", "forget_after_first", "gaps"),
    [
        ([0, 1, 2], False, 0),
        ([0, 2, 3], False, 1),  # offset 1 never arrived
        ([0, 1, 5], False, 3),
        ([0, 3, 1], False, 2),  # a seek back re-reads: not a gap
        ([0, 4, 5], True, 0),  # after a rebalance the next offset is not known
    ],
    ids=["contiguous", "one missing", "three missing", "a seek back", "after a rebalance"],
)
async def test_offsets_that_never_reach_the_agent_are_counted_and_logged(
    offsets: list[int], forget_after_first: bool, gaps: int, caplog: pytest.LogCaptureFixture
) -> None:
    h = make_agent()
    for n, offset in enumerate(offsets):
        h.offsets[(TOPICS.feedback_json, 0)] = offset
        await h.handle(h.record(TOPICS.feedback_json, report(f"e{n}", subject=f"video:v{n}")))
        if forget_after_first and n == 0:
            h.agent.forget_positions()

    assert h.value("vigil_input_gaps_total", {"input": "feedback_json"}) == gaps
    logged = [r for r in caplog.records if "never reached the intake agent" in r.getMessage()]
    assert len(logged) == (1 if gaps else 0)
