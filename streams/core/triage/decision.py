"""What triage says about one report, with the evidence for it."""

from __future__ import annotations

import msgspec

from streams.core.taxonomy import Category, Priority


class Facts(msgspec.Struct, frozen=True, omit_defaults=True):
    """Facts identified in a report's text and metadata. Empty means not found."""

    urls: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    money: tuple[str, ...] = ()
    ages: tuple[int, ...] = ()
    minor_involved: bool = False
    time_expressions: tuple[str, ...] = ()
    weapons: tuple[str, ...] = ()
    live_in_progress: bool = False
    # Added by the triage issue (optional, default empty): means of self-harm named in the text.
    means: tuple[str, ...] = ()


class Decision(msgspec.Struct, frozen=True, omit_defaults=True):
    category: Category
    priority: Priority
    team: str
    labels: tuple[str, ...] = ()
    # Why: the ids of the rules that fired, e.g. "rule:child_safety.grooming_minor".
    reasons: tuple[str, ...] = ()
    # Classifier scores per category name, rounded; inputs to rules, not the verdict.
    scores: dict[str, float] = {}
    facts: Facts = Facts()
    rules_version: str = ""
