"""The offline text classifier: hashed character n-grams into a linear softmax model.

Runtime needs numpy only. A batch of texts is hashed in a few vectorised passes (one per
n-gram length) and scored with one gather-and-sum into the weight matrix, so scoring 500
reports costs a few milliseconds. `ops/train` (see streams/core/triage/train.py) fits the
weights with scikit-learn on the public data and the project's own cases; the artifact
(model/triage-clf.npz) and its model card are committed next to this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Sequence

import numpy as np

from streams.core.triage.text import normalize

MODEL_PATH = Path(__file__).resolve().parent / "model" / "triage-clf.npz"
_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_DIGIT_LOW, _DIGIT_HIGH = 48, 57
_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")


@dataclass(frozen=True)
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

    def buckets(self, codes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """(positions, n_max - n_min + 1): bucket of the n-gram starting at each position, for
        each n; `dim` (the all-zero weight row) where the n-gram would run past its text's end."""
        total = len(codes)
        width = self.n_max
        padded = np.zeros(total + width, dtype=np.uint64)
        padded[:total] = codes
        rolling = np.empty((total, width), dtype=np.uint64)
        rolling[:, 0] = codes
        for k in range(1, width):
            # column k hashes codes[i : i + k + 1]
            np.multiply(rolling[:, k - 1], _PRIME, out=rolling[:, k])
            rolling[:, k] += padded[k : k + total]
        rolling = rolling[:, self.n_min - 1 :]
        rolling ^= self._salts
        rolling *= _MIX
        rolling >>= np.uint64(64 - self.bits)
        bucket = rolling.astype(np.int64)
        ends = np.cumsum(lengths)
        left = np.repeat(ends, lengths) - np.arange(total)  # chars from a position to its text's end
        bucket[left[:, None] < self._sizes] = self.dim
        return bucket

    @cached_property
    def _salts(self) -> np.ndarray:
        return np.array([n * 0x51ED27 for n in range(self.n_min, self.n_max + 1)], dtype=np.uint64)

    @cached_property
    def _sizes(self) -> np.ndarray:
        return np.arange(self.n_min, self.n_max + 1)

    def prepare_one(self, text: str, normalized: bool = False) -> np.ndarray:
        """`prepare` for a single text: its code points with digits unified."""
        cut = self.max_chars
        body = text[:cut] if normalized else normalize(text[: cut * 2])[:cut]
        padded = f" {body.translate(_DIGITS_TO_ZERO)} "
        return np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)

    def buckets_one(self, codes: np.ndarray) -> np.ndarray:
        """`buckets` for a single text in a handful of numpy calls (their overhead dominates here):
        every n-gram hash at once as a product of the sliding windows with a matrix of powers."""
        total = len(codes)
        padded = np.zeros(total + self.n_max - 1, dtype=np.uint64)
        padded[:total] = codes
        windows = padded[self._window_index[:total]]
        bucket = ((((windows @ self._powers) ^ self._salts) * _MIX) >> np.uint64(64 - self.bits)).astype(np.int64)
        tail = min(total, self.n_max - 1)
        if tail:
            bucket[total - tail :][self._tail_mask[self.n_max - 1 - tail :]] = self.dim
        return bucket

    @cached_property
    def _window_index(self) -> np.ndarray:
        # Row i holds positions i .. i + n_max - 1: one gather builds every window of a text.
        return np.arange(self.max_chars + 2)[:, None] + np.arange(self.n_max)[None, :]

    @cached_property
    def _powers(self) -> np.ndarray:
        # powers[k, j] = PRIME ** (n - 1 - k) for the j-th size n when k < n: the rolling hash.
        sizes = range(self.n_min, self.n_max + 1)
        out = np.zeros((self.n_max, len(sizes)), dtype=np.uint64)
        for j, n in enumerate(sizes):
            for k in range(n):
                out[k, j] = pow(int(_PRIME), n - 1 - k, 1 << 64)
        return out

    @cached_property
    def _tail_mask(self) -> np.ndarray:
        # Row j is position (total - (n_max - 1) + j): an n-gram there fits only when n <= n_max - 1 - j.
        rows = np.arange(self.n_max - 1)[:, None]
        return self._sizes[None, :] > (self.n_max - 1 - rows)

    def counts(self, lengths: np.ndarray) -> np.ndarray:
        """How many n-grams each text has (the normaliser of its feature vector)."""
        return np.maximum(lengths[:, None] - (self._sizes - 1), 0).sum(axis=1)

    def count_one(self, length: int) -> int:
        return sum(max(length - n + 1, 0) for n in range(self.n_min, self.n_max + 1))


