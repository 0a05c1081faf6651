"""Codec: the one object the agents call to turn records into bytes and back.

    codec = Codec.from_settings("single_object", schemas_dir, registry_client=None)
    raw = codec.encode(escalation)               # schema chosen from the struct type
    event = codec.decode_feedback(raw)           # FeedbackEvent, or InvalidEvent
    update = codec.decode(raw, EscalationUpdate)

Producers write the configured WireFormat; decoders read all three, told apart by the first
bytes. Decoding raises `InvalidEvent` and nothing else, whatever the bytes: its reason is
what a dead-letter dashboard counts, its detail is one line that says what to fix.
`RegistryOutage` (not an InvalidEvent) means the registry could not be asked: the record is
not at fault, so it must be retried, never dead-lettered.

Avro bodies are written, and read when the writer used the reader's own schema version, by
code compiled from that schema (streams/codecs/compiled.py); fastavro resolves records of
other writer versions, and handles any record the compiler does not (`Codec.compiled` says
which are compiled).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, Callable, TypeVar

import msgspec
from fastavro.read import SchemaResolutionError

from streams.codecs.catalog import DEFAULT_SCHEMAS_DIR, SchemaCatalog, SchemaFileError, SchemaVersion, parse_schema_text
from streams.codecs.compiled import BadIndex, CompiledCodec, Decoder, Encoder, Malformed, Unsupported, compile_codec
from streams.codecs.fast import FastWriter, TrailingBytes, read_datum
from streams.codecs.registry import RegistryClient, RegistryError, RegistryUnavailable
from streams.codecs.wire import (
    CONFLUENT_MAGIC,
    SINGLE_OBJECT_HEADER,
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
from streams.core.report import (
    MAX_RECORD_BYTES,
    DeadLetterReason,
    FeedbackEvent,
    InvalidEvent,
    from_mapping,
    parse_json,
    validate,
)

T = TypeVar("T", bound=msgspec.Struct)
Reason = DeadLetterReason

RECORD_TYPES: dict[str, type[msgspec.Struct]] = {
    cls.__name__: cls for cls in (FeedbackEvent, Escalation, EscalationUpdate, PatternAlert, Outcome, DeadLetter)
}
# Checks beyond types that decoding a record must apply, as from_mapping does for JSON and fastavro.
_CHECKS: dict[type, Callable[[Any], Any]] = {FeedbackEvent: validate}
# What a struct's values can raise when they do not fit its schema (compiled or fastavro writer).
_ENCODE_ERRORS = (ValueError, TypeError, OverflowError, KeyError, AttributeError, struct.error)


class RegistryOutage(Exception):
    """The schema registry could not resolve a schema id; retry rather than dead-letter.

    Deliberately not an InvalidEvent: code that dead-letters bad input must not catch it."""

    def __init__(self, reason: DeadLetterReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason  # what it would be counted as if it were given up on
        self.detail = detail


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
        *,
        compile_schemas: bool = True,
    ) -> None:
        """`compile_schemas=False` keeps every record on fastavro (to compare, or to rule the compiled code out)."""
        if format is WireFormat.CONFLUENT and registry is None:
            raise ValueError("wire format `confluent` needs a schema registry URL; set one or use `single_object`")
        self.format = format
        self.catalog = catalog
        self.registry = registry
        known = [(cls, catalog.latest(name)) for name, cls in RECORD_TYPES.items() if name in catalog.names]
        self._readers: dict[type, SchemaVersion] = dict(known)
        self._compiled = {
            cls: compiled for cls, version in known if compile_schemas and (compiled := _compiled(version, cls)) is not None
        }
        self._writers: dict[type, tuple[Encoder, bytes]] = {
            cls: (self._encoder(cls, version), self._header(version)) for cls, version in known
        }
        # A single-object record written with the reader's own schema skips the frame lookup.
        self._own_frames: dict[type, tuple[bytes, Decoder, Callable[[Any], Any] | None]] = {
            cls: (SINGLE_OBJECT_MAGIC + self._readers[cls].fingerprint_bytes, compiled.decode, _CHECKS.get(cls))
            for cls, compiled in self._compiled.items()
        }
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

    @property
    def compiled(self) -> frozenset[type[msgspec.Struct]]:
        """Record types encoded and decoded by compiled code (the others use fastavro)."""
        return frozenset(self._compiled)

    def encode(self, record: msgspec.Struct) -> bytes:
        if self.format is WireFormat.JSON:
            return msgspec.json.encode(record)
        writer = self._writers.get(type(record))
        if writer is None:
            raise TypeError(f"no schema for {type(record).__name__}; known records: {', '.join(RECORD_TYPES)}")
        write, header = writer
        try:
            return write(record, header)
        except _ENCODE_ERRORS as exc:
            cls = type(record)
            raise EncodeError(f"cannot encode {cls.__name__} with {self._readers[cls].label}: {exc}") from None

    def decode_feedback(self, raw: bytes) -> FeedbackEvent:
        return self.decode(raw, FeedbackEvent)

    def decode(self, raw: bytes, struct_type: type[T]) -> T:
        """Decode any wire format into `struct_type`; raises InvalidEvent (bad input) or
        RegistryOutage (retry later), never anything else."""
        own = self._own_frames.get(struct_type)
        if own is not None and type(raw) is bytes and raw.startswith(own[0]) and len(raw) <= MAX_RECORD_BYTES:
            _, read, check = own  # the hot path: no frame parsing, no schema lookup
            try:
                record = read(raw, SINGLE_OBJECT_HEADER)
                return record if check is None else check(record)
            except InvalidEvent:
                raise
            except Exception as exc:  # noqa: BLE001 - mapped as on the general path
                raise _decode_failure(_bad_body(exc, self._readers[struct_type]), raw) from exc
        if struct_type not in self._readers:
            raise TypeError(f"no schema for {struct_type.__name__}; known records: {', '.join(RECORD_TYPES)}")
        try:
            return self._decode(raw, struct_type)
        except (InvalidEvent, RegistryOutage):
            raise
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop a stream
            raise _decode_failure(exc, raw) from exc

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
        compiled = self._compiled.get(struct_type)
        if compiled is not None and writer.fingerprint == reader.fingerprint:
            return _checked(_read_compiled(compiled, raw, frame.body_offset, writer), struct_type)
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

    def _encoder(self, cls: type[msgspec.Struct], version: SchemaVersion) -> Encoder:
        compiled = self._compiled.get(cls)
        if compiled is not None:
            return compiled.encode
        writer = FastWriter(version)
        return lambda record, header: header + writer.body(record)

    def _header(self, version: SchemaVersion) -> bytes:
        if self.format is WireFormat.SINGLE_OBJECT:
            return SINGLE_OBJECT_MAGIC + version.fingerprint_bytes
        if self.format is WireFormat.CONFLUENT:
            assert self.registry is not None
            schema_id = self.registry.register(subject_for(version), version.text)
            return CONFLUENT_MAGIC + schema_id.to_bytes(4, "big")
        return b""


def _decode_failure(exc: Exception, raw: Any) -> InvalidEvent:
    """What decoding raised, as an InvalidEvent: bad bytes as such, anything else as a decoder bug."""
    if isinstance(exc, InvalidEvent):
        return exc
    return InvalidEvent(
        Reason.PROCESSING_ERROR, f"decoder bug on a {len(raw or b'')}-byte record: {type(exc).__name__}: {exc}"
    )


def _compiled(version: SchemaVersion, struct_type: type[msgspec.Struct]) -> CompiledCodec | None:
    try:
        return compile_codec(version, struct_type)
    except Unsupported:
        return None  # fastavro reads and writes it; `Codec.compiled` shows which


def _read(raw: bytes, offset: int, writer: SchemaVersion, reader: SchemaVersion) -> dict[str, Any]:
    try:
        return read_datum(raw, offset, writer, reader)
    except Exception as exc:  # noqa: BLE001 - mapped below, or re-raised as it is
        raise _bad_body(exc, writer, reader) from None


def _read_compiled(compiled: CompiledCodec, raw: bytes, offset: int, writer: SchemaVersion) -> msgspec.Struct:
    try:
        return compiled.decode(raw, offset)
    except Exception as exc:  # noqa: BLE001 - mapped below, or re-raised as it is
        raise _bad_body(exc, writer) from None


def _bad_body(exc: Exception, writer: SchemaVersion, reader: SchemaVersion | None = None) -> Exception:
    """The InvalidEvent for what a body reader raised on bad bytes; any other exception itself."""
    where = f"{writer.name} ({writer.label})"
    if isinstance(exc, TrailingBytes):
        return InvalidEvent(Reason.UNDECODABLE, f"{exc}; wrong schema or corrupted bytes")
    if isinstance(exc, EOFError):
        return InvalidEvent(Reason.UNDECODABLE, f"Avro body of {where} is truncated")
    if isinstance(exc, UnicodeDecodeError):
        return InvalidEvent(Reason.INVALID_FIELD, f"a string in {where} is not valid UTF-8")
    if isinstance(exc, BadIndex):  # the compiled reader says which
        return InvalidEvent(Reason.UNDECODABLE, f"an enum or union index in {where} is out of range ({exc}); corrupted bytes?")
    if isinstance(exc, IndexError):
        return InvalidEvent(Reason.UNDECODABLE, f"an enum or union index in {where} is out of range; corrupted bytes?")
    if isinstance(exc, SchemaResolutionError):
        return _unresolvable(exc, writer, reader or writer)
    if isinstance(exc, Malformed):
        return InvalidEvent(Reason.UNDECODABLE, f"Avro body of {where} is corrupted: {exc}")
    if isinstance(exc, (OverflowError, ValueError)):
        return InvalidEvent(Reason.INVALID_FIELD, f"a value in {where} is out of range ({exc})")
    return exc


def _unresolvable(exc: SchemaResolutionError, writer: SchemaVersion, reader: SchemaVersion) -> InvalidEvent:
    message = str(exc)
    if message.startswith("No default value for field"):
        reason = Reason.MISSING_FIELD
    elif "not found in reader symbol list" in message:
        reason = Reason.INVALID_ENUM
    else:
        reason = Reason.WRONG_SCHEMA
    return InvalidEvent(reason, f"{writer.label} cannot be read as {reader.label}: {message}")


def _checked(record: Any, struct_type: type[T]) -> T:
    check = _CHECKS.get(struct_type)
    return record if check is None else check(record)


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
