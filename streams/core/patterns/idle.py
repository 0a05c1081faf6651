"""Event time for a stream that may go quiet.

While reports flow, the pattern watermark follows their event time (so a replay of history
judges history, not today). When they stop, it follows the clock from the moment the last
report arrived, so patterns still close and resolve.
"""

from __future__ import annotations

from datetime import datetime, timedelta


class IdleWatermark:
    def __init__(self, lateness: timedelta) -> None:
        self._lateness = lateness
        self._latest: datetime | None = None  # latest event time seen
        self._since: datetime | None = None  # clock time when it was seen

    def saw(self, latest_event: datetime, now: datetime) -> None:
        if self._latest is None or latest_event > self._latest:
            self._latest, self._since = latest_event, now

    def at(self, now: datetime) -> datetime | None:
        """The watermark to advance to when nothing arrived, or None before any data."""
        if self._latest is None or self._since is None:
            return None
        return self._latest + max(timedelta(0), now - self._since) - self._lateness
