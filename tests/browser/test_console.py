"""The ops console in real headless Chromium against a real worker, and its JSON/SSE endpoints.

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
from pathlib import Path
from typing import Any, Iterator

import msgspec
import pytest

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
    settings = settings_for(kafka_bootstrap, f"console{uuid.uuid4().hex[:8]}", tmp)
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
    records, escalations = number(page, "records-total"), page.locator("#escalations li").count()

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

    shown = page.inner_text("body")
    assert [t for t in texts + sample_texts() if t in shown] == [], "report text is on the page without a click"
    assert page.locator("#escalations .show-text").count() >= 1
    save_screenshot(page)

    first = page.locator("#escalations li").first
    first.locator(".show-text").click()
    excerpt = first.locator("blockquote.excerpt")
    excerpt.wait_for(timeout=WAIT_MS)
    assert any(t.startswith(excerpt.inner_text()) for t in texts + sample_texts(longer_than=0))
    assert page.locator("blockquote.excerpt").count() == 1  # only the one asked for

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
