"""Routing keys and deterministic ids.

Everything about one case lives on one partition: its reports, its escalation, the updates
teams send back and the timers that follow it. The partition is chosen by a *route id*, a
short hash of what the case is about (the subject, or for reports without a subject the
category and language whose texts may be near duplicates). Case and escalation ids embed the
route id, so an update that only names an escalation can still be routed to its case.
"""

from __future__ import annotations

import xxhash

from streams.core.report import FeedbackEvent
from streams.core.taxonomy import Category

_ROUTE_CHARS = 16


def route_key(event: FeedbackEvent, category: Category) -> str:
    """What a report's case is about: its subject, else its category and language."""
    if event.subject is not None:
        return f"subject:{event.subject.key}"
    return f"text:{category}:{event.reporter.language.lower()}"


def route_id(key: str) -> str:
    return xxhash.xxh3_64_hexdigest(key.encode())


def case_id(route: str, opening_event_id: str) -> str:
    """A case is named by its route and the report that opened it: a replay names it again."""
    return f"case-{route}-{xxhash.xxh32_hexdigest(opening_event_id.encode())}"


def escalation_id(case: str) -> str:
    return "esc-" + case.removeprefix("case-")


def route_of(any_id: str) -> str:
    """The route id inside a case or escalation id ("case-<route>-<n>", "esc-<route>-<n>")."""
    parts = any_id.split("-")
    if len(parts) != 3 or parts[0] not in ("case", "esc") or len(parts[1]) != _ROUTE_CHARS:
        raise ValueError(f"not a Vigil case or escalation id: {any_id!r}")
    return parts[1]


def seen_key(route: str, dedupe_key: str) -> str:
    return f"{route}/{dedupe_key}"


def route_of_key(table_key: str) -> str:
    """Route id of any state key: keys start with it (ids) or with "<route>/"."""
    if table_key.startswith(("case-", "esc-")):
        return route_of(table_key)
    return table_key.split("/", 1)[0]
