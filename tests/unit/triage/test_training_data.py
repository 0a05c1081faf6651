"""What training may read: never the blind holdout; urgency labels only from own labeled data."""

from __future__ import annotations

import pytest

from streams.core.triage.cases import load_cases
from streams.core.triage.datasets import Example
from streams.core.triage.train import SEEN_CASE_SETS, _is_urgent, case_examples


def test_training_never_reads_the_blind_holdout() -> None:
    assert "holdout" not in SEEN_CASE_SETS
    blind = {c.event.text for c in load_cases("holdout")}
    assert blind.isdisjoint(e.text for e in case_examples())


@pytest.mark.parametrize(
    ("example", "urgent"),
    [
        (Example("synthetic", "t", "self_harm", "train", "en:sh_imminent:P0"), True),
        (Example("synthetic", "t", "self_harm", "train", "en:sh_ideation:P1"), False),
        (Example("tune_cases", "t", "violent_threat", "train", "P0"), True),
        (Example("seen_holdout3_cases", "t", "other", "train", "P3"), False),
        # public rows carry their source's label in `detail`, never a priority
        (Example("sms_spam", "t", "scam_fraud", "train", "spam"), False),
        (Example("holdout_cases", "t", "self_harm", "train", "P0"), False),
    ],
)
def test_urgency_labels(example: Example, urgent: bool) -> None:
    assert _is_urgent(example) is urgent
