"""Release regressions: a new version's category share far above the older versions'."""

from __future__ import annotations

import pytest

from streams.core.patterns.alert import AlertStatus, PatternKind
from streams.core.taxonomy import Category
from tests.unit.patterns.builders import config, run, steady

OTHER_CATEGORIES = (
    Category.SCAM_FRAUD, Category.HARASSMENT, Category.ACCOUNT_SECURITY, Category.OTHER,
    Category.HATE_SPEECH, Category.PRIVACY_IMPERSONATION,
)  # fmt: skip


def platform_traffic(version: str, start: float, end: float, product_every: float) -> list:
    """One platform version's reports: product_issue every `product_every` minutes and
    each other category every 4 minutes (the adoption proxy)."""
    out = steady(start, end, product_every, platform="android", app_version=version)
    for category in OTHER_CATEGORIES:
        out += steady(start, end, 4.0, category=category, platform="android", app_version=version)
    return out


def regressions(emitted: list) -> list:
    return [e.alert for e in emitted if e.alert.kind is PatternKind.RELEASE_REGRESSION]


@pytest.mark.parametrize(
    ("name", "new_product_every", "expect"),
    [
        ("new build with 6x the product_issue share", 4.0 / 6, True),
        ("new build like the old one", 4.0, False),
        ("new build with 1.5x", 4.0 / 1.5, False),
    ],
)
def test_new_version_is_judged_against_older_versions(
    name: str, new_product_every: float, expect: bool
) -> None:
    old = platform_traffic("32.3.0", 0, 600, product_every=4.0)
    # the new build starts after the warm-up with a tenth of the old one's volume
    new = platform_traffic("32.4.0", 240, 600, product_every=new_product_every * 10)
    new = [o for o in new if o.category is Category.PRODUCT_ISSUE] + [
        o for o in new if o.category is not Category.PRODUCT_ISSUE
    ][::10]
    found = regressions(run(old + new, config()))
    opened = [a for a in found if a.status is AlertStatus.OPENED]
    assert bool(opened) is expect, name
    if expect:
        alert = opened[0]
        assert alert.dimensions == {
            "category": "product_issue",
            "platform": "android",
            "app_version": "32.4.0",
        }
        assert alert.count >= 10 and alert.count > 3 * alert.baseline
        assert "from 32.3.0" in alert.summary and "Android 32.4.0" in alert.summary
        assert "halting the 32.4.0 rollout" in alert.suggested_action


def test_versions_seen_during_warm_up_are_not_new() -> None:
    # both versions run from the start: no release to judge, and the busy
    # product_issue share of 32.4.0 is its normal (spike rule territory)
    old = platform_traffic("32.3.0", 0, 600, product_every=4.0)
    new = platform_traffic("32.4.0", 0, 600, product_every=0.7)
    assert regressions(run(old + new, config())) == []
