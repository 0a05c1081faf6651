from __future__ import annotations

from typing import Any, Callable

import pytest

from streams.core.triage.engine import RuleTriager
from streams.core.triage.facts import chinese_numeral, with_digits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://bit.ly/x1 and www.free-prize.xyz now", {"urls": ("https://bit.ly/x1", "www.free-prize.xyz")}),
        ("mail me at someone@example.com", {"emails": ("someone@example.com",), "handles": ()}),
        ("user @bad_guy.99 keeps posting", {"handles": ("bad_guy.99",)}),
        ("call +1 555 123 4567 now", {"phones": ("+1 555 123 4567",)}),
        ("send $500 or rm300 or 2000元 or 500 ribu", {"money": ("$500", "rm300", "2000元", "500 ribu")}),
        ("my 12 year old sister", {"ages": (12,), "minor_involved": True}),
        ("im 15 and scared", {"ages": (15,), "minor_involved": True}),
        ("im 15 minutes late", {"ages": (), "minor_involved": False}),
        ("a 40 year old man", {"ages": (40,), "minor_involved": False}),
        ("adik saya masih 12 tahun", {"ages": (12,), "minor_involved": True}),
        ("3 tahun lalu", {"ages": ()}),
        ("mi hija de 11 años", {"ages": (11,), "minor_involved": True}),
        ("她才十三岁", {"ages": (13,), "minor_involved": True}),
        ("عمرها ١٢ سنة", {"ages": (12,), "minor_involved": True}),
        ("a little girl in the video", {"minor_involved": True}),
        ("tomorrow at 8 I will do it", {"time_expressions": ("tomorrow", "at 8")}),
        ("esta noche a las 9", {"time_expressions": ("esta noche", "a las 9")}),
        ("今晚8点", {"time_expressions": ("今晚", "8点")}),
        ("he has a gun and a knife", {"weapons": ("gun", "knife")}),
        ("ya tengo las pastillas", {"means": ("pastillas",)}),
        ("he is cutting on the livestream", {"live_in_progress": True}),
        ("I live in Jakarta", {"live_in_progress": False}),
        # phones keep their brackets; audience counts are not money
        ("call (555) 123-4567 now", {"phones": ("(555) 123-4567",)}),
        ("she has 15k followers and 2k views", {"money": ()}),
        ("he wants $5k and 200 dollars", {"money": ("$5k", "200 dollars")}),
        # ages: units are no ages, written-out numbers and Spanish forms are
        ("he is 10 feet from my door with a knife", {"ages": (), "minor_involved": False}),
        ("she is 5 min away, he's 2 km out, im 10 hours in", {"ages": ()}),
        ("im thirteen", {"ages": (13,), "minor_involved": True}),
        ("she's only fourteen", {"ages": (14,), "minor_involved": True}),
        ("she turned 16 last week", {"ages": (16,), "minor_involved": True}),
        ("he is once again posting", {"ages": ()}),
        ("my son, 16, is being blackmailed", {"ages": (16,)}),
        ("my daughter (15) got a dm", {"ages": (15,)}),
        ("tengo 14 y un tipo me escribe", {"ages": (14,), "minor_involved": True}),
        ("tengo 2 perros", {"ages": ()}),
        ("le pide fotos a mi prima de 14", {"ages": (14,), "minor_involved": True}),
        ("el 15 de mayo cumplí 20 años", {"ages": (20,), "minor_involved": False}),
        ("tiene doce años", {"ages": (12,)}),
        ("adik saya umur dua belas", {"ages": (12,)}),
        ("عمري ثلاثة عشر سنة", {"ages": (13,)}),
        # time: "now" alone is no time; relative and other-language expressions are
        ("I'm doing much better now", {"time_expressions": ()}),
        ("he'll be here in 20 minutes", {"time_expressions": ("in 20 minutes",)}),
        ("bakal datang dalam 10 menit", {"time_expressions": ("dalam 10 menit",)}),
        ("بكرة بجيك", {"time_expressions": ("بكره",)}),
        # round 4: ages as other writers state them, and acts just past
        ("my friend (14f) is dating a 24 yr old", {"ages": (14, 24), "minor_involved": True}),
        ("he got me to send pics when i was 15", {"ages": (15,), "minor_involved": True}),
        ("ada yang sebar gambar private aku (aku 20)", {"ages": (20,), "minor_involved": False}),
        ("saya 3 kali lapor", {"ages": ()}),  # one digit after "saya" is a count, not an age
        ("ibn 3ammi 14 sana", {"ages": (14,), "minor_involved": True}),  # romanised Arabic
        ("这小孩看着才八九岁", {"ages": (8,), "minor_involved": True}),
        ("swallowed a bottle of tylenol like 20 min ago", {"time_expressions": ("20 min ago",)}),
    ],
)
def test_facts_from_text(triager: RuleTriager, make_event: Callable[..., Any], text: str,
                         expected: dict[str, Any]) -> None:
    facts = triager.decide(make_event(text)).facts
    assert {k: getattr(facts, k) for k in expected} == expected


def test_live_subject_is_live_in_progress(triager: RuleTriager, make_event: Callable[..., Any]) -> None:
    assert triager.decide(make_event("look at this", subject="live")).facts.live_in_progress


@pytest.mark.parametrize(("numeral", "value"), [("十", 10), ("十二", 12), ("二十", 20), ("九", 9), ("两", 2), ("八九", 8),
                                               ("", None)])
def test_chinese_numeral(numeral: str, value: int | None) -> None:
    assert chinese_numeral(numeral) == value


def test_day_after_tomorrow_in_chinese(triager: RuleTriager, make_event: Callable[..., Any]) -> None:
    assert "后天晚上" in triager.decide(make_event("他说后天晚上来找我")).facts.time_expressions


@pytest.mark.parametrize(("word", "value"), [("thirteen", 13), ("twenty-one", 21), ("catorce", 14),
                                             ("dua belas", 12), ("sepuluh", 10), ("ثلاثه عشر", 13)])
def test_number_words(word: str, value: int) -> None:
    assert with_digits(f"x {word} y") == f"x {value} y"
