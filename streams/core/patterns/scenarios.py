"""Synthetic report traffic for measuring and testing the pattern core.

Baseline traffic: reports from 12 regions, each with a daily cycle in its own local time
(evening peak, early-morning trough), 11 categories, Android/iOS app versions rolled out on
a schedule, heavy-tailed reporter and subject activity, template texts that form lasting
near-duplicate clusters, case reopenings and random bursts: 2-3 reports within 3 minutes in
one category x region, by different reporters, about one subject (several people saw the
same thing; a few of these are coordinated) or about different subjects (one bad actor's
posts, one local outage's victims). Reports arrive a few seconds after they occurred, a few
of them minutes late. On top of it, optional injected patterns with their ground truth:

- spikes: one category x region key at >= `spike_multiple` times its baseline rate for
  10-30 minutes, carrying at least `spike_min_reports` reports;
- release regressions: a new app version whose product_issue reports per user are
  `regression_multiplier` times those of the older versions;
- recurring subjects: a subject whose case is reopened by new reports 3-5 times, hours to
  a day apart (its injection starts at the third reopening, when it becomes detectable).

Synthetic by construction: no real data is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from streams.core.patterns.observation import Observation
from streams.core.taxonomy import Category, Priority

# region, UTC offset (hours), main language, share of reports
REGIONS: tuple[tuple[str, float, str, float], ...] = (
    ("US", -5, "en", 0.22), ("IN", 5.5, "hi", 0.14), ("BR", -3, "pt", 0.12),
    ("ID", 7, "id", 0.08), ("GB", 0, "en", 0.06), ("DE", 1, "de", 0.06),
    ("MX", -6, "es", 0.06), ("JP", 9, "ja", 0.05), ("NG", 1, "en", 0.05),
    ("FR", 1, "fr", 0.05), ("PH", 8, "tl", 0.05), ("TR", 3, "tr", 0.06),
)  # fmt: skip
CATEGORIES: tuple[tuple[Category, float], ...] = (
    (Category.PRODUCT_ISSUE, 0.22), (Category.SCAM_FRAUD, 0.15), (Category.HARASSMENT, 0.15),
    (Category.ACCOUNT_SECURITY, 0.10), (Category.OTHER, 0.10), (Category.HATE_SPEECH, 0.08),
    (Category.PRIVACY_IMPERSONATION, 0.06), (Category.VIOLENT_THREAT, 0.04),
    (Category.ANIMAL_CRUELTY, 0.04), (Category.SELF_HARM, 0.03), (Category.CHILD_SAFETY, 0.03),
)  # fmt: skip
# platform, share of reports; None: the report came without app info (email, web form)
PLATFORMS: tuple[tuple[str | None, float], ...] = (
    ("android", 0.50), ("ios", 0.32), ("web", 0.08), (None, 0.10),
)
VERSIONED = ("android", "ios")
DIURNAL_AMPLITUDE = 0.7  # rate swings between 0.3x and 1.7x the daily mean
PEAK_LOCAL_HOUR = 21.0
ADOPTION_HALF_S = 36 * 3600  # half of a platform's users run a new version 36 h after release
ADOPTION_SPREAD_S = 8 * 3600
EPOCH = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday, midnight UTC


@dataclass(frozen=True, slots=True)
class ScenarioConfig:
    days: float = 7.0
    reports_per_day: int = 5000
    seed: int = 1
    start: datetime = EPOCH
    spikes: int = 0
    spike_multiple: float = 10.0
    spike_min_reports: int = 30
    spike_minutes: tuple[float, float] = (10.0, 30.0)
    spike_spacing_s: int = 90 * 60  # injected patterns never overlap in time
    quiet_start_s: int = 8 * 3600  # nothing injected before this (detector warm-up)
    regressions: int = 0
    regression_multiplier: tuple[float, float] = (4.0, 8.0)
    release_every_days: float = 5.0
    recurring: int = 0
    recurring_reopens: tuple[int, int] = (3, 5)
    recurring_gap_h: tuple[float, float] = (4.0, 30.0)
    clump_fraction: float = 0.12  # bursts: 2-3 reports in one category x region within 3 min
    clump_same_subject: float = 0.5  # share of bursts about one subject (else one subject each)
    coordinated_clump_fraction: float = 0.04  # of the bursts about one subject
    reopen_probability: float = 0.01
    template_fraction: float = 0.10  # single reports whose text is a common template
    templates: int = 20
    reporters: int = 40_000
    subjects: int = 300_000
    rejected_reporter_fraction: float = 0.03
    late_fraction: float = 0.005  # arrive 1-5 minutes after they occurred
    mean_arrival_delay_s: float = 5.0


@dataclass(slots=True)
class Injection:
    kind: str  # "spike" | "release_regression" | "recurring_subject"
    dimensions: dict[str, str]
    start: datetime
    end: datetime
    reports: int
    event_ids: set[str] = field(default_factory=set)
    multiplier: float = 0.0


@dataclass(slots=True)
class Arrival:
    at: datetime  # when the report reaches Vigil
    observation: Observation


@dataclass(slots=True)
class Scenario:
    config: ScenarioConfig
    arrivals: list[Arrival]  # in arrival order
    injections: list[Injection]
    releases: list[tuple[str, str, datetime]]  # platform, version, release time


@dataclass(frozen=True, slots=True)
class _Release:
    platform: str
    version: str
    at_s: float  # seconds since scenario start; -inf for the version everyone starts on


@dataclass(slots=True)
class _Report:
    t: float  # seconds since scenario start
    category: Category
    region: int
    reporter: int
    subject: str
    cluster: str | None
    coordinated: bool
    event_id: str
    platform: str | None = None
    version: str | None = None
    reopened: bool | None = None  # None: reopens a case at the background rate


def diurnal(epoch_s: np.ndarray | float, utc_offset_h: float) -> np.ndarray:
    """Rate multiplier at a moment (epoch seconds) for a region; its mean over a day is 1."""
    local_h = (np.asarray(epoch_s) / 3600 + utc_offset_h) % 24
    return 1 + DIURNAL_AMPLITUDE * np.cos(2 * math.pi * (local_h - PEAK_LOCAL_HOUR) / 24)


def key_rate_per_s(config: ScenarioConfig, category: Category, region: str, t_s: float) -> float:
    """Baseline reports per second of one category x region key at scenario time t."""
    r = next(r for r in REGIONS if r[0] == region)
    share = dict(CATEGORIES)[category] * r[3]
    at = config.start.timestamp() + t_s
    return share * config.reports_per_day / 86_400 * float(diurnal(at, r[1]))


def generate(config: ScenarioConfig) -> Scenario:
    return _Generator(config).run()


class _Generator:
    def __init__(self, config: ScenarioConfig) -> None:
        self.c = config
        self.rng = np.random.default_rng(config.seed)
        self.duration = config.days * 86_400
        self.releases = self._releases()
        self.reporter_of = _Sampler(_zipf(config.reporters, 0.4), self.rng)
        self.subject_of = _Sampler(_zipf(config.subjects, 0.5), self.rng)
        self.template_of = _Sampler(_zipf(config.templates, 1.0), self.rng)
        self.category_of = _Sampler(np.array([w for _, w in CATEGORIES]), self.rng)
        rejected = self.rng.random(config.reporters) < config.rejected_reporter_fraction
        self.rejected = set(np.flatnonzero(rejected).tolist())
        self.next_id = 0
        self.next_cluster = 0
        self.regressed: dict[tuple[str, str], float] = {}

    def run(self) -> Scenario:
        injections = self._place_regressions()
        reports = self._baseline()
        for r in reports:
            self._assign_app(r)
        reports += self._regression_reports(reports, injections)
        injections += self._spikes(reports)
        injections += self._recurring(reports)
        arrivals = [self._arrival(r) for r in reports]
        arrivals.sort(key=lambda a: (a.at, a.observation.event_id))
        releases = [
            (r.platform, r.version, self._time(r.at_s)) for r in self.releases if r.at_s > 0
        ]
        return Scenario(self.c, arrivals, injections, releases)

    # ---- baseline traffic ----------------------------------------------------------------

    def _baseline(self) -> list[_Report]:
        c = self.c
        mean_clump_extra = c.clump_fraction * 1.5  # clumps have 2 or 3 reports
        incidents_per_s = c.reports_per_day / (1 + mean_clump_extra) / 86_400
        peak = 1 + DIURNAL_AMPLITUDE
        reports: list[_Report] = []
        for index, (_, offset, _, share) in enumerate(REGIONS):
            n = self.rng.poisson(share * incidents_per_s * peak * self.duration)
            times = self.rng.uniform(0, self.duration, n)
            epoch = times + c.start.timestamp()
            times = times[self.rng.random(n) < diurnal(epoch, offset) / peak]
            for t in times:
                reports += self._incident(float(t), index)
        return reports

    def _incident(self, t: float, region: int) -> list[_Report]:
        rng, c = self.rng, self.c
        category = CATEGORIES[self.category_of.draw()][0]
        subject = self._subject()
        if rng.random() >= c.clump_fraction:
            return [self._report(t, category, region, subject, self._template(), False)]
        size = int(rng.integers(2, 4))
        offsets = [0.0, *rng.uniform(0, 180, size - 1)]
        if rng.random() >= c.clump_same_subject:
            return [
                self._report(t + o, category, region, self._subject(), self._template(), False)
                for o in offsets
            ]
        cluster = self._cluster()
        coordinated = bool(rng.random() < c.coordinated_clump_fraction)
        return [
            self._report(t + o, category, region, subject, cluster, coordinated) for o in offsets
        ]

    def _report(
        self, t: float, category: Category, region: int, subject: str, cluster: str | None,
        coordinated: bool, prefix: str = "e",
    ) -> _Report:  # fmt: skip
        self.next_id += 1
        reporter = self.reporter_of.draw()
        return _Report(
            t, category, region, reporter, subject, cluster, coordinated,
            f"{prefix}{self.next_id}",
        )  # fmt: skip

    def _subject(self) -> str:
        kind = ("video", "comment", "account", "live")[int(self.rng.integers(0, 4))]
        return f"{kind}:{self.subject_of.draw()}"

    def _template(self) -> str | None:
        if self.rng.random() >= self.c.template_fraction:
            return None
        return f"template-{self.template_of.draw()}"

    def _cluster(self) -> str:
        self.next_cluster += 1
        return f"cluster-{self.next_cluster}"

    # ---- app versions --------------------------------------------------------------------

    def _releases(self) -> list[_Release]:
        every = self.c.release_every_days * 86_400
        out = [_Release(p, "32.0.0", -math.inf) for p in VERSIONED]
        for n, platform in enumerate(VERSIONED):
            at, minor = every * (0.3 + 0.5 * n), 1
            while at < self.duration:
                out.append(_Release(platform, f"32.{minor}.0", at))
                at, minor = at + every, minor + 1
        return out

    def _assign_app(self, r: _Report) -> None:
        u = self.rng.random()
        for platform, share in PLATFORMS:
            if u < share:
                break
            u -= share
        r.platform = platform
        if platform in VERSIONED:
            r.version = self._version_at(platform, r.t)

    def _version_at(self, platform: str, t: float) -> str:
        """Newest first, each version takes its adoption share of the users left."""
        u, left = self.rng.random(), 1.0
        live = [r for r in self.releases if r.platform == platform and r.at_s <= t]
        for release in sorted(live, key=lambda r: r.at_s, reverse=True):
            share = left * _adoption(t - release.at_s)
            if u < share:
                return release.version
            u -= share
            left -= share
        return live[0].version

    # ---- injected patterns ---------------------------------------------------------------

    def _place_regressions(self) -> list[Injection]:
        candidates = [r for r in self.releases if r.at_s >= self.c.quiet_start_s]
        if self.c.regressions > len(candidates):
            raise ValueError(
                f"{self.c.regressions} regressions asked but only {len(candidates)} releases "
                f"happen in {self.c.days} days: lower --regressions or release_every_days"
            )
        chosen = self.rng.choice(len(candidates), size=self.c.regressions, replace=False)
        injections = []
        for i in sorted(int(x) for x in chosen):
            release = candidates[i]
            low, high = self.c.regression_multiplier
            multiplier = float(self.rng.uniform(low, high))
            self.regressed[(release.platform, release.version)] = multiplier
            injections.append(
                Injection(
                    kind="release_regression",
                    dimensions={
                        "category": Category.PRODUCT_ISSUE.value,
                        "platform": release.platform,
                        "app_version": release.version,
                    },
                    start=self._time(release.at_s),
                    end=self._time(self.duration),
                    reports=0,
                    multiplier=multiplier,
                )
            )
        return injections

    def _regression_reports(self, reports: list[_Report], injections: list[Injection]) -> list[_Report]:
        """A regressed build gets (multiplier - 1) extra product_issue reports per usual one."""
        by_version = {
            (i.dimensions["platform"], i.dimensions["app_version"]): i for i in injections
        }
        extra: list[_Report] = []
        for r in reports:
            injection = by_version.get((r.platform or "", r.version or ""))
            if injection is None or r.category is not Category.PRODUCT_ISSUE:
                continue
            for _ in range(self.rng.poisson(injection.multiplier - 1)):
                t = min(self.duration - 1, r.t + float(self.rng.uniform(0, 600)))
                copy = self._report(t, r.category, r.region, self._subject(), None, False, "reg")
                copy.platform, copy.version = r.platform, r.version
                injection.event_ids.add(copy.event_id)
                injection.reports += 1
                extra.append(copy)
        return extra

    def _spikes(self, reports: list[_Report]) -> list[Injection]:
        c = self.c
        starts = self._spike_starts()
        injections = []
        for start in starts:
            category = CATEGORIES[int(self.rng.integers(0, len(CATEGORIES)))][0]
            region = int(self.rng.integers(0, len(REGIONS)))
            minutes = float(self.rng.uniform(*c.spike_minutes))
            base = key_rate_per_s(c, category, REGIONS[region][0], start) * minutes * 60
            n = max(c.spike_min_reports, math.ceil((c.spike_multiple - 1) * base))
            times = np.sort(self.rng.uniform(start, start + minutes * 60, n))
            injection = Injection(
                kind="spike",
                dimensions={"category": category.value, "region": REGIONS[region][0]},
                start=self._time(start),
                end=self._time(start + minutes * 60),
                reports=n,
            )
            for t in times:
                r = self._report(float(t), category, region, self._subject(), None, False, "spike")
                self._assign_app(r)
                injection.event_ids.add(r.event_id)
                reports.append(r)
            injections.append(injection)
        return injections

    def _recurring(self, reports: list[_Report]) -> list[Injection]:
        """Subjects of their own (no background report is about them), reported again and
        again: the first report opens a case, each later one reopens it."""
        c = self.c
        injections = []
        for n in range(c.recurring):
            reopens = int(self.rng.integers(c.recurring_reopens[0], c.recurring_reopens[1] + 1))
            gaps = self.rng.uniform(*c.recurring_gap_h, reopens) * 3600
            latest = self.duration - float(gaps.sum()) - 3600
            if latest < c.quiet_start_s:
                raise ValueError(
                    f"{reopens} reopenings up to {c.recurring_gap_h[1]:g} h apart do not fit "
                    f"into {c.days} days: raise --days or lower recurring_gap_h"
                )
            first = float(self.rng.uniform(c.quiet_start_s, latest))
            times = first + np.concatenate(([0.0], np.cumsum(gaps)))
            category = CATEGORIES[self.category_of.draw()][0]
            region = int(self.rng.integers(0, len(REGIONS)))
            subject = f"account:recurring-{n}"
            injection = Injection(
                kind="recurring_subject",
                dimensions={"subject": subject},
                start=self._time(float(times[3])),  # the third reopening
                end=self._time(float(times[-1])),
                reports=len(times),
            )
            for i, t in enumerate(times):
                r = self._report(float(t), category, region, subject, None, False, "rec")
                r.reopened = i > 0
                self._assign_app(r)
                injection.event_ids.add(r.event_id)
                reports.append(r)
            injections.append(injection)
        return injections

    def _spike_starts(self) -> list[float]:
        c = self.c
        latest = self.duration - c.spike_minutes[1] * 60 - 3600
        taken: list[float] = []
        for _ in range(c.spikes):
            for _attempt in range(1000):
                t = float(self.rng.uniform(c.quiet_start_s, latest))
                if all(abs(t - other) >= c.spike_spacing_s for other in taken):
                    taken.append(t)
                    break
            else:
                raise ValueError(
                    f"cannot fit {c.spikes} spikes {c.spike_spacing_s // 60} min apart into "
                    f"{c.days} days: lower --spikes or raise --days"
                )
        return sorted(taken)

    # ---- arrival -------------------------------------------------------------------------

    def _arrival(self, r: _Report) -> Arrival:
        rng, c = self.rng, self.c
        if rng.random() < c.late_fraction:
            delay = float(rng.uniform(60, 300))
        else:
            delay = float(rng.exponential(c.mean_arrival_delay_s))
        region, _, language, _ = REGIONS[r.region]
        if rng.random() < 0.15:
            language = "en"
        obs = Observation(
            event_id=r.event_id,
            occurred_at=self._time(r.t),
            category=r.category,
            priority=_priority(r.category, rng.random()),
            region=region,
            language=language,
            reporter_id=f"u{r.reporter}",
            platform=r.platform,
            app_version=r.version,
            subject_key=r.subject,
            text_cluster=r.cluster,
            case_reopened=(
                bool(rng.random() < c.reopen_probability) if r.reopened is None else r.reopened
            ),
            coordinated=r.coordinated,
            reporter_rejected=r.reporter in self.rejected,
        )
        return Arrival(self._time(r.t + delay), obs)

    def _time(self, t_s: float) -> datetime:
        return self.c.start + timedelta(seconds=t_s)


class _Sampler:
    """Draws indexes with given weights; one binary search per draw."""

    def __init__(self, weights: np.ndarray, rng: np.random.Generator) -> None:
        self._cdf = np.cumsum(weights) / weights.sum()
        self._rng = rng

    def draw(self) -> int:
        return min(int(np.searchsorted(self._cdf, self._rng.random(), side="right")), len(self._cdf) - 1)


_URGENT = {Category.CHILD_SAFETY, Category.SELF_HARM, Category.VIOLENT_THREAT}


def _priority(category: Category, u: float) -> Priority:
    if category in _URGENT:
        return Priority.P0 if u < 0.4 else Priority.P1
    return Priority.P2 if u < 0.7 else Priority.P3


def _zipf(n: int, exponent: float) -> np.ndarray:
    weights = 1 / np.arange(1, n + 1) ** exponent
    return weights / weights.sum()


def _adoption(elapsed_s: float) -> float:
    if elapsed_s == math.inf:
        return 1.0
    return 1 / (1 + math.exp(-(elapsed_s - ADOPTION_HALF_S) / ADOPTION_SPREAD_S))
