"""Finding: what one detector rule sees for one key at one window end."""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.core.patterns.alert import PatternKind


@dataclass(slots=True)
class Finding:
    kind: PatternKind
    opens: bool  # strong enough to open a pattern
    holds: bool  # still elevated: keeps an open pattern from resolving
    window_s: int
    count: int  # the kind's measure in the window (see MEASURE)
    expected: float  # what the baseline predicts for that count over the window
    score: float
    reference: str = ""  # what it was compared with, e.g. "32.3.x"
    facts: dict[str, float] = field(default_factory=dict)  # numbers the summary quotes


# The quantity each kind counts: reports, or only the reports that carry its flag.
MEASURE: dict[PatternKind, str] = {
    PatternKind.SPIKE: "count",
    PatternKind.RELEASE_REGRESSION: "count",
    PatternKind.NEAR_DUPLICATE_CLUSTER: "count",
    PatternKind.ABUSIVE_REPORTER: "count",
    PatternKind.COORDINATED_REPORTING: "coordinated",
    PatternKind.RECURRING_SUBJECT: "reopened",
}
