"""Codec benchmark: avro-python3 (reference) vs the fastavro hot path, encode and decode apart.

Both sides go struct -> bytes and bytes -> validated struct, the work an agent needs:
the reference walks the schema to build avro-python3 datums (it has no logical types), the
hot path is `Codec.encode` / `Codec.decode_feedback` with framing included. The breakdown
rows show where the hot path's time goes. Best of --repeat runs; one process, one core.

    .venv/bin/python ops/bench/codec_bench.py [--record full|minimal] [--seconds 1] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from io import BytesIO
from pathlib import Path
from typing import Callable

import msgspec
from fastavro import schemaless_reader, schemaless_writer

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "unit" / "contracts"))

from contract_samples import FULL_FEEDBACK, MINIMAL_FEEDBACK  # noqa: E402

from streams.codecs import Codec, SchemaCatalog, WireFormat  # noqa: E402
from streams.codecs import reference  # noqa: E402
from streams.codecs.fast import _BUILTINS, read_datum  # noqa: E402
from streams.core.report import FeedbackEvent, from_mapping, validate  # noqa: E402


def per_second(fn: Callable[[], object], seconds: float, repeat: int) -> float:
    """Best calls/second over `repeat` runs of about `seconds` each."""
    calls = 1
    while True:  # size the loop so one run lasts about `seconds`
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed > seconds / 10:
            break
        calls *= 2
    calls = max(1, int(calls * seconds / elapsed))
    best = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = max(best, calls / (time.perf_counter() - start))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", choices=["full", "minimal"], default="full")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})

    event = FULL_FEEDBACK if args.record == "full" else MINIMAL_FEEDBACK
    catalog = SchemaCatalog.load()
    version = catalog.latest("FeedbackEvent")
    codec = Codec(WireFormat.SINGLE_OBJECT, catalog)
    json_codec = Codec(WireFormat.JSON, catalog)
    raw = codec.encode(event)
    body = reference.encode_body(version, event)
    assert raw[10:] == body and codec.decode_feedback(raw) == event
    assert validate(reference.decode_body(version, version, body, FeedbackEvent)) == event
    datum = read_datum(raw, 10, version, version)
    built = msgspec.to_builtins(event, builtin_types=_BUILTINS)
    json_raw = json_codec.encode(event)

    def fast_write() -> bytes:
        out = BytesIO()
        schemaless_writer(out, version.fast, built)
        return out.getvalue()

    rows: list[tuple[str, Callable[[], object]]] = [
        ("avro-python3 encode (struct -> bytes)", lambda: reference.encode_body(version, event)),
        ("avro-python3 decode (bytes -> struct)", lambda: validate(reference.decode_body(version, version, body, FeedbackEvent))),
        ("hot path encode  Codec.encode", lambda: codec.encode(event)),
        ("hot path decode  Codec.decode_feedback", lambda: codec.decode_feedback(raw)),
        ("  msgspec.to_builtins(struct)", lambda: msgspec.to_builtins(event, builtin_types=_BUILTINS)),
        ("  fastavro schemaless_writer", fast_write),
        ("  fastavro schemaless_reader", lambda: schemaless_reader(BytesIO(body), version.fast, None)),
        ("  from_mapping (convert+validate)", lambda: from_mapping(datum)),
        ("json encode  Codec.encode", lambda: json_codec.encode(event)),
        ("json decode  Codec.decode_feedback", lambda: codec.decode_feedback(json_raw)),
    ]
    print(f"FeedbackEvent ({args.record}): {len(raw)} bytes single-object, {len(json_raw)} bytes JSON; "
          f"best of {args.repeat} x ~{args.seconds:g}s, Python {sys.version.split()[0]}")
    print(f"{'':42s} {'records/s':>12s} {'us/record':>10s}")
    rates: dict[str, float] = {}
    for name, fn in rows:
        rate = per_second(fn, args.seconds, args.repeat)
        rates[name] = rate
        print(f"{name:42s} {rate:12,.0f} {1e6 / rate:10.2f}")
    for side in ("avro-python3", "hot path"):
        enc = next(v for k, v in rates.items() if k.startswith(side) and "encode" in k)
        dec = next(v for k, v in rates.items() if k.startswith(side) and "decode" in k)
        print(f"{side + ' encode+decode (round trips)':42s} {1 / (1 / enc + 1 / dec):12,.0f}")
    speedup_enc = rates["hot path encode  Codec.encode"] / rates["avro-python3 encode (struct -> bytes)"]
    speedup_dec = rates["hot path decode  Codec.decode_feedback"] / rates["avro-python3 decode (bytes -> struct)"]
    print(f"hot path vs avro-python3: encode x{speedup_enc:.1f}, decode x{speedup_dec:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
