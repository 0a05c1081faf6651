"""Per-language word lists ("lexicons") and the matcher that finds their terms in a report.

A lexicon file maps group names to terms per language. Terms are normalised like report text.
Terms in space-separated scripts match whole token sequences (so "kill" does not match
"skill"); terms in CJK or Arabic script match as substrings, because those scripts do not
separate words (CJK) or attach clitics to them (Arabic: a term must start a word, after at
most a clitic prefix). A term written "swallowed ~ pills" allows up to MAX_GAP words between
its parts ("swallowed a bottle of pills"). Matching is a set intersection for
single words plus a dictionary lookup on word pairs, so its cost barely grows with the
lexicon size. `LanguageLexicon` keeps one such matcher per set of report languages, so
a Spanish word does not fire on a Malay report (see language.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Iterable

import yaml

from streams.core.triage.language import LATIN_LANGUAGES
from streams.core.triage.text import ARABIC, SUBSTRING_SCRIPT, lexicon_view, normalize, tokens

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
LANGUAGES = ("en", "id", "ms", "zh", "es", "ar")
ANY = "any"  # a lexicon language key for terms of every language (emoji, brand names)
# "a ~ b" in a lexicon: b follows a with at most MAX_GAP words in between.
GAP = "~"
MAX_GAP = 3


@dataclass(frozen=True, slots=True)
class LexiconHit:
    group: str
    term: str


class Lexicon:
    """All groups compiled into one matcher; `groups` lists the group names it knows."""

    def __init__(self, terms: dict[str, set[str]]) -> None:
        self.groups = frozenset(terms)
        self.size = sum(len(v) for v in terms.values())
        groups_of: dict[str, set[str]] = defaultdict(set)
        for group, group_terms in terms.items():
            for term in group_terms:
                groups_of[term].add(group)
        singles: dict[str, tuple[str, ...]] = {}
        pairs: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
        longer: dict[tuple[str, str, str], list[tuple[tuple[str, ...], str, tuple[str, ...]]]] = defaultdict(list)
        # CJK and Arabic terms by their first two characters (a pair), or by their one character.
        by_prefix: dict[Any, list[tuple[str, tuple[str, ...], bool]]] = defaultdict(list)
        gapped: dict[str, list[tuple[tuple[tuple[str, ...], ...], tuple[str, ...], str]]] = defaultdict(list)
        for term, term_groups in groups_of.items():
            names = tuple(sorted(term_groups))
            if SUBSTRING_SCRIPT.search(term):
                key = (term[0], term[1]) if len(term) > 1 else term
                by_prefix[key].append((term, names, bool(ARABIC.match(term))))
                continue
            if GAP in term:
                parts = tuple(tuple(tokens(part)) for part in term.split(GAP))
                if all(parts):
                    gapped[parts[0][0]].append((parts, names, term))
                continue
            seq = tuple(tokens(term))
            if len(seq) == 1:
                singles[seq[0]] = names
            elif len(seq) == 2:
                pairs[seq[0], seq[1]] = (" ".join(seq), names)
            elif seq:
                longer[seq[:3]].append((seq, " ".join(seq), names))
        self._singles = singles
        self._single_keys = frozenset(singles)
        self._pairs = pairs
        self._pair_keys = frozenset(pairs)
        self._longer = dict(longer)
        self._triple_keys = frozenset(longer)
        self._by_prefix = dict(by_prefix)
        self._prefixes = frozenset(k for k in by_prefix if isinstance(k, tuple))
        self._one_char = frozenset(k for k in by_prefix if isinstance(k, str))
        self._gapped = dict(gapped)
        self._gap_starts = frozenset(gapped)

    def match(self, view: str, words: list[str]) -> dict[str, list[str]]:
        """Group -> matched terms, for a normalised text `view` and its tokens `words`."""
        found: dict[str, list[str]] = {}
        for word in self._single_keys.intersection(words):
            for name in self._singles[word]:
                found.setdefault(name, []).append(word)
        if len(words) > 1:
            following = islice(words, 1, None)
            for pair in self._pair_keys.intersection(zip(words, following)):
                term, names = self._pairs[pair]
                for name in names:
                    found.setdefault(name, []).append(term)
            if len(words) > 2:
                triples = self._triple_keys.intersection(zip(words, islice(words, 1, None), islice(words, 2, None)))
                if triples:
                    self._match_longer(words, triples, found)
        if not self._gap_starts.isdisjoint(words):
            self._match_gapped(words, found)
        if self._by_prefix and SUBSTRING_SCRIPT.search(view):
            self._match_substrings(view, found)
        return found

    def _match_longer(self, words: list[str], triples: set[tuple[str, str, str]], found: dict[str, list[str]]) -> None:
        """Terms of three or more words whose first three words are among the text's `triples`."""
        for triple in triples:
            for seq, term, names in self._longer[triple]:
                if len(seq) > 3 and not _occurs(words, seq):
                    continue
                for name in names:
                    found.setdefault(name, []).append(term)

    def _match_gapped(self, words: list[str], found: dict[str, list[str]]) -> None:
        """Terms like "swallowed ~ pills": parts in order, each within MAX_GAP words of the last."""
        starts = self._gap_starts
        gapped = self._gapped
        for i, word in enumerate(words):
            if word in starts:
                for parts, names, term in gapped[word]:
                    if _parts_follow(words, i, parts):
                        for name in names:
                            found.setdefault(name, []).append(term)

    def _match_substrings(self, view: str, found: dict[str, list[str]]) -> None:
        keys = self._prefixes.intersection(zip(view, islice(view, 1, None)))
        if not self._one_char.isdisjoint(view):
            keys = keys.union(self._one_char.intersection(view))
        for prefix in keys:
            for term, names, arabic in self._by_prefix[prefix]:
                if term in view and (not arabic or _starts_arabic_word(view, term)):
                    for name in names:
                        found.setdefault(name, []).append(term)


