"""The rule-set format: loading, validation errors and how rules fire and win."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streams.core.routing import DEFAULT_RULES_DIR
from streams.core.taxonomy import Category, Priority
from streams.core.triage.lexicon import load_lexicon
from streams.core.triage.rules import RuleError, load_rule_set

GROUPS = ["threat", "gaming", "weapon", "violent_verb"]
CLASSES = [c.value for c in Category]
HEADS = ["urgent", "hateful"]
HEADER = """version: test-1
features:
  ctx:banter: [lex:gaming]
patterns:
  shout:
    requires: [lex:threat]
    regex: "!!!"
"""


TEAMS = ["violence", "support", "wellbeing"]


def rule_set(tmp_path: Path, rules: str, header: str = HEADER):
    folder = tmp_path / "triage"
    folder.mkdir(exist_ok=True)
    (folder / "00.yaml").write_text(header + "rules:\n" + rules, encoding="utf-8")
    return load_rule_set(tmp_path, GROUPS, CLASSES, HEADS, TEAMS)


RULES = """
  - id: threat.credible
    description: threat with a weapon
    when: {all: [lex:threat, [lex:weapon, fact:time]], none: [ctx:banter]}
    then: {category: violent_threat, priority: P0, labels: [credible]}
  - id: threat.any
    description: any threat
    when: {all: [lex:threat], none: [ctx:banter]}
    then: {category: violent_threat, priority: P1}
  - id: threat.shouted
    description: shouted threat
    when: {all: [pat:shout]}
    then: {category: harassment, priority: P1}
  - id: scam.score
    description: classifier says scam
    when: {scores: {scam_fraud: 0.6}, scores_below: {other: 0.5}}
    then: {category: scam_fraud, priority: P2}
  - id: reason.violence
    description: reason code violence
    when: {reason_code: [violence]}
    then: {category: violent_threat, priority: P2}
  - id: channel.call_center
    description: a phone report naming a threat goes to the violence team's phone desk
    when: {all: [lex:threat], channel: [call_center, email]}
    then: {category: violent_threat, priority: P1, team: violence}
  - id: fallback
    description: always
    when: {}
    then: {category: other, priority: P3}
"""


@pytest.mark.parametrize(
    ("features", "scores", "view", "fired"),
    [
        ({"lex:threat", "lex:weapon"}, {}, "", ["threat.credible", "threat.any", "fallback"]),
        ({"lex:threat", "fact:time"}, {}, "", ["threat.credible", "threat.any", "fallback"]),
        ({"lex:threat"}, {}, "", ["threat.any", "fallback"]),
        ({"lex:threat", "lex:weapon", "lex:gaming"}, {}, "", ["fallback"]),  # derived ctx:banter vetoes
        ({"lex:threat"}, {}, "now!!!", ["threat.any", "threat.shouted", "fallback"]),  # tie: file order
        ({"lex:weapon"}, {}, "!!!", ["fallback"]),  # pattern not run without its `requires`
        (set(), {"scam_fraud": 0.7, "other": 0.2}, "", ["scam.score", "fallback"]),
        (set(), {"scam_fraud": 0.7, "other": 0.6}, "", ["fallback"]),  # scores_below fails
        (set(), {"scam_fraud": 0.5}, "", ["fallback"]),
        ({"reason:violence"}, {}, "", ["reason.violence", "fallback"]),
        ({"lex:threat", "channel:call_center"}, {}, "", ["threat.any", "channel.call_center", "fallback"]),
        ({"lex:threat", "channel:email"}, {}, "", ["threat.any", "channel.call_center", "fallback"]),
        ({"lex:threat", "channel:in_app_report"}, {}, "", ["threat.any", "fallback"]),
        ({"channel:call_center"}, {}, "", ["fallback"]),
    ],
)
def test_rules_fire_and_most_urgent_wins(tmp_path: Path, features: set[str], scores: dict[str, float],
                                         view: str, fired: list[str]) -> None:
    rules = rule_set(tmp_path, RULES)
    found = set(features)
    rules.add_derived(found, view)
    assert [r.id for r in rules.fired(found, scores)] == fired


STAGED = """
  - id: harm.named
    description: a named threat
    when: {all: [lex:threat]}
    then: {category: violent_threat, priority: P2}
  - id: harm.urgent
    description: classifier threat score and the urgency head
    when: {all: [clf_alt:violent_threat], scores: {violent_threat: 0.3, urgent: 0.5}}
    then: {category: violent_threat, priority: P0}
  - id: fallback.threat
    description: the classifier's best harm, only when nothing else fired
    stage: fallback
    when: {all: [clf_alt:violent_threat], scores: {violent_threat: 0.25}}
    then: {category: violent_threat, priority: P1}
