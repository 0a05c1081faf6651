"""`vigil eval`: triage quality on the public data and the project's labeled cases."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from streams.core.triage import load_triage
from streams.core.triage.datasets import shared_data_dir
from streams.core.triage.evaluation import CASE_SETS, evaluate
from streams.core.triage.rules import RuleError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="triage quality report (public data + own labeled cases)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--rules", type=Path, default=None, help="rules directory to evaluate")
    parser.add_argument("--data", type=Path, default=None, help="shared data dir (default $VIGIL_SHARED_DATA)")
    parser.add_argument("--misses", action="store_true", help="list every missed holdout case")
    parser.add_argument("--skip", action="append", default=[], choices=CASE_SETS, metavar="SET",
                        help="leave a case set out (repeatable; e.g. --skip holdout while tuning rules)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        triager = load_triage(args.rules)
    except (RuleError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = evaluate(triager, args.data or shared_data_dir(), skip=args.skip)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(render(report, show_misses=args.misses))
    for error in report["unreadable_case_sets"].values():
        print(f"error: {error}", file=sys.stderr)
    return 1 if report["unreadable_case_sets"] else 0


def render(report: dict[str, Any], show_misses: bool = False) -> str:
    lines = [f"triage {report['triage_version']}", ""]
    for name in report.get("skipped_case_sets", ()):
        lines += [f"== own cases: {name} -- skipped (--skip)", ""]
    for name in report.get("missing_case_sets", ()):
        lines += [f"== own cases: {name} -- not found (tests/cases/triage/{name}.yaml), skipped", ""]
    for name in report.get("unreadable_case_sets", {}):
        lines += [f"== own cases: {name} -- unreadable, skipped (see the error below)", ""]
    for name, suite in report["cases"].items():
        lines += _render_cases(name, suite, show_misses)
    public = report["public"]
    if "skipped" in public:
        lines.append(f"public data: skipped ({public['skipped']})")
        return "\n".join(lines)
    lines.append("== public data (measured | baseline | target)")
    d = public["davidson2017"]
    h = d["hate_speech_engine"]
    lines.append(f"davidson2017 hate_speech  P {h['precision']:.3f} R {h['recall']:.3f} F1 {h['f1']:.3f} "
                 f"(n={h['support']}) | {d['baseline']} | {d['target']}")
    c = d["hate_speech_classifier_argmax"]
    lines.append(f"  classifier argmax alone  P {c['precision']:.3f} R {c['recall']:.3f} F1 {c['f1']:.3f}")
    hc = public["hatecheck"]
    held = hc["held_out_templates"]
    lines.append(f"hatecheck (en) held-out templates accuracy {held['accuracy']:.3f} (n={held['cases']}; "
                 f"hateful recall {held['hateful_recall']:.3f}, non-hateful {held['non_hateful_accuracy']:.3f}); "
                 f"all cases {hc['all_cases_including_trained']['accuracy']:.3f} | {hc['baseline']} | {hc['target']}")
    weak = [f"{k} {v:.2f}" for k, v in held["by_functionality"].items() if v < 0.8]
    lines.append(f"  functionalities below 0.80: {', '.join(weak) or 'none'}")
    for lang, m in public["multilingual_hatecheck"].items():
        if isinstance(m, dict):
            lines.append(f"multilingual hatecheck {lang} accuracy {m['accuracy']:.3f} (n={m['cases']}, hateful recall "
                         f"{m['hateful_recall']:.3f}, non-hateful {m['non_hateful_accuracy']:.3f})")
    s = public["sms_spam"]
    lines.append(f"sms_spam scam_fraud recall {s['scam_fraud_recall']:.3f} (n={s['spam']}), ham flagged "
                 f"{s['ham_flagged_share']:.2%} (n={s['ham']}), accuracy {s['accuracy']:.3f}, false P0 pages "
                 f"{s['p0_pages']} | {s['baseline']} | {s['target']}")
    r = public["cssrs"]
    lines.append(f"cssrs self_harm recall (Ideation/Behavior/Attempt) {r['self_harm_recall_ideation_behavior_attempt']:.3f} "
                 f"(n={r['at_risk_users']}); flagged by label {r['flagged_share_by_label']} | {r['target']}")
    b = public["banking77"]
    lines.append(f"banking77 category accuracy {b['category_accuracy']:.3f} (n={b['rows']}; {b['mapping']}); "
                 f"false P0 pages {b['p0_pages']}")
    return "\n".join(lines)


def _render_cases(name: str, suite: dict[str, Any], show_misses: bool) -> list[str]:
    p0 = suite["p0"]
    lines = [
        f"== own cases: {name} ({suite['cases']})",
        f"category accuracy {suite['category_accuracy']:.3f}  priority accuracy {suite['priority_accuracy']:.3f}  "
        f"P0 precision {p0['precision']:.3f} recall {p0['recall']:.3f} (gold P0 {p0['support']}, "
        f"predicted P0 {p0['predicted']}) | target {suite['target']}",
        "by language: " + ", ".join(f"{k} {v:.2f}" for k, v in suite["accuracy_by_language"].items()),
        f"{'category':24} {'P':>6} {'R':>6} {'F1':>6} {'n':>4}",
    ]
    for category, s in suite["per_category"].items():
        lines.append(f"{category:24} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} {s['support']:4d}")
    lines.append("confusion (gold -> predicted: count)")
    for gold, row in suite["confusion"].items():
        lines.append(f"  {gold:22} " + ", ".join(f"{p} {n}" for p, n in row.items()))
    if show_misses and suite["misses"]:
        lines.append(f"misses ({len(suite['misses'])}):")
        for m in suite["misses"]:
            lines.append(f"  {m['id']}: gold {m['gold']} got {m['got']} {m['reasons']} :: {m['text']}")
    lines.append("")
    return lines
