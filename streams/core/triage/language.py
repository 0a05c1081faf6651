"""Which languages' Latin-script lexicon terms may match a report.

Words of one language are ordinary words of another: Spanish "balas" (bullets) is Malay and
Indonesian "balas" (reply), Indonesian "main" (play) is English "main". Terms in CJK or
Arabic script gate themselves (they match only text in that script); Latin-script terms
(English, Spanish, Indonesian, Malay) are used for the languages a report is in:

- the languages its text shows (two or more common function words of the language, or one
  in a text of a few words), plus English (loanwords such as "hack", "scam", "live" appear in
  every language), plus the reporter's chosen language when it is Spanish, Indonesian or Malay;
- with no such evidence in the text, the reporter's language when it is Spanish, Indonesian
  or Malay; otherwise every language (English is many users' interface default whatever they
  write in, so it is no evidence that a short text is English).

Indonesian and Malay always go together: they share most of their vocabulary.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

LATIN_LANGUAGES = frozenset({"en", "es", "id", "ms"})
_FAMILY = {"en": frozenset({"en"}), "es": frozenset({"es"}), "id": frozenset({"id", "ms"}),
           "ms": frozenset({"id", "ms"})}
_ALIASES = {"in": "id", "ind": "id", "zsm": "ms", "msa": "ms", "may": "ms", "spa": "es", "eng": "en"}
# Function words frequent in one language and rare as words of the others (so not "ya", "lo",
# "la", "dia", "de", "me", "no", "tu", "di": each is a word in two of them).
_FUNCTION_WORDS = {
    # Tokens are runs of word characters: "don't" is "don" and "t".
    "en": frozenset("the and is are was were my you your he she they this that with have has what "
                    "i im dont don cant will would just not but because from about there their him her "
                    "his our".split()),
    "es": frozenset("que el los las una uno por para con mis tus es esta estoy pero como muy del al "
                    "les se y yo tengo tiene quiero hay mas porque cuando donde nos su sus un mi "
                    "eso este esto ella ellos soy fue".split()),
    "id": frozenset("yang dan ini itu saya aku tidak tak nak dengan untuk ke dari ada akan sudah udah dah "
                    "gak nggak ga kau kamu awak gue gw mau mahu mereka kami kita juga lagi sangat banget "
                    "tolong dong sih aja je pun kalau kalo nya".split()),
}
_SHORT_TEXT_WORDS = 5
EVERY_LANGUAGE = None


def primary_language(tag: str) -> str:
    """"es-MX" -> "es", "in" -> "id": the lexicon language of a reporter's language tag."""
    primary = tag.replace("_", "-").split("-", 1)[0].casefold()
    return _ALIASES.get(primary, primary)


def report_languages(reporter_language: str, words: Sequence[str]) -> frozenset[str] | None:
    """Latin-script languages whose terms may match, or None for every language."""
    chosen = _chosen(reporter_language)
    needed = 1 if len(words) <= _SHORT_TEXT_WORDS else 2
    shown = _NONE
    if len(_EN.intersection(words)) >= needed:
        shown = _FAMILY["en"]
    if len(_ES.intersection(words)) >= needed:
        shown = shown | _FAMILY["es"]
    if len(_ID_MS.intersection(words)) >= needed:
        shown = shown | _FAMILY["id"]
    if shown:
        return _union(shown, chosen)
    if chosen is not None:
        return _union(_FAMILY["en"], chosen)
    return EVERY_LANGUAGE


_NONE: frozenset[str] = frozenset()
_EN, _ES, _ID_MS = _FUNCTION_WORDS["en"], _FUNCTION_WORDS["es"], _FUNCTION_WORDS["id"]


@lru_cache(maxsize=256)
def _chosen(reporter_language: str) -> frozenset[str] | None:
    """The reporter's language family when it is Spanish, Indonesian or Malay (English: no evidence)."""
    family = _FAMILY.get(primary_language(reporter_language)) if reporter_language else None
    return None if family is None or "en" in family else family


@lru_cache(maxsize=64)
def _union(shown: frozenset[str], chosen: frozenset[str] | None) -> frozenset[str]:
    # One frozenset object per combination: the lexicon caches its matcher by it.
    return shown | _FAMILY["en"] | (chosen or _NONE)
