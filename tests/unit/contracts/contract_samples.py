"""Example records of every contract type, and hypothesis strategies that generate them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
from hypothesis import strategies as st

from streams.core.escalation import (
    Escalation,
    EscalationStatus,
    EscalationUpdate,
    Resolution,
    SubjectRef,
    Trigger,
    UpdateAction,
)
from streams.core.outcome import DeadLetter, Outcome, OutcomeKind, Source, Stage
from streams.core.patterns.alert import AlertStatus, PatternAlert, PatternKind
from streams.core.report import (
    EARLIEST_OCCURRED_AT,
    LATEST_OCCURRED_AT,
    AppInfo,
    Attachment,
    AttachmentKind,
    DeadLetterReason,
    FeedbackEvent,
    Reporter,
    Subject,
)
from streams.core.taxonomy import Category, Channel, Priority, ReasonCode, SubjectType
from streams.core.triage.decision import Facts

AT = datetime(2026, 11, 20, 10, 11, 12, 345000, tzinfo=UTC)

FULL_FEEDBACK = FeedbackEvent(
    event_id="evt-0001",
    occurred_at=AT,
    channel=Channel.IN_APP_REPORT,
    text="He keeps messaging my 13 year old and asked her to meet. Ünïcödé ✓",
    reporter=Reporter(user_id="u-1", region="DE", language="de", account_age_days=400),
    reason_code=ReasonCode.CHILD_SAFETY,
    subject=Subject(type=SubjectType.ACCOUNT, id="acc-77", owner_id="u-9"),
    app=AppInfo(platform="ios", version="8.4.1"),
    attachments=(Attachment(kind=AttachmentKind.IMAGE, url="https://cdn.example/1.png", sha256="ab" * 32),
                 Attachment(kind=AttachmentKind.OTHER)),
    idempotency_key="idem-1",
)
MINIMAL_FEEDBACK = FeedbackEvent(
    event_id="evt-0002",
    occurred_at=AT,
    channel=Channel.EMAIL,
    text="",
    reporter=Reporter(user_id="u-2", region="US", language="en"),
)
FULL_ESCALATION = Escalation(
    escalation_id="esc-1",
    version=3,
    case_id="case-1",
    team="child_safety",
    category=Category.CHILD_SAFETY,
    priority=Priority.P0,
    status=EscalationStatus.ACKNOWLEDGED,
    trigger=Trigger.SLA_ACK_MISSED,
    level=1,
    report_count=5,
    distinct_reporters=4,
    first_seen=AT,
    last_seen=AT,
    ack_due=AT,
    resolve_due=AT,
    published_at=AT,
    channels=("in_app_report", "email"),
    sample_event_ids=("evt-0001",),
    reasons=("rule:child_safety.grooming_minor",),
    labels=("minor",),
    facts=Facts(urls=("https://x.example",), ages=(13,), minor_involved=True, live_in_progress=True),
    subject=SubjectRef(type=SubjectType.ACCOUNT, id="acc-77"),
    coordinated=True,
    excerpt="He keeps messaging",
    rules_version="routing-2026-11-25",
)
MINIMAL_ESCALATION = Escalation(
    escalation_id="esc-2", version=1, case_id="case-2", team="support", category=Category.OTHER,
    priority=Priority.P3, status=EscalationStatus.OPEN, trigger=Trigger.OPENED, level=0, report_count=1,
    distinct_reporters=1, first_seen=AT, last_seen=AT, ack_due=AT, resolve_due=AT, published_at=AT,
)
FULL_UPDATE = EscalationUpdate(
    update_id="upd-1", escalation_id="esc-1", action=UpdateAction.RESOLVE, actor="agent-7", at=AT,
    resolution=Resolution.ACTIONED, team="fraud", event_id="evt-0001", comment="done",
)
MINIMAL_UPDATE = EscalationUpdate(update_id="upd-2", escalation_id="esc-1", action=UpdateAction.ACK, actor="a", at=AT)
FULL_ALERT = PatternAlert(
    pattern_id="pat-1", kind=PatternKind.RELEASE_REGRESSION, status=AlertStatus.OPENED, version=1,
    dimensions={"app_version": "8.4.1", "category": "product_issue"}, window_start=AT, window_end=AT,
    count=120, distinct_reporters=97, baseline=4.5, score=11.25, summary="120 reports in 1h vs 4.5 expected",
    suggested_action="page the release owner", sample_event_ids=("evt-0001", "evt-0002"),
)
MINIMAL_ALERT = PatternAlert(
    pattern_id="pat-2", kind=PatternKind.SPIKE, status=AlertStatus.RESOLVED, version=2, dimensions={},
    window_start=AT, window_end=AT, count=0, distinct_reporters=0, baseline=0.0, score=0.0, summary="",
    suggested_action="",
)
FULL_OUTCOME = Outcome(
    event_id="evt-0001", outcome=OutcomeKind.ESCALATED, reason="opened case", decided_at=AT, case_id="case-1",
    escalation_id="esc-1", category=Category.CHILD_SAFETY, priority=Priority.P0, team="child_safety",
    occurred_at=AT, source=Source(topic="vigil.feedback", partition=3, offset=2**40),
)
MINIMAL_OUTCOME = Outcome(event_id="evt-0002", outcome=OutcomeKind.DUPLICATE, reason="seen", decided_at=AT)
FULL_DEAD_LETTER = DeadLetter(
    stage=Stage.DECODE, reason=DeadLetterReason.UNDECODABLE, error="not Avro", payload=b"\x00\xffgarbage",
    at=AT, source=Source(topic="vigil.feedback", partition=0, offset=7), event_id="evt-9",
    original_size=900_000, original_sha256="5e" * 32,
)
MINIMAL_DEAD_LETTER = DeadLetter(stage=Stage.TRIAGE, reason=DeadLetterReason.PROCESSING_ERROR, error="x", payload=b"", at=AT)

SAMPLES: dict[str, msgspec.Struct] = {
    "feedback-full": FULL_FEEDBACK,
    "feedback-minimal": MINIMAL_FEEDBACK,
    "escalation-full": FULL_ESCALATION,
    "escalation-minimal": MINIMAL_ESCALATION,
    "update-full": FULL_UPDATE,
    "update-minimal": MINIMAL_UPDATE,
    "alert-full": FULL_ALERT,
    "alert-minimal": MINIMAL_ALERT,
    "outcome-full": FULL_OUTCOME,
    "outcome-minimal": MINIMAL_OUTCOME,
    "dead-letter-full": FULL_DEAD_LETTER,
    "dead-letter-minimal": MINIMAL_DEAD_LETTER,
}

# --- strategies ---------------------------------------------------------------------------

def _opt(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


# Avro timestamp-millis keeps milliseconds; the range avoids datetime's year limits.
instants = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
# A report's occurred_at must lie in the years validation accepts (2000-2099).
report_instants = st.datetimes(
    min_value=EARLIEST_OCCURRED_AT.replace(tzinfo=None),
    max_value=LATEST_OCCURRED_AT.replace(tzinfo=None) - timedelta(milliseconds=1),
    timezones=st.just(UTC),
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
ids = st.text(min_size=1, max_size=30).filter(lambda s: s.strip())
texts = st.text(max_size=80)
longs = st.integers(-(2**63), 2**63 - 1)
ints = st.integers(-(2**31), 2**31 - 1)
strs = st.tuples() | st.lists(texts, max_size=3).map(tuple)
doubles = st.floats(allow_nan=False, allow_infinity=False)
sources = st.builds(Source, topic=texts, partition=ints, offset=longs)

feedback_events = st.builds(
    FeedbackEvent,
    event_id=ids,
    occurred_at=report_instants,
    channel=st.sampled_from(Channel),
    text=st.text(max_size=300),
    reporter=st.builds(Reporter, user_id=ids, region=texts, language=texts, account_age_days=_opt(longs)),
    reason_code=_opt(st.sampled_from(ReasonCode)),
    subject=_opt(st.builds(Subject, type=st.sampled_from(SubjectType), id=ids, owner_id=_opt(texts))),
    app=_opt(st.builds(AppInfo, platform=texts, version=texts)),
    attachments=st.lists(
        st.builds(Attachment, kind=st.sampled_from(AttachmentKind), url=_opt(texts), sha256=_opt(texts)), max_size=3
    ).map(tuple),
    idempotency_key=_opt(texts),
)
escalations = st.builds(
    Escalation,
    escalation_id=texts, version=ints, case_id=texts, team=texts, category=st.sampled_from(Category),
    priority=st.sampled_from(Priority), status=st.sampled_from(EscalationStatus), trigger=st.sampled_from(Trigger),
    level=ints, report_count=longs, distinct_reporters=longs, first_seen=instants, last_seen=instants,
    ack_due=instants, resolve_due=instants, published_at=instants, channels=strs, sample_event_ids=strs,
    reasons=strs, labels=strs,
    facts=st.builds(
        Facts, urls=strs, handles=strs, emails=strs, phones=strs, money=strs,
        ages=st.lists(longs, max_size=3).map(tuple), minor_involved=st.booleans(), time_expressions=strs,
        weapons=strs, live_in_progress=st.booleans(), means=strs,
    ),
    subject=_opt(st.builds(SubjectRef, type=st.sampled_from(SubjectType), id=texts)),
    coordinated=st.booleans(), excerpt=texts, rules_version=texts,
)
updates = st.builds(
    EscalationUpdate, update_id=texts, escalation_id=texts, action=st.sampled_from(UpdateAction), actor=texts,
    at=instants, resolution=_opt(st.sampled_from(Resolution)), team=_opt(texts), event_id=_opt(texts),
    comment=_opt(texts),
)
alerts = st.builds(
    PatternAlert, pattern_id=texts, kind=st.sampled_from(PatternKind), status=st.sampled_from(AlertStatus),
    version=ints, dimensions=st.dictionaries(texts, texts, max_size=3), window_start=instants, window_end=instants,
    count=longs, distinct_reporters=longs, baseline=doubles, score=doubles, summary=texts, suggested_action=texts,
    sample_event_ids=strs,
)
outcomes = st.builds(
    Outcome, event_id=texts, outcome=st.sampled_from(OutcomeKind), reason=texts, decided_at=instants,
    case_id=_opt(texts), escalation_id=_opt(texts), category=_opt(st.sampled_from(Category)),
    priority=_opt(st.sampled_from(Priority)), team=_opt(texts), occurred_at=_opt(instants), source=_opt(sources),
)
dead_letters = st.builds(
    DeadLetter, stage=st.sampled_from(Stage), reason=st.sampled_from(DeadLetterReason), error=texts,
    payload=st.binary(max_size=64), at=instants, source=_opt(sources), event_id=_opt(texts),
    original_size=_opt(longs), original_sha256=_opt(texts),
)
any_record = feedback_events | escalations | updates | alerts | outcomes | dead_letters
