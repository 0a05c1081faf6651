"""The ops console: a page served by the worker, and its JSON/SSE endpoints (issue 7).

    /console                               the page (static HTML + CSS + JS, no build step)
    /console/static/{name}                 its script and style sheet
    /api/console                           one JSON snapshot of the feed (allow-listed fields:
                                           no report text, facts or subject ids; feed.py)
    /api/console/stream                    the same snapshots as server-sent events
    /api/escalations/{escalation_id}/text  the excerpt of one escalation, asked for on click

Handlers stay thin: they read `vigil.feed` and the case table and serialise.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web as aiohttp_web
from faust import web

if TYPE_CHECKING:
    from streams.app import Vigil

# A snapshot is sent when the feed changed, at most every TICK_S; and at least every
# REFRESH_S even when idle, so events/s decays and the SLA clocks stay true.
TICK_S = 0.5
REFRESH_S = 5.0
ASSETS = {
    "console.js": "application/javascript",
    "console.css": "text/css",
}
_NO_STORE = {"Cache-Control": "no-store"}


@dataclass
class Console:
    vigil: Vigil
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def snapshot(self) -> dict[str, Any]:
        return self.vigil.feed.snapshot(self.vigil.engine.state.cases, show_text=False)

    def snapshot_bytes(self) -> bytes:
        return msgspec.json.encode(self.snapshot())

    async def stream(self, request: Any) -> aiohttp_web.StreamResponse:
        response = aiohttp_web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        sent_version, sent_at = -1, 0.0
        try:
            while not self.stopping.is_set():
                version = self.vigil.feed.version
                if version != sent_version or time.monotonic() - sent_at >= REFRESH_S:
                    await response.write(b"event: snapshot\ndata: " + self.snapshot_bytes() + b"\n\n")
                    sent_version, sent_at = version, time.monotonic()
                await _wait(self.stopping, TICK_S)
        except ConnectionResetError:
            pass  # the page was closed
        return response


async def _wait(event: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except asyncio.TimeoutError:
        pass


def _asset(name: str) -> bytes:
    return files("streams.web").joinpath("static", name).read_bytes()


def register(vigil: Vigil) -> None:
    """Add the console's pages to the worker's web server."""
    console = Console(vigil)
    page = _asset("console.html").decode()
    assets = {name: _asset(name) for name in ASSETS}
    app = vigil.app

    async def stop_streams(_: Any) -> None:
        console.stopping.set()

    # aiohttp waits for open handlers on shutdown; an open event stream would hold it for a minute.
    app.web.web_app.on_shutdown.append(stop_streams)

    @app.page("/console", name="console")
    async def console_page(self: web.View, request: web.Request) -> web.Response:
        return self.html(page, headers=_NO_STORE)

    @app.page("/console/static/{name}", name="console_static")
    async def console_static(self: web.View, request: web.Request, name: str) -> web.Response:
        if name not in assets:
            return self.notfound(f"no asset {name}")
        return self.bytes(assets[name], content_type=ASSETS[name], headers=_NO_STORE)

    @app.page("/api/console", name="console_snapshot")
    async def console_snapshot(self: web.View, request: web.Request) -> web.Response:
        return self.bytes(console.snapshot_bytes(), content_type="application/json", headers=_NO_STORE)

    @app.page("/api/console/stream", name="console_stream")
    async def console_stream(self: web.View, request: web.Request) -> Any:
        return await console.stream(request)

    @app.page("/api/escalations/{escalation_id}/text", name="escalation_text")
    async def escalation_text(self: web.View, request: web.Request, escalation_id: str) -> web.Response:
        excerpt = vigil.feed.excerpt(escalation_id)
        if excerpt is None:
            return self.notfound(f"escalation {escalation_id} is not among the console's recent escalations")
        return self.json({"escalation_id": escalation_id, "excerpt": excerpt}, headers=_NO_STORE)
