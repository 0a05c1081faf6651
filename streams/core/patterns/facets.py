"""Facets: the dimension sets patterns are counted over, and how their keys are spelled."""

from __future__ import annotations

from enum import StrEnum

# Joins dimension values into one state key; a control character no id or label contains.
KEY_SEPARATOR = "\x1f"


class Facet(StrEnum):
    CATEGORY_REGION = "category_region"
    CATEGORY_LANGUAGE = "category_language"
    CATEGORY_PLATFORM_VERSION = "category_platform_version"
    SUBJECT = "subject"
    REPORTER = "reporter"
    TEXT_CLUSTER = "text_cluster"


DIMENSIONS: dict[Facet, tuple[str, ...]] = {
    Facet.CATEGORY_REGION: ("category", "region"),
    Facet.CATEGORY_LANGUAGE: ("category", "language"),
    Facet.CATEGORY_PLATFORM_VERSION: ("category", "platform", "app_version"),
    Facet.SUBJECT: ("subject",),
    Facet.REPORTER: ("reporter",),
    Facet.TEXT_CLUSTER: ("text_cluster",),
}

# Release regressions compare versions of one platform, so all of a platform's keys must
# reach the same detector: they are routed by platform alone.
_ROUTED_BY: dict[Facet, int] = {Facet.CATEGORY_PLATFORM_VERSION: 1}


def state_key(values: tuple[str, ...]) -> str:
    return KEY_SEPARATOR.join(values)


def key_values(key: str) -> tuple[str, ...]:
    return tuple(key.split(KEY_SEPARATOR))


def dimensions(facet: Facet, key: str) -> dict[str, str]:
    return dict(zip(DIMENSIONS[facet], key_values(key), strict=True))


def route_key(facet: Facet, values: tuple[str, ...]) -> str:
    """The Kafka message key for a delta: keys that are compared together share it."""
    index = _ROUTED_BY.get(facet)
    routed = values if index is None else (values[index],)
    return f"{facet}:{'/'.join(routed)}"