"""


@pytest.mark.parametrize(
    ("features", "scores", "fired"),
    [
        ({"clf_alt:violent_threat"}, {"violent_threat": 0.4, "urgent": 0.7}, ["harm.urgent"]),
        ({"clf_alt:violent_threat"}, {"violent_threat": 0.4, "urgent": 0.2}, ["fallback.threat"]),
        # a main-stage rule fired, so the fallback is not tried even though it is more urgent
        ({"clf_alt:violent_threat", "lex:threat"}, {"violent_threat": 0.4, "urgent": 0.2}, ["harm.named"]),
        ({"clf_alt:violent_threat"}, {"violent_threat": 0.2, "urgent": 0.9}, []),
        ({"clf_alt:scam_fraud"}, {"violent_threat": 0.4, "urgent": 0.9}, []),
    ],
)
def test_fallback_stage_and_head_scores(tmp_path: Path, features: set[str], scores: dict[str, float],
                                        fired: list[str]) -> None:
    rules = rule_set(tmp_path, STAGED)
    found = set(features)
    rules.add_derived(found, "")
    assert [r.id for r in rules.fired(found, scores)] == fired


def test_compiled_rule_carries_outcome(tmp_path: Path) -> None:
    rules = rule_set(tmp_path, RULES)
    first = rules.rules[0]
    assert (first.category, first.priority, first.labels) == (Category.VIOLENT_THREAT, Priority.P0, ("credible",))
    assert first.team is None  # the routing table decides
    assert next(r for r in rules.rules if r.id == "channel.call_center").team == "violence"
    assert rules.version == "test-1"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("  - {id: a, description: d, when: {all: [lex:nope]}, then: {category: other, priority: P3}}\n",
         "unknown feature 'lex:nope'"),
        ("  - {id: a, description: d, when: {}, then: {category: other, priority: P3}}\n"
         "  - {id: a, description: d, when: {}, then: {category: other, priority: P3}}\n", "unique `id`"),
        ("  - {id: a, when: {}, then: {category: other, priority: P3}}\n", "needs a `description`"),
        ("  - {id: a, description: d, when: {}, then: {category: spam, priority: P3}}\n", "valid category"),
        ("  - {id: a, description: d, when: {}, then: {category: other, priority: P9}}\n", "valid category and priority"),
        ("  - {id: a, description: d, when: {scores: {nope: 0.5}}, then: {category: other, priority: P3}}\n",
         "not a classifier class"),
        ("  - {id: a, description: d, when: {scores: {other: 2}}, then: {category: other, priority: P3}}\n",
         "between 0 and 1"),
        ("  - {id: a, description: d, when: {sometimes: []}, then: {category: other, priority: P3}}\n",
         "unknown when keys"),
        ("  - {id: a, description: d, stage: later, when: {}, then: {category: other, priority: P3}}\n",
         "`stage` must be one of"),
        ("  - {id: a, description: d, when: {all: [clf_alt:other]}, then: {category: other, priority: P3}}\n",
         "unknown feature 'clf_alt:other'"),
        ("  - {id: a, description: d, when: {}, then: {category: other, priority: P3, team: nope}}\n",
         "`then.team` 'nope' is not a team of the routing table"),
        ("  - {id: a, description: d, when: {channel: [pigeon]}, then: {category: other, priority: P3}}\n",
         "unknown feature 'channel:pigeon'"),
    ],
)
def test_invalid_rules_are_one_line_errors(tmp_path: Path, rules: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        rule_set(tmp_path, rules)


def test_missing_version_and_bad_pattern(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="version"):
        rule_set(tmp_path, "  []\n", header="")
    bad_pattern = "version: v\npatterns:\n  p: {requires: [lex:threat], regex: '('}\n"
    with pytest.raises(RuleError, match="pattern p"):
        rule_set(tmp_path, "  []\n", header=bad_pattern)


def test_default_rule_set_loads_and_every_rule_is_described() -> None:
    rules = load_rule_set(DEFAULT_RULES_DIR, load_lexicon().groups, CLASSES, HEADS)
    assert len(rules.rules) > 40
    assert {r.id.split(".")[0] for r in rules.fallbacks} == {"fallback"}
    assert all(r.description and "." in r.id for r in rules.rules)


# The shipped rules that read classifier heads, each with the smallest evidence that fires it. A
# page needs words or facts in the text besides the scores: without them the same scores only
# reach the P1 fallback.
SHIPPED = [
    ({"clf_alt:self_harm", "lex:self_harm_ideation"}, {"self_harm": 0.35, "urgent": 0.45},
     "self_harm.urgent_classifier", "P0"),
    ({"clf_alt:self_harm"}, {"self_harm": 0.35, "urgent": 0.45}, "fallback.self_harm", "P1"),
    ({"clf_alt:self_harm", "fact:means"}, {"self_harm": 0.15, "urgent": 0.55}, "self_harm.urgent_leaning", "P0"),
    ({"lex:self_harm_intent"}, {"urgent": 0.65}, "self_harm.intent_urgent", "P0"),
    ({"lex:self_harm_intent"}, {"urgent": 0.5}, "self_harm.intent", "P1"),
    ({"clf_alt:child_safety", "lex:grooming"}, {"child_safety": 0.35, "urgent": 0.45},
     "child_safety.urgent_classifier", "P0"),
    ({"clf_alt:child_safety"}, {"child_safety": 0.5, "urgent": 0.45}, "fallback.child_safety", "P1"),
    # a weak child-safety read with no words behind it: nothing (was a P1 fallback before round 4)
    ({"clf_alt:child_safety"}, {"child_safety": 0.35, "urgent": 0.45}, "", ""),
    ({"fact:minor", "clf_alt:child_safety", "lex:contact"}, {"child_safety": 0.5, "urgent": 0.32},
     "child_safety.minor_classifier_urgent", "P0"),
    ({"fact:minor", "lex:sextortion"}, {"urgent": 0.4}, "child_safety.sextortion_minor", "P0"),
    ({"clf_alt:violent_threat", "lex:violent_verb"}, {"violent_threat": 0.35, "urgent": 0.45},
     "violent_threat.urgent_classifier", "P0"),
    ({"clf_alt:violent_threat"}, {"violent_threat": 0.35, "urgent": 0.45}, "fallback.violent_threat", "P1"),
    ({"lex:threat", "pat:threat_aimed"}, {"urgent": 0.65}, "violent_threat.threat_urgent", "P0"),
    ({"lex:threat"}, {"urgent": 0.4}, "violent_threat.threat", "P1"),  # not aimed at anyone
    ({"lex:threat"}, {"urgent": 0.1}, "violent_threat.threat", "P1"),
    ({"lex:threat", "lex:gaming"}, {"urgent": 0.9}, "other.banter", "P3"),
    ({"clf_alt:account_security", "lex:scam"}, {"account_security": 0.5},
     "account_security.hijacked_spreading_classifier", "P1"),
    (set(), {"hateful": 0.4}, "hate_speech.hateful_head", "P2"),
    ({"clf_alt:harassment"}, {"harassment": 0.3}, "fallback.harassment", "P2"),
    ({"clf_alt:hate_speech"}, {"hate_speech": 0.3}, "", ""),  # below the hate fallback's 0.45
]


@pytest.mark.parametrize(("features", "scores", "winner", "priority"), SHIPPED)
def test_shipped_classifier_rules(features: set[str], scores: dict[str, float], winner: str, priority: str) -> None:
    rules = load_rule_set(DEFAULT_RULES_DIR, load_lexicon().groups, CLASSES, HEADS)
    found = set(features)
    rules.add_derived(found, "")
    fired = rules.fired(found, scores)
    assert ((fired[0].id, fired[0].priority.value) if fired else ("", "")) == (winner, priority)


TEAM_RULE = """
  - id: violent_threat.phoned_in
    description: a threat phoned in to the call centre goes to the trust and safety desk, not the violence queue
    when: {all: [ctx:threat], channel: [call_center]}
    then: {category: violent_threat, priority: P1, team: %s}
