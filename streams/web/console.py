"""The ops console: a page served by the worker, and its JSON/SSE endpoints (issue 7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streams.app import Vigil


def register(vigil: Vigil) -> None:
    """Add the console's pages to the worker's web server."""