def _occurs(words: list[str], seq: tuple[str, ...]) -> bool:
    n = len(seq)
    first = seq[0]
    return any(words[i] == first and tuple(words[i : i + n]) == seq for i in range(len(words) - n + 1))


def _parts_follow(words: list[str], start: int, parts: tuple[tuple[str, ...], ...]) -> bool:
    first = parts[0]
    if tuple(words[start : start + len(first)]) != first:
        return False
    position = start + len(first)
    for part in parts[1:]:
        window_end = min(len(words), position + MAX_GAP + len(part))
        for j in range(position, window_end - len(part) + 1):
            if tuple(words[j : j + len(part)]) == part:
                position = j + len(part)
                break
        else:
            return False
    return True


# Clitics that may precede an Arabic word ("and", "the", "with", "for", future "sa-").
_ARABIC_PREFIXES = frozenset({"", "و", "ف", "ب", "ل", "ك", "س", "ال", "وال", "بال", "لل", "فال", "كال", "وس", "ول", "وب"})


def _starts_arabic_word(view: str, term: str) -> bool:
    """True when `term` occurs at a word start, allowing clitic prefixes ("يخبر" is not "خبر")."""
    start = view.find(term)
    while start != -1:
        word_start = start
        while word_start > 0 and ARABIC.match(view[word_start - 1]):
            word_start -= 1
        if view[word_start:start] in _ARABIC_PREFIXES:
            return True
        start = view.find(term, start + 1)
    return False


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML keeps the last of two equal keys silently; a group written twice in one file would lose terms."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"{node.start_mark.name}: key {repeated[0]!r} appears twice in one mapping")
        return super().construct_mapping(node, deep=deep)


def load_terms_by_language(directory: Path = LEXICON_DIR) -> dict[str, dict[str, set[str]]]:
    """Read every *.yaml in `directory` ({groups: {name: {lang: [terms]}}}): lang -> group -> terms."""
    by_language: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in sorted(directory.glob("*.yaml")):
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}  # noqa: S506 (a SafeLoader)
        for group, by_lang in (raw.get("groups") or {}).items():
            if not isinstance(by_lang, dict):
                raise ValueError(f"{path}: group {group!r} must map languages to term lists")
            for lang, lang_terms in by_lang.items():
                if lang == "description":
                    continue
                if lang not in LANGUAGES and lang != ANY:
                    raise ValueError(f"{path}: group {group!r} has unknown language {lang!r}")
                by_language[lang][group].update(_term_form(t) for t in lang_terms or ())
    return {lang: dict(groups) for lang, groups in by_language.items()}


def _term_form(term: object) -> str:
    """A term as reports reach the matcher: normalised, leet digits inside words undone like the
    report's lexicon view ("1v1", romanised Arabic "3aref", "wa7ed")."""
    return lexicon_view(normalize(str(term)).strip())


def load_lexicon_terms(directory: Path = LEXICON_DIR) -> dict[str, set[str]]:
    """Group -> terms of every language."""
    return _merged(load_terms_by_language(directory).values())


def _merged(parts: Iterable[dict[str, set[str]]]) -> dict[str, set[str]]:
    terms: dict[str, set[str]] = defaultdict(set)
    for groups in parts:
        for group, group_terms in groups.items():
            terms[group] |= group_terms
    return dict(terms)


class LanguageLexicon:
    """The shipped lexicon, matched with the Latin-script terms of a report's languages only
    (see language.py); CJK and Arabic terms always take part, as their script gates them."""

    def __init__(self, by_language: dict[str, dict[str, set[str]]]) -> None:
        self._latin = {lang: groups for lang, groups in by_language.items() if lang in LATIN_LANGUAGES}
        self._always = _merged(
            [groups for lang, groups in by_language.items() if lang not in LATIN_LANGUAGES]
            + [{g: {t for t in ts if SUBSTRING_SCRIPT.search(t)} for g, ts in groups.items()}
               for groups in self._latin.values()]
        )
        self._every = Lexicon(_merged(by_language.values()))
        self.groups = self._every.groups
        self.size = self._every.size
        self._by_languages: dict[frozenset[str], Lexicon] = {}

    def for_languages(self, languages: frozenset[str] | None) -> Lexicon:
        """The matcher for these Latin-script languages (None: every language)."""
        if languages is None:
            return self._every
        lexicon = self._by_languages.get(languages)
        if lexicon is None:
            chosen = [groups for lang, groups in self._latin.items() if lang in languages]
            lexicon = self._by_languages[languages] = Lexicon(_merged([self._always, *chosen]))
        return lexicon

    def match(self, view: str, words: list[str], languages: frozenset[str] | None = None) -> dict[str, list[str]]:
        return self.for_languages(languages).match(view, words)


def load_lexicon(directory: Path = LEXICON_DIR) -> LanguageLexicon:
    return LanguageLexicon(load_terms_by_language(directory))
