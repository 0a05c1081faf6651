"""Where the case engine keeps its state: typed views over byte mappings.

The engine sees `Store[T]`s. Underneath is any MutableMapping[bytes, bytes]: a dict in unit
tests and in `vigil backtest`, a Faust table (RocksDB-backed, changelogged) in the worker.
Values are MessagePack, typed by msgspec, so a restored table decodes to the same structs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Iterator, MutableMapping, TypeVar

import msgspec

from streams.core.cases import Case, SubjectHistory, TextCandidate
from streams.core.dedupe import SeenReport

T = TypeVar("T")


class Store(Generic[T]):
    def __init__(self, data: MutableMapping[bytes, bytes], kind: type[T]) -> None:
        self._data = data
        self._encode = msgspec.msgpack.Encoder().encode
        self._decode = msgspec.msgpack.Decoder(kind).decode

    def get(self, key: str) -> T | None:
        raw = self._data.get(key.encode())
        return None if raw is None else self._decode(raw)

    def put(self, key: str, value: T) -> None:
        self._data[key.encode()] = self._encode(value)

    def delete(self, key: str) -> None:
        self._data.pop(key.encode(), None)

    def items(self) -> Iterator[tuple[str, T]]:
        """Lazy: collect keys to delete and delete after iterating."""
        for key, raw in self._data.items():
            yield key.decode(), self._decode(raw)

    def __len__(self) -> int:
        return len(self._data)


@dataclass
class EngineState:
    """All tables the case engine reads and writes. Rejections are global (by reporter)."""

    seen: Store[SeenReport]
    cases: Store[Case]
    subjects: Store[SubjectHistory]
    text_index: Store[list[TextCandidate]]
    rejections: Store[int]

    @classmethod
    def over(
        cls,
        seen: MutableMapping[bytes, bytes],
        cases: MutableMapping[bytes, bytes],
        subjects: MutableMapping[bytes, bytes],
        text_index: MutableMapping[bytes, bytes],
        rejections: MutableMapping[bytes, bytes],
    ) -> EngineState:
        return cls(
            Store(seen, SeenReport),
            Store(cases, Case),
            Store(subjects, SubjectHistory),
            Store(text_index, list[TextCandidate]),
            Store(rejections, int),
        )

    @classmethod
    def in_memory(cls) -> EngineState:
        return cls.over({}, {}, {}, {}, {})

