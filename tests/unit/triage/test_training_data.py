"""What training may read: never the blind holdout, nor a near-paraphrase of it; urgency labels
only from own labeled data."""

from __future__ import annotations

from collections import defaultdict

import pytest

from streams.core.triage.cases import CASES_DIR, load_cases
from streams.core.triage.datasets import Example
from streams.core.triage.synthetic import synthetic_reports
from streams.core.triage.text import CJK, normalize, tokens
from streams.core.triage.train import SEEN_CASE_SETS, _is_urgent, case_examples

NEAR = 0.5  # word 4-gram (CJK: character 4-gram) Jaccard at or above this is a near-paraphrase


def shingles(text: str, n: int = 4) -> frozenset[str]:
    norm = normalize(text)
    if CJK.search(norm):
        chars = "".join(tokens(norm))
        return frozenset(chars[i : i + n] for i in range(max(len(chars) - n + 1, 1)))
    words = tokens(norm)
    return frozenset(" ".join(words[i : i + n]) for i in range(max(len(words) - n + 1, 1)))


def near_matches(texts: dict[str, str], training: list[str]) -> list[str]:
    """Ids of `texts` that equal, or are near-paraphrases of, a training input."""
    index: dict[str, list[int]] = defaultdict(list)
    training_shingles = [shingles(t) for t in training]
    for i, grams in enumerate(training_shingles):
        for gram in grams:
            index[gram].append(i)
    found = []
    for case_id, text in texts.items():
        grams = shingles(text)
        candidates = {i for gram in grams for i in index.get(gram, ())}
        if any(len(grams & training_shingles[i]) / len(grams | training_shingles[i]) >= NEAR for i in candidates):
            found.append(case_id)
    return found


@pytest.mark.parametrize(
    ("text", "training", "near"),
    [
        ("my 12 year old sister got asked for nudes by a man", ["my 12 year old sister got asked for nudes by a guy"], True),
        ("my 12 year old sister got asked for nudes", ["he threatened to shoot up the school tomorrow"], False),
        ("他威胁要杀了我，明天带刀来", ["他威胁要杀了我，明天带刀来找我"], True),
        ("hi", ["hi"], True),
    ],
)
def test_near_paraphrase_check_can_fire(text: str, training: list[str], near: bool) -> None:
    assert (near_matches({"x": text}, training) == ["x"]) is near


def test_training_never_reads_the_blind_holdout() -> None:
    assert "holdout" not in SEEN_CASE_SETS
    if not (CASES_DIR / "holdout.yaml").exists():
        pytest.skip("holdout.yaml not written yet")
    blind = {c.id: c.event.text for c in load_cases("holdout")}
    training = [e.text for e in case_examples()] + [r.text for r in synthetic_reports(per_pattern=30)]
    # Only ids are reported: whoever tunes the rules must not read the blind set's texts.
    assert near_matches(blind, training) == []


@pytest.mark.parametrize(
    ("example", "urgent"),
    [
        (Example("synthetic", "t", "self_harm", "train", "en:sh_imminent:P0"), True),
        (Example("synthetic", "t", "self_harm", "train", "en:sh_ideation:P1"), False),
        (Example("tune_cases", "t", "violent_threat", "train", "P0"), True),
        (Example("seen_holdout3_cases", "t", "other", "train", "P3"), False),
        (Example("seen_holdout4_cases", "t", "child_safety", "train", "P0"), True),
        # public rows carry their source's label in `detail`, never a priority
        (Example("sms_spam", "t", "scam_fraud", "train", "spam"), False),
        (Example("holdout_cases", "t", "self_harm", "train", "P0"), False),
    ],
)
def test_urgency_labels(example: Example, urgent: bool) -> None:
    assert _is_urgent(example) is urgent
