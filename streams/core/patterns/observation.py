"""Observation: what the intake agent hands the pattern core for each accepted report."""

from __future__ import annotations

from datetime import datetime

import msgspec

from streams.core.taxonomy import Category, Priority


class Observation(msgspec.Struct, frozen=True, omit_defaults=True):
    event_id: str
    occurred_at: datetime  # event time, timezone-aware UTC
    category: Category
    priority: Priority
    region: str
    language: str
    reporter_id: str
    platform: str | None = None  # None when the report came without app info
    app_version: str | None = None
    subject_key: str | None = None  # Subject.key, e.g. "video:123"
    text_cluster: str | None = None  # near-duplicate text cluster id from case fusion
    case_reopened: bool = False  # this report reopened a case that had been resolved
    coordinated: bool = False  # its case is flagged as a burst from new/rejected accounts
    reporter_rejected: bool = False  # the reporter has a history of rejected reports
