"""Wire formats and Avro codecs for Vigil's records. I/O-format code: no Kafka or Faust here."""

from streams.codecs.catalog import DEFAULT_SCHEMAS_DIR, SchemaCatalog, SchemaFileError, SchemaVersion
from streams.codecs.codec import MAX_RECORD_BYTES, RECORD_TYPES, Codec, EncodeError, RegistryOutage, subject_for
from streams.codecs.keys import record_key
from streams.codecs.registry import RegistryClient, RegistryError, RegistryUnavailable
from streams.codecs.wire import WireFormat

__all__ = [
    "DEFAULT_SCHEMAS_DIR",
    "MAX_RECORD_BYTES",
    "RECORD_TYPES",
    "Codec",
    "EncodeError",
    "RegistryClient",
    "RegistryError",
    "RegistryOutage",
    "RegistryUnavailable",
    "SchemaCatalog",
    "SchemaFileError",
    "SchemaVersion",
    "WireFormat",
    "record_key",
    "subject_for",
]
