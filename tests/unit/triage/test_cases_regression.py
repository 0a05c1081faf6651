"""The tune and seen cases are what the rules were built on: they must keep passing as rules change."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from streams.core.taxonomy import Category, Priority
from streams.core.triage.cases import CASES_DIR, load_cases
from streams.core.triage.lexicon import LANGUAGES
from streams.core.triage.engine import RuleTriager


@dataclass(frozen=True)
class Errors:
    cases: int
    gold_p0: int
    missed_p0: int
    false_p0: int
    wrong: list[tuple[str, str, str]]  # (case id, category, priority) decided where gold differs


def errors_on(triager: RuleTriager, name: str) -> Errors:
    cases = load_cases(name)
    decisions = triager.decide_many([c.event for c in cases])
    wrong = [(c.id, d.category.value, d.priority.value) for c, d in zip(cases, decisions)
             if (c.category, c.priority) != (d.category, d.priority)]
    gold_p0 = [c.priority == Priority.P0 for c in cases]
    got_p0 = [d.priority == Priority.P0 for d in decisions]
    return Errors(len(cases), sum(gold_p0), sum(g and not p for g, p in zip(gold_p0, got_p0)),
                  sum(p and not g for g, p in zip(gold_p0, got_p0)), wrong)


@pytest.mark.parametrize("name", ["tune", "seen_holdout", "seen_holdout2", "seen_holdout3", "seen_holdout4"])
def test_seen_cases_keep_their_targets(triager: RuleTriager, name: str) -> None:
    e = errors_on(triager, name)
    assert e.cases >= 60
    assert e.missed_p0 == 0, e.wrong
    assert e.false_p0 <= 1, e.wrong
    assert len(e.wrong) <= e.cases * 0.05, e.wrong


# Sets written by other writers (round 4): trained on and tuned with, but another writer's wording is
# what the engine finds hardest, so the bounds are looser; still a regression check.
@pytest.mark.parametrize("name", ["seen_holdout5", "written_teens", "written_adults", "written_terse"])
def test_other_writers_sets_keep_their_level(triager: RuleTriager, name: str) -> None:
    e = errors_on(triager, name)
    assert e.cases >= 200
    assert e.missed_p0 <= 0.08 * e.gold_p0, e.wrong
    assert e.false_p0 <= 0.03 * e.cases, e.wrong
    assert len(e.wrong) <= e.cases * 0.10, e.wrong


@pytest.mark.parametrize("name", ["tune", "seen_holdout", "seen_holdout2", "seen_holdout3", "seen_holdout4", "seen_holdout5",
                                  "seen_holdout6", "seen_holdout7", "written_teens", "written_adults",
                                  "written_terse", "holdout"])
def test_case_sets_cover_every_category_and_language(name: str) -> None:
    if not (CASES_DIR / f"{name}.yaml").exists():
        pytest.skip(f"{name}.yaml not written yet")
    cases = load_cases(name)
    assert {c.category for c in cases} == set(Category)
    assert {c.lang for c in cases} == set(LANGUAGES)
