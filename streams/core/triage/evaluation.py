"""Quality measurement of the triage engine on public data and on the project's own cases.

Pure functions: the `vigil eval` command only formats what `evaluate` returns.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

from streams.core.report import FeedbackEvent, Reporter
from streams.core.taxonomy import Category, Channel, Priority
from streams.core.triage import Triager
from streams.core.triage import datasets as ds
from streams.core.triage.cases import CASES_DIR, LabeledCase, load_cases

_WHEN = datetime(2026, 11, 25, tzinfo=UTC)
_MAX_TEXT_CHARS = 12_000  # C-SSRS rows join many posts; reports are far shorter
HATEFUL = {Category.HATE_SPEECH, Category.VIOLENT_THREAT}

BASELINES = {
    "davidson2017": "Davidson et al. 2017 LR, 10% hold-out: hate P 0.44 / R 0.59 / F1 0.51",
    "hatecheck": "HateCheck paper: commercial/academic models about 60-78% accuracy",
    "sms_spam": "Almeida et al. 2011 linear SVM: accuracy about 97.6%, about 83% of spam caught (from memory, unchecked)",
    "cssrs": "no published recall figure for this use",
}
TARGETS = {
    "davidson2017": "hate_speech F1 >= 0.60",
    "hatecheck": "accuracy >= 0.80",
    "sms_spam": "scam_fraud recall >= 0.90 with <= 1% of ham flagged",
    "cssrs": "self_harm recall >= 0.90 on Ideation/Behavior/Attempt",
    "cases": "P0 recall >= 0.95, P0 precision >= 0.85, category accuracy >= 0.85",
}


# The blind set first; the seen sets are regression checks (they were tuned or trained on).
CASE_SETS = ("holdout", "seen_holdout7", "seen_holdout6", "written_terse", "written_adults", "written_teens",
             "seen_holdout5", "seen_holdout4", "seen_holdout3", "seen_holdout2", "seen_holdout", "tune")


@dataclass(frozen=True, slots=True)
class LabelScore:
    precision: float
    recall: float
    f1: float
    support: int


def label_scores(gold: Sequence[str], predicted: Sequence[str], labels: Iterable[str]) -> dict[str, LabelScore]:
    scores = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[label] = LabelScore(round(precision, 3), round(recall, 3), round(f1, 3), tp + fn)
    return scores


def confusion(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, int]]:
    """gold label -> predicted label -> count (only non-zero cells)."""
    table: dict[str, Counter[str]] = {}
    for g, p in zip(gold, predicted):
        table.setdefault(g, Counter())[p] += 1
    return {g: dict(sorted(row.items())) for g, row in sorted(table.items())}


def accuracy(gold: Sequence[Any], predicted: Sequence[Any]) -> float:
    return round(sum(1 for g, p in zip(gold, predicted) if g == p) / len(gold), 4) if gold else 0.0


def _event(i: int, source: str, text: str) -> FeedbackEvent:
    return FeedbackEvent(event_id=f"{source}-{i}", occurred_at=_WHEN, channel=Channel.IN_APP_REPORT,
                         text=text[:_MAX_TEXT_CHARS] or " ",
                         reporter=Reporter(user_id="eval", region="XX", language="und"))


def _decide(triager: Triager, source: str, texts: Sequence[str]) -> list[Any]:
    events = [_event(i, source, t) for i, t in enumerate(texts)]
    decisions: list[Any] = []
    for start in range(0, len(events), 500):
        decisions.extend(triager.decide_many(events[start : start + 500]))
    return decisions


def case_suite(triager: Triager, cases: list[LabeledCase]) -> dict[str, Any]:
    decisions = triager.decide_many([c.event for c in cases])
    gold = [c.category.value for c in cases]
    predicted = [d.category.value for d in decisions]
    gold_p0 = ["P0" if c.priority == Priority.P0 else "-" for c in cases]
    pred_p0 = ["P0" if d.priority == Priority.P0 else "-" for d in decisions]
    p0 = label_scores(gold_p0, pred_p0, ["P0"])["P0"]
    misses = [
        {"id": c.id, "text": c.event.text[:120], "gold": f"{c.category.value}/{c.priority.value}",
         "got": f"{d.category.value}/{d.priority.value}", "reasons": list(d.reasons[:3])}
        for c, d in zip(cases, decisions)
        if c.category != d.category or c.priority != d.priority
    ]
    by_lang: dict[str, list[bool]] = {}
    for c, d in zip(cases, decisions):
        by_lang.setdefault(c.lang, []).append(c.category == d.category)
    return {
        "cases": len(cases),
        "category_accuracy": accuracy(gold, predicted),
        "priority_accuracy": accuracy([c.priority for c in cases], [d.priority for d in decisions]),
        "p0": {"precision": p0.precision, "recall": p0.recall, "support": p0.support,
               "predicted": pred_p0.count("P0")},
        "accuracy_by_language": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_lang.items())},
        "per_category": {k: _score_dict(v)
                         for k, v in label_scores(gold, predicted, [c.value for c in Category]).items()},
        "confusion": confusion(gold, predicted),
        "misses": misses,
    }


def _score_dict(score: LabelScore) -> dict[str, float]:
    return {"precision": score.precision, "recall": score.recall, "f1": score.f1, "support": score.support}


def davidson_suite(triager: Triager, root: Path) -> dict[str, Any]:
    test = [e for e in ds.davidson(root) if e.split == "test"]
    decisions = _decide(triager, "davidson", [e.text for e in test])
    gold = ["hate" if e.detail == "hate" else "-" for e in test]
    engine = ["hate" if d.category == Category.HATE_SPEECH else "-" for d in decisions]
    categories = [c.value for c in Category]
    clf = ["hate" if max(categories, key=lambda c: d.scores.get(c, 0.0)) == "hate_speech" else "-"
           for d in decisions]
    return {
        "split": "10% held-out (seeded), never trained on",
        "rows": len(test),
        "hate_speech_engine": _score_dict(label_scores(gold, engine, ["hate"])["hate"]),
        "hate_speech_classifier_argmax": _score_dict(label_scores(gold, clf, ["hate"])["hate"]),
        "baseline": BASELINES["davidson2017"],
        "target": TARGETS["davidson2017"],
    }


def _hatecheck_scores(triager: Triager, examples: list[ds.Example], source: str) -> dict[str, Any]:
    decisions = _decide(triager, source, [e.text for e in examples])
    gold = [e.detail.endswith(":hateful") for e in examples]
    predicted = [d.category in HATEFUL for d in decisions]
    by_function: dict[str, list[bool]] = {}
    for e, g, p in zip(examples, gold, predicted):
        by_function.setdefault(e.detail.split(":")[1], []).append(g == p)
    return {
        "cases": len(examples),
        "accuracy": accuracy(gold, predicted),
        "hateful_recall": round(sum(p for g, p in zip(gold, predicted) if g) / max(sum(gold), 1), 3),
        "non_hateful_accuracy": round(sum(not p for g, p in zip(gold, predicted) if not g)
                                      / max(len(gold) - sum(gold), 1), 3),
        "by_functionality": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_function.items())},
    }


def hatecheck_suite(triager: Triager, root: Path) -> dict[str, Any]:
    rows = list(ds.hatecheck(root))
    held_out = [e for e in rows if e.split == "test"]
    return {
        "split": "40% of templates held out (seeded); the rest were trained on",
        "held_out_templates": _hatecheck_scores(triager, held_out, "hatecheck"),
        "all_cases_including_trained": {"accuracy": _hatecheck_scores(triager, rows, "hatecheck")["accuracy"]},
        "hateful_means": "category hate_speech or violent_threat",
        "baseline": BASELINES["hatecheck"],
        "target": TARGETS["hatecheck"],
    }


def multilingual_hatecheck_suite(triager: Triager, root: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"split": "40% of templates held out (seeded)"}
    for name in ("spanish", "arabic", "mandarin"):
        rows = [e for e in ds.multilingual_hatecheck(root, (name,)) if e.split == "test"]
        scores = _hatecheck_scores(triager, rows, f"mhc-{name}")
        out[ds.MHC_LANGUAGES[name]] = {k: scores[k] for k in ("cases", "accuracy", "hateful_recall",
                                                               "non_hateful_accuracy")}
    return out


def sms_suite(triager: Triager, root: Path) -> dict[str, Any]:
    test = [e for e in ds.sms_spam(root) if e.split == "test"]
    decisions = _decide(triager, "sms", [e.text for e in test])
    spam = [d.category == Category.SCAM_FRAUD for e, d in zip(test, decisions) if e.detail == "spam"]
    ham = [d.category == Category.SCAM_FRAUD for e, d in zip(test, decisions) if e.detail == "ham"]
    return {
        "split": "20% held-out (seeded)",
        "spam": len(spam), "ham": len(ham),
        "scam_fraud_recall": round(sum(spam) / len(spam), 3),
        # none of these messages needs a page: every P0 here is a false page
        "p0_pages": sum(d.priority == Priority.P0 for d in decisions),
        "ham_flagged_share": round(sum(ham) / len(ham), 4),
        "accuracy": round((sum(spam) + len(ham) - sum(ham)) / (len(spam) + len(ham)), 4),
        "baseline": BASELINES["sms_spam"],
        "target": TARGETS["sms_spam"],
    }


def cssrs_suite(triager: Triager, root: Path) -> dict[str, Any]:
    test = [e for e in ds.cssrs(root) if e.split == "test"]
    decisions = _decide(triager, "cssrs", [e.text for e in test])
    by_label: dict[str, list[Any]] = {}
    for e, d in zip(test, decisions):
        by_label.setdefault(e.detail, []).append(d)
    at_risk = [d for label in ds.CSSRS_AT_RISK for d in by_label.get(label, [])]
    flagged = {k: round(sum(d.category == Category.SELF_HARM for d in v) / len(v), 3) for k, v in by_label.items()}
    return {
        "split": "20% of users held out (seeded)",
        "users": len(test),
        "self_harm_recall_ideation_behavior_attempt": round(
            sum(d.category == Category.SELF_HARM for d in at_risk) / max(len(at_risk), 1), 3),
        "at_risk_users": len(at_risk),
        "flagged_share_by_label": flagged,
        "p0_share_by_label": {k: round(sum(d.priority == Priority.P0 for d in v) / len(v), 3)
                              for k, v in by_label.items()},
        "baseline": BASELINES["cssrs"],
        "target": TARGETS["cssrs"],
    }


def banking_suite(triager: Triager, root: Path) -> dict[str, Any]:
    test = [e for e in ds.banking77(root) if e.split == "test"]
    decisions = _decide(triager, "banking", [e.text for e in test])
    gold = [e.label for e in test]
    predicted = [d.category.value for d in decisions]
    return {
        "split": "upstream test.csv",
        "rows": len(test),
        "category_accuracy": accuracy(gold, predicted),
        "p0_pages": sum(d.priority == Priority.P0 for d in decisions),  # banking questions: all false pages
        "per_category": {k: _score_dict(v) for k, v in label_scores(
            gold, predicted, ["product_issue", "account_security", "scam_fraud"]).items()},
        "mapping": "security intents -> account_security, *_not_recognised -> scam_fraud, rest -> product_issue",
    }


PUBLIC_SUITES = {
    "davidson2017": davidson_suite,
    "hatecheck": hatecheck_suite,
    "multilingual_hatecheck": multilingual_hatecheck_suite,
    "sms_spam": sms_suite,
    "cssrs": cssrs_suite,
    "banking77": banking_suite,
}


def evaluate(triager: Triager, data_dir: Path | None, cases_dir: Path = CASES_DIR,
             skip: Iterable[str] = ()) -> dict[str, Any]:
    """Every suite whose input exists; a missing shared data directory is reported, not fatal.
    `skip`: case sets not to read at all (e.g. the blind holdout while rules are being tuned)."""
    report: dict[str, Any] = {"triage_version": getattr(triager, "version", "?"), "cases": {}, "public": {},
                              "missing_case_sets": [], "unreadable_case_sets": {}, "skipped_case_sets": []}
    for name in CASE_SETS:
        if name in skip:
            report["skipped_case_sets"].append(name)
            continue
        if not (cases_dir / f"{name}.yaml").exists():
            report["missing_case_sets"].append(name)
            continue
        try:
            cases = load_cases(name, cases_dir)
        except ValueError as exc:  # one bad case file must not hide the other measurements
            report["unreadable_case_sets"][name] = str(exc)
            continue
        suite = case_suite(triager, cases)
        suite["target"] = TARGETS["cases"]
        report["cases"][name] = suite
    if data_dir is None or not data_dir.is_dir():
        report["public"] = {"skipped": f"shared data directory {data_dir} not found (set VIGIL_SHARED_DATA)"}
        return report
    for name, suite in PUBLIC_SUITES.items():
        report["public"][name] = suite(triager, data_dir)
    return report
