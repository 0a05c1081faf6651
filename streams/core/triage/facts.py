"""Fact identification: what a report says about people, places, times, money and means.

Extractors run on the normalised text (see text.py) and on lexicon hits already found, and
each is gated by a cheap substring test so that a report without digits or "@" costs
almost nothing here.
"""

from __future__ import annotations

import re

from streams.core.report import FeedbackEvent
from streams.core.taxonomy import SubjectType
from streams.core.triage.decision import Facts

ADULT_AGE = 18
_MAX_FACTS = 10

_DIGIT = re.compile(r"\d")
_URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>\"']+"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|ly|io|co|me|info|xyz|top|link|site|online|"
    r"shop|app|gg|tk|ru|cn|id|my|es|live|club|vip)\b(?:/[^\s<>\"']*)?"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@.])@([a-z0-9_](?:[a-z0-9_.]{0,28}[a-z0-9_])?)")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d\s().-]{6,18}\d(?![\w])")
_MONEY = re.compile(
    r"[$€£¥₹]\s?\d[\d,.]*(?:\s?[kmb]\b)?"
    r"|\b\d[\d,.]*\s?(?:usd|dollars?|bucks|euros?|eur|gbp|pounds|rupiah|ringgit|pesos?|yuan|rmb|riyals?|"
    r"dirhams?|k\b|juta|ribu|rb\b|jt\b|mil\b)"
    r"|\b(?:rp|rm|usd|mxn|sgd)\.?\s?\d[\d,.]*"
    r"|\d[\d,.]*\s?(?:元|块|美元|万)"
    r"|\d[\d,.]*\s?(?:ريال|درهم|جنيه|دولار|دينار)"
)
_AGE_PATTERNS = (
    re.compile(r"\b(\d{1,2})\s?(?:yo|y/o|y\.o\.?|yrs?\.?\s?old|years?\s?old|-?year-old|-?yr-old|-years-old)\b"),
    re.compile(
        r"\b(?:i'?m|i am|im|she'?s|he'?s|she is|he is|they'?re|is only|only|aged?|age of|turning|just turned)"
        r"\s(\d{1,2})\b(?!\s?(?:%|min|mins|minutes|hours?|hrs?|sec|seconds|days?|weeks?|months?|dollars|usd|"
        r"followers|likes|views|k\b|am\b|pm\b|:|\.\d|,\d|times|videos|posts|miles|km|cm|kg|lbs|ft|inches|"
        r"percent|points|euros|bucks))"
    ),
    re.compile(r"\b(?:son|daughter|kid|child|brother|sister|cousin|niece|nephew|boy|girl) is (\d{1,2})\b(?!\s?(?:%|min|hours?|days?|weeks?|months?|am\b|pm\b|:))"),
    re.compile(r"\b(?:umur|usia|berumur|berusia|umurnya|usianya)\s?(\d{1,2})\b"),
    re.compile(r"\b(\d{1,2})\s?(?:tahun|thn|th)\b(?!\s?(?:lalu|yang lalu|lepas|lagi|penjara|kebelakangan))"),
    re.compile(r"\b(?:tengo|tiene|tienes|tenia|de|con|edad de)\s(\d{1,2})\s?anos\b"),
    re.compile(r"(\d{1,2})\s?(?:岁|歲|周岁)"),
    re.compile(r"(?:عمري|عمره|عمرها|عمرهم|بعمر|عمر)\s?(\d{1,2})"),
    re.compile(r"(\d{1,2})\s?(?:سنه|سنوات|سنين|عاما|عام)"),
)
# One scan for every age pattern: the first group that matched holds the age.
_ANY_AGE = re.compile("|".join(f"(?:{p.pattern})" for p in _AGE_PATTERNS))
_CN_NUMERAL_AGE = re.compile(r"([一二三四五六七八九十两]{1,3})\s?(?:岁|歲)")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CLOCK_TIME = re.compile(
    r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b"
    r"|\bat\s\d{1,2}(?::\d{2})?\b(?!\s?(?:years?|yo|%|followers|months?))"
    r"|\b(?:jam|pukul)\s\d{1,2}(?:[.:]\d{2})?\b"
    r"|\ba las\s\d{1,2}(?::\d{2})?\b"
    r"|\d{1,2}\s?(?:点|點)"
    r"|الساعه\s?\d{1,2}"
)


def chinese_numeral(text: str) -> int | None:
    """Value of a Chinese numeral up to 99 ("十二" -> 12), or None."""
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (_CN_DIGITS.get(tens, 0) if tens else 1) * 10
        return value + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text) if len(text) == 1 else None


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))[:_MAX_FACTS]


def _in_text_order(terms: list[str], norm: str) -> tuple[str, ...]:
    """Lexicon terms in the order the report says them (set matching loses the order)."""
    if len(terms) < 2:
        return tuple(terms)
    return _unique(sorted(terms, key=lambda t: (norm.find(t) % (len(norm) + 1), t)))


def ages(norm: str) -> tuple[int, ...]:
    found: list[int] = []
    for match in _ANY_AGE.finditer(norm):
        found.append(int(next(g for g in match.groups() if g)))
    if "岁" in norm or "歲" in norm:
        for numeral in _CN_NUMERAL_AGE.findall(norm):
            value = chinese_numeral(numeral)
            if value is not None:
                found.append(value)
    return tuple(dict.fromkeys(a for a in found if 0 < a < 100))


def extract_facts(event: FeedbackEvent, norm: str, hits: dict[str, list[str]]) -> Facts:
    """Facts from the normalised text `norm`, its lexicon `hits` and the event's metadata."""
    urls: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    money: tuple[str, ...] = ()
    clock: list[str] = []
    if "." in norm or "/" in norm:
        urls = _unique(_URL.findall(norm))
    if "@" in norm:
        emails = _unique(_EMAIL.findall(norm))
        handles = _unique(_HANDLE.findall(norm))
        if emails:
            urls = tuple(u for u in urls if not any(u in e for e in emails))
    digits = _DIGIT.search(norm) is not None
    if digits:
        phones = _unique([p.strip() for p in _PHONE.findall(norm) if 8 <= sum(c.isdigit() for c in p) <= 15])
        money = _unique([m.strip() for m in _MONEY.findall(norm)])
        clock = _CLOCK_TIME.findall(norm)
    stated_ages = ages(norm) if digits or "岁" in norm or "歲" in norm else ()
    live = "live" in hits or (event.subject is not None and event.subject.type == SubjectType.LIVE)
    return Facts(
        urls=urls,
        handles=handles,
        emails=emails,
        phones=phones,
        money=money,
        ages=stated_ages,
        minor_involved="minor" in hits or any(a < ADULT_AGE for a in stated_ages),
        time_expressions=_unique(list(_in_text_order(hits.get("time_soon", []), norm)) + [c.strip() for c in clock]),
        weapons=_in_text_order(hits.get("weapon", []), norm),
        live_in_progress=live,
        means=_in_text_order(hits.get("means", []), norm),
    )
