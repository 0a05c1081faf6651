"""Per-language word lists ("lexicons") and the matcher that finds their terms in a report.

A lexicon file maps group names to terms per language. Terms are normalised like report text.
Terms in space-separated scripts match whole token sequences (so "kill" does not match
"skill"); terms in CJK or Arabic script match as substrings, because those scripts do not
separate words (CJK) or attach clitics to them (Arabic: a term must start a word, after at
most a clitic prefix). A term written "swallowed ~ pills" allows up to MAX_GAP words between
its parts ("swallowed a bottle of pills"). Matching is a set intersection for
single words plus a dictionary lookup on word pairs, so its cost barely grows with the
lexicon size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from streams.core.triage.text import ARABIC, SUBSTRING_SCRIPT, normalize, tokens

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
LANGUAGES = ("en", "id", "ms", "zh", "es", "ar")
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
        by_pair: dict[tuple[str, str], list[tuple[tuple[str, ...], tuple[str, ...]]]] = defaultdict(list)
        by_prefix: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
        gapped: dict[str, list[tuple[tuple[tuple[str, ...], ...], tuple[str, ...], str]]] = defaultdict(list)
        for term, term_groups in groups_of.items():
            names = tuple(sorted(term_groups))
            if SUBSTRING_SCRIPT.search(term):
                by_prefix[term[:2]].append((term, names))
                continue
            if GAP in term:
                parts = tuple(tuple(tokens(part)) for part in term.split(GAP))
                if all(parts):
                    gapped[parts[0][0]].append((parts, names, term))
                continue
            seq = tuple(tokens(term))
            if len(seq) == 1:
                singles[seq[0]] = names
            elif seq:
                by_pair[seq[0], seq[1]].append((seq, names))
        self._singles = singles
        self._single_keys = frozenset(singles)
        self._by_pair = dict(by_pair)
        self._pair_starts = frozenset(first for first, _ in by_pair)
        self._by_prefix = dict(by_prefix)
        self._prefixes = frozenset(by_prefix)
        self._gapped = dict(gapped)
        self._gap_starts = frozenset(gapped)

    def match(self, view: str, words: list[str]) -> dict[str, list[str]]:
        """Group -> matched terms, for a normalised text `view` and its tokens `words`."""
        found: dict[str, list[str]] = {}
        for word in self._single_keys.intersection(words):
            for name in self._singles[word]:
                found.setdefault(name, []).append(word)
        if not self._pair_starts.isdisjoint(words):
            self._match_phrases(words, found)
        if not self._gap_starts.isdisjoint(words):
            self._match_gapped(words, found)
        if self._prefixes and SUBSTRING_SCRIPT.search(view):
            self._match_substrings(view, found)
        return found

    def _match_phrases(self, words: list[str], found: dict[str, list[str]]) -> None:
        starts = self._pair_starts
        by_pair = self._by_pair
        last = len(words) - 1
        for i, word in enumerate(words):
            if word not in starts or i == last:
                continue
            candidates = by_pair.get((word, words[i + 1]))
            if candidates is None:
                continue
            for seq, names in candidates:
                n = len(seq)
                if n == 2 or tuple(words[i : i + n]) == seq:
                    term = " ".join(seq)
                    for name in names:
                        found.setdefault(name, []).append(term)

    def _match_gapped(self, words: list[str], found: dict[str, list[str]]) -> None:
        """Terms like "swallowed ~ pills": parts in order, each within MAX_GAP words of the last."""
        for i, word in enumerate(words):
            for parts, names, term in self._gapped.get(word, ()):
                if _parts_follow(words, i, parts):
                    for name in names:
                        found.setdefault(name, []).append(term)

    def _match_substrings(self, view: str, found: dict[str, list[str]]) -> None:
        keys = {view[i : i + 2] for i in range(len(view) - 1)}
        keys.update(view)  # one-character terms (CJK "枪") are indexed by themselves
        for prefix in self._prefixes.intersection(keys):
            for term, names in self._by_prefix[prefix]:
                if term in view and (not ARABIC.match(term) or _starts_arabic_word(view, term)):
                    for name in names:
                        found.setdefault(name, []).append(term)


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


def load_lexicon_terms(directory: Path = LEXICON_DIR) -> dict[str, set[str]]:
    """Read every *.yaml in `directory`: {groups: {name: {lang: [terms]}}}."""
    terms: dict[str, set[str]] = defaultdict(set)
    for path in sorted(directory.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for group, by_lang in (raw.get("groups") or {}).items():
            if not isinstance(by_lang, dict):
                raise ValueError(f"{path}: group {group!r} must map languages to term lists")
            for lang, lang_terms in by_lang.items():
                if lang == "description":
                    continue
                if lang not in LANGUAGES and lang != "any":
                    raise ValueError(f"{path}: group {group!r} has unknown language {lang!r}")
                terms[group].update(normalize(str(t)).strip() for t in lang_terms or ())
    return dict(terms)


def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    return Lexicon(load_lexicon_terms(directory))
