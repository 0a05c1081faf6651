"""The FeedbackEvent a user's report arrives as, and the rules that make one valid.

Parsing is strict about types and enum values and lenient about extra fields (ignored), so
upstream apps can add fields without breaking Vigil. Anything that fails raises
`InvalidEvent` with a `DeadLetterReason` and a one-line detail that says what to fix.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Mapping, TypeVar

import msgspec

from streams.core.taxonomy import Channel, ReasonCode, SubjectType

T = TypeVar("T")

MAX_TEXT_BYTES = 64 * 1024
MAX_ID_CHARS = 256
# Kafka's default message size limit: a larger record is refused before it is parsed.
MAX_RECORD_BYTES = 1024 * 1024
# A fixed, generous window rather than "now": validation stays deterministic, and dates the
# case engine cannot add retention windows to (year 1, year 9999) never reach it. A date
# before 2000 is a client bug (an unset clock, seconds read as milliseconds).
EARLIEST_OCCURRED_AT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_OCCURRED_AT = datetime(2100, 1, 1, tzinfo=UTC)


class AttachmentKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    LINK = "link"
    OTHER = "other"


class Reporter(msgspec.Struct, frozen=True, omit_defaults=True):
    user_id: str
    region: str
    language: str
    account_age_days: int | None = None


class Subject(msgspec.Struct, frozen=True, omit_defaults=True):
    type: SubjectType
    id: str
    owner_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.type}:{self.id}"


class AppInfo(msgspec.Struct, frozen=True, omit_defaults=True):
    platform: str
    version: str


class Attachment(msgspec.Struct, frozen=True, omit_defaults=True):
    kind: AttachmentKind
    url: str | None = None
    sha256: str | None = None


class FeedbackEvent(msgspec.Struct, frozen=True, omit_defaults=True):
    event_id: str
    occurred_at: datetime
    channel: Channel
    text: str
    reporter: Reporter
    reason_code: ReasonCode | None = None
    subject: Subject | None = None
    app: AppInfo | None = None
    attachments: tuple[Attachment, ...] = ()
    idempotency_key: str | None = None

    @property
    def dedupe_key(self) -> str:
        """Retries of one report share this key: the client's idempotency key if it sent one."""
        return self.idempotency_key or self.event_id


class DeadLetterReason(StrEnum):
    """Why an input record could not become a report. Stable: dashboards count by it."""

    UNDECODABLE = "undecodable"  # bytes are not any wire format we read
    UNKNOWN_SCHEMA = "unknown_schema"  # framed, but the schema id/fingerprint is not known
    WRONG_SCHEMA = "wrong_schema"  # a known schema, but not a FeedbackEvent
    INVALID_JSON = "invalid_json"
    MISSING_FIELD = "missing_field"
    INVALID_FIELD = "invalid_field"
    INVALID_ENUM = "invalid_enum"
    OVERSIZE = "oversize"
    PROCESSING_ERROR = "processing_error"  # a bug or an outage in a later stage, not the input
    UPDATE_REJECTED = "update_rejected"  # a team's update that cannot apply (unknown id, wrong state)


