"""A local, in-memory Confluent-compatible registry over real HTTP (aiohttp on 127.0.0.1).

It serves the documented Confluent endpoints the client uses, with the registry's
compatibility rule applied by streams.codecs.compat, and records every request so tests
can count round trips. The integration test runs the same client against Apicurio.
"""

from __future__ import annotations

import asyncio
import json
import threading

import avro.schema
from aiohttp import web

from streams.codecs.compat import can_read

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


class LocalRegistry:
    def __init__(self) -> None:
        self.schemas: list[str] = []  # id - 1 -> schema text
        self.subjects: dict[str, list[int]] = {}
        self.config: dict[str, str] = {}
        self.requests: list[tuple[str, str]] = []
        self.authorizations: list[str | None] = []
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> LocalRegistry:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def count(self, method: str, prefix: str) -> int:
        return sum(1 for m, path in self.requests if m == method and path.startswith(prefix))

    async def _start(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.add_routes([
            web.post("/subjects/{subject}/versions", self._register),
            web.get("/subjects/{subject}/versions", self._versions),
            web.get("/schemas/ids/{id}", self._by_id),
            web.post("/compatibility/subjects/{subject}/versions/{version}", self._compatibility),
            web.put("/config/{subject}", self._set_config),
        ])
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    @web.middleware
    async def _record(self, request: web.Request, handler):  # type: ignore[no-untyped-def]
        self.requests.append((request.method, request.path))
        self.authorizations.append(request.headers.get("Authorization"))
        return await handler(request)

    async def _register(self, request: web.Request) -> web.Response:
        subject = request.match_info["subject"]
        schema = (await request.json())["schema"]
        if not self._compatible(subject, schema):
            return _error(409, 409, "Schema being registered is incompatible with an earlier schema")
        if schema not in self.schemas:
            self.schemas.append(schema)
        schema_id = self.schemas.index(schema) + 1
        versions = self.subjects.setdefault(subject, [])
        if schema_id not in versions:
            versions.append(schema_id)
        return _json({"id": schema_id})

    async def _versions(self, request: web.Request) -> web.Response:
        subject = request.match_info["subject"]
        if subject not in self.subjects:
            return _error(404, 40401, f"Subject '{subject}' not found.")
        return _json(list(range(1, len(self.subjects[subject]) + 1)))

    async def _by_id(self, request: web.Request) -> web.Response:
        schema_id = int(request.match_info["id"])
        if not 1 <= schema_id <= len(self.schemas):
            return _error(404, 40403, "Schema not found")
        return _json({"schema": self.schemas[schema_id - 1]})

    async def _compatibility(self, request: web.Request) -> web.Response:
        subject = request.match_info["subject"]
        if subject not in self.subjects:
            return _error(404, 40401, f"Subject '{subject}' not found.")
        return _json({"is_compatible": self._compatible(subject, (await request.json())["schema"])})

    async def _set_config(self, request: web.Request) -> web.Response:
        level = (await request.json())["compatibility"]
        self.config[request.match_info["subject"]] = level
        return _json({"compatibility": level})

    def _compatible(self, subject: str, schema: str) -> bool:
        level = self.config.get(subject, "BACKWARD")
        history = [avro.schema.parse(self.schemas[i - 1]) for i in self.subjects.get(subject, [])]
        if level == "NONE" or not history:
            return True
        new = avro.schema.parse(schema)
        earlier = history if level.endswith("_TRANSITIVE") else history[-1:]
        backward = all(can_read(new, old) for old in earlier)
        forward = all(can_read(old, new) for old in earlier)
        mode = level.removesuffix("_TRANSITIVE")
        return {"BACKWARD": backward, "FORWARD": forward, "FULL": backward and forward}[mode]


def _json(body: object, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type=CONTENT_TYPE)


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"error_code": code, "message": message}, status)
