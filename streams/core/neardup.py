"""Near-duplicate text: 64-bit SimHash over word (or CJK character) shingles.

Two texts are near duplicates when their fingerprints differ in at most a few bits. To find
candidates without comparing against every open case, a fingerprint is split into bands;
near duplicates share at least one band exactly (pigeonhole: with 4 bands and at most 3
differing bits, one band is untouched).
"""

from __future__ import annotations

import re

import numpy as np
import xxhash

BANDS = 4
_BAND_BITS = 64 // BANDS
_SHIFTS = np.arange(64, dtype=np.uint64)
_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")

MIN_SHINGLES = 4  # shorter texts ("help", "bug") say too little to call two reports the same


def shingles(text: str) -> list[str]:
    text = _URL.sub(" url ", text.lower())
    tokens: list[str] = []
    for word in _WORD.findall(text):
        if _CJK.search(word):
            tokens.extend(word[i : i + 2] for i in range(max(1, len(word) - 1)))
        else:
            tokens.append(word)
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:])] or tokens


def simhash(text: str) -> int | None:
    """The text's fingerprint, or None when it is too short to compare."""
    grams = shingles(text)
    if len(grams) < MIN_SHINGLES:
        return None
    hashes = np.fromiter((xxhash.xxh3_64_intdigest(g.encode()) for g in grams), np.uint64, len(grams))
    bits = (hashes[:, None] >> _SHIFTS) & np.uint64(1)
    ones = bits.sum(axis=0)
    set_bits = (2 * ones > len(grams)).astype(np.uint64)
    return int((set_bits << _SHIFTS).sum())


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def bands(fingerprint: int) -> list[str]:
    mask = (1 << _BAND_BITS) - 1
    return [f"{i}:{(fingerprint >> (i * _BAND_BITS)) & mask:04x}" for i in range(BANDS)]
