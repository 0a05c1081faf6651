"""Fact identification: what a report says about people, places, times, money and means.

Extractors run on the normalised text (see text.py) and on lexicon hits already found, and
each is gated by a cheap substring test so that a report without digits or "@" costs
almost nothing here.
"""

from __future__ import annotations

import re
from typing import Sequence

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
_PHONE = re.compile(r"(?<![\w(])(?:\+|\()?\d[\d\s().-]{6,18}\d(?![\w])")
_MONEY = re.compile(
    r"[$€£¥₹]\s?\d[\d,.]*(?:\s?[kmb]\b)?"
    r"|\b\d[\d,.]*\s?(?:usd|dollars?|bucks|euros?|eur|gbp|pounds|rupiah|ringgit|pesos?|yuan|rmb|riyals?|"
    r"dirhams?|k\b|juta|ribu|rb\b|jt\b|mil\b)"
    r"|\b(?:rp|rm|usd|mxn|sgd)\.?\s?\d[\d,.]*"
    r"|\d[\d,.]*\s?(?:元|块|美元|万)"
    r"|\d[\d,.]*\s?(?:ريال|درهم|جنيه|دولار|دينار)"
)
# "15k followers", "2 juta views", "10 mil seguidores": counts of an audience, not money.
_AUDIENCE = re.compile(
    r"\s?(?:followers|follower|subs|subscribers|views|likes|fans|members|people|users|comments|shares|"
    r"streams|downloads|pengikut|penonton|views|seguidores|vistas|suscriptores|粉丝|粉絲|关注|متابع)"
)
# A number followed by one of these is a distance, a duration, a count or a price, not an age
# ("he is 10 feet from my door", "im 15 minutes late", "she's 14k followers").
_NOT_AGE_UNIT = (
    r"(?!\s?(?:%|percent|min\b|mins|minutes?|hours?|hrs?|h\b|sec\b|secs|seconds?|days?|weeks?|months?|"
    r"years? ago|feet|foot|ft\b|meters?|metres?|m\b|km\b|kms|kilometers?|miles?|mi\b|yards?|yds?|blocks?|"
    r"cm\b|mm\b|inches|inch|kg\b|kgs|kilos?|lbs?\b|pounds|stone\b|dollars?|usd|bucks|euros?|k\b|am\b|pm\b|"
    r":|\.\d|,\d|times|x\b|videos|posts|followers|likes|views|subs|subscribers|comments|shares|people|"
    r"points|pts|messages|texts|dms|calls|accounts|members|of (?:them|us|you|those|the|my)|menit|minit|jam\b|"
    r"detik|hari|minggu|bulan|meter|orang|kali|minutos|horas|dias|semanas|meses|metros|veces|personas|"
    r"seguidores|pesos|cuadras|dolares))"
)
# Each age pattern with the substrings that must occur for it to match: a pattern runs only
# when one of them is in the text (one combined regex tried every alternative at every position).
_ALWAYS = ("",)
_Gated = tuple[re.Pattern[str], re.Pattern[str]]


def _gated(gates: tuple[str, ...], pattern: str) -> _Gated:
    return re.compile("|".join(map(re.escape, gates))), re.compile(pattern)


