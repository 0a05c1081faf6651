"""fastavro (the resolving path) and the reference (avro-python3) agree byte for byte on every schema.

The compiled hot path is checked against both in test_compiled_codec.py.
"""

from __future__ import annotations

import msgspec
import pytest
from fastavro.schema import fingerprint, to_parsing_canonical_form
from hypothesis import given, settings

from contract_samples import SAMPLES, any_record
from streams.codecs import RECORD_TYPES, SchemaCatalog
from streams.codecs import reference
from streams.codecs.fast import FastWriter, read_datum
from streams.codecs.catalog import parse_schema_text


def _fast_then_reference(catalog: SchemaCatalog, record: msgspec.Struct) -> None:
    version = catalog.latest(type(record).__name__)
    fast = FastWriter(version).body(record)
    slow = reference.encode_body(version, record)
    assert fast == slow
    assert reference.decode_body(version, version, fast, type(record)) == record
    assert msgspec.convert(read_datum(slow, 0, version, version), type(record)) == record


def test_every_record_type_has_a_sample() -> None:
    assert {type(record).__name__ for record in SAMPLES.values()} == set(RECORD_TYPES)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_samples_encode_identically(catalog: SchemaCatalog, name: str) -> None:
    _fast_then_reference(catalog, SAMPLES[name])


CATALOG = SchemaCatalog.load()


@settings(max_examples=300)
@given(record=any_record)
def test_generated_records_encode_identically(record: msgspec.Struct) -> None:
    _fast_then_reference(CATALOG, record)


# Apache Avro's published CRC-64-AVRO vectors (share/test/data/schema-tests.txt), as signed i64.
@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ('"null"', 7195948357588979594),
        ('"boolean"', -6970731678124411036),
        ('"int"', 8247732601305521295),
        ('"long"', -3434872931120570953),
        ('"string"', -8142146995180207161),
        ('{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}', 7843277075252814651),
    ],
)
def test_fingerprint_matches_the_avro_spec_vectors(schema: str, expected: int) -> None:
    from avro.schemanormalization import Fingerprint

    assert int.from_bytes(Fingerprint(schema, "CRC-64-AVRO"), "little", signed=True) == expected


def test_catalog_fingerprints_agree_with_fastavro(catalog: SchemaCatalog) -> None:
    for version in catalog:
        canonical = to_parsing_canonical_form(version.fast)
        assert canonical == version.canonical, version.label
        assert fingerprint(canonical, "CRC-64-AVRO") == version.fingerprint_bytes.hex(), version.label


def test_registry_text_with_other_formatting_has_the_same_fingerprint(catalog: SchemaCatalog) -> None:
    version = catalog.latest("FeedbackEvent")
    compact = msgspec.json.encode(msgspec.json.decode(version.text)).decode()
    assert parse_schema_text(compact, "compact").fingerprint == version.fingerprint
