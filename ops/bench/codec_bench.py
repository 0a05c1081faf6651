"""Codec benchmark: the schema-compiled hot path vs fastavro vs avro-python3, in one run.

Each side goes struct -> framed bytes and framed bytes -> validated struct, the work an agent
needs:
  compiled      `Codec.encode` / `Codec.decode_feedback` (code generated from the schemas)
  fastavro      the same calls on `Codec(..., compile_schemas=False)`: the previous hot path
                (msgspec.to_builtins + schemaless_writer, schemaless_reader + msgspec.convert)
  avro-python3  the reference: avro-python3 datums built by walking the schema
Rows: FeedbackEvent encode, decode and round trip (decode(encode(x)), measured as one call),
Outcome and Escalation encode, and the codec work of one report in the pipeline (one
FeedbackEvent decode + one Outcome encode + one Escalation encode). Best of --repeat runs of
about --seconds each; pin it to one core:

    taskset -c 0 .venv/bin/python ops/bench/codec_bench.py [--record full|minimal] [--seconds 1] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Callable

import msgspec

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "unit" / "contracts"))

from contract_samples import FULL_ESCALATION, FULL_FEEDBACK, FULL_OUTCOME, MINIMAL_FEEDBACK  # noqa: E402

from streams.codecs import Codec, SchemaCatalog, WireFormat  # noqa: E402
from streams.codecs import reference  # noqa: E402
from streams.codecs.wire import frame_single_object  # noqa: E402
from streams.core.report import FeedbackEvent, validate  # noqa: E402

SIDES = ("compiled", "fastavro", "avro-python3")


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


class Reference:
    """avro-python3 behind the same calls as Codec (single-object framing included)."""

    def __init__(self, catalog: SchemaCatalog) -> None:
        self.catalog = catalog

    def encode(self, record: msgspec.Struct) -> bytes:
        version = self.catalog.latest(type(record).__name__)
        return frame_single_object(version.fingerprint_bytes, reference.encode_body(version, record))

    def decode_feedback(self, raw: bytes) -> FeedbackEvent:
        version = self.catalog.latest("FeedbackEvent")
        return validate(reference.decode_body(version, version, raw[10:], FeedbackEvent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", choices=["full", "minimal"], default="full", help="which FeedbackEvent sample")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):  # one core even without taskset
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})

    event = FULL_FEEDBACK if args.record == "full" else MINIMAL_FEEDBACK
    catalog = SchemaCatalog.load()
    codecs = {
        "compiled": Codec(WireFormat.SINGLE_OBJECT, catalog),
        "fastavro": Codec(WireFormat.SINGLE_OBJECT, catalog, compile_schemas=False),
        "avro-python3": Reference(catalog),
    }
    compiled = codecs["compiled"]
    assert isinstance(compiled, Codec) and FeedbackEvent in compiled.compiled
    for record in (event, FULL_OUTCOME, FULL_ESCALATION):  # all three write the same bytes
        assert len({codec.encode(record) for codec in codecs.values()}) == 1, type(record).__name__
    raw = compiled.encode(event)
    assert all(codec.decode_feedback(raw) == event for codec in codecs.values())

    def rows(codec: Codec | Reference) -> dict[str, Callable[[], object]]:
        return {
            f"FeedbackEvent ({args.record}) encode": lambda: codec.encode(event),
            f"FeedbackEvent ({args.record}) decode": lambda: codec.decode_feedback(raw),
            f"FeedbackEvent ({args.record}) round trip": lambda: codec.decode_feedback(codec.encode(event)),
            "Outcome (full) encode": lambda: codec.encode(FULL_OUTCOME),
            "Escalation (full) encode": lambda: codec.encode(FULL_ESCALATION),
        }

    sizes = ", ".join(f"{type(r).__name__} {len(compiled.encode(r))}" for r in (event, FULL_OUTCOME, FULL_ESCALATION))
    print(f"single-object bytes: {sizes}; best of {args.repeat} x ~{args.seconds:g}s, Python {sys.version.split()[0]}")
    print(f"{'records/s (us/record)':42s}" + "".join(f"{side:>22s}" for side in SIDES) + f"{'compiled/fastavro':>19s}")
    rates: dict[str, dict[str, float]] = {}
    for side in SIDES:
        for name, fn in rows(codecs[side]).items():
            rates.setdefault(name, {})[side] = per_second(fn, args.seconds, args.repeat)
    for name, by_side in rates.items():
        cells = "".join(f"{by_side[side]:>12,.0f} ({1e6 / by_side[side]:6.2f})" for side in SIDES)
        print(f"{name:42s}{cells}{by_side['compiled'] / by_side['fastavro']:>18.1f}x")
    names = list(rates)
    pipeline = {side: sum(1e6 / rates[n][side] for n in (names[1], names[3], names[4])) for side in SIDES}
    cells = "".join(f"{pipeline[side]:>19.2f} us" for side in SIDES)
    print(f"{'per report: decode + Outcome + Escalation':42s}{cells}{pipeline['fastavro'] / pipeline['compiled']:>18.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
