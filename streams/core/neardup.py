"""Near-duplicate text: MinHash signatures over word shingles, found through LSH bands.

Reports are short, so a one-word edit moves a SimHash fingerprint by as many bits as an
unrelated text does (measured on the sample texts: 3-19 bits vs. from 2). MinHash estimates
the Jaccard similarity of the shingle sets instead, which a small edit barely moves (about
0.75 for one word in twelve). Candidates are found without scanning: texts that share any
band of their signature land in the same bucket; the signature similarity then decides.
"""

from __future__ import annotations

import re

import numpy as np
import xxhash

PERMUTATIONS = 32
BANDS = 8  # 8 bands of 4 rows: a pair with similarity 0.75 shares a band 97 % of the time
ROWS = PERMUTATIONS // BANDS
MIN_SHINGLES = 7  # shorter texts ("help", "app broken") say too little to call two reports the same

_PRIME = np.uint64(4294967291)  # largest prime below 2**32: a*h + b stays below 2**64
_rng = np.random.default_rng(20261125)  # fixed: signatures are stored and compared across restarts
_A = _rng.integers(1, int(_PRIME), PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, int(_PRIME), PERMUTATIONS, dtype=np.uint64)

_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def shingles(text: str) -> list[str]:
    """Words (CJK: character pairs) and adjacent word pairs, lower-cased, URLs folded."""
    tokens: list[str] = []
    for word in _WORD.findall(_URL.sub(" url ", text.lower())):
        if _CJK.search(word):
            tokens.extend(word[i : i + 2] for i in range(max(1, len(word) - 1)))
        else:
            tokens.append(word)
    # Words keep short texts robust to one edit; pairs keep some word order.
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def signature(text: str) -> bytes | None:
    """The text's MinHash signature (PERMUTATIONS x uint32), or None if too short to compare."""
    grams = set(shingles(text))
    if len(grams) < MIN_SHINGLES:
        return None
    hashes = np.fromiter((xxhash.xxh32_intdigest(g.encode()) for g in grams), np.uint64, len(grams))
    return ((np.outer(hashes, _A) + _B) % _PRIME).min(axis=0).astype(np.uint32).tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return float(np.mean(np.frombuffer(a, np.uint32) == np.frombuffer(b, np.uint32)))


def bands(sig: bytes) -> list[str]:
    width = ROWS * 4
    return [f"{i}:{xxhash.xxh32_hexdigest(sig[i * width : (i + 1) * width])}" for i in range(BANDS)]
