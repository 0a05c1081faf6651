"""The tune cases are what the rules were built on: they must keep passing as rules change."""

from __future__ import annotations

from streams.core.taxonomy import Priority
from streams.core.triage.cases import load_cases
from streams.core.triage.engine import RuleTriager


def test_tune_cases_keep_their_targets(triager: RuleTriager) -> None:
    cases = load_cases("tune")
    decisions = triager.decide_many([c.event for c in cases])
    wrong = [(c.id, d.category.value, d.priority.value) for c, d in zip(cases, decisions)
             if (c.category, c.priority) != (d.category, d.priority)]
    gold_p0 = [c.priority == Priority.P0 for c in cases]
    got_p0 = [d.priority == Priority.P0 for d in decisions]
    missed_p0 = sum(g and not p for g, p in zip(gold_p0, got_p0))
    false_p0 = sum(p and not g for g, p in zip(gold_p0, got_p0))
    assert len(cases) >= 100
    assert missed_p0 == 0, wrong
    assert false_p0 <= 1, wrong
    assert len(wrong) <= len(cases) * 0.05, wrong


def test_case_sets_cover_every_category_and_language() -> None:
    for name in ("tune", "holdout"):
        cases = load_cases(name)
        assert {c.category for c in cases} == {c.category for c in load_cases("tune")}
        assert {c.lang for c in cases} == {"en", "id", "ms", "zh", "es", "ar"}
