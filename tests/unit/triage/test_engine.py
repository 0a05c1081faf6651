"""Each rule family of the default rule set, through the public Triager interface."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from streams.core.triage.engine import RuleTriager

CASES = [
    # (text, extra event fields, category, priority, rule that must win)
    ("this man asked my 12 year old sister for nudes", {}, "child_safety", "P0", "child_safety.sexual_minor"),
    ("he says dont tell your parents, our little secret. she is 13", {}, "child_safety", "P0",
     "child_safety.grooming_minor"),
    ("account sharing child porn links", {}, "child_safety", "P0", "child_safety.csam"),
    ("threatening to leak my nudes, im 15", {}, "child_safety", "P0", "child_safety.sextortion_minor"),
    ("look at this", {"reason_code": "child_safety", "subject": "live"}, "child_safety", "P0",
     "child_safety.reported_live"),
    ("how can I protect my kids from strangers? parental controls?", {}, "product_issue", "P3",
     "child_safety.parent_question"),
    ("this user is 9 years old", {"subject": "account"}, "child_safety", "P1", "child_safety.under_minimum_age"),
    ("I'm going to kill myself tonight", {}, "self_harm", "P0", "self_harm.imminent"),
    ("took all the pills, goodbye everyone", {}, "self_harm", "P0", "self_harm.in_progress"),
    ("i want to die, nobody cares", {}, "self_harm", "P1", "self_harm.intent"),
    ("pro ana tips and thinspo", {}, "self_harm", "P1", "self_harm.ideation"),
    ("this joke killed me lmao", {}, "other", "P3", "rule:none"),
    ("suicide prevention hotline video", {}, "other", "P3", "self_harm.awareness"),
    ("I'm bringing a gun to school tomorrow", {}, "violent_threat", "P0", "violent_threat.credible"),
    ("i will hurt you", {}, "violent_threat", "P1", "violent_threat.threat"),
    ("I'll kill you in the next round noob", {}, "other", "P3", "other.banter"),
    ("join isis, the caliphate needs you", {}, "violent_threat", "P1", "violent_threat.extremism"),
    ("they are kicking a puppy in this video", {}, "animal_cruelty", "P1", "animal_cruelty.cruelty"),
    ("muslims are vermin", {}, "hate_speech", "P2", "hate_speech.dehumanising"),
    ("the news article quoted a slur about muslims", {}, "other", "P3", "other.quoting"),
    ("he keeps bullying me in the comments", {}, "harassment", "P2", "harassment.reported"),
    ("you are a pathetic idiot", {}, "harassment", "P2", "harassment.directed_insult"),
    ("this seller is a scam, took my money", {}, "scam_fraud", "P2", "scam_fraud.named"),
    ("they posted my home address", {}, "privacy_impersonation", "P1", "privacy.doxxing"),
    ("someone is impersonating me with a fake account", {}, "privacy_impersonation", "P2", "privacy.impersonation"),
    ("my account was hacked and is asking my friends for money", {}, "account_security", "P1",
     "account_security.hijacked_spreading"),
    ("I got hacked", {}, "account_security", "P2", "account_security.hacked"),
    ("forgot my password", {}, "account_security", "P3", "account_security.sign_in_help"),
    ("the app crashes when I upload", {}, "product_issue", "P3", "product_issue.bug"),
    ("refund please, charged twice", {}, "product_issue", "P3", "product_issue.payment"),
    ("boring and cringe", {}, "other", "P3", "other.opinion"),
    # other languages
    ("teman saya mau bunuh diri malam ini", {}, "self_harm", "P0", "self_harm.imminent"),
    ("te voy a matar mañana, sé dónde vives", {}, "violent_threat", "P0", "violent_threat.credible"),
    ("他威胁要杀了我，明天带刀来", {}, "violent_threat", "P0", "violent_threat.credible"),
    ("رجل بالغ يطلب صور عاريه من طفله", {}, "child_safety", "P0", "child_safety.grooming_minor"),
    ("akaun saya kena hack", {}, "account_security", "P2", "account_security.hacked"),
    # round 2: classifier scores (categories and the `urgent` / `hateful` heads) combined with facts
    ("the streamer is crying and says she'll end it tonight on stream", {}, "self_harm", "P0",
     "self_harm.classifier_imminent"),
    ("kakak aku udah nelen obat sebanyak itu dan sekarang gak bangun", {}, "self_harm", "P0",
     "self_harm.classifier_imminent"),
    ("un hombre le ofrece recargas a niñas de secundaria a cambio de fotos", {}, "child_safety", "P0",
     "child_safety.urgent_classifier"),
    ("gw udah di depan kos lo sekarang, keluar", {}, "violent_threat", "P0", "violent_threat.classifier_credible"),
    ("he dm'd me that he's coming to my school tomorrow with his dad's gun", {}, "violent_threat", "P0",
     "violent_threat.classifier_credible"),
    ("my cousin's account got taken over and is sending phishing links to everyone", {}, "account_security", "P1",
     "account_security.hijacked_spreading_classifier"),
    ("those people are subhuman filth and should be gassed", {}, "hate_speech", "P2", "hate_speech.hateful_head"),
    ("there's an account posting scary stuff, i think someone is in danger", {}, "self_harm", "P1",
     "fallback.self_harm"),
    # round 2 hard negatives: a how-to question about a child, a live stream that is no emergency
    ("how do i make my 12 year old's account private?", {}, "product_issue", "P3", "child_safety.how_to_question"),
    ("¿cómo bloqueo a desconocidos en la cuenta de mi hijo de 11?", {}, "product_issue", "P3",
     "child_safety.how_to_question"),
    ("这个人在直播间卖假货", {}, "scam_fraud", "P2", "scam_fraud.classifier"),
]


@pytest.mark.parametrize(("text", "fields", "category", "priority", "rule"), CASES)
def test_rule_families(triager: RuleTriager, make_event: Callable[..., Any], text: str, fields: dict[str, Any],
                       category: str, priority: str, rule: str) -> None:
    decision = triager.decide(make_event(text, **fields))
    expected_reason = rule if rule.startswith("rule:") else f"rule:{rule}"
    assert (decision.category, decision.priority, decision.reasons[0]) == (category, priority, expected_reason)
    assert decision.team == triager.routing.team_for(decision.category)


def test_decision_explains_itself(triager: RuleTriager, make_event: Callable[..., Any]) -> None:
    decision = triager.decide(make_event("I'm going to kill myself tonight with pills"))
    assert decision.reasons[0] == "rule:self_harm.imminent"
    assert any(r.startswith("clf:") for r in decision.reasons)
    assert set(decision.scores) == set(triager.classifier.classes) | set(triager.classifier.heads)
    assert abs(sum(decision.scores[c] for c in triager.classifier.classes) - 1.0) < 0.02
    assert all(0.0 <= decision.scores[h] <= 1.0 for h in triager.classifier.heads)
    assert decision.facts.time_expressions == ("tonight",) and decision.facts.means == ("pills",)
    assert decision.rules_version == triager.version


def test_decide_many_matches_decide(triager: RuleTriager, make_event: Callable[..., Any]) -> None:
    events = [make_event(text, event_id=f"e-{i}", **fields) for i, (text, fields, *_rest) in enumerate(CASES)]
    assert triager.decide_many(events) == [triager.decide(e) for e in events]
    assert triager.decide_many([]) == []
