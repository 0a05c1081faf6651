"""Baseline (b): a naive Faust agent that forwards every event with `await topic.send()`.

Run as its own process, Faust defaults, like a first attempt would look. Prints one JSON
line {"eps": ..., "seconds": ...} once it has forwarded `--events` records, then exits.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import faust


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args()

    app = faust.App(
        args.app_id,
        broker=f"kafka://{args.bootstrap}",
        store="memory://",
        datadir=args.data_dir,
        web_enabled=False,
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
    )
    source = app.topic(args.source, value_type=bytes, key_type=bytes)
    target = app.topic(args.target, value_type=bytes, key_type=bytes)
    progress = {"n": 0, "started": 0.0}

    @app.agent(source, concurrency=1)
    async def forward(stream):  # type: ignore[no-untyped-def]
        async for event in stream.events():
            if not progress["n"]:
                progress["started"] = time.perf_counter()
            await target.send(key=event.key, value=event.value)
            progress["n"] += 1
            if progress["n"] == args.events:
                await app.producer.flush()
                seconds = time.perf_counter() - progress["started"]
                # Faust redirects stdout to its logger; the result goes straight to fd 1.
                os.write(1, (json.dumps({"eps": args.events / seconds, "seconds": seconds}) + "\n").encode())
                os._exit(0)

    sys.argv = [sys.argv[0], "worker", "--loglevel", "warn", "--without-web"]
    app.main()


if __name__ == "__main__":
    main()
