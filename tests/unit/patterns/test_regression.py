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


def _totals(current: dict[str, int], recent_scale: float = 6.0) -> dict:
    from streams.core.patterns.regression import KeyTotals

    return {c: KeyTotals(n, n * recent_scale) for c, n in current.items()}


MIX = {"product_issue": 22, "scam_fraud": 15, "harassment": 15, "account_security": 10, "other": 10,
       "hate_speech": 8, "privacy_impersonation": 6, "violent_threat": 4, "animal_cruelty": 4, "self_harm": 3}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "category", "new_build", "expect"),
    [
        ("other categories as usual", "other", {c: n for c, n in MIX.items()}, False),
        ("product_issue 5x", "product_issue", {**MIX, "product_issue": 110}, True),
        ("product_issue as usual", "product_issue", {c: n for c, n in MIX.items()}, False),
    ],
)
def test_a_regressed_build_stays_the_reference_for_its_other_categories(
    name: str, category: str, new_build: dict, expect: bool
) -> None:
    """32.1.0 regressed on product_issue; 32.0.0 is nearly gone (two keys left, no "other");
    31.9.0 is small but complete."""
    from streams.core.patterns.config import RegressionConfig
    from streams.core.patterns.facets import state_key
    from streams.core.patterns.regression import KeyTotals, PlatformView, regression

    totals = {
        "32.0.0": {"harassment": KeyTotals(0, 40.0), "product_issue": KeyTotals(0, 9.0)},
        "31.9.0": _totals({c: 2 * n for c, n in MIX.items()}),
        "32.1.0": _totals({**{c: 10 * n for c, n in MIX.items()}, "product_issue": 1100}),
        "32.2.0": _totals(new_build, 1.0),
    }
    view = PlatformView("32.2.0", category, totals, excluded=[state_key(("32.1.0", "product_issue"))])
    finding = regression(view, RegressionConfig(), warm=True)
    assert finding.opens is expect, (name, finding)
