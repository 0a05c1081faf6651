"""Codec: the one object the agents call to turn records into bytes and back.

    codec = Codec.from_settings("single_object", schemas_dir, registry_client=None)
    raw = codec.encode(escalation)               # schema chosen from the struct type
    event = codec.decode_feedback(raw)           # FeedbackEvent, or InvalidEvent
    update = codec.decode(raw, EscalationUpdate)

Producers write the configured WireFormat; decoders read all three, told apart by the first
bytes. Decoding raises `InvalidEvent` and nothing else, whatever the bytes: its reason is
what a dead-letter dashboard counts, its detail is one line that says what to fix.
`RegistryOutage` (an InvalidEvent with reason processing_error) means the registry could
not be asked: the record is not at fault and is worth retrying.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import msgspec
from fastavro.read import SchemaResolutionError

from streams.codecs.catalog import DEFAULT_SCHEMAS_DIR, SchemaCatalog, SchemaFileError, SchemaVersion, parse_schema_text
from streams.codecs.fast import FastWriter, TrailingBytes, read_datum
from streams.codecs.registry import RegistryClient, RegistryError, RegistryUnavailable
from streams.codecs.wire import (
    CONFLUENT_MAGIC,
    SINGLE_OBJECT_MAGIC,
    Frame,
    FramingError,
    WireFormat,
    fingerprint_hex,
    read_frame,
)
from streams.core.escalation import Escalation, EscalationUpdate
from streams.core.outcome import DeadLetter, Outcome
from streams.core.patterns.alert import PatternAlert
from streams.core.report import DeadLetterReason, FeedbackEvent, InvalidEvent, from_mapping, parse_json

T = TypeVar("T", bound=msgspec.Struct)
Reason = DeadLetterReason

RECORD_TYPES: dict[str, type[msgspec.Struct]] = {
    cls.__name__: cls for cls in (FeedbackEvent, Escalation, EscalationUpdate, PatternAlert, Outcome, DeadLetter)
}
# Kafka's default message size limit; FeedbackEvent text alone is capped at 64 KiB.
MAX_RECORD_BYTES = 1024 * 1024


class RegistryOutage(InvalidEvent):
    """The schema registry could not resolve a schema id; retry rather than dead-letter."""


class EncodeError(ValueError):
    """A struct's values do not fit its schema (e.g. a naive datetime, an int out of range)."""


def subject_for(version: SchemaVersion) -> str:
    """Registry subject of a record type (Confluent's RecordNameStrategy: the full name)."""
    return version.fullname


