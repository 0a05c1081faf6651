"""The public labeled data in the shared data directory, mapped to the triage taxonomy.

Every loader returns `Example`s with a fixed, seeded train/test split, so training and
evaluation agree on what was held out. Sources and licenses: see the shared data README and
model/MODEL_CARD.md.
"""

from __future__ import annotations

import csv
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from streams.core.taxonomy import Category
from streams.core.triage.text import normalize

SEED = 20171  # fixed: every split below is reproducible
REPO = Path(__file__).resolve().parents[3]


@dataclass(frozen=True, slots=True)
class Example:
    source: str
    text: str
    label: str  # a Category value
    split: str  # "train" or "test"
    detail: str = ""  # the source's own label (class, functionality, intent)
    weight: float = 1.0


def shared_data_dir() -> Path:
    return Path(os.environ.get("VIGIL_SHARED_DATA", REPO.parent / "shared" / "data"))


def _split(key: str, test_share: float) -> str:
    return "test" if random.Random(f"{SEED}:{key}").random() < test_share else "train"


def davidson(root: Path) -> Iterator[Example]:
    """Davidson et al. 2017: hate -> hate_speech, offensive -> harassment (weak), neither -> other."""
    names = {"0": Category.HATE_SPEECH, "1": Category.HARASSMENT, "2": Category.OTHER}
    with open(root / "davidson2017" / "labeled_data.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cls = row["class"]
            yield Example(
                "davidson2017", row["tweet"], names[cls].value, _split(f"davidson:{row['']}", 0.10),
                detail={"0": "hate", "1": "offensive", "2": "neither"}[cls],
                weight=0.3 if cls == "1" else 1.0,
            )


def dedupe_key(text: str) -> str:
    """Text as a duplicate check sees it: normalised, whitespace collapsed."""
    return " ".join(normalize(text).split())


def sms_spam(root: Path) -> Iterator[Example]:
    """SMS Spam Collection, each distinct message once: the corpus repeats many spam texts
    verbatim, so rows are deduplicated and split by their normalised text (a test message is
    never also a training message)."""
    seen: set[str] = set()
    with open(root / "sms_spam" / "SMSSpamCollection.tsv", encoding="utf-8") as f:
        next(f)
        for line in f:
            label, _, text = line.rstrip("\n").partition("\t")
            key = dedupe_key(text)
            if key in seen:
                continue
            seen.add(key)
            category = Category.SCAM_FRAUD if label == "spam" else Category.OTHER
            # Spam is 13% of the rows; weighting it up keeps it from being drowned by other sources.
            yield Example("sms_spam", text, category.value, _split(f"sms:{key}", 0.20), detail=label,
                          weight=3.0 if label == "spam" else 1.0)


CSSRS_AT_RISK = ("Ideation", "Behavior", "Attempt")


def cssrs(root: Path) -> Iterator[Example]:
    """Reddit C-SSRS, one row per user: Ideation/Behavior/Attempt (and Indicator, weakly) -> self_harm."""
    csv.field_size_limit(1 << 24)
    with open(root / "cssrs_reddit" / "500_Reddit_users_posts_labels.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            label = row["Label"]
            posts = row["Post"].strip("[]")
            if label in CSSRS_AT_RISK:
                category, weight = Category.SELF_HARM, 1.0
            elif label == "Indicator":
                category, weight = Category.SELF_HARM, 0.5
            else:
                category, weight = Category.OTHER, 1.0
            yield Example("cssrs", posts, category.value, _split(f"cssrs:{row['User']}", 0.20),
                          detail=label, weight=weight)


_HATECHECK_NON_PROTECTED = {"target_indiv_nh": Category.HARASSMENT, "target_group_nh": Category.HARASSMENT}


def _hatecheck_rows(path: Path, source: str, language: str) -> Iterator[Example]:
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            functionality = row["functionality"]
            if row["label_gold"] == "hateful":
                category = Category.HATE_SPEECH
            else:
                category = _HATECHECK_NON_PROTECTED.get(functionality, Category.OTHER)
            # Split by template: held-out cases come from sentence templates never trained on.
            template = row.get("templ_id") or row.get("case_id") or ""
            # Hateful cases outnumber non-hateful ones about 2.5 to 1; weighting evens the classes so
            # the classifier does not learn "a group is named" as "hateful".
            yield Example(source, row["test_case"].strip(), category.value,
                          _split(f"{source}:{language}:{functionality}:{template}", 0.40),
                          detail=f"{language}:{functionality}:{row['label_gold']}",
                          weight=1.0 if row["label_gold"] == "hateful" else 2.5)


def hatecheck(root: Path) -> Iterator[Example]:
    yield from _hatecheck_rows(root / "hatecheck" / "test_suite_cases.csv", "hatecheck", "en")


MHC_LANGUAGES = {"spanish": "es", "arabic": "ar", "mandarin": "zh", "french": "fr", "german": "de",
                 "italian": "it", "portuguese": "pt", "dutch": "nl", "polish": "pl", "hindi": "hi"}


def multilingual_hatecheck(root: Path, languages: tuple[str, ...] = ("spanish", "arabic", "mandarin", "portuguese", "french", "italian")) -> Iterator[Example]:
    for name in languages:
        yield from _hatecheck_rows(root / "multilingual_hatecheck" / f"{name}.csv", "mhc", MHC_LANGUAGES[name])


_BANKING_SECURITY = {"compromised_card", "lost_or_stolen_card", "lost_or_stolen_phone", "passcode_forgotten",
                     "pin_blocked", "change_pin", "unable_to_verify_identity", "verify_my_identity",
                     "why_verify_identity"}
_BANKING_FRAUD = {"card_payment_not_recognised", "cash_withdrawal_not_recognised",
                  "direct_debit_payment_not_recognised"}


def banking_category(intent: str) -> Category:
    if intent in _BANKING_SECURITY:
        return Category.ACCOUNT_SECURITY
    if intent in _BANKING_FRAUD:
        return Category.SCAM_FRAUD
    return Category.PRODUCT_ISSUE


def banking77(root: Path) -> Iterator[Example]:
    for split in ("train", "test"):
        with open(root / "banking77" / f"{split}.csv", newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                yield Example("banking77", row["text"], banking_category(row["category"]).value, split,
                              detail=row["category"], weight=0.3)


PUBLIC_SOURCES = {
    "davidson2017": davidson,
    "sms_spam": sms_spam,
    "cssrs": cssrs,
    "hatecheck": hatecheck,
    "mhc": multilingual_hatecheck,
    "banking77": banking77,
}


def public_examples(root: Path) -> list[Example]:
    return [ex for load in PUBLIC_SOURCES.values() for ex in load(root)]
