"""The rules engine: facts, lexicon hits and classifier scores in, a Decision out."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from streams.core.report import FeedbackEvent
from streams.core.routing import DEFAULT_RULES_DIR, Routing, load_routing
from streams.core.taxonomy import Category, Channel, Priority, ReasonCode, SubjectType
from streams.core.triage.classifier import MODEL_PATH, TextClassifier, load_classifier
from streams.core.triage.decision import Decision, Facts
from streams.core.triage.facts import ADULT_AGE, extract_facts
from streams.core.triage.language import report_languages
from streams.core.triage.lexicon import LanguageLexicon, load_lexicon
from streams.core.triage.rules import RuleSet, load_rule_set
from streams.core.triage.text import lexicon_view, normalize, tokens

NO_RULE = "rule:none"
_REASON: dict[ReasonCode | None, str] = {None: "reason:none", **{r: f"reason:{r.value}" for r in ReasonCode}}
_CHANNEL = {c: f"channel:{c.value}" for c in Channel}
_SUBJECT: dict[SubjectType | None, str] = {None: "subject:none", **{t: f"subject:{t.value}" for t in SubjectType}}
# Past this length a report is a document (many posts, a transcript): nearby joke words no
# longer say the whole text is a joke.
LONG_TEXT_CHARS = 500
# A stated age of this or more next to a minor's age: an adult and a child ("he's 25 and im 12").
GROWN_UP_AGE = 20


class RuleTriager:
    """Implements the `Triager` protocol; build it with `load_triage`."""

    def __init__(self, rules: RuleSet, lexicon: LanguageLexicon, classifier: TextClassifier, routing: Routing) -> None:
        self.rules = rules
        self.lexicon = lexicon
        self.classifier = classifier
        self.routing = routing
        self.version = f"{rules.version}+{classifier.version}"
        self._lex_features = {g: f"lex:{g}" for g in lexicon.groups}
        self._teams = {c: routing.team_for(c) for c in Category}
        self._classes = classifier.classes
        self._score_names = classifier.score_names
        # The best category other than `other`: a report the classifier finds mostly harmless
        # still says which harm it resembles most.
        self._actionable = tuple(c for c in classifier.classes if c != Category.OTHER.value)
        self._actionable_columns = [i for i, c in enumerate(classifier.classes) if c != Category.OTHER.value]
        self._top_features = {c: f"clf:{c}" for c in classifier.classes}
        self._alt_features = {c: f"clf_alt:{c}" for c in self._actionable}

    def decide(self, event: FeedbackEvent) -> Decision:
        norm = normalize(event.text)
        probabilities = [round(p, 3) for p in self.classifier.scores_one(norm, normalized=True)]
        scores = dict(zip(self._score_names, probabilities))
        top = max(self._classes, key=scores.__getitem__)
        alt = max(self._actionable, key=scores.__getitem__)
        return self._decide(event, norm, scores, top, alt)

    def decide_many(self, events: Sequence[FeedbackEvent]) -> list[Decision]:
        if not events:
            return []
        norms = [normalize(e.text) for e in events]
        rounded = self.classifier.predict_proba(norms, normalized=True).round(3)
        # The same first-of-equals choice as max() in decide(), for every report at once.
        classes, actionable = self._classes, self._actionable
        tops = [classes[i] for i in rounded[:, : len(classes)].argmax(axis=1).tolist()]
        alts = [actionable[i] for i in rounded[:, self._actionable_columns].argmax(axis=1).tolist()]
        names = self._score_names
        return [self._decide(e, n, dict(zip(names, p)), top, alt)
                for e, n, p, top, alt in zip(events, norms, rounded.tolist(), tops, alts)]

    def features(self, event: FeedbackEvent, norm: str) -> tuple[set[str], Facts, str]:
        """The report's feature set, its facts and the text view rules' patterns see."""
        words = tokens(norm)
        view = lexicon_view(norm, words)
        if view is not norm:
            words = tokens(view)
        hits = self.lexicon.match(view, words, report_languages(event.reporter.language, words))
        facts = extract_facts(event, norm, hits, words)
        lex = self._lex_features
        features = {lex[g] for g in hits}
        features.add(_REASON[event.reason_code])
        features.add(_CHANNEL[event.channel])
        features.add(_SUBJECT[event.subject.type if event.subject else None])
        if len(norm) >= LONG_TEXT_CHARS:
            features.add("fact:long")
        if facts.minor_involved:
            features.add("fact:minor")
        if facts.ages:
            youngest, oldest = min(facts.ages), max(facts.ages)
            if youngest < ADULT_AGE:
                features.add("fact:age_minor")
                if oldest >= GROWN_UP_AGE:
                    features.add("fact:age_gap")
            else:
                features.add("fact:age_adult")
        add = features.add
        if facts.time_expressions:
            add("fact:time")
        if facts.weapons:
            add("fact:weapon")
        if facts.means:
            add("fact:means")
        if facts.live_in_progress:
            add("fact:live")
        if facts.urls:
            add("fact:url")
        if facts.handles:
            add("fact:handle")
        if facts.emails:
            add("fact:email")
        if facts.phones:
            add("fact:phone")
        if facts.money:
            add("fact:money")
        if event.attachments:
            add("fact:attachment")
        return features, facts, view

    def _decide(self, event: FeedbackEvent, norm: str, scores: dict[str, float], top: str, alt: str) -> Decision:
        """`top`: the classifier's best class; `alt`: its best class other than `other`."""
        features, facts, view = self.features(event, norm)
        features.add(self._top_features[top])
        features.add(self._alt_features[alt])
        self.rules.add_derived(features, view)
        fired = self.rules.fired(features, scores)
        evidence = f"clf:{top}={scores[top]:.2f}"
        if not fired:
            return Decision(category=Category.OTHER, priority=Priority.P3, team=self._teams[Category.OTHER],
                            reasons=(NO_RULE, evidence), scores=scores, facts=facts, rules_version=self.version)
        winner = fired[0]
        return Decision(
            category=winner.category,
            priority=winner.priority,
            team=winner.team or self._teams[winner.category],
            labels=winner.labels,
            reasons=tuple(r.reason for r in fired) + (evidence,),
            scores=scores,
            facts=facts,
            rules_version=self.version,
        )


def build_triager(rules_dir: Path | None = None, model_path: Path = MODEL_PATH) -> RuleTriager:
    directory = rules_dir or DEFAULT_RULES_DIR
    lexicon = load_lexicon()
    classifier = load_classifier(model_path)
    routing = load_routing(directory)
    rules = load_rule_set(directory, lexicon.groups, classifier.classes, classifier.heads, routing.all_teams)
    return RuleTriager(rules, lexicon, classifier, routing)
