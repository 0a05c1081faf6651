"""Text normalisation shared by lexicons, patterns, facts and the classifier.

One normal form everywhere means a lexicon term matches exactly when the same words appear in
a report: case-folded, accents and Arabic diacritics removed, Arabic letter variants and
full-width forms unified, Arabic-Indic digits turned into ASCII digits.
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+")
# Scripts written without spaces (CJK), with attached clitics (Arabic), and emoji: their lexicon
# terms are matched as substrings, not as whole tokens.
SUBSTRING_SCRIPT = re.compile(r"[\u0600-\u06ff\u3400-\u9fff\uf900-\ufaff\u2600-\u27bf\U0001f300-\U0001faff]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
ARABIC = re.compile(r"[\u0600-\u06ff]")
_COMBINING = re.compile(r"[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_UNIFY = str.maketrans(
    {
        "ى": "ي",
        "ة": "ه",
        "ـ": None,  # tatweel, a stretching stroke
        "’": "'",
        "‘": "'",
        "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4",
        "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
        "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4",
        "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9",
    }
)
# Leetspeak inside words ("k1ll", "su1c1de"); applied only to the lexicon view of a text.
_LEET_NEAR_LETTER = re.compile(r"[a-z][013457@$]|[013457@$][a-z]")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_WORD = re.compile(r"\b\w*[a-z]\w*[013457@$][\w@$]*|\b[\w@$]*[013457@$]\w*[a-z]\w*")
# Letters spelled out with separators ("k i l l", "s.u.i.c.i.d.e").
_SPACED_LETTERS = re.compile(r"\b(?:[^\W\d_][ .*_-]){2,}[^\W\d_]\b")
_SEPARATORS = re.compile(r"[ .*_-]")


def normalize(text: str) -> str:
    """The normal form every matcher sees: see the module docstring."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    folded = unicodedata.normalize("NFKD", folded)
    return _COMBINING.sub("", folded).translate(_UNIFY)


_LEET_CHARS = frozenset("013457@$")

_OBFUSCATED = re.compile(_LEET_NEAR_LETTER.pattern + "|" + _SPACED_LETTERS.pattern)


def lexicon_view(norm: str, words: list[str] | None = None) -> str:
    """`norm` with obfuscations undone: leet digits inside words, spaced-out letters. `words`,
    the tokens of `norm` if known, let most reports skip the regular expressions: spaced-out
    letters are three or more one-letter tokens in a row (or contain "_", a word character)."""
    if _LEET_CHARS.isdisjoint(norm):
        if words is not None and not _three_letters_in_a_row(words) and "_" not in norm:
            return norm
        if not _SPACED_LETTERS.search(norm):
            return norm
    elif not _OBFUSCATED.search(norm):
        return norm
    if _LEET_NEAR_LETTER.search(norm):
        norm = _LEET_WORD.sub(lambda m: m.group().translate(_LEET), norm)
    if _SPACED_LETTERS.search(norm):
        norm = _SPACED_LETTERS.sub(lambda m: _SEPARATORS.sub("", m.group()), norm)
    return norm


# ASCII word characters kept, every other byte a space: splitting that is WORD.findall for
# ASCII text at half the cost (most reports are ASCII once normalised).
_ASCII_WORDS = bytes(c if chr(c).isascii() and (chr(c).isalnum() or c == ord("_")) else 32 for c in range(256))


def _three_letters_in_a_row(words: list[str]) -> bool:
    run = 0
    for word in words:
        run = run + 1 if len(word) == 1 else 0
        if run == 3:
            return True
    return False


def tokens(norm: str) -> list[str]:
    if norm.isascii():
        return norm.encode().translate(_ASCII_WORDS).decode().split()
    return WORD.findall(norm)
