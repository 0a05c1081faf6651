from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from streams.core.triage.classifier import (
    MODEL_PATH,
    Featurizer,
    TextClassifier,
    design_matrix_parts,
    load_classifier,
    save_classifier,
)
from streams.core.taxonomy import Category

TEXTS = ["", "a", "hi", "I will kill you tonight", "我想自杀", "سأقتلك غداً", "call 555 1234 now " * 30]


def test_committed_artifact_loads_small_and_covers_the_taxonomy() -> None:
    assert MODEL_PATH.stat().st_size < 10 * 1024 * 1024
    assert (MODEL_PATH.parent / "MODEL_CARD.md").exists()
    classifier = load_classifier()
    assert set(classifier.classes) == {c.value for c in Category}
    assert classifier.heads == ("urgent", "hateful")
    scores = classifier.predict_proba(TEXTS)
    k = len(classifier.classes)
    assert scores.shape == (len(TEXTS), k + len(classifier.heads))
    np.testing.assert_allclose(scores[:, :k].sum(axis=1), 1.0, rtol=1e-6)
    assert ((scores[:, k:] >= 0.0) & (scores[:, k:] <= 1.0)).all()


def test_batch_single_and_repeat_agree() -> None:
    classifier = load_classifier()
    batch = classifier.predict_proba(TEXTS)
    singles = np.array([classifier.scores_one(t) for t in TEXTS])
    np.testing.assert_allclose(batch, singles, atol=1e-6)
    np.testing.assert_array_equal(batch, classifier.predict_proba(TEXTS))


def test_logits_equal_the_sparse_design_matrix_product(tmp_path: Path) -> None:
    """What training fits (design_matrix_parts) is exactly what inference scores."""
    featurizer = Featurizer(bits=10, n_min=1, n_max=4, max_chars=200)
    rng = np.random.default_rng(7)
    weights = rng.normal(size=(featurizer.dim, 3)).astype(np.float16).astype(np.float32)
    bias = np.array([0.1, -0.2, 0.3], dtype=np.float32)
    path = tmp_path / "tiny.npz"
    save_classifier(path, featurizer, weights, bias, ["a", "b", "c"], "tiny-1")
    classifier = load_classifier(path)
    assert classifier.version == "tiny-1" and classifier.classes == ("a", "b", "c")
    rows, cols, values = design_matrix_parts(featurizer, TEXTS)
    dense = np.zeros((len(TEXTS), featurizer.dim))
    np.add.at(dense, (rows, cols), values)
    np.testing.assert_allclose(classifier.logits(TEXTS), dense @ weights + bias, rtol=1e-4, atol=1e-4)


def test_heads_are_sigmoids_of_the_same_features(tmp_path: Path) -> None:
    """Heads ride on the category features: softmax over classes, an independent sigmoid per head."""
    featurizer = Featurizer(bits=9, n_min=1, n_max=3, max_chars=100)
    rng = np.random.default_rng(3)
    weights = rng.normal(size=(featurizer.dim, 2)).astype(np.float16).astype(np.float32)
    heads = rng.normal(size=(featurizer.dim, 1)).astype(np.float16).astype(np.float32)
    path = tmp_path / "heads.npz"
    save_classifier(path, featurizer, weights, np.zeros(2, np.float32), ["a", "b"], "h-1",
                    ["urgent"], heads, np.array([0.5], np.float32))
    classifier = load_classifier(path)
    assert classifier.score_names == ("a", "b", "urgent")
    rows, cols, values = design_matrix_parts(featurizer, TEXTS)
    dense = np.zeros((len(TEXTS), featurizer.dim))
    np.add.at(dense, (rows, cols), values)
    scores = classifier.predict_proba(TEXTS)
    np.testing.assert_allclose(scores[:, 2], 1 / (1 + np.exp(-(dense @ heads[:, 0] + 0.5))), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores[:, :2].sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(scores, np.array([classifier.scores_one(t) for t in TEXTS]), atol=1e-6)


def test_heads_without_matching_weights_are_clear_errors() -> None:
    featurizer = Featurizer(bits=4)
    with pytest.raises(ValueError, match="heads"):
        TextClassifier(featurizer, np.zeros((16, 2)), np.zeros(2), ["a", "b"], "v", heads=["urgent"])
    with pytest.raises(ValueError, match="heads"):
        TextClassifier(featurizer, np.zeros((16, 2)), np.zeros(2), ["a", "b"], "v", heads=["urgent"],
                       head_weights=np.zeros((16, 2)), head_bias=np.zeros(2))


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("URGENT! You have won a cash prize, call now to claim", "scam_fraud"),
        ("the app keeps crashing when I open my card details", "product_issue"),
    ],
)
def test_classifier_reads_obvious_cases(text: str, category: str) -> None:
    classifier = load_classifier()
    scores = dict(zip(classifier.classes, classifier.scores_one(text)))
    assert max(scores, key=scores.__getitem__) == category


def test_missing_artifact_and_wrong_shape_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="streams.core.triage.train"):
        load_classifier(tmp_path / "none.npz")
    with pytest.raises(ValueError, match="expected"):
        TextClassifier(Featurizer(bits=4), np.zeros((3, 2)), np.zeros(2), ["a", "b"], "v")
