"""Synthetic report traffic with a realistic shape, for the demo, the benchmark and tests.

Deterministic for a seed. Mix (by share of reports): support and product issues dominate,
then spam/scams, harassment, account problems; safety-critical reports are rare but present.
About 30 % of records repeat something (client retries with the same event_id, or more
reports on a popular subject) and a few percent are invalid, as real producers send.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Iterator

import msgspec

# (category, share, reason codes users pick, texts by language). Texts are short, plain and
# made up; they exist to exercise triage in six languages, not to be realistic prose.
MIX: list[tuple[str, float, list[str | None], dict[str, list[str]]]] = [
    ("product_issue", 0.30, ["bug", None], {
        "en": ["the app crashes every time I open the camera", "videos keep buffering since the last update",
               "I can't upload my video, it is stuck at 99%", "notifications stopped working after update 32.4"],
        "id": ["aplikasi selalu keluar sendiri saat buka kamera", "video tidak bisa diunggah sejak update terakhir"],
        "ms": ["aplikasi asyik tutup sendiri bila buka kamera", "tak boleh muat naik video selepas kemas kini"],
        "zh": ["打开相机应用就闪退", "更新后视频一直加载不出来"],
        "es": ["la aplicación se cierra cada vez que abro la cámara", "no puedo subir mi video desde la actualización"],
        "ar": ["التطبيق يغلق كل مرة أفتح الكاميرا", "لا أستطيع رفع الفيديو منذ التحديث الأخير"],
    }),
    ("other", 0.12, ["other", None], {
        "en": ["I don't like this video", "this song is overrated lol", "why is my feed full of cooking videos"],
        "id": ["saya tidak suka video ini"], "ms": ["saya tak suka video ni"], "zh": ["我不喜欢这个视频"],
        "es": ["no me gusta este video"], "ar": ["لا يعجبني هذا الفيديو"],
    }),
    ("scam_fraud", 0.14, ["scam", "spam"], {
        "en": ["this account promises to double your bitcoin, send 0.1 BTC to get 0.2 back",
               "fake giveaway asking for my card number to claim an iPhone", "he sold me a phone for $300 and never shipped it"],
        "id": ["akun ini minta transfer Rp 500.000 untuk hadiah palsu"], "ms": ["akaun ini minta bayar RM200 untuk hadiah palsu"],
        "zh": ["这个账号说转账给他可以翻倍返还，是骗局"], "es": ["me pidió transferir 200 dólares por un premio falso"],
        "ar": ["هذا الحساب يطلب تحويل المال مقابل جائزة مزيفة"],
    }),
    ("harassment", 0.12, ["harassment"], {
        "en": ["she keeps sending me insulting messages every day", "this guy comments on all my videos calling me ugly and stupid"],
        "id": ["dia terus mengirim pesan menghina saya setiap hari"], "ms": ["dia asyik hantar mesej menghina saya"],
        "zh": ["他每天都发消息骂我"], "es": ["me manda mensajes insultándome todos los días"], "ar": ["يرسل لي رسائل مهينة كل يوم"],
    }),
    ("account_security", 0.08, ["account_security", None], {
        "en": ["someone logged into my account from another country", "I got a password reset email I did not ask for"],
        "id": ["ada yang masuk ke akun saya dari negara lain"], "ms": ["ada orang log masuk akaun saya dari negara lain"],
        "zh": ["有人从国外登录了我的账号"], "es": ["alguien entró a mi cuenta desde otro país"], "ar": ["شخص ما دخل إلى حسابي من بلد آخر"],
    }),
    ("hate_speech", 0.06, ["hate_speech"], {
        "en": ["this video says immigrants are vermin and should be wiped out", "comments saying all muslims are terrorists"],
        "es": ["dice que los inmigrantes son basura y deben irse"], "id": ["video ini bilang semua orang cina harus diusir"],
    }),
    ("privacy_impersonation", 0.04, ["impersonation", "privacy"], {
        "en": ["this account is pretending to be me and using my photos", "they posted my home address and phone number"],
        "es": ["esta cuenta se hace pasar por mí con mis fotos"], "zh": ["这个账号冒充我，用我的照片"],
    }),
    ("self_harm", 0.02, ["self_harm"], {
        "en": ["my friend posted that she wants to kill herself tonight, she has pills", "this live shows a girl cutting herself right now"],
        "es": ["mi amiga dice que se quiere suicidar esta noche"], "id": ["teman saya bilang mau bunuh diri malam ini"],
        "ar": ["صديقتي تقول إنها تريد أن تقتل نفسها الليلة"],
    }),
    ("violent_threat", 0.02, ["violence"], {
        "en": ["he said he will bring a gun to school tomorrow and shoot everyone", "he threatened to stab me after class"],
        "es": ["dijo que mañana va a llevar un arma a la escuela"], "ms": ["dia ugut nak tikam saya esok"],
    }),
    ("child_safety", 0.01, ["child_safety"], {
        "en": ["an adult is asking my 12 year old sister for nude pictures", "this man keeps messaging kids asking them to meet alone"],
        "es": ["un adulto le pide fotos desnuda a mi hija de 13 años"], "id": ["orang dewasa minta foto telanjang dari adik saya yang berumur 12 tahun"],
    }),
    ("animal_cruelty", 0.01, [None, "violence"], {
        "en": ["this video shows someone kicking and torturing a puppy"], "zh": ["这个视频里有人虐待小猫"],
    }),
]
LANGUAGES = {"en": ("US", 0.45), "id": ("ID", 0.15), "ms": ("MY", 0.08), "zh": ("TW", 0.1), "es": ("MX", 0.12), "ar": ("SA", 0.1)}
CHANNELS = ["in_app_report"] * 6 + ["support_chat", "email", "web_form", "social_mention", "call_center", "api"]
PLATFORMS = [("android", ["32.3.1", "32.4.0"]), ("ios", ["32.3.0", "32.4.1"]), ("web", ["2026.11"])]


@dataclass(frozen=True)
class Shape:
    duplicate_share: float = 0.08  # client retries: the same record again
    popular_share: float = 0.22  # reports on a small set of popular subjects (merge into cases)
    invalid_share: float = 0.05
    subject_share: float = 0.7  # reports that name a subject
    reports_per_second: float = 5000 / 86400  # 5,000 a day


def generate(n: int, seed: int = 7, start: datetime | None = None, shape: Shape = Shape()) -> Iterator[bytes]:
    """n JSON lines of FeedbackEvent (a few deliberately invalid)."""
    rng = random.Random(seed)
    when = start or datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    categories = [m for m in MIX]
    weights = [m[1] for m in MIX]
    langs = list(LANGUAGES)
    lang_weights = [LANGUAGES[lang][1] for lang in langs]
    popular = [f"v{rng.randrange(10**6):06d}" for _ in range(max(3, n // 400))]
    recent: list[bytes] = []
    for i in range(n):
        when += timedelta(seconds=rng.expovariate(shape.reports_per_second))
        roll = rng.random()
        if roll < shape.invalid_share:
            yield _invalid(rng, i)
            continue
        if roll < shape.invalid_share + shape.duplicate_share and recent:
            yield rng.choice(recent)
            continue
        category, _, reasons, texts = rng.choices(categories, weights)[0]
        lang = rng.choices(langs, lang_weights)[0]
        if lang not in texts:
            lang = "en"
        event: dict[str, Any] = {
            "event_id": f"evt-{seed}-{i:08d}",
            "occurred_at": when.isoformat().replace("+00:00", "Z"),
            "channel": rng.choice(CHANNELS),
            "text": rng.choice(texts[lang]),
            "reporter": {"user_id": f"u{rng.randrange(n * 2 + 100)}", "region": LANGUAGES[lang][0], "language": lang,
                         "account_age_days": int(rng.expovariate(1 / 400))},
        }
        if (reason := rng.choice(reasons)) is not None:
            event["reason_code"] = reason
        if rng.random() < shape.popular_share:
            event["subject"] = {"type": "video", "id": rng.choice(popular)}
        elif rng.random() < shape.subject_share:
            event["subject"] = {"type": rng.choice(["video", "comment", "live", "account", "message"]),
                                "id": f"s{rng.randrange(10**9)}"}
        platform, versions = rng.choice(PLATFORMS)
        event["app"] = {"platform": platform, "version": rng.choice(versions)}
        line = msgspec.json.encode(event)
        recent = (recent + [line])[-50:]
        yield line


def _invalid(rng: random.Random, i: int) -> bytes:
    broken = [
        b'{"event_id": "bad-%d", "channel": "in_app_report"' % i,  # truncated JSON
        b'{"event_id": "bad-%d", "occurred_at": "2026-11-24T08:00:00Z", "channel": "carrier_pigeon", '
        b'"text": "x", "reporter": {"user_id": "u1", "region": "US", "language": "en"}}' % i,  # invalid enum
        b'{"event_id": "bad-%d", "channel": "email", "text": "no reporter or time"}' % i,  # missing fields
        b"\x00\x01garbage-%d" % i,  # not JSON at all
    ]
    return rng.choice(broken)