class InvalidEvent(ValueError):
    def __init__(self, reason: DeadLetterReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


_json_decoder = msgspec.json.Decoder(FeedbackEvent)
_json_encoder = msgspec.json.Encoder()


def parse_json(raw: bytes | str) -> FeedbackEvent:
    """Decode one FeedbackEvent from JSON text and validate it."""
    if len(raw) > MAX_RECORD_BYTES // 4 and len(raw if isinstance(raw, bytes) else raw.encode()) > MAX_RECORD_BYTES:
        raise InvalidEvent(DeadLetterReason.OVERSIZE, f"record is {len(raw)} bytes; the limit is {MAX_RECORD_BYTES}")
    try:
        event = _json_decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise _from_validation_error(exc) from None
    except msgspec.DecodeError as exc:
        raise InvalidEvent(DeadLetterReason.INVALID_JSON, f"not valid JSON ({exc})") from None
    except UnicodeDecodeError as exc:  # msgspec raises it for bad UTF-8 inside strings
        raise InvalidEvent(DeadLetterReason.INVALID_JSON, f"not valid UTF-8 at byte {exc.start}") from None
    return validate(event)


def parse_json_as(raw: bytes | str, kind: type[T]) -> T:
    """Decode any Vigil record (e.g. an EscalationUpdate) from JSON; InvalidEvent if it is not one."""
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as exc:
        raise _from_validation_error(exc) from None
    except msgspec.DecodeError as exc:
        raise InvalidEvent(DeadLetterReason.INVALID_JSON, f"not valid JSON ({exc})") from None
    except UnicodeDecodeError as exc:  # msgspec raises it for bad UTF-8 inside strings
        raise InvalidEvent(DeadLetterReason.INVALID_JSON, f"not valid UTF-8 at byte {exc.start}") from None


def from_mapping(obj: Mapping[str, Any]) -> FeedbackEvent:
    """Build and validate a FeedbackEvent from a decoded mapping (Avro or JSON)."""
    try:
        event = msgspec.convert(obj, FeedbackEvent)
    except msgspec.ValidationError as exc:
        raise _from_validation_error(exc) from None
    return validate(event)


def to_json(event: FeedbackEvent) -> bytes:
    return _json_encoder.encode(event)


def to_mapping(event: FeedbackEvent) -> dict[str, Any]:
    return msgspec.to_builtins(event, builtin_types=(datetime,))


def validate(event: FeedbackEvent) -> FeedbackEvent:
    """Checks types alone cannot express. Returns the event with occurred_at in UTC."""
    _require_id("event_id", event.event_id)
    _require_id("reporter.user_id", event.reporter.user_id)
    if event.subject is not None:
        _require_id("subject.id", event.subject.id)
    if len(event.text) > MAX_TEXT_BYTES // 4 and len(event.text.encode()) > MAX_TEXT_BYTES:
        raise InvalidEvent(
            DeadLetterReason.OVERSIZE,
            f"text is {len(event.text.encode())} bytes; the limit is {MAX_TEXT_BYTES}",
        )
    when = event.occurred_at
    if when.tzinfo is None:
        # Producers that omit the offset mean UTC; storing it explicitly keeps comparisons safe.
        return _in_range(msgspec.structs.replace(event, occurred_at=when.replace(tzinfo=UTC)))
    if when.utcoffset():
        try:
            return _in_range(msgspec.structs.replace(event, occurred_at=when.astimezone(UTC)))
        except OverflowError:
            raise InvalidEvent(DeadLetterReason.INVALID_FIELD, f"`occurred_at` is out of range: {when.isoformat()}") from None
    return _in_range(event)


def _in_range(event: FeedbackEvent) -> FeedbackEvent:
    if not EARLIEST_OCCURRED_AT <= event.occurred_at < LATEST_OCCURRED_AT:
        raise InvalidEvent(
            DeadLetterReason.INVALID_FIELD,
            f"`occurred_at` is out of range: {event.occurred_at.isoformat()} is not in"
            f" {EARLIEST_OCCURRED_AT.year}..{LATEST_OCCURRED_AT.year - 1}; send when the user reported, in UTC",
        )
    return event


def _require_id(name: str, value: str) -> None:
    if not value or not value.strip():
        raise InvalidEvent(DeadLetterReason.MISSING_FIELD, f"`{name}` is empty")
    if len(value) > MAX_ID_CHARS:
        raise InvalidEvent(
            DeadLetterReason.INVALID_FIELD, f"`{name}` is longer than {MAX_ID_CHARS} characters"
        )


def _from_validation_error(exc: msgspec.ValidationError) -> InvalidEvent:
    message = str(exc)
    if message.startswith("Object missing required field"):
        reason = DeadLetterReason.MISSING_FIELD
    elif message.startswith("Invalid enum value"):
        reason = DeadLetterReason.INVALID_ENUM
    else:
        reason = DeadLetterReason.INVALID_FIELD
    return InvalidEvent(reason, message)
