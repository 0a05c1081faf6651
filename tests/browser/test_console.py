"""The ops console in real headless Chromium against a real worker, and its JSON/SSE endpoints.

The worker runs the intake role, as in production: the pattern alerts on its console come
from the alerts topic (a pattern worker's output; here the test writes one).

Screenshot: test-artifacts/console.png on every run; docs/console.png (README) when missing
or with VIGIL_UPDATE_SCREENSHOT=1.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import urllib.error
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import msgspec
import pytest

from streams.core.patterns import AlertStatus, PatternAlert, PatternKind
from streams.settings import Role
from tests.conftest import unavailable
from tests.integration.harness import REPO, Worker, event, running_worker, settings_for

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
    "--no-first-run", "--disable-component-update", "--disable-sync",
]
SAMPLE = (REPO / "data" / "sample" / "feedback.jsonl").read_bytes().splitlines()[:150]
WAIT_MS = 60_000


def sample_texts(longer_than: int = 12) -> list[str]:
    """Report texts of the sample (long enough not to match page text by chance)."""
    texts = []
    for line in SAMPLE:
        try:
            texts.append(msgspec.json.decode(line)["text"])
        except (msgspec.DecodeError, KeyError, TypeError):
            pass
    return [t for t in texts if len(t) > longer_than]


def reports(tag: str, count: int) -> tuple[list[bytes], list[str]]:
    texts = [f"{tag} report {i}: he keeps threatening to hurt me and posts my address" for i in range(count)]
    lines = [
        event(f"{tag}-{i}", text, reporter={"user_id": f"u-{tag}-{i}", "region": "US", "language": "en"},
              subject={"type": "account", "id": f"acct-{tag}-{i}"})
        for i, text in enumerate(texts)
    ]
    return lines, texts


@pytest.fixture(scope="module")
def worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    tmp = tmp_path_factory.mktemp("console-worker")
    settings = settings_for(kafka_bootstrap, f"console{uuid.uuid4().hex[:8]}", tmp, role=Role.INTAKE)
    with running_worker(settings, tmp / "worker.log") as worker:
        yield worker


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        unavailable("chromium", "install Debian's chromium package (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright", "pip install -e '.[test]' (the Python package drives the system chromium)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page
            assert errors == [], f"script errors on the page: {errors}"
        finally:
            context.close()


def produce(worker: Worker, lines: list[bytes]) -> None:
    """Produce from another thread: Playwright's sync API keeps an event loop on this one."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(worker.produce, lines, True).result()


def spike_alert(tag: str) -> PatternAlert:
    """What the pattern worker publishes for a crash spike on one app version."""
    end = datetime.now(UTC).replace(microsecond=0)
    return PatternAlert(
        pattern_id=f"pat-{tag}", kind=PatternKind.SPIKE, status=AlertStatus.OPENED, version=1,
        dimensions={"category": "product_issue", "platform": "android", "app_version": "32.4.0"},
        window_start=end - timedelta(minutes=15), window_end=end, count=58, distinct_reporters=57, baseline=3.2,
        score=11.4, sample_event_ids=(f"{tag}-1",),
        summary="product_issue reports from Android 32.4.0 rose to 58 in 15 min (57 distinct subjects, "
                "57 reporters), 18x the 3.2 expected",
        suggested_action="ask product (mobile) to check the Android 32.4.0 release; merge the cases into one incident",
    )


def publish_alert(worker: Worker, alert: PatternAlert) -> None:
    value = worker.codec.encode(alert)
    with ThreadPoolExecutor(1) as pool:
        pool.submit(worker.produce_raw, worker.topics.patterns, [value], alert.pattern_id.encode()).result()