"""


@pytest.mark.parametrize(("channel", "team"), [("call_center", "support"), ("in_app_report", "violence")])
def test_channel_and_team_override_end_to_end(tmp_path: Path, channel: str, team: str) -> None:
    """A candidate rule set whose first rule matches the channel and overrides the team."""
    from streams.core.triage import load_triage
    from tests.unit.triage.conftest import make_event

    shutil.copytree(DEFAULT_RULES_DIR, tmp_path / "rules")
    (tmp_path / "rules" / "triage" / "01-desk.yaml").write_text("rules:" + TEAM_RULE % "support", encoding="utf-8")
    decision = load_triage(tmp_path / "rules").decide(make_event("i will hurt you", channel=channel))
    assert (decision.category, decision.priority, decision.team) == ("violent_threat", "P1", team)
    assert (decision.reasons[0] == "rule:violent_threat.phoned_in") is (channel == "call_center")


def test_team_override_must_name_a_routing_team(tmp_path: Path) -> None:
    from streams.core.triage import load_triage

    shutil.copytree(DEFAULT_RULES_DIR, tmp_path / "rules")
    (tmp_path / "rules" / "triage" / "01-desk.yaml").write_text("rules:" + TEAM_RULE % "front_desk", encoding="utf-8")
    with pytest.raises(RuleError, match="front_desk"):
        load_triage(tmp_path / "rules")


def test_candidate_rule_directory(tmp_path: Path) -> None:
    """--rules DIR: a copy of the default set with one change is loaded from DIR."""
    shutil.copytree(DEFAULT_RULES_DIR, tmp_path / "rules")
    path = tmp_path / "rules" / "triage" / "00-ruleset.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("version: ", "version: candidate-"), encoding="utf-8")
    from streams.core.triage import load_triage

    assert load_triage(tmp_path / "rules").version.startswith("candidate-")
