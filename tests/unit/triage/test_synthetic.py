"""The hand-written synthetic training reports: coverage, determinism, splits by wording."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from streams.core.taxonomy import Priority
from streams.core.triage.lexicon import LANGUAGES
from streams.core.triage.synthetic import FAMILIES, synthetic_reports

P0_FAMILIES = sorted(f for f, (_, priority) in FAMILIES.items() if priority == Priority.P0)


@pytest.fixture(scope="module")
def reports() -> list:
    return list(synthetic_reports(per_pattern=5))


def test_every_language_has_every_p0_family_and_its_hard_negatives(reports: list) -> None:
    by_lang: dict[str, set[str]] = defaultdict(set)
    for r in reports:
        by_lang[r.lang].add(r.family)
    for lang in LANGUAGES:
        assert set(P0_FAMILIES) - {"cs_live", "cs_csam", "cs_sextortion"} <= by_lang[lang], lang
        assert {"ot_negative", "pr_parent", "pr_support", "sh_ideation", "vt_vague"} <= by_lang[lang], lang


def test_expansion_is_deterministic_and_labels_follow_the_family(reports: list) -> None:
    assert reports == list(synthetic_reports(per_pattern=5))
    for r in reports:
        assert (r.category, r.priority) == FAMILIES[r.family]
        assert r.text.strip() and "{" not in r.text


def test_validation_holds_out_whole_wordings(reports: list) -> None:
    splits = {r.split for r in reports}
    assert splits == {"train", "validation"}
    # The same text never lands in both splits (splits are by pattern, not by expansion).
    by_text: dict[str, set[str]] = defaultdict(set)
    for r in reports:
        by_text[r.text].add(r.split)
    assert all(len(s) == 1 for s in by_text.values())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("families:\n  no_such_family:\n    - [[a]]\n", "unknown families"),
        ("families:\n  ot_negative:\n    - [['{missing}']]\n", "unknown slot"),
    ],
)
def test_bad_template_files_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "en.yaml").write_text(content, encoding="utf-8")
    with pytest.raises((ValueError, KeyError), match=message):
        list(synthetic_reports(per_pattern=2, directory=tmp_path))