CONTRAST = """cell => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let node = cell, background = "rgba(0, 0, 0, 0)";
  while (node && /rgba\\(.*, 0\\)$/.test(background)) { background = getComputedStyle(node).backgroundColor; node = node.parentElement; }
  const [a, b] = [lum(getComputedStyle(cell).color), lum(background)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def number(page: Any, element_id: str) -> int:
    return int(page.inner_text(f"#{element_id}"))


def wait_for_number(page: Any, element_id: str, expected: int) -> None:
    page.wait_for_function(
        "([id, n]) => document.getElementById(id).textContent === String(n)", arg=[element_id, expected], timeout=WAIT_MS
    )


def save_screenshot(page: Any) -> None:
    artifact = REPO / "test-artifacts" / "console.png"
    artifact.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(artifact), full_page=True)
    docs = REPO / "docs" / "console.png"
    if not docs.exists() or os.environ.get("VIGIL_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(artifact, docs)


def test_console_updates_live_and_hides_report_text(worker: Worker, page: Any) -> None:
    page.goto(worker.url + "/console")
    page.wait_for_function("document.getElementById('connection').textContent === 'live'", timeout=WAIT_MS)
    status = page.locator("#connection")
    assert (status.get_attribute("role"), status.get_attribute("aria-live")) == ("status", "polite")
    records, escalations = number(page, "records-total"), page.locator("#escalations li").count()
    rate_before, mix_before = page.inner_text("#events-per-second"), page.inner_text("#outcome-legend")

    lines, texts = reports(f"live{uuid.uuid4().hex[:6]}", 3)
    produce(worker, [*lines, b'{"event_id": "console-bad", "channel": "in_app_report"}'])
    wait_for_number(page, "records-total", records + 4)
    page.wait_for_function(f"document.querySelectorAll('#escalations li').length > {escalations}", timeout=WAIT_MS)
    assert page.locator("#dead-letters tr.dead-letter", has_text="console-bad").count() == 1

    produce(worker, SAMPLE)  # the sample: every team, P0s, duplicates, invalid lines
    wait_for_number(page, "records-total", records + 4 + len(SAMPLE))
    assert number(page, "open-total") > 0
    assert page.locator("#queues tbody tr").count() >= 3
    assert page.locator("#deadlines .badge.P0").count() >= 1
    page.wait_for_function("before => document.getElementById('events-per-second').textContent !== before",
                           arg=rate_before, timeout=WAIT_MS)
    assert float(page.inner_text("#events-per-second")) > 0
    assert page.inner_text("#outcome-legend") != mix_before
    assert page.locator("#outcome-mix [data-outcome='escalated']").evaluate("bar => parseFloat(bar.style.width)") > 0
    zero = page.locator("#queues td.zero").first
    assert zero.evaluate(CONTRAST) >= 4.5, "empty queue cells are too faint to read"

    alert = spike_alert(uuid.uuid4().hex[:6])
    publish_alert(worker, alert)
    shown_alert = page.locator(f"#patterns li[data-pattern='{alert.pattern_id}']")
    shown_alert.wait_for(timeout=WAIT_MS)
    assert alert.summary in shown_alert.inner_text() and "spike" in shown_alert.inner_text()

    shown = page.inner_text("body")
    assert [t for t in texts + sample_texts() if t in shown] == [], "report text is on the page without a click"
    assert page.locator("#escalations .show-text").count() >= 1
    save_screenshot(page)

    first = page.locator("#escalations li").first.element_handle()  # this row, wherever it moves
    button = first.query_selector(".show-text")
    assert button is not None and button.get_attribute("aria-expanded") == "false"
    button.click()
    excerpt = first.wait_for_selector("blockquote.excerpt", timeout=WAIT_MS)
    assert button.get_attribute("aria-expanded") == "true"
    assert any(t.startswith(excerpt.inner_text()) for t in texts + sample_texts(longer_than=0))
    assert page.locator("blockquote.excerpt").count() == 1  # only the one asked for

    # New snapshots keep coming; the rows already shown are updated in place, not rebuilt:
    # the button keeps its focus and the text stays open.
    button.focus()
    version = page.evaluate("document.body.dataset.version")
    more, _ = reports(f"more{uuid.uuid4().hex[:6]}", 2)
    produce(worker, more)
    page.wait_for_function("v => document.body.dataset.version !== v", arg=version, timeout=WAIT_MS)
    wait_for_number(page, "records-total", records + 4 + len(SAMPLE) + 2)
    assert button.evaluate("node => node === document.activeElement"), "a snapshot took the focus away"
    assert excerpt.is_visible() and button.get_attribute("aria-expanded") == "true"

    left = page.locator("#deadlines td.left").first
    before = left.inner_text()
    page.wait_for_function(
        "before => document.querySelector('#deadlines td.left').textContent !== before", arg=before, timeout=WAIT_MS
    )


def test_snapshot_withholds_text_and_serves_it_on_request(worker: Worker) -> None:
    tag = f"api{uuid.uuid4().hex[:6]}"
    lines, texts = reports(tag, 1)
    worker.produce(lines, as_json=True)
    worker.collect("escalations", until=1)

    body = worker.get("/api/console")
    assert texts[0].encode() not in body
    snapshot = json.loads(body)
    (mine,) = [e for e in snapshot["escalations"] if f"{tag}-0" in e["sample_event_ids"]]
    assert "excerpt" not in mine and mine["content_warning"] is True

    text = json.loads(worker.get(f"/api/escalations/{mine['escalation_id']}/text"))
    assert text == {"escalation_id": mine["escalation_id"], "excerpt": texts[0]}


@pytest.mark.parametrize("path", ["/api/escalations/esc-nobody/text", "/console/static/secrets.txt"])
def test_unknown_things_are_not_found(worker: Worker, path: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as error:
        worker.get(path)
    assert error.value.code == 404


@pytest.mark.parametrize(("path", "kind"), [("/console", "text/html"), ("/console/static/console.js", "application/javascript"),
                                            ("/console/static/console.css", "text/css")])
def test_page_and_assets_are_served(worker: Worker, path: str, kind: str) -> None:
    connection = http.client.HTTPConnection(worker.settings.web_host, worker.settings.web_port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Content-Type", "").startswith(kind)
    assert len(response.read()) > 500
    connection.close()


def test_stream_sends_a_snapshot_then_another_when_reports_arrive(worker: Worker) -> None:
    connection = http.client.HTTPConnection(worker.settings.web_host, worker.settings.web_port, timeout=30)
    connection.request("GET", "/api/console/stream")
    response = connection.getresponse()
    assert response.getheader("Content-Type", "").startswith("text/event-stream")

    def next_snapshot() -> dict[str, Any]:
        kind = None
        while True:
            line = response.fp.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: ") and kind == "snapshot":
                return json.loads(line.removeprefix("data: "))

    try:
        first = next_snapshot()
        lines, texts = reports(f"sse{uuid.uuid4().hex[:6]}", 1)
        worker.produce(lines, as_json=True)
        for _ in range(30):  # a snapshot goes out on every change, and every 5 s anyway
            later = next_snapshot()
            if sum(later["outcomes"].values()) > sum(first["outcomes"].values()):
                break
        else:
            pytest.fail("no snapshot carried the new report's outcome")
        assert texts[0] not in json.dumps(later)
    finally:
        connection.close()


def test_the_page_reconnects_with_backoff_when_the_stream_is_refused(worker: Worker, page: Any) -> None:
    """A worker that answers the stream with an error (restarting) closes the EventSource for
    good; the page says so and connects again, waiting longer each time."""
    refused: list[str] = []

    def refuse_twice(route: Any) -> None:
        if len(refused) < 2:
            refused.append(route.request.url)
            route.fulfill(status=503, body="restarting")
        else:
            route.continue_()

    page.route("**/api/console/stream", refuse_twice)
    page.goto(worker.url + "/console")
    page.wait_for_function("document.getElementById('connection').textContent.startsWith('disconnected; retrying in 2')",
                           timeout=WAIT_MS)
    page.wait_for_function("document.getElementById('connection').textContent === 'live'", timeout=WAIT_MS)
    assert len(refused) == 2


def test_after_a_restart_the_queues_show_before_the_first_sla_tick(
    kafka_bootstrap: str, tmp_path: Path, page: Any
) -> None:
    # An SLA tick an hour away: whatever fills the queue table after the restart is not it.
    settings = settings_for(kafka_bootstrap, f"restart{uuid.uuid4().hex[:8]}", tmp_path, role=Role.INTAKE)
    settings = settings.model_copy(update={"sla_check_interval_s": 3600.0})
    lines, _ = reports(f"rs{uuid.uuid4().hex[:6]}", 3)
    with running_worker(settings, tmp_path / "worker.log") as worker:
        produce(worker, lines)
        with ThreadPoolExecutor(1) as pool:
            pool.submit(worker.collect, "outcomes", 3).result()

    with running_worker(settings, tmp_path / "restarted.log") as worker:  # its own log: "ready" is its own
        page.goto(worker.url + "/console")
        page.wait_for_function("document.getElementById('connection').textContent === 'live'", timeout=WAIT_MS)
        assert page.locator("#queues tbody tr").count() >= 1, "the queue table is empty after a restart"
        assert number(page, "open-total") >= 1
