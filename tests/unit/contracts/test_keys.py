"""Record keys: records that must be processed together share a key (and so a partition)."""

from __future__ import annotations

import msgspec
import pytest

from contract_samples import (
    FULL_ALERT,
    FULL_DEAD_LETTER,
    FULL_ESCALATION,
    FULL_FEEDBACK,
    FULL_OUTCOME,
    FULL_UPDATE,
    MINIMAL_DEAD_LETTER,
    MINIMAL_FEEDBACK,
)
from streams.codecs import record_key
from streams.core.outcome import Source

NO_EVENT_ID = msgspec.structs.replace(FULL_DEAD_LETTER, event_id=None, source=Source("vigil.feedback", 2, 99))


@pytest.mark.parametrize(
    ("record", "key"),
    [
        (FULL_FEEDBACK, b"acc-77"),  # the subject id
        (MINIMAL_FEEDBACK, b"u-2"),  # no subject: the reporter
        (FULL_ESCALATION, b"esc-1"),
        (FULL_UPDATE, b"esc-1"),  # updates meet their escalation
        (FULL_ALERT, b"pat-1"),
        (FULL_OUTCOME, b"evt-0001"),
        (FULL_DEAD_LETTER, b"evt-9"),
        (NO_EVENT_ID, b"vigil.feedback:2:99"),
        (MINIMAL_DEAD_LETTER, b""),
    ],
)
def test_record_key(record: msgspec.Struct, key: bytes) -> None:
    assert record_key(record) == key


def test_unknown_record_type_has_no_key() -> None:
    with pytest.raises(TypeError, match="no key rule for Source"):
        record_key(Source("t", 0, 0))
