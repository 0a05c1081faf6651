"""Records on the internal routed topic: work moved to the partition that owns its case.

Keyed by route id (see streams/core/keys.py), so every record about one case lands on the
same partition as the case's state. MessagePack: internal, never read outside Vigil.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from streams.core.outcome import Source


class ForwardedReport(msgspec.Struct, tag="report", frozen=True):
    """A report read on a partition that does not own its case."""

    payload: bytes
    json: bool  # payload is JSON (from the JSON topic), else the configured Avro format
    source: Source  # where it was first read: a replay of it is recognised by this
    # The Kafka timestamp of the original record: report-to-escalation latency counts from
    # there, not from the forward. None in records written before the field existed.
    ingested_at: datetime | None = None


class ForwardedUpdate(msgspec.Struct, tag="update", frozen=True):
    payload: bytes
    json: bool
    source: Source


class SlaCheck(msgspec.Struct, tag="sla", frozen=True):
    """A case's deadline passed: check it (the engine decides; the timer only nudges)."""

    case_id: str


class Sweep(msgspec.Struct, tag="sweep", frozen=True):
    """Expire old state on this partition."""


Routed = ForwardedReport | ForwardedUpdate | SlaCheck | Sweep

encode = msgspec.msgpack.Encoder().encode
decode = msgspec.msgpack.Decoder(Routed).decode
