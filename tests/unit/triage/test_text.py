from __future__ import annotations

import pytest

from streams.core.triage.text import lexicon_view, normalize, tokens


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kill MYSELF", "kill myself"),
        ("Mañana SUICÍDATE", "manana suicidate"),
        ("سأقتلك غداً", "ساقتلك غدا"),  # hamza-on-alef unified, tanween removed
        ("مدرسة", "مدرسه"),  # ta marbuta unified
        ("１２岁", "12岁"),  # full-width digits
        ("عمري ١٤", "عمري 14"),  # Arabic-Indic digits
        ("it’s", "it's"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("norm", "expected"),
    [
        ("i will k1ll mys3lf", "i will kill myself"),
        ("su1c1de", "suicide"),
        ("k i l l all w o m e n", "kill all women"),
        ("s.u.i.c.i.d.e", "suicide"),
        ("im 15 and he asked", "im 15 and he asked"),  # plain numbers stay numbers
    ],
)
def test_lexicon_view_undoes_obfuscation(norm: str, expected: str) -> None:
    assert lexicon_view(norm) == expected


def test_tokens_split_on_non_word_characters() -> None:
    assert tokens("don't tell, ok?") == ["don", "t", "tell", "ok"]
