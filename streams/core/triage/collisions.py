"""Lexicon terms of one Latin-script language that occur in reports written in another (a tool).

    python -m streams.core.triage.collisions

Reads the labeled cases the rules were tuned on and the synthetic reports (each has a
language) and lists, per term, how often a term of language A matched a report in language B
when A's terms are not gated by language (Spanish "balas", bullets, in Malay "tak balas",
no reply). A term both lexicons list for the same group is no collision. Use it after editing
a lexicon: a term with many hits either needs the language gate (language.py) to keep it out,
or a longer, unambiguous form.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from typing import Iterator

from streams.core.triage.cases import load_cases
from streams.core.triage.lexicon import Lexicon, load_terms_by_language
from streams.core.triage.synthetic import synthetic_reports
from streams.core.triage.text import SUBSTRING_SCRIPT, lexicon_view, normalize, tokens
from streams.core.triage.train import SEEN_CASE_SETS

LATIN = ("en", "es", "id", "ms")
_SAME_FAMILY = {"id": "ms", "ms": "id"}


def texts_by_language() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = defaultdict(list)
    for report in synthetic_reports(per_pattern=5):
        texts[report.lang].append(report.text)
    for name in SEEN_CASE_SETS:
        for case in load_cases(name):
            texts[case.lang].append(case.event.text)
    return texts


def collisions(texts: dict[str, list[str]]) -> Iterator[tuple[int, str, str, str, str, str]]:
    """(hits, term language, term, group, text language, an example text), most hits first."""
    by_language = load_terms_by_language()
    hits: Counter[tuple[str, str, str, str]] = Counter()
    example: dict[tuple[str, str, str, str], str] = {}
    for term_lang in LATIN:
        lexicon = Lexicon({g: {t for t in ts if not SUBSTRING_SCRIPT.search(t)}
                           for g, ts in by_language.get(term_lang, {}).items()})
        for text_lang in LATIN:
            if text_lang in (term_lang, _SAME_FAMILY.get(term_lang)):
                continue
            own = [by_language.get(text_lang, {}), by_language.get(_SAME_FAMILY.get(text_lang, ""), {})]
            for text in texts.get(text_lang, ()):
                view = lexicon_view(normalize(text))
                for group, terms in lexicon.match(view, tokens(view)).items():
                    for term in terms:
                        if any(term in groups.get(group, ()) for groups in own):
                            continue
                        key = (term_lang, term, group, text_lang)
                        hits[key] += 1
                        example.setdefault(key, text)
    for key, count in hits.most_common():
        yield (count, *key, example[key])


def main() -> int:
    for count, term_lang, term, group, text_lang, text in collisions(texts_by_language()):
        print(f"{count:4d}  {term_lang}:{term!r} [{group}] in {text_lang} reports, e.g. {text[:70]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