class Codec:
    def __init__(
        self,
        format: WireFormat,
        catalog: SchemaCatalog,
        registry: RegistryClient | None = None,
    ) -> None:
        if format is WireFormat.CONFLUENT and registry is None:
            raise ValueError("wire format `confluent` needs a schema registry URL; set one or use `single_object`")
        self.format = format
        self.catalog = catalog
        self.registry = registry
        known = [(cls, catalog.latest(name)) for name, cls in RECORD_TYPES.items() if name in catalog.names]
        self._readers: dict[type, SchemaVersion] = dict(known)
        self._writers = {cls: FastWriter(version) for cls, version in known}
        self._headers = {cls: self._header(version) for cls, version in known}
        self._json_decoders = {cls: msgspec.json.Decoder(cls) for cls, _ in known}
        self._registered: dict[int, SchemaVersion] = {}

    @classmethod
    def from_settings(
        cls,
        format: WireFormat | str,
        schemas_dir: Path | str = DEFAULT_SCHEMAS_DIR,
        registry_client: RegistryClient | None = None,
    ) -> Codec:
        return cls(WireFormat(format), SchemaCatalog.load(schemas_dir), registry_client)

    def encode(self, record: msgspec.Struct) -> bytes:
        cls = type(record)
        if self.format is WireFormat.JSON:
            return msgspec.json.encode(record)
        writer = self._writers.get(cls)
        if writer is None:
            raise TypeError(f"no schema for {cls.__name__}; known records: {', '.join(RECORD_TYPES)}")
        try:
            body = writer.body(record)
        except (ValueError, TypeError, OverflowError, KeyError, AttributeError) as exc:
            raise EncodeError(f"cannot encode {cls.__name__} with {writer.version.label}: {exc}") from None
        return self._headers[cls] + body

    def decode_feedback(self, raw: bytes) -> FeedbackEvent:
        return self.decode(raw, FeedbackEvent)

    def decode(self, raw: bytes, struct_type: type[T]) -> T:
        """Decode any wire format into `struct_type`; raises InvalidEvent, never anything else."""
        if struct_type not in self._readers:
            raise TypeError(f"no schema for {struct_type.__name__}; known records: {', '.join(RECORD_TYPES)}")
        try:
            return self._decode(raw, struct_type)
        except InvalidEvent:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop a stream
            raise InvalidEvent(
                Reason.PROCESSING_ERROR, f"decoder bug on a {len(raw or b'')}-byte record: {type(exc).__name__}: {exc}"
            ) from exc

    def writer_schema(self, struct_type: type[msgspec.Struct]) -> SchemaVersion:
        return self._readers[struct_type]

    def _decode(self, raw: bytes, struct_type: type[T]) -> T:
        if not isinstance(raw, bytes):
            if not isinstance(raw, (bytearray, memoryview)):
                raise InvalidEvent(Reason.UNDECODABLE, f"record value is {type(raw).__name__}, not bytes")
            raw = bytes(raw)
        if len(raw) > MAX_RECORD_BYTES:
            raise InvalidEvent(Reason.OVERSIZE, f"record is {len(raw)} bytes; the limit is {MAX_RECORD_BYTES}")
        try:
            frame = read_frame(raw)
        except FramingError as exc:
            raise InvalidEvent(Reason.UNDECODABLE, str(exc)) from None
        if frame.format is WireFormat.JSON:
            return self._from_json(raw, struct_type)
        reader = self._readers[struct_type]
        writer = self._writer_for(frame)
        if writer.fullname != reader.fullname:
            raise InvalidEvent(
                Reason.WRONG_SCHEMA, f"record is a {writer.fullname} ({writer.label}), expected {reader.fullname}"
            )
        return _to_struct(_read(raw, frame.body_offset, writer, reader), struct_type)

    def _writer_for(self, frame: Frame) -> SchemaVersion:
        if frame.format is WireFormat.SINGLE_OBJECT:
            writer = self.catalog.by_fingerprint(frame.schema_key)
            if writer is None:
                raise InvalidEvent(
                    Reason.UNKNOWN_SCHEMA,
                    f"single-object fingerprint {fingerprint_hex(frame.schema_key)} matches no schema in schemas/;"
                    " add the producer's schema version there",
                )
            return writer
        return self._registered.get(frame.schema_key) or self._fetch_registered(frame.schema_key)

    def _fetch_registered(self, schema_id: int) -> SchemaVersion:
        if self.registry is None:
            raise InvalidEvent(
                Reason.UNKNOWN_SCHEMA, f"Confluent-framed record (schema id {schema_id}) but no schema registry is configured"
            )
        try:
            text = self.registry.schema_by_id(schema_id)
        except RegistryUnavailable as exc:
            raise RegistryOutage(Reason.PROCESSING_ERROR, f"cannot resolve schema id {schema_id}: {exc}") from None
        except RegistryError as exc:
            if exc.status == 404:
                raise InvalidEvent(Reason.UNKNOWN_SCHEMA, f"schema id {schema_id} is not in the registry at {self.registry.url}") from None
            raise RegistryOutage(Reason.PROCESSING_ERROR, f"cannot resolve schema id {schema_id}: {exc}") from None
        try:
            version = parse_schema_text(text, f"registry id {schema_id}")
        except SchemaFileError as exc:
            raise InvalidEvent(Reason.WRONG_SCHEMA, str(exc)) from None
        # The registry may return the text reformatted; a known fingerprint is our own file.
        version = self.catalog.by_fingerprint(version.fingerprint) or version
        self._registered[schema_id] = version
        return version

    def _from_json(self, raw: bytes, struct_type: type[T]) -> T:
        try:
            if struct_type is FeedbackEvent:
                return parse_json(raw)  # type: ignore[return-value]
            return self._json_decoders[struct_type].decode(raw)
        except msgspec.ValidationError as exc:
            raise _invalid(exc) from None
        except msgspec.DecodeError as exc:
            raise InvalidEvent(Reason.INVALID_JSON, f"not valid JSON ({exc})") from None
        except UnicodeDecodeError as exc:  # msgspec raises it for bad UTF-8 inside strings
            raise InvalidEvent(Reason.INVALID_JSON, f"not valid UTF-8 at byte {exc.start}") from None

    def _header(self, version: SchemaVersion) -> bytes:
        if self.format is WireFormat.SINGLE_OBJECT:
            return SINGLE_OBJECT_MAGIC + version.fingerprint_bytes
        if self.format is WireFormat.CONFLUENT:
            assert self.registry is not None
            schema_id = self.registry.register(subject_for(version), version.text)
            return CONFLUENT_MAGIC + schema_id.to_bytes(4, "big")
        return b""


