from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from streams.core.triage.language import report_languages
from streams.core.triage.lexicon import (
    LANGUAGES,
    LEXICON_DIR,
    LanguageLexicon,
    Lexicon,
    load_lexicon,
    load_lexicon_terms,
)
from streams.core.triage.text import lexicon_view, normalize, tokens

SMALL = Lexicon(
    {
        "threat": {"kill you", "i will kill you now", "ساقتلك"},
        "weapon": {"gun", "枪"},
        "self_harm_intent": {"自杀", "kill myself"},
    }
)


def groups(lexicon: Lexicon, text: str) -> dict[str, list[str]]:
    view = lexicon_view(normalize(text))
    return lexicon.match(view, tokens(view))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I will KILL YOU", {"threat": ["kill you"]}),
        ("i will kill you now", {"threat": ["kill you", "i will kill you now"]}),
        ("good skill you have", {}),  # whole words only: "skill" is not "kill"
        ("he has a gun", {"weapon": ["gun"]}),
        ("他有枪", {"weapon": ["枪"]}),  # CJK: substring, one character
        ("我想自杀了", {"self_harm_intent": ["自杀"]}),
        ("سأقتلك غداً", {"threat": ["ساقتلك"]}),  # Arabic: substring after normalisation
        ("k1ll mys3lf", {"self_harm_intent": ["kill myself"]}),
    ],
)
def test_match_finds_whole_terms(text: str, expected: dict[str, list[str]]) -> None:
    assert {g: sorted(t) for g, t in groups(SMALL, text).items()} == {g: sorted(t) for g, t in expected.items()}


RISK_GROUPS = ["minor", "sexual", "csam", "grooming", "sextortion", "self_harm_intent", "self_harm_ideation",
               "farewell", "means", "threat", "weapon", "scam", "hacked", "impersonation", "doxxing", "ncii",
               "cruelty", "animal", "identity", "dehumanize", "gaming", "figurative", "time_soon", "live"]


def test_shipped_lexicon_has_risk_groups_in_all_six_languages() -> None:
    by_group: dict[str, set[str]] = {}
    for path in LEXICON_DIR.glob("*.yaml"):
        for group, by_lang in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"].items():
            # A group may be extended in several files (the loader unions them).
            by_group.setdefault(group, set()).update(
                lang for lang, terms in by_lang.items() if lang != "description" and terms)
    missing = {g: sorted(set(LANGUAGES) - by_group.get(g, set())) for g in RISK_GROUPS}
    assert {g: m for g, m in missing.items() if m} == {}
    assert load_lexicon().size > 1000


def test_unknown_language_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("groups:\n  g:\n    xx: [a]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown language 'xx'"):
        load_lexicon_terms(tmp_path)


def test_a_group_written_twice_in_one_file_is_a_clear_error(tmp_path: Path) -> None:
    # YAML would keep the second silently and drop the first group's terms.
    (tmp_path / "twice.yaml").write_text("groups:\n  g:\n    en: [a]\n  g:\n    en: [b]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'g' appears twice"):
        load_lexicon_terms(tmp_path)


@pytest.mark.parametrize(
    ("text", "words", "group"),
    [
        ("ibn 3ammi 14 sana", ["ibn 3ammi"], "minor"),  # romanised Arabic: digits are letters there
        ("gg in the 1v1 tmrw", ["ivi"], "gaming"),
    ],
)
def test_terms_with_digits_for_letters_match(text: str, words: list[str], group: str) -> None:
    from streams.core.triage.language import report_languages
    from streams.core.triage.text import lexicon_view, normalize, tokens

    view = lexicon_view(normalize(text))
    hits = load_lexicon().match(view, tokens(view), report_languages("ar", tokens(view)))
    assert group in hits


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("رجل يخبر الجميع", False),  # "يخبر" (tells) does not contain the word "خبر" (news)
        ("هذا خبر مهم", True),
        ("والخبر منشور", True),  # clitic prefixes "و" + "ال" are allowed
    ],
)
def test_arabic_terms_start_a_word(text: str, present: bool) -> None:
    assert ("news" in groups(Lexicon({"news": {"خبر"}}), text)) is present


def test_latin_terms_match_only_the_report_languages() -> None:
    lexicon = LanguageLexicon({"es": {"weapon": {"balas"}}, "ms": {"threat": {"pukul kau"}},
                               "zh": {"weapon": {"枪"}}, "en": {"weapon": {"gun"}}})
    text = "aku pukul kau kalau tak balas, ada gun dan 枪"
    view = lexicon_view(normalize(text))
    words = tokens(view)
    assert {g: sorted(t) for g, t in lexicon.match(view, words, frozenset({"en", "id", "ms"})).items()} == {
        "threat": ["pukul kau"], "weapon": ["gun", "枪"]}  # CJK terms gate themselves by script
    assert sorted(lexicon.match(view, words)["weapon"]) == ["balas", "gun", "枪"]  # None: every language
    assert lexicon.groups == {"weapon", "threat"}


@pytest.mark.parametrize(
    ("reporter", "text", "languages"),
    [
        ("ms", "siap kau kalau tak balas mesej aku", {"en", "id", "ms"}),
        ("und", "siap kau kalau tak balas mesej aku", {"en", "id", "ms"}),  # the text shows Malay
        ("und", "tengo 14 y un tipo me escribe", {"en", "es"}),
        ("es-MX", "balas", {"en", "es"}),  # nothing in the text: the reporter's chosen language
        ("in", "tolong", {"en", "id", "ms"}),  # old code for Indonesian
        ("en", "this guy said he will find me", {"en"}),
        ("ms", "this guy said he will find me", {"en", "id", "ms"}),  # code-switching: both
        ("en", "bunuh diri", None),  # English is an interface default, no evidence: every language
        ("zh", "他说要杀了我", None),
        ("", "ok", None),
    ],
)
def test_report_languages(reporter: str, text: str, languages: set[str] | None) -> None:
    found = report_languages(reporter, tokens(normalize(text)))
    assert (None if found is None else set(found)) == languages
