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
     "self_harm.imminent"),
    ("kakak aku udah nelen obat sebanyak itu dan sekarang gak bangun", {}, "self_harm", "P0",
     "self_harm.overdose"),
    ("un hombre le ofrece recargas a niñas de secundaria a cambio de fotos", {}, "child_safety", "P0",
     "child_safety.grooming_minor"),
    ("gw udah di depan kos lo sekarang, keluar", {}, "violent_threat", "P0", "violent_threat.classifier_credible"),
    ("he dm'd me that he's coming to my school tomorrow with his dad's gun", {}, "violent_threat", "P0",
     "violent_threat.urgent_classifier"),
    ("my cousin's account got taken over and is sending phishing links to everyone", {}, "account_security", "P1",
     "account_security.hijacked_spreading"),
    ("those people are subhuman filth and should be gassed", {}, "hate_speech", "P2", "hate_speech.hateful_head"),
    ("he said he is tired of everything", {}, "self_harm", "P1", "fallback.self_harm"),
    # round 4: a vague worry with a weak self-harm read (0.29) no longer makes a P1 fallback
    ("there's an account posting scary stuff, i think someone is in danger", {}, "other", "P3", "rule:none"),
    # round 2 hard negatives: a how-to question about a child, a live stream that is no emergency
    ("how do i make my 12 year old's account private?", {}, "product_issue", "P3", "child_safety.how_to_question"),
    ("¿cómo bloqueo a desconocidos en la cuenta de mi hijo de 11?", {}, "product_issue", "P3",
     "child_safety.how_to_question"),
    ("这个人在直播间卖假货", {}, "scam_fraud", "P2", "scam_fraud.named"),
    # the triage audit: a page needs evidence in the text, and news, films, hunting and idioms page no one
    ("he has a glock and said he'd use it at the game tonight", {}, "violent_threat", "P0", "violent_threat.weapon_use"),
    ("he is 10 feet from my door with a knife right now", {}, "violent_threat", "P0", "violent_threat.armed_nearby"),
    ("i've written my note and i'm saying goodbye, i'll be gone", {}, "self_harm", "P0", "self_harm.farewell_note"),
    ("guy says im mature for my age, wants me on snap. im 14 btw", {}, "child_safety", "P0",
     "child_safety.grooming_minor"),
    ("tengo 14 y un tipo me amenaza con publicar mis fotos", {"language": "es"}, "child_safety", "P0",
     "child_safety.sextortion_minor"),
    ("my ex shared my nudes in a group chat", {}, "privacy_impersonation", "P1", "privacy.intimate_images"),
    ("there was a school shooting in texas today, so sad", {}, "other", "P3", "other.not_a_threat"),
    ("this movie about a school shooting destroyed me", {}, "other", "P3", "other.not_a_threat"),
    ("aku nak pergi tembak burung esok dengan abah", {"language": "ms"}, "other", "P3", "other.not_a_threat"),
    ("我今晚要去看枪战电影", {"language": "zh"}, "other", "P3", "other.not_a_threat"),
    ("we are going to kill it at the concert tonight", {}, "other", "P3", "other.banter"),
    ("I survived a suicide attempt last year and im doing much better now", {}, "other", "P3",
     "self_harm.recovery_story"),
    ("my 8 year old keeps getting ads, how do i turn them off", {}, "product_issue", "P3",
     "child_safety.how_to_question"),
    ("我儿子9岁，怎么关掉陌生人私信", {"language": "zh"}, "product_issue", "P3", "child_safety.how_to_question"),
    ("ketemuan yuk besok jam 8 di cafe", {"language": "id"}, "other", "P3", "rule:none"),
    ("video of a guy getting jumped and beaten outside a bar", {}, "violent_threat", "P2",
     "violent_threat.violence_shown"),
    ("account posting videos of a man kicking a dog", {}, "animal_cruelty", "P1", "animal_cruelty.cruelty"),
    ("me llegó un sms de que mi paquete está retenido, pague en un link raro", {"language": "es"}, "scam_fraud",
     "P2", "scam_fraud.named"),
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


@pytest.mark.parametrize(
    ("text", "language", "weapons", "category", "priority"),
    [
        # Malay "balas" is "reply"; in Spanish "balas" are bullets
        ("siap kau kalau tak balas mesej aku, aku pukul kau", "ms", (), "violent_threat", "P1"),
        ("siap kau kalau tak balas mesej aku, aku pukul kau", "und", (), "violent_threat", "P1"),
        ("traigo balas y una pistola para mañana", "es", ("balas", "pistola"), "violent_threat", "P0"),
    ],
)
def test_lexicon_terms_follow_the_report_language(triager: RuleTriager, make_event: Callable[..., Any], text: str,
                                                  language: str, weapons: tuple[str, ...], category: str,
                                                  priority: str) -> None:
    decision = triager.decide(make_event(text, language=language))
    assert (decision.facts.weapons, decision.category, decision.priority) == (weapons, category, priority)