def _read(raw: bytes, offset: int, writer: SchemaVersion, reader: SchemaVersion) -> dict[str, Any]:
    where = f"{writer.name} ({writer.label})"
    try:
        return read_datum(raw, offset, writer, reader)
    except TrailingBytes as exc:
        raise InvalidEvent(Reason.UNDECODABLE, f"{exc}; wrong schema or corrupted bytes") from None
    except EOFError:
        raise InvalidEvent(Reason.UNDECODABLE, f"Avro body of {where} is truncated") from None
    except UnicodeDecodeError:
        raise InvalidEvent(Reason.INVALID_FIELD, f"a string in {where} is not valid UTF-8") from None
    except IndexError:
        raise InvalidEvent(Reason.UNDECODABLE, f"an enum or union index in {where} is out of range; corrupted bytes?") from None
    except SchemaResolutionError as exc:
        raise _unresolvable(exc, writer, reader) from None
    except (OverflowError, ValueError) as exc:
        raise InvalidEvent(Reason.INVALID_FIELD, f"a value in {where} is out of range ({exc})") from None


def _unresolvable(exc: SchemaResolutionError, writer: SchemaVersion, reader: SchemaVersion) -> InvalidEvent:
    message = str(exc)
    if message.startswith("No default value for field"):
        reason = Reason.MISSING_FIELD
    elif "not found in reader symbol list" in message:
        reason = Reason.INVALID_ENUM
    else:
        reason = Reason.WRONG_SCHEMA
    return InvalidEvent(reason, f"{writer.label} cannot be read as {reader.label}: {message}")


def _to_struct(datum: dict[str, Any], struct_type: type[T]) -> T:
    if struct_type is FeedbackEvent:
        try:
            return from_mapping(datum)  # type: ignore[return-value]
        except OverflowError:
            raise InvalidEvent(Reason.INVALID_FIELD, "`occurred_at` is out of range") from None
    try:
        return msgspec.convert(datum, struct_type)
    except msgspec.ValidationError as exc:
        raise _invalid(exc) from None


def _invalid(exc: msgspec.ValidationError) -> InvalidEvent:
    message = str(exc)
    if message.startswith("Object missing required field"):
        return InvalidEvent(Reason.MISSING_FIELD, message)
    if message.startswith("Invalid enum value"):
        return InvalidEvent(Reason.INVALID_ENUM, message)
    return InvalidEvent(Reason.INVALID_FIELD, message)
