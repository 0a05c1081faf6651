"""Train the offline triage classifier and write model/triage-clf.npz (+ training.json).

    python -m streams.core.triage.train [--data DIR] [--bits 17] [--c 4.0]

Needs the `train` extra (scikit-learn, scipy). Uses only train splits of the public data
(see datasets.py) and the project's tune and already-seen holdout cases; the current
holdout set (tests/cases/triage/holdout.yaml) is never read here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from streams.core.taxonomy import Category
from streams.core.triage.cases import CASES_DIR, load_cases
from streams.core.triage.classifier import MODEL_PATH, Featurizer, design_matrix_parts, save_classifier
from streams.core.triage.datasets import Example, public_examples, shared_data_dir

CLASSES = tuple(c.value for c in Category)
TUNE_CASE_WEIGHT = 5.0
# Case sets whose labels may be learned from: the tune set and holdout sets already seen.
# The current holdout.yaml is never read here.
SEEN_CASE_SETS = ("tune", "seen_holdout", "seen_holdout2")


def training_examples(data_dir: Path) -> list[Example]:
    examples = [e for e in public_examples(data_dir) if e.split == "train"]
    for name in SEEN_CASE_SETS:
        if (CASES_DIR / f"{name}.yaml").exists():
            for case in load_cases(name):
                examples.append(Example(f"{name}_cases", case.event.text, case.category.value, "train",
                                        weight=TUNE_CASE_WEIGHT))
    return examples


def fit(examples: list[Example], featurizer: Featurizer, c: float) -> tuple[np.ndarray, np.ndarray]:
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    rows, cols, values = design_matrix_parts(featurizer, [e.text for e in examples])
    x = sp.csr_matrix((values, (rows, cols)), shape=(len(examples), featurizer.dim))
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


def data_digests(data_dir: Path) -> dict[str, str]:
    """sha256 of every data file read, so the model card can say exactly what was trained on."""
    digests = {}
    for path in sorted(data_dir.rglob("*")):
        if path.is_file() and path.suffix in {".csv", ".tsv"}:
            digests[str(path.relative_to(data_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    for path in sorted(CASES_DIR.glob("*.yaml")):
        if path.stem not in SEEN_CASE_SETS:
            continue
        digests[f"tests/cases/triage/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="shared data dir (default VIGIL_SHARED_DATA)")
    parser.add_argument("--bits", type=int, default=17)
    parser.add_argument("--c", type=float, default=4.0)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    data_dir = args.data or shared_data_dir()
    if not data_dir.is_dir():
        print(f"error: shared data directory {data_dir} not found; set VIGIL_SHARED_DATA", file=sys.stderr)
        return 2
    featurizer = Featurizer(bits=args.bits)
    examples = training_examples(data_dir)
    started = time.perf_counter()
    weights, bias = fit(examples, featurizer, args.c)
    version = f"clf-{time.strftime('%Y%m%d')}-b{args.bits}-c{args.c:g}"
    save_classifier(args.out, featurizer, weights, bias, CLASSES, version)
    provenance = {
        "version": version,
        "command": "python -m streams.core.triage.train " + " ".join(argv if argv is not None else sys.argv[1:]),
        "featurizer": {"bits": featurizer.bits, "n_min": featurizer.n_min, "n_max": featurizer.n_max,
                       "max_chars": featurizer.max_chars},
        "regularisation_C": args.c,
        "train_seconds": round(time.perf_counter() - started, 1),
        "data_sha256": data_digests(data_dir),
        "examples": {f"{s}:{l}": n for (s, l), n in sorted(Counter((e.source, e.label) for e in examples).items())},
    }
    args.out.with_name("training.json").write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: provenance[k] for k in ("version", "train_seconds")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