_AGE_PATTERNS: tuple[_Gated, ...] = tuple(
    _gated(gates, pattern) for gates, pattern in (
        (("yo", "y/o", "y.o", "yr", "year"),
         r"\b(\d{1,2})\s?(?:yo|y/o|y\.o\.?|yrs?\.?\s?old|years?\s?old|-?year-old|-?yr-old|-years-old)\b"),
        (_ALWAYS,
         r"\b(?:i'?m|i am|im|i was|when i was|she'?s|he'?s|she is|he is|they'?re|is only|only|aged?|age of|turning|"
         r"just turned|turned|turns|will be|was only|is now)\s(\d{1,2})\b" + _NOT_AGE_UNIT),
        # "(aku 20)", "gue 15": Indonesian and Malay "I" with a two-digit number
        (("aku", "saya", "gue", "gw", "gua"), r"\b(?:aku|saya|gue|gw|gua)\s(\d{2})\b" + _NOT_AGE_UNIT),
        # "my cousin (11)", "my friend (14f)": an age in brackets after a person
        (("(",), r"\((\d{1,2})\s?(?:f|m|yo|y/o|yrs?)?\)"),
        (("son", "daughter", "kid", "child", "brother", "sister", "cousin", "niece", "nephew", "boy", "girl", "bro",
          "sis"),
         r"\b(?:son|daughter|kid|child|brother|sister|cousin|niece|nephew|boy|girl|bro|sis|grandson|granddaughter|"
         r"stepson|stepdaughter)\s?(?:is|,|\()\s?(\d{1,2})\b" + _NOT_AGE_UNIT),
        (("umur", "usia"), r"\b(?:umur|usia|berumur|berusia|umurnya|usianya)\s?(\d{1,2})\b"),
        # "12 th" (tahun) but not "15th" (an English ordinal)
        (("tahun", "thn", " th"),
         r"\b(\d{1,2})(?:\s?(?:tahun|thn)|\sth)\b(?!\s?(?:lalu|yang lalu|lepas|lagi|penjara|kebelakangan))"),
        (("anos",), r"\b(?:tengo|tiene|tienes|tenia|de|con|edad de|cumpli|cumple|cumplo|cumplio|cumplira|cumplire|"
                    r"va a cumplir|voy a cumplir)\s(\d{1,2})\s?anos\b"),
        # "tengo 14 y ...", "tiene 12.": a bare number right after tener, then a pause or "y".
        (("tengo", "tiene", "tenia"),
         r"\b(?:tengo|tiene|tienes|tenia)\s(\d{1,2})\b(?=\s?(?:$|[,.;!?)]|y\b|e\b|pero\b|nomas\b|apenas\b))"),
        (("hij", "herman", "prim", "sobrin", "nin", "chic", "chamac", "morr", "niet", "chav", "alumn"),
         r"\b(?:hija|hijo|hermana|hermano|hermanita|hermanito|prima|primo|sobrina|sobrino|nina|nino|chica|chico|"
         r"chamaca|chamaco|morra|morro|nieta|nieto|chava|chavo|alumna|alumno)\s(?:de|,)\s?(\d{1,2})\b" + _NOT_AGE_UNIT),
        (("岁", "歲"), r"(\d{1,2})\s?(?:岁|歲|周岁)"),
        (("عمر",), r"(?:عمري|عمره|عمرها|عمرهم|بعمر|عمر)\s?(\d{1,2})"),
        (("سن", "عام"), r"(\d{1,2})\s?(?:سنه|سنوات|سنين|عاما|عام)"),
        (("sana", "sne", "sni"), r"\b(\d{1,2})\s?(?:sana|sanawat|snin|sneen|sinin)\b"),
    )
)
_CN_NUMERAL_AGE = re.compile(r"([一二三四五六七八九十两]{1,3})\s?(?:岁|歲)")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_TIME_PATTERNS: tuple[_Gated, ...] = tuple(
    _gated(gates, pattern) for gates, pattern in (
        (("am", "pm", "at", "in"),
         r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b"
         r"|\bat\s\d{1,2}(?::\d{2})?\b(?!\s?(?:years?|yo|%|followers|months?))"
         # relative: "in 20 minutes"
         r"|\bin\s\d{1,3}\s?(?:minutes?|mins?|hours?|hrs?|seconds?|secs?)\b"),
        # just past: "20 min ago" (an act under way)
        (("ago",), r"\b\d{1,3}\s?(?:minutes?|mins?|min|hours?|hrs?)\s?ago\b"),
        (("jam", "pukul", "menit", "minit"),
         r"\b(?:jam|pukul)\s\d{1,2}(?:[.:]\d{2})?\b"
         r"|\b(?:dalam|lagi)\s\d{1,3}\s?(?:menit|minit|jam)\b|\b\d{1,3}\s?(?:menit|minit|jam)\slagi\b"),
        (("a las", "en "), r"\ba las\s\d{1,2}(?::\d{2})?\b|\ben\s\d{1,3}\s?(?:minutos|min|horas|hrs)\b"),
        (("点", "點", "分", "小时", "小時"),
         r"\d{1,2}\s?(?:点|點)|\d{1,3}\s?(?:分钟|分鐘|小时|小時)(?:后|後|之后|以后|内)"),
        (("الساعه", "بعد"), r"الساعه\s?\d{1,2}|بعد\s?\d{1,3}\s?(?:دقيقه|دقايق|دقائق|ساعه|ساعات)"),
    )
)


