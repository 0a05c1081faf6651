"""Train the offline triage classifier and write model/triage-clf.npz (+ training.json).

    python -m streams.core.triage.train [--data DIR] [--bits 17] [--c 4.0] [--holdout-validation]

Needs the `train` extra (scikit-learn, scipy). Uses only train splits of the public data
(see datasets.py), the hand-written synthetic reports (synthetic.py) and the project's tune
and already-seen holdout cases; the blind holdout set (tests/cases/triage/holdout.yaml) is
never read here.

Outputs: a softmax over the 11 categories, and two binary heads on the same features:
- `urgent`: the report needs a page now (gold priority P0), learned from the synthetic
  reports and the seen cases, with public rows as non-urgent examples;
- `hateful`: hate speech as Davidson et al.'s annotators read it, learned from the Davidson
  train split only (hate vs offensive or neither).
`--holdout-validation` keeps the synthetic validation patterns and 15 % dev carve-outs of the
Davidson and SMS train splits out of training, to choose rule thresholds on data the model has not
seen; the committed model is then trained on everything with those thresholds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from streams.core.taxonomy import Category
from streams.core.triage.cases import CASES_DIR, load_cases
from streams.core.triage.classifier import MODEL_PATH, Featurizer, design_matrix_parts, save_classifier
from streams.core.triage.datasets import Example, davidson, dedupe_key, public_examples, shared_data_dir
from streams.core.triage.synthetic import SYNTHETIC_DIR, synthetic_examples

CLASSES = tuple(c.value for c in Category)
HEADS = ("urgent", "hateful")
TUNE_CASE_WEIGHT = 5.0
SYNTHETIC_WEIGHT = 4.0
# Case sets whose labels may be learned from: the tune set and holdout sets already seen.
# The blind holdout.yaml is never read here.
SEEN_CASE_SETS = ("tune", "seen_holdout", "seen_holdout2", "seen_holdout3", "seen_holdout4", "seen_holdout5",
                  "written_teens", "written_adults", "written_terse")
# Public rows are far more numerous than reports; a sample of them is enough as non-urgent examples.
URGENT_PUBLIC_SAMPLE = 12_000
DAVIDSON_DEV_SHARE = 0.15
SMS_DEV_SHARE = 0.15


def is_davidson_dev(example: Example) -> bool:
    """A seeded share of the Davidson *train* split for choosing the hateful threshold (never test)."""
    digest = hashlib.sha256(f"davidson-dev:{example.text}".encode()).digest()
    return digest[0] / 256 < DAVIDSON_DEV_SHARE


def is_sms_dev(example: Example) -> bool:
    """A seeded share of the SMS *train* split for choosing the scam thresholds (never test)."""
    digest = hashlib.sha256(f"sms-dev:{example.text}".encode()).digest()
    return digest[0] / 256 < SMS_DEV_SHARE


def is_dev(example: Example) -> bool:
    return (example.source == "davidson2017" and is_davidson_dev(example)) or (
        example.source == "sms_spam" and is_sms_dev(example))


def case_examples(case_sets: tuple[str, ...] = SEEN_CASE_SETS) -> list[Example]:
    examples = []
    for name in case_sets:
        if (CASES_DIR / f"{name}.yaml").exists():
            for case in load_cases(name):
                examples.append(Example(f"{name}_cases", case.event.text, case.category.value, "train",
                                        detail=case.priority.value, weight=TUNE_CASE_WEIGHT))
    return examples


def training_examples(data_dir: Path, with_validation: bool = True,
                      synthetic_weight: float = SYNTHETIC_WEIGHT,
                      case_sets: tuple[str, ...] = SEEN_CASE_SETS) -> list[Example]:
    public = public_examples(data_dir)
    examples = [e for e in public if e.split == "train" and (with_validation or not is_dev(e))]
    splits = ("train", "validation") if with_validation else ("train",)
    for split in splits:
        examples += [Example(e.source, e.text, e.label, "train", e.detail, synthetic_weight)
                     for e in synthetic_examples(split)]
    # A case quoting a public test row (the audit's false pages on SMS ham) stays a rule
    # regression check only: training on it would leak that row into the public measurement.
    public_test = {dedupe_key(e.text) for e in public if e.split == "test"}
    return examples + [e for e in case_examples(case_sets) if dedupe_key(e.text) not in public_test]


def _is_urgent(example: Example) -> bool:
    """Gold P0: synthetic detail is lang:family:priority, case detail is the priority."""
    return example.detail.endswith("P0") and example.source in ("synthetic",) + tuple(
        f"{n}_cases" for n in SEEN_CASE_SETS)


def urgent_examples(examples: list[Example]) -> tuple[list[Example], np.ndarray]:
    own = [e for e in examples if e.source == "synthetic" or e.source.endswith("_cases")]
    public = [e for e in examples if not (e.source == "synthetic" or e.source.endswith("_cases"))
              and e.source != "cssrs"]
    rng = np.random.default_rng(20171)
    sample = [public[i] for i in sorted(rng.choice(len(public), min(URGENT_PUBLIC_SAMPLE, len(public)), replace=False))]
    chosen = own + sample
    return chosen, np.array([_is_urgent(e) for e in chosen])


def hateful_examples(data_dir: Path, without_dev: bool = False) -> tuple[list[Example], np.ndarray]:
    rows = [e for e in davidson(data_dir) if e.split == "train" and not (without_dev and is_davidson_dev(e))]
    return rows, np.array([e.detail == "hate" for e in rows])


def _design(featurizer: Featurizer, texts: list[str]) -> Any:
    import scipy.sparse as sp

    rows, cols, values = design_matrix_parts(featurizer, texts)
    return sp.csr_matrix((values, (rows, cols)), shape=(len(texts), featurizer.dim))


def fit_head(examples: list[Example], labels: np.ndarray, featurizer: Featurizer, c: float,
             positive_weight: float = 1.0) -> tuple[np.ndarray, float]:
    """One binary logistic head: weights over the feature buckets and a bias."""
    from sklearn.linear_model import LogisticRegression

    x = _design(featurizer, [e.text for e in examples])
    weights = np.array([e.weight for e in examples]) * np.where(labels, positive_weight, 1.0)
    model = LogisticRegression(C=c, max_iter=600, tol=1e-4)
    model.fit(x, labels.astype(int), sample_weight=weights)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def fit(examples: list[Example], featurizer: Featurizer, c: float) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    x = _design(featurizer, [e.text for e in examples])
    y = np.array([CLASSES.index(e.label) for e in examples])
    weights = np.array([e.weight for e in examples])
    model = LogisticRegression(C=c, max_iter=400, tol=1e-4)
    model.fit(x, y, sample_weight=weights)
    weights_full = np.zeros((featurizer.dim, len(CLASSES)), dtype=np.float32)
    bias_full = np.full(len(CLASSES), -10.0, dtype=np.float32)  # classes without data never win
    for j, cls in enumerate(model.classes_):
        weights_full[:, cls] = model.coef_[j]
        bias_full[cls] = model.intercept_[j]
    return weights_full, bias_full


def data_digests(data_dir: Path, case_sets: tuple[str, ...] = SEEN_CASE_SETS) -> dict[str, str]:
    """sha256 of every data file read, so the model card can say exactly what was trained on."""
    digests = {}
    for path in sorted(data_dir.rglob("*")):
        if path.is_file() and path.suffix in {".csv", ".tsv"}:
            digests[str(path.relative_to(data_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    for path in sorted(CASES_DIR.glob("*.yaml")):
        if path.stem not in case_sets:
            continue
        digests[f"tests/cases/triage/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    for path in sorted(SYNTHETIC_DIR.glob("*.yaml")):
        digests[f"streams/core/triage/synthetic/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="shared data dir (default VIGIL_SHARED_DATA)")
    parser.add_argument("--bits", type=int, default=17)
    parser.add_argument("--c", type=float, default=4.0)
    parser.add_argument("--synthetic-weight", type=float, default=SYNTHETIC_WEIGHT)
    parser.add_argument("--urgent-c", type=float, default=4.0)
    parser.add_argument("--hateful-c", type=float, default=8.0)
    parser.add_argument("--holdout-validation", action="store_true",
                        help="leave the synthetic validation patterns and the Davidson and SMS dev rows out "
                             "(to choose thresholds)")
    parser.add_argument("--without-cases", action="append", default=[], choices=SEEN_CASE_SETS, metavar="SET",
                        help="leave a case set out of training (repeatable), to measure on it as a new author's")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    case_sets = tuple(n for n in SEEN_CASE_SETS if n not in args.without_cases)
    data_dir = args.data or shared_data_dir()
    if not data_dir.is_dir():
        print(f"error: shared data directory {data_dir} not found; set VIGIL_SHARED_DATA", file=sys.stderr)
        return 2
    featurizer = Featurizer(bits=args.bits)
    examples = training_examples(data_dir, not args.holdout_validation, args.synthetic_weight, case_sets)
    started = time.perf_counter()
    weights, bias = fit(examples, featurizer, args.c)
    urgent_rows, urgent_labels = urgent_examples(examples)
    hateful_rows, hateful_labels = hateful_examples(data_dir, without_dev=args.holdout_validation)
    heads = [fit_head(urgent_rows, urgent_labels, featurizer, args.urgent_c),
             fit_head(hateful_rows, hateful_labels, featurizer, args.hateful_c)]
    head_weights = np.stack([w for w, _ in heads], axis=1)
    head_bias = np.array([b for _, b in heads], dtype=np.float32)
    digests = data_digests(data_dir, case_sets)
    # The data digest tells two models trained on one day apart (the date alone did not).
    data_id = hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()[:8]
    version = (f"clf-{time.strftime('%Y%m%d')}-b{args.bits}-c{args.c:g}-syn{args.synthetic_weight:g}"
               f"{'-val' if args.holdout_validation else ''}-{data_id}")
    save_classifier(args.out, featurizer, weights, bias, CLASSES, version, HEADS, head_weights, head_bias)
    provenance = {
        "version": version,
        "command": "python -m streams.core.triage.train " + " ".join(argv if argv is not None else sys.argv[1:]),
        "featurizer": {"bits": featurizer.bits, "n_min": featurizer.n_min, "n_max": featurizer.n_max,
                       "max_chars": featurizer.max_chars},
        "regularisation_C": args.c,
        "heads": {"urgent": {"C": args.urgent_c, "examples": len(urgent_rows), "positive": int(urgent_labels.sum())},
                  "hateful": {"C": args.hateful_c, "examples": len(hateful_rows), "positive": int(hateful_labels.sum())}},
        "synthetic_validation_patterns_trained_on": not args.holdout_validation,
        "synthetic_weight": args.synthetic_weight,
        "case_sets": list(case_sets),
        "train_seconds": round(time.perf_counter() - started, 1),
        "data_sha256": digests,
        "examples": {f"{s}:{l}": n for (s, l), n in sorted(Counter((e.source, e.label) for e in examples).items())},
    }
    args.out.with_name("training.json").write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: provenance[k] for k in ("version", "train_seconds")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
