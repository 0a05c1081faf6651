"""The offline text classifier: hashed character n-grams into a linear softmax model.

Runtime needs numpy only. A batch of texts is hashed in a few vectorised passes (one per
n-gram length) and scored with one gather-and-sum into the weight matrix, so scoring 500
reports costs a few milliseconds. `ops/train` (see streams/core/triage/train.py) fits the
weights with scikit-learn on the public data and the project's own cases; the artifact
(model/triage-clf.npz) and its model card are committed next to this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from streams.core.triage.text import normalize

MODEL_PATH = Path(__file__).resolve().parent / "model" / "triage-clf.npz"
_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_DIGIT_LOW, _DIGIT_HIGH = 48, 57


@dataclass(frozen=True, slots=True)
class Featurizer:
    """Character n-grams (n_min..n_max) of the normalised text, hashed into 2**bits buckets."""

    bits: int = 18
    n_min: int = 1
    n_max: int = 5
    max_chars: int = 3000

    @property
    def dim(self) -> int:
        return 1 << self.bits

    def prepare(self, texts: Sequence[str], normalized: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Code points of all texts padded with spaces, and each text's padded length."""
        cut = self.max_chars
        if normalized:
            padded = [f" {t[:cut]} " for t in texts]
        else:
            padded = [f" {normalize(t[: cut * 2])[:cut]} " for t in texts]
        lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
        codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        # Every digit is the same feature: numbers vary, their presence and shape matter.
        codes[(codes >= _DIGIT_LOW) & (codes <= _DIGIT_HIGH)] = _DIGIT_LOW
        return codes, lengths

    def buckets(self, codes: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
        """Per n, the bucket of the n-gram starting at each position; `dim` where none fits."""
        total = len(codes)
        ends = np.cumsum(lengths)
        left = np.repeat(ends, lengths) - np.arange(total)  # chars from a position to its text's end
        shift = np.uint64(64 - self.bits)
        rolling = np.zeros(total, dtype=np.uint64)
        out: list[np.ndarray] = []
        for n in range(1, self.n_max + 1):
            # rolling[i] hashes codes[i : i + n]; positions too close to the end stay stale and
            # are masked below.
            rolling[: total - n + 1] = rolling[: total - n + 1] * _PRIME + codes[n - 1 :]
            if n < self.n_min:
                continue
            bucket = ((rolling ^ np.uint64(n * 0x51ED27)) * _MIX) >> shift
            bucket = bucket.astype(np.int64)
            bucket[left < n] = self.dim
            out.append(bucket)
        return out

    def counts(self, lengths: np.ndarray) -> np.ndarray:
        """How many n-grams each text has (the normaliser of its feature vector)."""
        return sum(np.maximum(lengths - n + 1, 0) for n in range(self.n_min, self.n_max + 1))


class TextClassifier:
    """Softmax scores over `classes` for a batch of texts."""

    def __init__(
        self,
        featurizer: Featurizer,
        weights: np.ndarray,
        bias: np.ndarray,
        classes: Sequence[str],
        version: str,
    ) -> None:
        if weights.shape != (featurizer.dim, len(classes)):
            raise ValueError(
                f"classifier weights have shape {weights.shape}, expected {(featurizer.dim, len(classes))}"
            )
        self.featurizer = featurizer
        # One extra all-zero row absorbs the masked positions, so no filtering is needed.
        self._weights = np.vstack([weights.astype(np.float32), np.zeros((1, len(classes)), np.float32)])
        self._bias = bias.astype(np.float64)
        self.classes = tuple(classes)
        self.version = version

    def logits(self, texts: Sequence[str], normalized: bool = False) -> np.ndarray:
        """Raw class scores; `normalized` says the texts already went through `normalize`."""
        if not texts:
            return np.zeros((0, len(self.classes)))
        codes, lengths = self.featurizer.prepare(texts, normalized)
        gathered = None
        for bucket in self.featurizer.buckets(codes, lengths):
            rows = self._weights[bucket]
            gathered = rows if gathered is None else gathered + rows
        assert gathered is not None
        cumulative = np.cumsum(gathered, axis=0, dtype=np.float64)
        ends = np.cumsum(lengths) - 1
        sums = cumulative[ends]
        sums[1:] -= cumulative[ends[:-1]]
        scale = 1.0 / np.sqrt(np.maximum(self.featurizer.counts(lengths), 1))
        return sums * scale[:, None] + self._bias

    def predict_proba(self, texts: Sequence[str], normalized: bool = False) -> np.ndarray:
        z = self.logits(texts, normalized)
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z


def design_matrix_parts(featurizer: Featurizer, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, values) of the sparse feature matrix the classifier scores, for training."""
    codes, lengths = featurizer.prepare(texts)
    row_of = np.repeat(np.arange(len(texts)), lengths)
    scale = 1.0 / np.sqrt(np.maximum(featurizer.counts(lengths), 1))
    rows, cols = [], []
    for bucket in featurizer.buckets(codes, lengths):
        keep = bucket < featurizer.dim
        rows.append(row_of[keep])
        cols.append(bucket[keep])
    r = np.concatenate(rows)
    return r, np.concatenate(cols), scale[r]


def save_classifier(path: Path, featurizer: Featurizer, weights: np.ndarray, bias: np.ndarray,
                    classes: Sequence[str], version: str) -> None:
    np.savez_compressed(
        path,
        weights=weights.astype(np.float16),
        bias=bias.astype(np.float32),
        classes=np.array(classes),
        config=np.array([featurizer.bits, featurizer.n_min, featurizer.n_max, featurizer.max_chars]),
        version=np.array(version),
    )


def load_classifier(path: Path = MODEL_PATH) -> TextClassifier:
    """Load the committed artifact; a missing or damaged file is a one-line error."""
    if not path.exists():
        raise FileNotFoundError(
            f"triage classifier {path} is missing; train it with `python -m streams.core.triage.train`"
        )
    with np.load(path, allow_pickle=False) as data:
        bits, n_min, n_max, max_chars = (int(v) for v in data["config"])
        return TextClassifier(
            Featurizer(bits=bits, n_min=n_min, n_max=n_max, max_chars=max_chars),
            data["weights"],
            data["bias"],
            [str(c) for c in data["classes"]],
            str(data["version"]),
        )
