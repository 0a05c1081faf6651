from __future__ import annotations

from typing import Iterator

import pytest

from contract_registry import LocalRegistry
from streams.codecs import Codec, RegistryClient, SchemaCatalog, WireFormat


@pytest.fixture(scope="session")
def catalog() -> SchemaCatalog:
    return SchemaCatalog.load()


@pytest.fixture
def local_registry() -> Iterator[LocalRegistry]:
    registry = LocalRegistry().start()
    yield registry
    registry.stop()


@pytest.fixture
def codecs(catalog: SchemaCatalog, local_registry: LocalRegistry) -> dict[WireFormat, Codec]:
    """One codec per wire format, each with a client of a local registry (to read Confluent)."""
    return {fmt: Codec(fmt, catalog, RegistryClient(local_registry.url)) for fmt in WireFormat}
