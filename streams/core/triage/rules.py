"""Triage rules: versioned YAML compiled at load time into set tests over report features.

A rule set is the `triage/` folder of a rules directory (next to routing.yaml). Every *.yaml
in it is read in name order; together they hold one `version`, optional `features`
(derived features, each true when any of its members is), optional `patterns` (regular
expressions on the normalised text, run only when one of their `requires` features is
present) and `rules`. A report's features are strings:

    lex:<group>      a lexicon group matched          pat:<name>   a pattern matched
    fact:<name>      minor, age_minor, age_adult (every stated age 18+), age_gap (a minor's and a 20+ age),
                     time, weapon, means, live, url, handle, email, phone, money,
                     attachment, long (text of LONG_TEXT_CHARS or more)
    reason:<code>    the reporter's reason code, or reason:none
    channel:<name>   subject:<type> (or subject:none)  clf:<category>  the classifier's top class
    clf_alt:<category>  the classifier's top class other than `other`
    ctx:<name>       a derived feature from `features`

A rule's `then` sets category, priority, optional labels and an optional `team` (one of the
routing table's teams) that overrides the category's team from routing.yaml.

A rule fires when every `all` item holds (a string is a feature; a list means any of them),
no `none` feature is present, and each `scores` minimum / `scores_below` maximum holds. A score
name is a category (softmax share) or a classifier head (an independent sigmoid, e.g. `urgent`). Of
the rules that fire, the most urgent priority wins; ties go to the rule listed first.

Stages: a rule with `stage: reason` is tried only when no main-stage rule fires, and one with
`stage: fallback` only when no main- or reason-stage rule fires. The reporter's reason code is
a tap in the client, right about as often as a middling classifier read, so it decides only
when the text itself names nothing (`stage: reason`); the classifier's weak reads come last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from streams.core.taxonomy import Category, Channel, Priority, ReasonCode, SubjectType

FACT_FEATURES = frozenset(
    f"fact:{name}"
    for name in ("minor", "age_minor", "age_adult", "age_gap", "time", "weapon", "means", "live", "url", "handle", "email",
                 "phone", "money", "attachment", "long")
)
_RULE_KEYS = {"id", "description", "when", "then", "stage"}
STAGES = ("main", "reason", "fallback")
_WHEN_KEYS = {"all", "none", "scores", "scores_below", "reason_code", "channel", "subject"}
_THEN_KEYS = {"category", "priority", "labels", "team"}


class RuleError(ValueError):
    """A rule set that cannot be loaded; the message names the file and the rule."""


@dataclass(frozen=True, slots=True, eq=False)  # identity hash: rules are collected in sets
class Rule:
    id: str
    description: str
    order: int
    category: Category
    priority: Priority
    labels: tuple[str, ...]
    required: frozenset[str]
    any_of: tuple[frozenset[str], ...]
    forbidden: frozenset[str]
    min_scores: tuple[tuple[str, float], ...]
    max_scores: tuple[tuple[str, float], ...]
    rank: tuple[int, int]  # (priority rank, order): the smallest fired rank wins
    stage: str = "main"
    # Overrides the routing table's team for the category (None: routing.yaml decides).
    team: str | None = None
    reason: str = ""  # "rule:<id>", as a Decision lists it

    def fires(self, features: set[str], scores: Mapping[str, float]) -> bool:
        if not self.required <= features or not self.forbidden.isdisjoint(features):
            return False
        for group in self.any_of:
            if group.isdisjoint(features):
                return False
        for name, low in self.min_scores:
            if scores.get(name, 0.0) < low:
                return False
        for name, high in self.max_scores:
            if scores.get(name, 0.0) >= high:
                return False
        return True


@dataclass(frozen=True, slots=True)
class Pattern:
    name: str
    feature: str
    regex: re.Pattern[str]
    requires: frozenset[str]


@dataclass(slots=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]
    derived: tuple[tuple[str, frozenset[str]], ...]
    patterns: tuple[Pattern, ...]
    # feature -> rules anchored on it; `always` rules are candidates for every report.
    index: dict[str, tuple[Rule, ...]] = field(default_factory=dict)
    always: tuple[Rule, ...] = ()
    # (score name, lowest threshold any rule asks for, "score:<name>"): at or above it, the
    # feature "score:<name>" anchors the rules that read that score.
    score_anchors: tuple[tuple[str, float, str], ...] = ()
    reasons: tuple[Rule, ...] = ()
    fallbacks: tuple[Rule, ...] = ()
    index_keys: frozenset[str] = frozenset()
    pattern_triggers: frozenset[str] = frozenset()
    # member feature -> derived features it makes true
    derived_by_member: dict[str, tuple[str, ...]] = field(default_factory=dict)
    derived_members: frozenset[str] = frozenset()

    def add_derived(self, features: set[str], view: str) -> None:
        """Add pattern and derived features to `features` (in place)."""
        if not self.pattern_triggers.isdisjoint(features):
            for pattern in self.patterns:
                if not pattern.requires.isdisjoint(features) and pattern.regex.search(view):
                    features.add(pattern.feature)
        # A derived feature may be a member of another (ctx:threat in ctx:violence_evidence).
        pending = self.derived_members.intersection(features)
        while pending:
            added: set[str] = set()
            for member in pending:
                added.update(self.derived_by_member[member])
            added -= features
            features |= added
            pending = self.derived_members.intersection(added)

    def fired(self, features: set[str], scores: Mapping[str, float]) -> list[Rule]:
        """Rules that fire, most urgent first."""
        for name, low, feature in self.score_anchors:
            if scores.get(name, 0.0) >= low:
                features.add(feature)
        candidates: set[Rule] = set(self.always)
        index = self.index
        for feature in self.index_keys.intersection(features):
            candidates.update(index[feature])
        fired = [rule for rule in candidates if rule.fires(features, scores)]
        if not fired:
            fired = [rule for rule in self.reasons if rule.fires(features, scores)]
        if not fired:
            fired = [rule for rule in self.fallbacks if rule.fires(features, scores)]
        fired.sort(key=_rank)
        return fired


def _rank(rule: Rule) -> tuple[int, int]:
    return rule.rank


def load_rule_set(rules_dir: Path, lexicon_groups: Iterable[str], classes: Iterable[str],
                  heads: Iterable[str] = (), teams: Iterable[str] | None = None) -> RuleSet:
    """`teams`: the routing table's teams, which a rule's `then.team` must name (None: any)."""
    folder = rules_dir / "triage"
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise RuleError(f"{folder}: no triage rule files (*.yaml) found")
    version = None
    raw_rules: list[tuple[Path, dict[str, Any]]] = []
    raw_features: dict[str, list[str]] = {}
    raw_patterns: dict[str, dict[str, Any]] = {}
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = set(doc) - {"version", "features", "patterns", "rules", "description"}
        if unknown:
            raise RuleError(f"{path}: unknown top-level keys {sorted(unknown)}")
        if "version" in doc:
            if version is not None:
                raise RuleError(f"{path}: `version` is set in more than one file")
            version = str(doc["version"])
        raw_features.update(doc.get("features") or {})
        raw_patterns.update(doc.get("patterns") or {})
        raw_rules.extend((path, r) for r in doc.get("rules") or ())
    if version is None:
        raise RuleError(f"{folder}: no file sets the rule set `version`")
    known = _known_features(lexicon_groups, classes)
    patterns = tuple(_compile_pattern(name, spec, known) for name, spec in raw_patterns.items())
    known |= {p.feature for p in patterns}
    derived: list[tuple[str, frozenset[str]]] = []
    for name, members in raw_features.items():
        if not name.startswith("ctx:"):
            raise RuleError(f"{folder}: derived feature {name!r} must be named ctx:<name>")
        _check_features(f"feature {name}", members, known)
        derived.append((name, frozenset(members)))
        known.add(name)
    rules = _compile_rules(raw_rules, known, set(classes) | set(heads), None if teams is None else set(teams))
    return _indexed(RuleSet(version=version, rules=rules, derived=tuple(derived), patterns=patterns))


def _known_features(lexicon_groups: Iterable[str], classes: Iterable[str]) -> set[str]:
    known = set(FACT_FEATURES)
    known |= {f"lex:{g}" for g in lexicon_groups}
    known |= {f"reason:{c.value}" for c in ReasonCode} | {"reason:none"}
    known |= {f"channel:{c.value}" for c in Channel}
    known |= {f"subject:{s.value}" for s in SubjectType} | {"subject:none"}
    known |= {f"clf:{c}" for c in classes}
    known |= {f"clf_alt:{c}" for c in classes if c != "other"}
    return known


def _check_features(where: str, items: Iterable[Any], known: set[str]) -> None:
    for item in items:
        for feature in item if isinstance(item, list) else [item]:
            if feature not in known:
                raise RuleError(f"{where}: unknown feature {feature!r}")


def _compile_pattern(name: str, spec: Mapping[str, Any], known: set[str]) -> Pattern:
    try:
        regex = re.compile(spec["regex"])
    except (KeyError, re.error) as exc:
        raise RuleError(f"pattern {name}: needs a valid `regex` ({exc})") from None
    requires = list(spec.get("requires") or ())
    if not requires:
        raise RuleError(f"pattern {name}: needs `requires` (features that gate running it)")
    _check_features(f"pattern {name}", requires, known)
    return Pattern(name, f"pat:{name}", regex, frozenset(requires))


def _compile_rules(raw_rules: list[tuple[Path, dict[str, Any]]], known: set[str], classes: set[str],
                   teams: set[str] | None) -> tuple[Rule, ...]:
    seen: set[str] = set()
    rules = []
    for order, (path, raw) in enumerate(raw_rules):
        rule_id = str(raw.get("id", ""))
        where = f"{path.name}: rule {rule_id or f'#{order}'}"
        if not rule_id or rule_id in seen:
            raise RuleError(f"{where}: every rule needs a unique `id`")
        seen.add(rule_id)
        for keys, allowed, part in ((raw, _RULE_KEYS, "rule"), (raw.get("when") or {}, _WHEN_KEYS, "when"),
                                    (raw.get("then") or {}, _THEN_KEYS, "then")):
            extra = set(keys) - allowed
            if extra:
                raise RuleError(f"{where}: unknown {part} keys {sorted(extra)}")
        if not raw.get("description"):
            raise RuleError(f"{where}: needs a `description`")
        rules.append(_compile_rule(where, order, raw, known, classes, teams))
    return tuple(rules)


def _compile_rule(where: str, order: int, raw: dict[str, Any], known: set[str], classes: set[str],
                  teams: set[str] | None) -> Rule:
    when = raw.get("when") or {}
    then = raw.get("then") or {}
    items = list(when.get("all") or ())
    for key, prefix in (("reason_code", "reason"), ("channel", "channel"), ("subject", "subject")):
        if key in when:
            items.append([f"{prefix}:{v}" for v in when[key]])
    none = list(when.get("none") or ())
    _check_features(where, items + none, known)
    scores = {**{k: ("min", v) for k, v in (when.get("scores") or {}).items()},
              **{k: ("max", v) for k, v in (when.get("scores_below") or {}).items()}}
    for name, (_, value) in scores.items():
        if name not in classes:
            raise RuleError(f"{where}: score {name!r} is not a classifier class or head")
        if not 0.0 <= float(value) <= 1.0:
            raise RuleError(f"{where}: score threshold {value} must be between 0 and 1")
    stage = raw.get("stage", "main")
    if stage not in STAGES:
        raise RuleError(f"{where}: `stage` must be one of {list(STAGES)}")
    try:
        category, priority = Category(then["category"]), Priority(then["priority"])
    except (KeyError, ValueError) as exc:
        raise RuleError(f"{where}: `then` needs a valid category and priority ({exc})") from None
    team = then.get("team")
    if team is not None and (not isinstance(team, str) or (teams is not None and team not in teams)):
        raise RuleError(f"{where}: `then.team` {team!r} is not a team of the routing table "
                        f"({', '.join(sorted(teams or ()))})")
    return Rule(
        id=str(raw["id"]),
        description=str(raw["description"]),
        order=order,
        category=category,
        priority=priority,
        labels=tuple(str(x) for x in then.get("labels") or ()),
        required=frozenset(i for i in items if isinstance(i, str)),
        any_of=tuple(frozenset(i) for i in items if isinstance(i, list)),
        forbidden=frozenset(none),
        min_scores=tuple((k, float(v)) for k, (kind, v) in scores.items() if kind == "min"),
        max_scores=tuple((k, float(v)) for k, (kind, v) in scores.items() if kind == "max"),
        rank=(priority.rank, order),
        stage=stage,
        team=team,
        reason=f"rule:{raw['id']}",
    )


def _indexed(rule_set: RuleSet) -> RuleSet:
    """Anchor each rule on one feature it cannot fire without, so a report only tests a few."""
    index: dict[str, list[Rule]] = {}
    always: list[Rule] = []
    anchors: dict[str, float] = {}
    for rule in rule_set.rules:
        for name, low in rule.min_scores:
            anchors[name] = min(low, anchors.get(name, 1.0))
        if rule.stage != "main":
            continue
        if rule.required:
            keys = [min(rule.required, key=_anchor_preference)]
        elif rule.any_of:
            keys = sorted(min(rule.any_of, key=len))
        elif rule.min_scores:
            keys = [f"score:{rule.min_scores[0][0]}"]
        else:
            always.append(rule)
            continue
        for key in keys:
            index.setdefault(key, []).append(rule)
    by_member: dict[str, list[str]] = {}
    for name, members in rule_set.derived:
        for member in members:
            by_member.setdefault(member, []).append(name)
    rule_set.derived_by_member = {k: tuple(v) for k, v in by_member.items()}
    rule_set.derived_members = frozenset(by_member)
    rule_set.pattern_triggers = frozenset().union(*(p.requires for p in rule_set.patterns))
    rule_set.index = {k: tuple(v) for k, v in index.items()}
    rule_set.index_keys = frozenset(index)
    rule_set.always = tuple(always)
    rule_set.reasons = tuple(r for r in rule_set.rules if r.stage == "reason")
    rule_set.fallbacks = tuple(r for r in rule_set.rules if r.stage == "fallback")
    rule_set.score_anchors = tuple((name, low, f"score:{name}") for name, low in sorted(anchors.items()))
    return rule_set


def _anchor_preference(feature: str) -> tuple[int, str]:
    # Rarer namespaces first: a lexicon hit or pattern narrows candidates more than a channel.
    order = ("pat:", "lex:", "ctx:", "fact:", "clf:", "clf_alt:", "reason:", "subject:", "channel:")
    for i, prefix in enumerate(order):
        if feature.startswith(prefix):
            return (i, feature)
    return (len(order), feature)