def _gated_matches(patterns: tuple[_Gated, ...], norm: str) -> list[re.Match[str]]:
    """Matches of every pattern whose gate (a substring) occurs in `norm`, in text order."""
    found = [m for gate, pattern in patterns if gate.search(norm) for m in pattern.finditer(norm)]
    if len(found) > 1:
        found.sort(key=re.Match.start)
    return found


def _number_words() -> dict[str, int]:
    """Written-out numbers 5..99 that state ages in five languages ("thirteen", "catorce", "dua
    belas", "ثلاثة عشر"); smaller ones ("one", "two") are mostly not ages ("he's two-faced")."""
    words: dict[str, int] = {}
    en_units = "one two three four five six seven eight nine".split()
    en_teens = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
    en_tens = "twenty thirty forty fifty sixty seventy eighty ninety".split()
    words.update({w: 5 + i for i, w in enumerate(en_units[4:])})
    words.update({w: 10 + i for i, w in enumerate(en_teens)})
    for t, tens in enumerate(en_tens):
        words[tens] = 20 + 10 * t
        for u, unit in enumerate(en_units):
            words[f"{tens} {unit}"] = words[f"{tens}-{unit}"] = 21 + 10 * t + u
    es = ("cinco seis siete ocho nueve diez once doce trece catorce quince dieciseis diecisiete dieciocho "
          "diecinueve veinte veintiuno veintidos veintitres veinticuatro veinticinco veintiseis veintisiete "
          "veintiocho veintinueve").split()
    words.update({w: 5 + i for i, w in enumerate(es)})
    del words["once"]  # Spanish 11, but an English word ("he is once again ...")
    words.update({"treinta": 30, "cuarenta": 40, "cincuenta": 50})
    ms_units = "satu dua tiga empat lima enam tujuh delapan sembilan".split()
    words.update({w: 5 + i for i, w in enumerate(ms_units[4:])})
    words.update({"lapan": 8, "sepuluh": 10, "sebelas": 11})
    for u, unit in enumerate(ms_units[1:]):
        words[f"{unit} belas"] = 12 + u
    words.update({"lapan belas": 18, "dua puluh": 20, "tiga puluh": 30, "empat puluh": 40})
    ar_units = {"خمس": 5, "خمسه": 5, "ست": 6, "سته": 6, "سبع": 7, "سبعه": 7, "ثمان": 8, "ثماني": 8, "ثمانيه": 8,
                "تسع": 9, "تسعه": 9}
    words.update(ar_units)
    words.update({"عشر": 10, "عشره": 10, "احد عشر": 11, "احدى عشر": 11, "اثنا عشر": 12, "اثني عشر": 12,
                  "عشرين": 20, "عشرون": 20, "ثلاثين": 30, "اربعين": 40})
    for unit, value in {"ثلاث": 3, "ثلاثه": 3, "اربع": 4, "اربعه": 4, **ar_units}.items():
        words[f"{unit} عشر"] = words[f"{unit} عشره"] = 10 + value
    return words


