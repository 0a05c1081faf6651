"""The words the whole system shares: categories, priorities, channels, subject kinds."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    CHILD_SAFETY = "child_safety"
    SELF_HARM = "self_harm"
    VIOLENT_THREAT = "violent_threat"
    ANIMAL_CRUELTY = "animal_cruelty"
    HATE_SPEECH = "hate_speech"
    HARASSMENT = "harassment"
    SCAM_FRAUD = "scam_fraud"
    PRIVACY_IMPERSONATION = "privacy_impersonation"
    ACCOUNT_SECURITY = "account_security"
    PRODUCT_ISSUE = "product_issue"
    OTHER = "other"


class Priority(StrEnum):
    """P0 is the most urgent. Compare with `rank` (lower is more urgent)."""

    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @property
    def rank(self) -> int:
        return int(self.value[1])

    def outranks(self, other: Priority) -> bool:
        return self.rank < other.rank


def most_urgent(a: Priority, b: Priority) -> Priority:
    return a if a.rank <= b.rank else b


class Channel(StrEnum):
    IN_APP_REPORT = "in_app_report"
    SUPPORT_CHAT = "support_chat"
    EMAIL = "email"
    WEB_FORM = "web_form"
    SOCIAL_MENTION = "social_mention"
    CALL_CENTER = "call_center"
    API = "api"


class SubjectType(StrEnum):
    VIDEO = "video"
    COMMENT = "comment"
    LIVE = "live"
    MESSAGE = "message"
    ACCOUNT = "account"
    OTHER = "other"


class ReasonCode(StrEnum):
    """What the reporting user picked in the client, if anything."""

    CHILD_SAFETY = "child_safety"
    SELF_HARM = "self_harm"
    VIOLENCE = "violence"
    ANIMAL_CRUELTY = "animal_cruelty"
    HATE_SPEECH = "hate_speech"
    HARASSMENT = "harassment"
    NUDITY = "nudity"
    SCAM = "scam"
    SPAM = "spam"
    IMPERSONATION = "impersonation"
    PRIVACY = "privacy"
    ACCOUNT_SECURITY = "account_security"
    BUG = "bug"
    PAYMENT = "payment"
    FEATURE_REQUEST = "feature_request"
    APPEAL = "appeal"
    OTHER = "other"
