"""Where the case engine keeps its state: typed views over one byte mapping.

The engine sees `Store[T]`s, each a key prefix of the same MutableMapping[bytes, bytes]: a
dict in unit tests and in `vigil backtest`, one Faust table (RocksDB-backed, changelogged) in
the worker. One table on purpose: its changelog partition then holds every state write of a
route in the order it was made, so a restore after a crash is a consistent prefix of
history, never "this case updated but not the report that updated it" (see engine.py for the
one write order that matters). Values are MessagePack, typed by msgspec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Iterator, MutableMapping, TypeVar

import msgspec

from streams.core.cases import Case, SubjectHistory, TextCandidate
from streams.core.dedupe import SeenReport
from streams.core.rejections import Record

T = TypeVar("T")


class Store(Generic[T]):
    def __init__(self, data: MutableMapping[bytes, bytes], kind: type[T] | Any, prefix: str) -> None:
        self._data = data
        self._prefix = prefix.encode()
        self._encode = msgspec.msgpack.Encoder().encode
        self._decode = msgspec.msgpack.Decoder(kind).decode

    def get(self, key: str) -> T | None:
        raw = self._data.get(self._prefix + key.encode())
        return None if raw is None else self._decode(raw)

    def put(self, key: str, value: T) -> None:
        self._data[self._prefix + key.encode()] = self._encode(value)

    def delete(self, key: str) -> None:
        self._data.pop(self._prefix + key.encode(), None)

    def items(self) -> Iterator[tuple[str, T]]:
        """Lazy: collect keys to delete and delete after iterating."""
        skip = len(self._prefix)
        for key, raw in self._data.items():
            if key.startswith(self._prefix):
                yield key[skip:].decode(), self._decode(raw)

    def __len__(self) -> int:
        return sum(1 for key in self._data if key.startswith(self._prefix))


@dataclass
class EngineState:
    """The case engine's state. Rejections are global (by reporter hash), so kept apart."""

    seen: Store[SeenReport]
    cases: Store[Case]
    subjects: Store[SubjectHistory]
    text_index: Store[list[TextCandidate]]
    rejections: Store[Record]

    @classmethod
    def over(cls, table: MutableMapping[bytes, bytes], rejections: MutableMapping[bytes, bytes]) -> EngineState:
        return cls(
            Store(table, SeenReport, "s:"),
            Store(table, Case, "c:"),
            Store(table, SubjectHistory, "h:"),
            Store(table, list[TextCandidate], "t:"),
            Store(rejections, Record, ""),
        )

    @classmethod
    def in_memory(cls) -> EngineState:
        return cls.over({}, {})