NUMBER_WORDS = _number_words()
_NUMBER_WORD = re.compile(
    r"\b(?:" + "|".join(re.escape(w) for w in sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b"
)
# First words of the number words: a report without one of these tokens has no written-out age.
NUMBER_WORD_STARTS = frozenset(w.replace("-", " ").split()[0] for w in NUMBER_WORDS)


def with_digits(norm: str) -> str:
    """`norm` with written-out numbers as digits ("im thirteen" -> "im 13")."""
    return _NUMBER_WORD.sub(lambda m: str(NUMBER_WORDS[m.group()]), norm)


def chinese_numeral(text: str) -> int | None:
    """Value of a Chinese numeral up to 99 ("十二" -> 12, "八九" -> 8), or None."""
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (_CN_DIGITS.get(tens, 0) if tens else 1) * 10
        return value + (_CN_DIGITS.get(ones, 0) if ones else 0)
    if len(text) == 2 and text[0] in _CN_DIGITS and text[1] in _CN_DIGITS:
        return _CN_DIGITS[text[0]]  # "八九岁": eight or nine, the lower bound
    return _CN_DIGITS.get(text) if len(text) == 1 else None


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))[:_MAX_FACTS]


def _in_text_order(terms: list[str], norm: str) -> tuple[str, ...]:
    """Lexicon terms in the order the report says them (set matching loses the order)."""
    if len(terms) < 2:
        return tuple(terms)
    return _unique(sorted(terms, key=lambda t: (norm.find(t) % (len(norm) + 1), t)))


def _time_expressions(hits: dict[str, list[str]], clock: list[str], norm: str) -> tuple[str, ...]:
    named = _in_text_order(hits["time_soon"], norm) if "time_soon" in hits else ()
    if not clock:
        return named
    return _unique([*named, *(c.strip() for c in clock)])


def ages(norm: str, words: Sequence[str] = ()) -> tuple[int, ...]:
    """Stated ages; `words` (the text's tokens) tell whether written-out numbers need reading."""
    if not NUMBER_WORD_STARTS.isdisjoint(words):
        norm = with_digits(norm)
    found = [int(match.group(1)) for match in _gated_matches(_AGE_PATTERNS, norm)]
    if "岁" in norm or "歲" in norm:
        for numeral in _CN_NUMERAL_AGE.findall(norm):
            value = chinese_numeral(numeral)
            if value is not None:
                found.append(value)
    return tuple(dict.fromkeys(a for a in found if 0 < a < 100))


def _money(norm: str) -> tuple[str, ...]:
    found = []
    for match in _MONEY.finditer(norm):
        if not _AUDIENCE.match(norm, match.end()):
            found.append(match.group().strip())
    return _unique(found)


def extract_facts(event: FeedbackEvent, norm: str, hits: dict[str, list[str]], words: Sequence[str] = ()) -> Facts:
    """Facts from the normalised text `norm`, its tokens `words`, its lexicon `hits` and the
    event's metadata."""
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
        money = _money(norm)
        clock = [m.group() for m in _gated_matches(_TIME_PATTERNS, norm)]
    spelled = not NUMBER_WORD_STARTS.isdisjoint(words)
    stated_ages = ages(norm, words) if digits or spelled or "岁" in norm or "歲" in norm else ()
    live = "live" in hits or (event.subject is not None and event.subject.type == SubjectType.LIVE)
    return Facts(
        urls=urls,
        handles=handles,
        emails=emails,
        phones=phones,
        money=money,
        ages=stated_ages,
        minor_involved="minor" in hits or (bool(stated_ages) and min(stated_ages) < ADULT_AGE),
        time_expressions=_time_expressions(hits, clock, norm),
        weapons=_in_text_order(hits["weapon"], norm) if "weapon" in hits else (),
        live_in_progress=live,
        means=_in_text_order(hits["means"], norm) if "means" in hits else (),
    )
