from __future__ import annotations

import re

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
        ("這個帳號被盜了", "这个账号被盗了"),  # traditional Chinese read as simplified
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


@pytest.mark.parametrize("text", ["don't kill_me 4ever, ok?", "a\tb\nc\x7f-d", "ñandú 你好 world", "", "  "])
def test_tokens_are_word_character_runs(text: str) -> None:
    assert tokens(normalize(text)) == re.findall(r"\w+", normalize(text))


@pytest.mark.parametrize("text", ["k i l l myself", "k.i.l.l you", "k_i_l_l", "i am a cat", "su1c1de", "hello there"])
def test_lexicon_view_with_known_tokens_matches_without(text: str) -> None:
    norm = normalize(text)
    assert lexicon_view(norm, tokens(norm)) == lexicon_view(norm)


def test_every_traditional_character_maps_to_its_own_simplified_form() -> None:
    # The two strings are zipped: one character too many or too few would shift every later pair.
    from streams.core.triage.text import _SIMPLIFIED, _TRADITIONAL

    assert len(_TRADITIONAL) == len(_SIMPLIFIED)
    assert normalize("他說要帶槍來學校，帳號被盜了") == normalize("他说要带枪来学校，账号被盗了")