class TextClassifier:
    """Softmax scores over `classes` for a batch of texts, plus optional binary `heads`.

    A head is a one-vs-rest logistic output on the same features (e.g. "urgent": the report
    needs a page; "hateful": hate speech as the Davidson annotators read it). Its score is a
    sigmoid, independent of the softmax over categories; `score_names` lists classes then heads.
    """

    def __init__(
        self,
        featurizer: Featurizer,
        weights: np.ndarray,
        bias: np.ndarray,
        classes: Sequence[str],
        version: str,
        heads: Sequence[str] = (),
        head_weights: np.ndarray | None = None,
        head_bias: np.ndarray | None = None,
    ) -> None:
        if weights.shape != (featurizer.dim, len(classes)):
            raise ValueError(
                f"classifier weights have shape {weights.shape}, expected {(featurizer.dim, len(classes))}"
            )
        if heads:
            if head_weights is None or head_bias is None or head_weights.shape != (featurizer.dim, len(heads)):
                raise ValueError(f"classifier heads {list(heads)} need weights of shape {(featurizer.dim, len(heads))}")
            weights = np.hstack([weights.astype(np.float32), head_weights.astype(np.float32)])
            bias = np.concatenate([bias, head_bias])
        width = len(classes) + len(heads)
        self.featurizer = featurizer
        # One extra all-zero row absorbs the masked positions, so no filtering is needed.
        weights = np.vstack([weights.astype(np.float32), np.zeros((1, width), np.float32)])
        # Bucket-major layout: one gathered row holds every class's weight for an n-gram (52 bytes,
        # about one cache line), 3x faster than gathering one column per class (measured).
        self._weights = np.ascontiguousarray(weights)
        self._bias = bias.astype(np.float64)
        self.classes = tuple(classes)
        self.heads = tuple(heads)
        self.score_names = self.classes + self.heads
        self._k = len(self.classes)
        self.version = version

    def logits(self, texts: Sequence[str], normalized: bool = False) -> np.ndarray:
        """Raw scores, classes then heads; `normalized` says the texts went through `normalize`."""
        if not texts:
            return np.zeros((0, len(self.score_names)))
        featurizer = self.featurizer
        if len(texts) == 1:
            codes = featurizer.prepare_one(texts[0], normalized)
            rows = np.take(self._weights, featurizer.buckets_one(codes).ravel(), axis=0)
            scale = 1.0 / math.sqrt(max(featurizer.count_one(len(codes)), 1))
            return (rows.sum(axis=0, dtype=np.float64) * scale + self._bias)[None, :]
        codes, lengths = featurizer.prepare(texts, normalized)
        bucket = featurizer.buckets(codes, lengths)
        rows = np.take(self._weights, bucket.ravel(), axis=0)
        starts = (np.cumsum(lengths) - lengths) * bucket.shape[1]
        sums = np.add.reduceat(rows, starts, axis=0).astype(np.float64)
        scale = 1.0 / np.sqrt(np.maximum(featurizer.counts(lengths), 1))
        return sums * scale[:, None] + self._bias

    def scores_one(self, text: str, normalized: bool = False) -> list[float]:
        """Scores of one text (softmax classes, sigmoid heads) as a list, in plain Python past the
        numpy sum (faster for one text)."""
        raw = self.logits([text], normalized)[0].tolist()
        logits, heads = raw[: self._k], raw[self._k :]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return [e / total for e in exps] + [_sigmoid(v) for v in heads]

    def predict_proba(self, texts: Sequence[str], normalized: bool = False) -> np.ndarray:
        """(texts, classes + heads): softmax over the classes, a sigmoid per head."""
        z = self.logits(texts, normalized)
        k = self._k
        classes = z[:, :k]
        classes -= classes.max(axis=1, keepdims=True)
        np.exp(classes, out=classes)
        classes /= classes.sum(axis=1, keepdims=True)
        if k < z.shape[1]:
            z[:, k:] = 1.0 / (1.0 + np.exp(-z[:, k:]))
        return z


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value)) if value > -700 else 0.0


def design_matrix_parts(featurizer: Featurizer, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, values) of the sparse feature matrix the classifier scores, for training."""
    codes, lengths = featurizer.prepare(texts)
    row_of = np.repeat(np.arange(len(texts)), lengths)
    scale = 1.0 / np.sqrt(np.maximum(featurizer.counts(lengths), 1))
    bucket = featurizer.buckets(codes, lengths)
    rows = np.broadcast_to(row_of[:, None], bucket.shape)
    keep = bucket < featurizer.dim
    r = rows[keep]
    return r, bucket[keep], scale[r]


def save_classifier(path: Path, featurizer: Featurizer, weights: np.ndarray, bias: np.ndarray,
                    classes: Sequence[str], version: str, heads: Sequence[str] = (),
                    head_weights: np.ndarray | None = None, head_bias: np.ndarray | None = None) -> None:
    extra = {}
    if heads:
        extra = {"heads": np.array(heads), "head_weights": np.asarray(head_weights).astype(np.float16),
                 "head_bias": np.asarray(head_bias).astype(np.float32)}
    np.savez_compressed(
        path,
        weights=weights.astype(np.float16),
        bias=bias.astype(np.float32),
        classes=np.array(classes),
        config=np.array([featurizer.bits, featurizer.n_min, featurizer.n_max, featurizer.max_chars]),
        version=np.array(version),
        **extra,
    )


def load_classifier(path: Path = MODEL_PATH) -> TextClassifier:
    """Load the committed artifact; a missing or damaged file is a one-line error."""
    if not path.exists():
        raise FileNotFoundError(
            f"triage classifier {path} is missing; train it with `python -m streams.core.triage.train`"
        )
    with np.load(path, allow_pickle=False) as data:
        bits, n_min, n_max, max_chars = (int(v) for v in data["config"])
        has_heads = "heads" in data.files
        return TextClassifier(
            Featurizer(bits=bits, n_min=n_min, n_max=n_max, max_chars=max_chars),
            data["weights"],
            data["bias"],
            [str(c) for c in data["classes"]],
            str(data["version"]),
            heads=[str(h) for h in data["heads"]] if has_heads else (),
            head_weights=data["head_weights"] if has_heads else None,
            head_bias=data["head_bias"] if has_heads else None,
        )
