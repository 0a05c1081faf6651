"""A small client for the Confluent Schema Registry REST API (also served by Apicurio, Karapace).

Only what the codecs need: register a schema under a subject, fetch a schema by id, test
and set compatibility. Ids never change meaning in a registry, so schemas fetched by id are
cached for the life of the client and registrations per (subject, schema); an id the
registry does not know (404) is remembered for `miss_ttl` seconds so a stream of records with
a bad id costs one request, not one per record; an unreachable registry or a 5xx is never
remembered, so records resolve again as soon as the registry is back. Synchronous on purpose: the codec calls it
only on a cache miss, which happens a handful of times per process. `user`/`password` are
sent as HTTP basic auth when given.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from typing import Any, Callable
from urllib.parse import quote

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
SUBJECT_NOT_FOUND = 40401
VERSION_NOT_FOUND = 40402
SCHEMA_NOT_FOUND = 40403


class RegistryError(Exception):
    """The registry answered with an error; `status` is the HTTP status, `code` its error_code."""

    def __init__(self, message: str, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class RegistryUnavailable(RegistryError):
    """The registry could not be reached (connection refused, timeout, DNS)."""


class RegistryClient:
    def __init__(
        self,
        url: str,
        user: str | None = None,
        password: str | None = None,
        *,
        timeout: float = 5.0,
        miss_ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE}
        if user is not None:
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
        self._timeout = timeout
        self._miss_ttl = miss_ttl
        self._clock = clock
        self._schemas: dict[int, str] = {}
        self._misses: dict[int, tuple[float, RegistryError]] = {}
        self._ids: dict[tuple[str, str], int] = {}

    def register(self, subject: str, schema: str) -> int:
        """Register `schema` (Avro JSON text) under `subject`; returns its global id."""
        key = (subject, schema)
        if key not in self._ids:
            answer = self._request("POST", f"/subjects/{quote(subject, safe='')}/versions", {"schema": schema})
            self._ids[key] = int(answer["id"])
            self._schemas.setdefault(self._ids[key], schema)
        return self._ids[key]

    def schema_by_id(self, schema_id: int) -> str:
        """The schema text for a global id (cached; a miss is remembered for miss_ttl seconds)."""
        cached = self._schemas.get(schema_id)
        if cached is not None:
            return cached
        miss = self._misses.get(schema_id)
        if miss is not None and self._clock() - miss[0] < self._miss_ttl:
            raise miss[1]
        try:
            answer = self._request("GET", f"/schemas/ids/{schema_id}")
        except RegistryError as exc:
            if is_miss(exc):  # an outage says nothing about the id: ask again next time
                self._misses[schema_id] = (self._clock(), exc)
            raise
        self._misses.pop(schema_id, None)
        self._schemas[schema_id] = answer["schema"]
        return answer["schema"]

    def test_compatibility(self, subject: str, schema: str, version: int | str = "latest") -> bool:
        """Whether `schema` may be registered next under `subject` by the subject's rule."""
        try:
            answer = self._request(
                "POST",
                f"/compatibility/subjects/{quote(subject, safe='')}/versions/{version}",
                {"schema": schema},
            )
        except RegistryError as exc:
            if exc.code in (SUBJECT_NOT_FOUND, VERSION_NOT_FOUND):
                return True  # nothing registered yet: anything is compatible with nothing
            raise
        return bool(answer["is_compatible"])

    def set_compatibility(self, subject: str, level: str) -> str:
        """Set a subject's compatibility rule, e.g. BACKWARD_TRANSITIVE or FULL_TRANSITIVE."""
        answer = self._request("PUT", f"/config/{quote(subject, safe='')}", {"compatibility": level})
        return str(answer.get("compatibility", level))

    def subject_versions(self, subject: str) -> list[int]:
        return [int(v) for v in self._request("GET", f"/subjects/{quote(subject, safe='')}/versions")]

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers=self._headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise _http_error(method, self.url + path, exc) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RegistryUnavailable(f"schema registry {self.url} unreachable: {reason}") from None
        except json.JSONDecodeError:
            raise RegistryError(f"schema registry {self.url}: {method} {path} did not answer JSON") from None


def is_miss(error: RegistryError) -> bool:
    """The registry answered that it does not have it (as opposed to: could not answer)."""
    return not isinstance(error, RegistryUnavailable) and error.status == 404


def _http_error(method: str, url: str, exc: urllib.error.HTTPError) -> RegistryError:
    try:
        payload = json.loads(exc.read() or b"{}")
    except (json.JSONDecodeError, OSError):
        payload = {}
    code = payload.get("error_code") if isinstance(payload, dict) else None
    message = payload.get("message", exc.reason) if isinstance(payload, dict) else exc.reason
    return RegistryError(f"{method} {url} -> {exc.code}: {message}", status=exc.code, code=code)
