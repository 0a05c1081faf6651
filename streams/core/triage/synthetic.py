"""Hand-written multilingual training reports, expanded from templates (training only).

No public labeled data exists for child safety, imminent self-harm, credible threats,
privacy or account takeover in the six languages the project serves. The files in
synthetic/<lang>.yaml hold hand-written report *patterns*: each pattern is a list of parts,
each part a list of alternatives (an empty alternative makes the part optional), with
`{slot}` fillers (ages, relations, platforms, times, weapons, means, cities) from the same
file. A pattern belongs to a family, and a family fixes the category and priority:

    families:
      sh_imminent:                # see FAMILIES
        - [["{rel} said she will end it", "i'm going to kill myself"], ["tonight", "i have {means}"]]

`synthetic_examples` expands every pattern a fixed number of times with a seeded RNG and adds
the noise real reports have (typos, no punctuation, casing, emoji, chat abbreviations). Each
pattern is wholly in the train or the validation split (by a hash of its text), so the
validation split measures generalisation to *wordings* not trained on, not to new slot
fillers. Runtime never imports this module.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from streams.core.taxonomy import Category, Priority
from streams.core.triage.datasets import Example

SYNTHETIC_DIR = Path(__file__).resolve().parent / "synthetic"
SEED = 4242
VALIDATION_SHARE = 0.2
_SLOT = re.compile(r"\{(\w+)\}")

# family -> (category, priority)
FAMILIES: dict[str, tuple[Category, Priority]] = {
    "cs_exploit": (Category.CHILD_SAFETY, Priority.P0),
    "cs_sextortion": (Category.CHILD_SAFETY, Priority.P0),
    "cs_csam": (Category.CHILD_SAFETY, Priority.P0),
    "cs_live": (Category.CHILD_SAFETY, Priority.P0),
    "cs_underage": (Category.CHILD_SAFETY, Priority.P1),
    "sh_imminent": (Category.SELF_HARM, Priority.P0),
    "sh_ideation": (Category.SELF_HARM, Priority.P1),
    "vt_credible": (Category.VIOLENT_THREAT, Priority.P0),
    "vt_vague": (Category.VIOLENT_THREAT, Priority.P1),
    "vt_shown": (Category.VIOLENT_THREAT, Priority.P2),
    "ac_cruelty": (Category.ANIMAL_CRUELTY, Priority.P1),
    "hs_hate": (Category.HATE_SPEECH, Priority.P2),
    "ha_harass": (Category.HARASSMENT, Priority.P2),
    "sc_scam": (Category.SCAM_FRAUD, Priority.P2),
    "pi_exposed": (Category.PRIVACY_IMPERSONATION, Priority.P1),
    "pi_impersonation": (Category.PRIVACY_IMPERSONATION, Priority.P2),
    "as_spreading": (Category.ACCOUNT_SECURITY, Priority.P1),
    "as_hacked": (Category.ACCOUNT_SECURITY, Priority.P2),
    "as_help": (Category.ACCOUNT_SECURITY, Priority.P3),
    "pr_support": (Category.PRODUCT_ISSUE, Priority.P3),
    "pr_parent": (Category.PRODUCT_ISSUE, Priority.P3),
    "ot_negative": (Category.OTHER, Priority.P3),
}


@dataclass(frozen=True, slots=True)
class SyntheticReport:
    text: str
    lang: str
    family: str
    category: Category
    priority: Priority
    split: str  # "train" or "validation"


def _pattern_split(lang: str, family: str, pattern: list[list[str]]) -> str:
    digest = hashlib.sha256(f"{lang}:{family}:{pattern!r}".encode()).digest()
    return "validation" if digest[0] / 256 < VALIDATION_SHARE else "train"


def _fill(text: str, slots: dict[str, list[str]], rng: random.Random) -> str:
    def pick(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in slots:
            raise KeyError(f"unknown slot {{{name}}}")
        return _fill(rng.choice(slots[name]), slots, rng)

    return _SLOT.sub(pick, text)


def _join(parts: list[str], lang: str, rng: random.Random) -> str:
    # Chinese is written without spaces; a comma sometimes separates clauses.
    glue = rng.choice(["", "", "，"]) if lang == "zh" else " "
    text = glue.join(p for p in parts if p)
    return re.sub(r"\s+([,.!?;:，。！？、])", r"\1", text).strip()


_CHAT = {"you": ["u", "you", "ya"], "your": ["ur", "your"], "please": ["pls", "plz", "please"],
         "because": ["bc", "cuz", "because"], "are": ["r", "are"], "right now": ["rn", "right now"],
         "i don't know": ["idk", "i don't know"], "tomorrow": ["tmrw", "tomorrow", "tmr"],
         "yang": ["yg", "yang"], "tidak": ["gak", "ga", "nggak", "tidak"], "sudah": ["udah", "sudah", "dah"],
         "que": ["q", "que", "k"], "por favor": ["porfa", "por favor", "x fa"], "saya": ["sy", "saya"]}
_EMOJI = ["", "", "", " 😭", " 🙏", " 😡", " 😢", " !!", " ??", " pls"]


def _noise(text: str, lang: str, rng: random.Random) -> str:
    """What real reports look like: chat spellings, no capitals or punctuation, a typo, emoji."""
    for word, variants in _CHAT.items():
        if rng.random() < 0.5 and word in text:
            text = re.sub(rf"\b{re.escape(word)}\b", rng.choice(variants), text)
    roll = rng.random()
    if roll < 0.35:
        text = text.lower()
    elif roll < 0.45 and lang not in ("zh", "ar"):
        text = text[:1].upper() + text[1:]
    if rng.random() < 0.3:
        text = re.sub(r"[,.!?;'’]", "", text)
    if rng.random() < 0.2 and lang not in ("zh", "ar"):
        words = text.split()
        i = rng.randrange(len(words)) if words else 0
        if words and len(words[i]) > 3:
            w = words[i]
            j = rng.randrange(1, len(w) - 1)
            words[i] = rng.choice([w[:j] + w[j + 1 :], w[:j] + w[j] + w[j:], w[:j] + w[j + 1] + w[j] + w[j + 2 :]])
            text = " ".join(words)
    return text + rng.choice(_EMOJI)


def load_language(path: Path) -> tuple[dict[str, list[str]], dict[str, list[list[list[str]]]]]:
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    slots = {k: [str(x) for x in v] for k, v in (raw.get("slots") or {}).items()}
    families = raw.get("families") or {}
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise ValueError(f"{path}: unknown families {sorted(unknown)}")
    patterns = {f: [[[("" if a is None else str(a)) for a in part] for part in p] for p in ps]
                for f, ps in families.items()}
    return slots, patterns


def language_files(directory: Path = SYNTHETIC_DIR) -> dict[str, list[Path]]:
    """<lang>.yaml and <lang>.<part>.yaml files by language; parts share their slots."""
    by_lang: dict[str, list[Path]] = {}
    for path in sorted(directory.glob("*.yaml")):
        by_lang.setdefault(path.name.split(".")[0], []).append(path)
    return by_lang


def synthetic_reports(per_pattern: int = 30, directory: Path = SYNTHETIC_DIR) -> Iterator[SyntheticReport]:
    """Every pattern of every language expanded `per_pattern` times (deduplicated), seeded."""
    for lang, paths in language_files(directory).items():
        slots: dict[str, list[str]] = {}
        families: dict[str, list[list[list[str]]]] = {}
        for path in paths:
            file_slots, file_families = load_language(path)
            slots.update(file_slots)
            for family, patterns in file_families.items():
                families.setdefault(family, []).extend(patterns)
        for family, patterns in families.items():
            category, priority = FAMILIES[family]
            for pattern in patterns:
                yield from _expand(lang, family, category, priority, pattern, slots, per_pattern)


def _expand(lang: str, family: str, category: Category, priority: Priority, pattern: list[list[str]],
            slots: dict[str, list[str]], count: int) -> Iterator[SyntheticReport]:
    rng = random.Random(f"{SEED}:{lang}:{family}:{pattern!r}")
    split = _pattern_split(lang, family, pattern)
    seen: set[str] = set()
    for _ in range(count * 3):
        if len(seen) >= count:
            return
        parts = [_fill(rng.choice(part), slots, rng) for part in pattern]
        text = _noise(_join(parts, lang, rng), lang, rng)
        if text not in seen:
            seen.add(text)
            yield SyntheticReport(text, lang, family, category, priority, split)


def synthetic_examples(split: str, per_pattern: int = 30) -> list[Example]:
    return [Example("synthetic", r.text, r.category.value, r.split,
                    detail=f"{r.lang}:{r.family}:{r.priority.value}")
            for r in synthetic_reports(per_pattern) if r.split == split]
